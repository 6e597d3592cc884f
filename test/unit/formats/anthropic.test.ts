import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anthropicCodec as codec } from '../../../src/daemon/formats/anthropic/codec.js';
import { requiresAdaptiveThinking } from '../../../src/daemon/formats/anthropic/request.js';
import { InvalidRequest, UnsupportedContent, type PivotRequest, type PivotResponse, type StreamEvent } from '../../../src/daemon/formats/pivot/types.js';

type Obj = Record<string, unknown>;

/** A deep copy through JSON (what the relay gets from the wire). */
function wire<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** SSE bytes → [{event, data}]. */
function parseSse(text: string): Array<{ event: string | null; data: Obj }> {
  return text
    .split('\n\n')
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => {
      let event: string | null = null;
      let data = '';
      for (const line of chunk.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      return { event, data: JSON.parse(data) as Obj };
    });
}

function decodeAll(events: Array<[string, Obj]>): StreamEvent[] {
  const d = codec.streamDecoder();
  return [...events.flatMap(([name, data]) => d.event(name, JSON.stringify(data))), ...d.end()];
}

function encodeAll(req: PivotRequest, events: StreamEvent[]): string {
  const e = codec.streamEncoder(req);
  return events.map((ev) => e.event(ev)).join('') + e.end();
}

function basePivot(over: Partial<PivotRequest> = {}): PivotRequest {
  return { model: 'claude-sonnet-4-5', system: [], messages: [{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }], tools: [], stream: false, ...over };
}

const SIG = 'EqQBCkgIARABGAIiQL2+sig==';
const IMG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk';

/** A Claude-Code-shaped request: every content array in block form, as Claude Code sends it. */
function claudeCodeRequest(): Obj {
  const tools = Array.from({ length: 40 }, (_, i) => ({
    name: `Tool${i}`,
    description: `Tool number ${i}. `.repeat(50),
    input_schema: {
      type: 'object',
      properties: { path: { type: 'string', description: 'The absolute path' }, limit: { type: 'number' }, flags: { type: 'array', items: { type: 'string' } } },
      required: ['path'],
      additionalProperties: false,
      $schema: 'http://json-schema.org/draft-07/schema#',
    },
  }));
  (tools[39] as Obj)['cache_control'] = { type: 'ephemeral' };
  return {
    model: 'claude-sonnet-4-5-20250929',
    max_tokens: 32000,
    system: [
      { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude.", cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'You are an interactive CLI tool. '.repeat(200), cache_control: { type: 'ephemeral', ttl: '1h' } },
    ],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: '<system-reminder>context</system-reminder>' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: IMG } },
          { type: 'text', text: 'What is in this screenshot? Then read main.ts.' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'The user wants me to look at the image and read a file.', signature: SIG },
          { type: 'text', text: 'A login form. Reading the file.' },
          { type: 'tool_use', id: 'toolu_01A', name: 'Tool3', input: { path: '/src/main.ts', limit: 200 } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01A', content: [{ type: 'text', text: '1\tconsole.log("hi")' }], is_error: false },
          { type: 'text', text: 'Now fix it.', cache_control: { type: 'ephemeral' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT' },
          { type: 'tool_use', id: 'toolu_01B', name: 'Tool7', input: {} },
          { type: 'tool_use', id: 'toolu_01C', name: 'Tool8', input: { flags: ['-x'], path: '/a b/ü.txt' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01B', content: [{ type: 'text', text: 'permission denied' }], is_error: true },
          { type: 'tool_result', tool_use_id: 'toolu_01C', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }], cache_control: { type: 'ephemeral' } },
        ],
      },
    ],
    tools,
    thinking: { type: 'enabled', budget_tokens: 31999 },
    temperature: 1,
    metadata: { user_id: 'user_abc_account_123_session_456' },
    stream: true,
  };
}

describe('anthropic codec: requests', () => {
  it('decodes a Claude-Code-like request with nothing lost', () => {
    const body = claudeCodeRequest();
    const p = codec.decodeRequest(wire(body));
    assert.equal(p.model, 'claude-sonnet-4-5-20250929');
    assert.equal(p.maxTokens, 32000);
    assert.equal(p.stream, true);
    assert.equal(p.user, 'user_abc_account_123_session_456');
    assert.equal(p.temperature, 1);
    assert.deepEqual(p.reasoning, { budgetTokens: 31999, includeThoughts: true });
    assert.equal(p.system.length, 2);
    assert.deepEqual(p.system[1]?.cacheControl, { type: 'ephemeral', ttl: '1h' });
    assert.equal(p.tools.length, 40);
    assert.deepEqual(p.tools[39]?.cacheControl, { type: 'ephemeral' });
    assert.equal(p.tools[0]?.cacheControl, undefined);
    assert.deepEqual(p.messages[0]?.parts[1], { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: IMG } });
    assert.deepEqual(p.messages[1]?.parts[0], { type: 'thinking', text: 'The user wants me to look at the image and read a file.', signature: { family: 'anthropic', value: SIG } });
    assert.deepEqual(p.messages[1]?.parts[2], { type: 'tool_call', id: 'toolu_01A', name: 'Tool3', arguments: '{"path":"/src/main.ts","limit":200}' });
    assert.deepEqual(p.messages[2]?.parts[0], { type: 'tool_result', callId: 'toolu_01A', name: 'Tool3', content: [{ type: 'text', text: '1\tconsole.log("hi")' }], isError: false });
    assert.deepEqual(p.messages[2]?.parts[1], { type: 'text', text: 'Now fix it.', cacheControl: { type: 'ephemeral' } });
    assert.deepEqual(p.messages[3]?.parts[0], { type: 'thinking', text: '', redacted: { family: 'anthropic', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT' } });
    assert.equal((p.messages[4]?.parts[0] as { name?: string }).name, 'Tool7');
    assert.deepEqual(p.messages[4]?.parts[1], {
      type: 'tool_result',
      callId: 'toolu_01C',
      name: 'Tool8',
      content: [{ type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' } }],
      cacheControl: { type: 'ephemeral' },
    });
  });

  it('re-encodes a Claude-Code-like request to the same body, byte-identically every time', () => {
    const body = claudeCodeRequest();
    const p = codec.decodeRequest(wire(body));
    const out = codec.encodeRequest(p);
    assert.deepStrictEqual(out, body);
    const bytes = JSON.stringify(out);
    assert.ok(bytes.length > 50_000, 'the fixture is Claude-Code-sized');
    assert.equal(JSON.stringify(codec.encodeRequest(codec.decodeRequest(wire(body)))), bytes);
    // The pivot survives a trip through the wire format unchanged.
    assert.deepStrictEqual(codec.decodeRequest(wire(out)), p);
  });

  it('writes keys in a fixed order', () => {
    const out = codec.encodeRequest(
      basePivot({
        system: [{ type: 'text', text: 's' }],
        tools: [{ name: 't', parameters: { type: 'object' } }],
        toolChoice: { type: 'auto' },
        reasoning: { budgetTokens: 2000 },
        temperature: 1,
        stop: ['END'],
        user: 'u',
        stream: true,
        maxTokens: 10000,
      }),
    );
    assert.deepEqual(Object.keys(out), ['model', 'max_tokens', 'system', 'messages', 'tools', 'tool_choice', 'thinking', 'temperature', 'stop_sequences', 'metadata', 'stream']);
  });

  it('decodes string shorthands, adaptive thinking with effort, tool_choice and disabled thinking', () => {
    const p = codec.decodeRequest({
      model: 'claude-opus-4-6',
      max_tokens: 100,
      system: 'be brief',
      messages: [{ role: 'user', content: 'hello' }],
      tools: [{ type: 'custom', name: 'f', input_schema: { type: 'object' }, strict: true }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      thinking: { type: 'adaptive' },
      output_config: { effort: 'max' },
      top_k: 5,
      stop_sequences: ['STOP'],
      some_future_field: { x: 1 },
    });
    assert.deepEqual(p.system, [{ type: 'text', text: 'be brief' }]);
    assert.deepEqual(p.messages, [{ role: 'user', parts: [{ type: 'text', text: 'hello' }] }]);
    assert.deepEqual(p.tools, [{ name: 'f', parameters: { type: 'object' }, strict: true }]);
    assert.deepEqual(p.toolChoice, { type: 'required' });
    assert.equal(p.parallelToolCalls, false);
    assert.deepEqual(p.reasoning, { effort: 'high', includeThoughts: true });
    assert.equal(p.topK, 5);
    assert.deepEqual(p.stop, ['STOP']);
    assert.equal(p.stream, false);
    const off = codec.decodeRequest({ model: 'm', max_tokens: 1, messages: [], thinking: { type: 'disabled' } });
    assert.deepEqual(off.reasoning, { disabled: true });
    const tool = codec.decodeRequest({ model: 'm', max_tokens: 1, messages: [], tools: [{ name: 'f', input_schema: {} }], tool_choice: { type: 'tool', name: 'f' } });
    assert.deepEqual(tool.toolChoice, { type: 'tool', name: 'f' });
    assert.equal(tool.parallelToolCalls, undefined);
  });

  it('decodes documents: PDFs to file parts, plain-text documents to text', () => {
    const p = codec.decodeRequest({
      model: 'm',
      max_tokens: 1,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'spec.pdf', cache_control: { type: 'ephemeral' } },
            { type: 'document', source: { type: 'url', url: 'https://example.com/x.pdf' } },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain words' } },
          ],
        },
      ],
    });
    assert.deepEqual(p.messages[0]?.parts, [
      { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0=' }, cacheControl: { type: 'ephemeral' }, filename: 'spec.pdf' },
      { type: 'file', source: { kind: 'url', url: 'https://example.com/x.pdf' } },
      { type: 'text', text: 'plain words' },
    ]);
    const enc = codec.encodeRequest({ ...p, model: 'claude-sonnet-4-5' });
    assert.deepEqual((enc['messages'] as Obj[])[0]?.['content'], [
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'spec.pdf', cache_control: { type: 'ephemeral' } },
      { type: 'document', source: { type: 'url', url: 'https://example.com/x.pdf' } },
      { type: 'text', text: 'plain words' },
    ]);
  });

  it('refuses shapes that are not Anthropic requests, naming where', () => {
    const noMax = { model: 'm', messages: [] };
    assert.throws(() => codec.decodeRequest(noMax), (e: unknown) => e instanceof InvalidRequest && e.where === 'max_tokens');
    assert.throws(
      () => codec.decodeRequest({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: [{ type: 'text', text: 'b' }, { type: 'text' }] }] }),
      (e: unknown) => e instanceof InvalidRequest && e.where === 'messages[1].content[1].text',
    );
    assert.throws(() => codec.decodeRequest({ model: 'm', max_tokens: 5, messages: [{ role: 'tool', content: 'a' }] }), (e: unknown) => e instanceof InvalidRequest && e.where === 'messages[0].role');
    // A mid-conversation system message (Claude Code sends one) joins the system prompt.
    const mid = codec.decodeRequest({ model: 'm', max_tokens: 5, system: 'top', messages: [{ role: 'user', content: 'a' }, { role: 'system', content: 'mid' }] });
    assert.deepEqual(mid.system.map((p) => p.text), ['top', 'mid']);
    assert.equal(mid.messages.length, 1);
    assert.throws(() => codec.decodeRequest({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [42] }] }), (e: unknown) => e instanceof InvalidRequest && e.where === 'messages[0].content[0]');
    assert.throws(() => codec.decodeRequest({ model: 'm', max_tokens: 5, messages: 'hi' }), (e: unknown) => e instanceof InvalidRequest && e.where === 'messages');
    assert.throws(() => codec.decodeRequest({ max_tokens: 5, messages: [] }), (e: unknown) => e instanceof InvalidRequest && e.where === 'model');
  });

  it('refuses what the pivot cannot carry (server tools, server tool blocks), naming what and where', () => {
    assert.throws(
      () => codec.decodeRequest({ model: 'm', max_tokens: 5, messages: [], tools: [{ name: 'a', input_schema: { type: 'object' } }, { type: 'web_search_20250305', name: 'web_search' }] }),
      (e: unknown) => e instanceof UnsupportedContent && e.where === 'tools[1]' && e.what.includes('web_search_20250305'),
    );
    assert.throws(
      () =>
        codec.decodeRequest({
          model: 'm',
          max_tokens: 5,
          messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: [{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }] }],
        }),
      (e: unknown) => e instanceof UnsupportedContent && e.where === 'messages[1].content[0]' && e.what.includes('server_tool_use'),
    );
    assert.throws(
      () =>
        codec.decodeRequest({
          model: 'm',
          max_tokens: 5,
          messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: [{ type: 'search_result', source: 's', title: 't', content: [] }] }] }],
        }),
      (e: unknown) => e instanceof UnsupportedContent && e.where === 'messages[0].content[0].content[0]',
    );
  });
});

describe('anthropic codec: encoding a pivot from another format', () => {
  it('merges same-role messages, puts tool results first, drops other families\' thinking, maps ids', () => {
    const out = codec.encodeRequest(
      basePivot({
        messages: [
          { role: 'user', parts: [{ type: 'text', text: 'weather?' }] },
          {
            role: 'assistant',
            parts: [
              { type: 'thinking', text: 'gemini thought', signature: { family: 'gemini', value: 'GEMSIG' } },
              { type: 'thinking', text: 'openai', redacted: { family: 'openai', data: 'ENC' } },
              { type: 'text', text: '' },
              { type: 'tool_call', id: 'functions.get:0', name: 'get', arguments: '{"city":"Paris"}' },
            ],
          },
          { role: 'user', parts: [{ type: 'text', text: 'also this' }] },
          { role: 'user', parts: [{ type: 'tool_result', callId: 'functions.get:0', content: [{ type: 'text', text: 'sunny' }] }] },
          { role: 'assistant', parts: [{ type: 'thinking', text: 'only a thought', signature: { family: 'openai', value: 'X' } }] },
          { role: 'assistant', parts: [{ type: 'text', text: 'It is sunny.' }] },
        ],
        tools: [{ name: 'get', parameters: {} }],
      }),
    );
    assert.deepEqual(out['messages'], [
      { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'functions_get_0', name: 'get', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'functions_get_0', content: [{ type: 'text', text: 'sunny' }] }, { type: 'text', text: 'also this' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'It is sunny.' }] },
    ]);
    assert.deepEqual(out['tools'], [{ name: 'get', input_schema: { type: 'object', properties: {} } }]);
    const bytes = JSON.stringify(out);
    assert.ok(!bytes.includes('GEMSIG') && !bytes.includes('ENC'), 'no foreign signature is ever sent');
    assert.equal(out['max_tokens'], 8192);
  });

  it('maps reasoning effort to a budget, raises max_tokens above it, and drops sampling thinking refuses', () => {
    const out = codec.encodeRequest(basePivot({ reasoning: { effort: 'high' }, maxTokens: 1000, temperature: 0.2, topP: 0.5, topK: 40 }));
    assert.deepEqual(out['thinking'], { type: 'enabled', budget_tokens: 24576 });
    assert.equal(out['max_tokens'], 24576 + 4096);
    assert.equal(out['temperature'], undefined);
    assert.equal(out['top_p'], undefined);
    assert.equal(out['top_k'], undefined);
    const small = codec.encodeRequest(basePivot({ reasoning: { budgetTokens: 100 }, maxTokens: 50000 }));
    assert.deepEqual(small['thinking'], { type: 'enabled', budget_tokens: 1024 });
    assert.equal(small['max_tokens'], 50000);
    assert.equal(codec.encodeRequest(basePivot({ reasoning: { disabled: true } }))['thinking'], undefined);
    assert.equal(codec.encodeRequest(basePivot({ reasoning: { budgetTokens: 0 } }))['thinking'], undefined);
    assert.deepEqual(codec.encodeRequest(basePivot({ reasoning: { effort: 'minimal' }, maxTokens: 4000 }))['thinking'], { type: 'enabled', budget_tokens: 1024 });
  });

  it('uses adaptive thinking and no sampling parameters on models from 4.7 on', () => {
    const out = codec.encodeRequest(basePivot({ model: 'claude-opus-4-7', reasoning: { effort: 'medium', includeThoughts: true }, temperature: 0.3, maxTokens: 2000 }));
    assert.deepEqual(out['thinking'], { type: 'adaptive', display: 'summarized' });
    assert.deepEqual(out['output_config'], { effort: 'medium' });
    assert.equal(out['max_tokens'], 2000);
    assert.equal(out['temperature'], undefined);
    assert.ok(requiresAdaptiveThinking('claude-opus-4-8-20260501'));
    assert.ok(requiresAdaptiveThinking('us.anthropic.claude-opus-4-7-v1:0'));
    assert.ok(!requiresAdaptiveThinking('claude-sonnet-4-5-20250929'));
    assert.ok(!requiresAdaptiveThinking('claude-opus-4-20250514'));
    assert.ok(!requiresAdaptiveThinking('claude-3-7-sonnet-latest'));
    assert.ok(!requiresAdaptiveThinking('gpt-5'));
  });

  it('leaves thinking off when Anthropic would refuse it (forced tool, foreign tool loop)', () => {
    const tools = [{ name: 'f', parameters: { type: 'object' } }];
    const forced = codec.encodeRequest(basePivot({ tools, toolChoice: { type: 'required' }, reasoning: { effort: 'low' } }));
    assert.equal(forced['thinking'], undefined);
    assert.deepEqual(forced['tool_choice'], { type: 'any' });
    const loop = codec.encodeRequest(
      basePivot({
        tools,
        reasoning: { effort: 'low' },
        messages: [
          { role: 'user', parts: [{ type: 'text', text: 'go' }] },
          { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'f', arguments: '{}' }] },
          { role: 'user', parts: [{ type: 'tool_result', callId: 'call_1', content: [{ type: 'text', text: 'ok' }] }] },
        ],
      }),
    );
    assert.equal(loop['thinking'], undefined);
  });

  it('maps tool choice, parallel calls, response format, user and stop', () => {
    const tools = [{ name: 'f', parameters: { type: 'object' } }];
    assert.deepEqual(codec.encodeRequest(basePivot({ tools, toolChoice: { type: 'tool', name: 'f' }, parallelToolCalls: false }))['tool_choice'], { type: 'tool', name: 'f', disable_parallel_tool_use: true });
    assert.deepEqual(codec.encodeRequest(basePivot({ tools, toolChoice: { type: 'none' } }))['tool_choice'], { type: 'none' });
    assert.deepEqual(codec.encodeRequest(basePivot({ tools, parallelToolCalls: false }))['tool_choice'], { type: 'auto', disable_parallel_tool_use: true });
    assert.equal(codec.encodeRequest(basePivot({ toolChoice: { type: 'required' } }))['tool_choice'], undefined, 'no tool_choice without tools');
    const json = codec.encodeRequest(
      basePivot({
        system: [{ type: 'text', text: 'sys' }],
        responseFormat: { type: 'json_schema', name: 'x', schema: { type: 'object', properties: { a: { type: 'string' } } } },
        user: 'end-user-1',
        stop: ['###'],
        seed: 7,
        presencePenalty: 1,
        frequencyPenalty: 1,
        temperature: 1.7,
      }),
    );
    assert.deepEqual(json['system'], [
      { type: 'text', text: 'sys' },
      { type: 'text', text: 'Respond with only a JSON object that matches this JSON Schema: {"type":"object","properties":{"a":{"type":"string"}}}' },
    ]);
    assert.deepEqual(json['metadata'], { user_id: 'end-user-1' });
    assert.deepEqual(json['stop_sequences'], ['###']);
    assert.equal(json['temperature'], 1, 'clamped to Anthropic range');
    assert.ok(!('seed' in json) && !('presence_penalty' in json) && !('frequency_penalty' in json));
    assert.deepEqual(codec.encodeRequest(basePivot({ responseFormat: { type: 'json_object' } }))['system'], [{ type: 'text', text: 'Respond with only a JSON object.' }]);
  });

  it('encodes media: images base64/url, PDFs as documents, refuses other files', () => {
    const out = codec.encodeRequest(
      basePivot({
        messages: [
          {
            role: 'user',
            parts: [
              { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: 'AAA' }, detail: 'high' },
              { type: 'image', source: { kind: 'url', url: 'https://x/y.png' } },
              { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' }, filename: 'a.pdf' },
            ],
          },
        ],
      }),
    );
    assert.deepEqual((out['messages'] as Obj[])[0]?.['content'], [
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAA' } },
      { type: 'image', source: { type: 'url', url: 'https://x/y.png' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' }, title: 'a.pdf' },
    ]);
    assert.throws(
      () => codec.encodeRequest(basePivot({ messages: [{ role: 'user', parts: [{ type: 'text', text: 'x' }, { type: 'file', source: { kind: 'base64', mediaType: 'audio/wav', data: 'UklG' } }] }] })),
      (e: unknown) => e instanceof UnsupportedContent && e.where === 'messages[0].parts[1]' && e.target === 'anthropic',
    );
  });

  it('is deterministic for a foreign pivot', () => {
    const p = basePivot({ tools: [{ name: 'f', description: 'd', parameters: { type: 'object', properties: { b: {}, a: {} } } }], reasoning: { effort: 'low' }, topP: 0.99, stream: true });
    assert.equal(JSON.stringify(codec.encodeRequest(p)), JSON.stringify(codec.encodeRequest(wire(p))));
  });
});

describe('anthropic codec: responses', () => {
  const body = {
    id: 'msg_01XYZ',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content: [
      { type: 'thinking', thinking: 'Let me check.', signature: SIG },
      { type: 'text', text: 'Checking the weather.' },
      { type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: { city: 'Paris' } },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 12, cache_creation_input_tokens: 100, cache_read_input_tokens: 2000, output_tokens: 80 },
  };

  it('decodes a message with usage in pivot meaning', () => {
    const r = codec.decodeResponse(wire(body));
    assert.equal(r.id, 'msg_01XYZ');
    assert.equal(r.stopReason, 'tool_use');
    assert.deepEqual(r.parts, [
      { type: 'thinking', text: 'Let me check.', signature: { family: 'anthropic', value: SIG } },
      { type: 'text', text: 'Checking the weather.' },
      { type: 'tool_call', id: 'toolu_9', name: 'get_weather', arguments: '{"city":"Paris"}' },
    ]);
    assert.deepEqual(r.usage, { inputTokens: 2112, outputTokens: 80, totalTokens: 2192, cachedTokens: 2000, cacheWriteTokens: 100, reasoningTokens: null });
  });

  it('round-trips a message', () => {
    const r = codec.decodeResponse(wire(body));
    assert.deepStrictEqual(codec.encodeResponse(r, basePivot()), body);
  });

  it('maps stop reasons both ways', () => {
    const dec = (s: string | null): string => codec.decodeResponse({ ...body, stop_reason: s }).stopReason;
    assert.equal(dec('end_turn'), 'end');
    assert.equal(dec('max_tokens'), 'max_tokens');
    assert.equal(dec('refusal'), 'refusal');
    assert.equal(dec('pause_turn'), 'end');
    const seq = codec.decodeResponse({ ...body, stop_reason: 'stop_sequence', stop_sequence: '###' });
    assert.equal(seq.stopReason, 'stop_sequence');
    assert.equal(seq.stopSequence, '###');
    assert.equal(codec.encodeResponse(seq, basePivot())['stop_sequence'], '###');
  });

  it('encodes a foreign response: msg_ id, no unsigned thinking, tool_use stop, input tokens never negative', () => {
    const res: PivotResponse = {
      id: 'chatcmpl-123',
      model: 'gpt-5',
      parts: [
        { type: 'thinking', text: 'hidden reasoning', signature: { family: 'openai', value: 'OAISIG' } },
        { type: 'thinking', text: 'plain reasoning' },
        { type: 'text', text: 'Calling.' },
        { type: 'tool_call', id: 'call_1', name: 'f', arguments: '{"a":1}' },
      ],
      stopReason: 'end',
      usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15, cachedTokens: 30, cacheWriteTokens: null, reasoningTokens: 2 },
    };
    const out = codec.encodeResponse(res, basePivot());
    assert.deepEqual(out, {
      id: 'msg_chatcmpl-123',
      type: 'message',
      role: 'assistant',
      model: 'gpt-5',
      content: [
        { type: 'text', text: 'Calling.' },
        { type: 'tool_use', id: 'call_1', name: 'f', input: { a: 1 } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 30, output_tokens: 5 },
    });
  });

  it('encodes errors with Anthropic error types', () => {
    const t = (s: number): unknown => (codec.encodeError(s, 'x', 'msg')['error'] as Obj)['type'];
    assert.deepEqual(codec.encodeError(400, 'invalid_request', 'bad'), { type: 'error', error: { type: 'invalid_request_error', message: 'bad', code: 'invalid_request' } });
    assert.equal(t(401), 'authentication_error');
    assert.equal(t(403), 'permission_error');
    assert.equal(t(404), 'not_found_error');
    assert.equal(t(413), 'request_too_large');
    assert.equal(t(429), 'rate_limit_error');
    assert.equal(t(500), 'api_error');
    assert.equal(t(502), 'api_error');
    assert.equal(t(529), 'overloaded_error');
  });
});

/** A stream as the Anthropic API sends it: thinking with a signature, text, a tool call in fragments. */
const REAL_STREAM: Array<[string, Obj]> = [
  [
    'message_start',
    {
      type: 'message_start',
      message: {
        id: 'msg_01Stream',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5-20250929',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 1000, output_tokens: 1 },
      },
    },
  ],
  ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }],
  ['ping', { type: 'ping' }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'I should ' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'call the tool.' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: SIG } }],
  ['content_block_stop', { type: 'content_block_stop', index: 0 }],
  ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Let me look.' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 1 }],
  ['content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_01T', name: 'get_weather', input: {} } }],
  ['content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"city": "Pa' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: 'ris"}' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 2 }],
  ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 89 } }],
  ['message_stop', { type: 'message_stop' }],
];

const REAL_EVENTS: StreamEvent[] = [
  { type: 'start', id: 'msg_01Stream', model: 'claude-sonnet-4-5-20250929', usage: { inputTokens: 1020, outputTokens: 1, totalTokens: 1021, cachedTokens: 1000, cacheWriteTokens: 0, reasoningTokens: null } },
  { type: 'thinking_delta', text: 'I should ' },
  { type: 'thinking_delta', text: 'call the tool.' },
  { type: 'thinking_signature', family: 'anthropic', signature: SIG },
  { type: 'text_delta', text: 'Let me look.' },
  { type: 'tool_call_start', index: 0, id: 'toolu_01T', name: 'get_weather' },
  { type: 'tool_call_delta', index: 0, argumentsDelta: '{"city": "Pa' },
  { type: 'tool_call_delta', index: 0, argumentsDelta: 'ris"}' },
  { type: 'tool_call_end', index: 0 },
  { type: 'stop', reason: 'tool_use' },
  { type: 'usage', usage: { inputTokens: 1020, outputTokens: 89, totalTokens: 1109, cachedTokens: 1000, cacheWriteTokens: 0, reasoningTokens: null } },
];

describe('anthropic codec: stream decoder', () => {
  it('decodes a real-shaped stream', () => {
    assert.deepStrictEqual(decodeAll(REAL_STREAM), REAL_EVENTS);
  });

  it('decodes redacted thinking, stop sequences, errors, and notices a cut-off stream', () => {
    const evs = decodeAll([
      ['message_start', { type: 'message_start', message: { id: 'msg_1', model: 'm', usage: { input_tokens: 5, output_tokens: 0 } } }],
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'redacted_thinking', data: 'REDACTED' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'stop_sequence', stop_sequence: '###' }, usage: { output_tokens: 3 } }],
      ['message_stop', { type: 'message_stop' }],
    ]);
    assert.deepEqual(evs.slice(1, 3), [
      { type: 'redacted_thinking', family: 'anthropic', data: 'REDACTED' },
      { type: 'stop', reason: 'stop_sequence', stopSequence: '###' },
    ]);
    const err = decodeAll([
      ['message_start', { type: 'message_start', message: { id: 'msg_1', model: 'm' } }],
      ['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }],
    ]);
    assert.deepEqual(err[1], { type: 'error', message: 'Overloaded', code: 'overloaded_error', status: 529 });
    assert.equal(err.length, 2);
    const cut = decodeAll([['message_start', { type: 'message_start', message: { id: 'msg_1', model: 'm' } }]]);
    assert.equal(cut[1]?.type, 'error');
  });

  it('throws on data that is not JSON (a bad upstream for the relay)', () => {
    assert.throws(() => codec.streamDecoder().event('message_start', '{not json'));
  });
});

describe('anthropic codec: stream encoder', () => {
  it('re-encodes a decoded Anthropic stream to the same events', () => {
    const out = parseSse(encodeAll(basePivot(), REAL_EVENTS));
    const expected = REAL_STREAM.filter(([n, d]) => n !== 'ping' && !(n === 'content_block_delta' && (d['delta'] as Obj)['partial_json'] === ''));
    assert.deepEqual(
      out.map((e) => e.event),
      expected.map(([n]) => n),
    );
    for (const e of out) assert.equal(e.event, e.data['type']);
    // Content blocks and deltas are the same; usage carries the whole picture at the end.
    assert.deepEqual(out.slice(1, -2), wire(expected.slice(1, -2)).map(([n, d]) => ({ event: n, data: d })));
    assert.deepEqual(out.at(-2)?.data, {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 1000, output_tokens: 89 },
    });
    assert.deepEqual(decodeAll(out.map((e) => [e.event ?? '', e.data])), REAL_EVENTS.map((e) => (e.type === 'start' ? { ...e, usage: { ...e.usage!, outputTokens: 0, totalTokens: 1020 } } : e)));
  });

  it('holds message_delta for usage that comes after the stop (OpenAI order)', () => {
    const enc = codec.streamEncoder(basePivot({ model: 'client-model' }));
    const chunks = [
      enc.event({ type: 'start', id: 'chatcmpl-9', model: 'gpt-5', created: 1700000000 }),
      enc.event({ type: 'text_delta', text: 'Hel' }),
      enc.event({ type: 'text_delta', text: 'lo' }),
      enc.event({ type: 'tool_call_start', index: 0, id: 'call_a', name: 'f' }),
      enc.event({ type: 'tool_call_delta', index: 0, argumentsDelta: '{"x":' }),
      enc.event({ type: 'tool_call_delta', index: 0, argumentsDelta: '1}' }),
      enc.event({ type: 'tool_call_end', index: 0 }),
      enc.event({ type: 'stop', reason: 'tool_use' }),
    ];
    const beforeUsage = parseSse(chunks.join(''));
    assert.ok(!beforeUsage.some((e) => e.event === 'message_delta'), 'message_delta waits for the usage');
    chunks.push(enc.event({ type: 'usage', usage: { inputTokens: 50, outputTokens: 7, totalTokens: 57, cachedTokens: 40, cacheWriteTokens: null, reasoningTokens: 0 } }));
    chunks.push(enc.end());
    const evs = parseSse(chunks.join(''));
    assert.deepEqual(
      evs.map((e) => e.event),
      ['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'],
    );
    const start = evs[0]?.data['message'] as Obj;
    assert.equal(start['id'], 'msg_chatcmpl-9');
    assert.equal(start['model'], 'gpt-5');
    assert.deepEqual(start['content'], []);
    assert.equal(start['stop_reason'], null);
    assert.deepEqual(evs[5]?.data, { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_a', name: 'f', input: {} } });
    assert.deepEqual(evs[6]?.data, { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"x":' } });
    assert.deepEqual(evs[9]?.data, {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 40, output_tokens: 7 },
    });
    assert.equal(enc.end(), '', 'end is safe to call again');
  });

  it('flushes the held message_delta at end() when no usage comes, with exactly one message_stop', () => {
    const text = encodeAll(basePivot(), [
      { type: 'start', id: 'x', model: 'm' },
      { type: 'text_delta', text: 'hi' },
      { type: 'stop', reason: 'max_tokens' },
    ]);
    const evs = parseSse(text);
    assert.equal(evs.filter((e) => e.event === 'message_stop').length, 1);
    assert.equal(evs.at(-1)?.event, 'message_stop');
    assert.deepEqual((evs.at(-2)?.data['delta'] as Obj)['stop_reason'], 'max_tokens');
  });

  it('never lets another family\'s signature or redacted data through', () => {
    const text = encodeAll(basePivot(), [
      { type: 'start', id: 'x', model: 'gemini-2.5-pro' },
      { type: 'thinking_delta', text: 'thinking out loud' },
      { type: 'thinking_signature', family: 'gemini', signature: 'GEMINI_SIG' },
      { type: 'redacted_thinking', family: 'openai', data: 'OPENAI_ENC' },
      { type: 'tool_call_start', index: 0, id: 'c1', name: 'f', signature: { family: 'gemini', value: 'GEMINI_FC_SIG' } },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{}' },
      { type: 'stop', reason: 'end' },
    ]);
    assert.ok(!text.includes('GEMINI_SIG') && !text.includes('OPENAI_ENC') && !text.includes('GEMINI_FC_SIG'));
    const evs = parseSse(text);
    // Thinking without an Anthropic signature is not sent: Anthropic would refuse it when the client sends it back.
    assert.ok(!text.includes('thinking out loud'));
    assert.ok(!evs.some((e) => (e.data['content_block'] as Obj | undefined)?.['type'] === 'thinking'));
    assert.deepEqual((evs[1]?.data['content_block'] as Obj)['type'], 'tool_use');
    assert.equal((evs.at(-2)?.data['delta'] as Obj)['stop_reason'], 'tool_use', 'a turn with tool calls stops with tool_use');
  });

  it('synthesizes message_start when the upstream gave none, and keeps interleaved tool calls sequential', () => {
    const evs = parseSse(
      encodeAll(basePivot({ model: 'the-model' }), [
        { type: 'tool_call_start', index: 0, id: 'a', name: 'f' },
        { type: 'tool_call_start', index: 1, id: 'b', name: 'g' },
        { type: 'tool_call_delta', index: 1, argumentsDelta: '{"b":2}' },
        { type: 'tool_call_delta', index: 0, argumentsDelta: '{"a":1}' },
        { type: 'tool_call_end', index: 1 },
        { type: 'tool_call_end', index: 0 },
        { type: 'stop', reason: 'tool_use' },
      ]),
    );
    assert.equal(evs[0]?.event, 'message_start');
    const msg = evs[0]?.data['message'] as Obj;
    assert.match(String(msg['id']), /^msg_/);
    assert.equal(msg['model'], 'the-model');
    assert.deepEqual(
      evs.slice(1, -2).map((e) => e.data),
      [
        { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'a', name: 'f', input: {} } },
        { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":1}' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'b', name: 'g', input: {} } },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"b":2}' } },
        { type: 'content_block_stop', index: 1 },
      ],
    );
  });

  it('ends with the error event after an error: nothing more, no message_stop', () => {
    const enc = codec.streamEncoder(basePivot());
    let text = enc.event({ type: 'start', id: 'msg_1', model: 'm' }) + enc.event({ type: 'text_delta', text: 'partial' });
    text += enc.event({ type: 'error', message: 'upstream broke off', code: 'upstream_error' });
    text += enc.event({ type: 'text_delta', text: 'late' });
    text += enc.end();
    const evs = parseSse(text);
    assert.deepEqual(evs.at(-1), { event: 'error', data: { type: 'error', error: { type: 'api_error', message: 'upstream broke off' } } });
    assert.ok(!evs.some((e) => e.event === 'message_stop'));
    assert.ok(!text.includes('late'));
    const rate = parseSse(codec.streamEncoder(basePivot()).event({ type: 'error', message: 'slow down', code: 'rate_limited', status: 429 }));
    assert.deepEqual(rate[0]?.data, { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
  });
});
