import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openAIResponsesCodec as codec } from '../../../src/daemon/formats/openai-responses/codec.js';
import { InvalidRequest, UnsupportedContent, type PivotRequest, type PivotResponse, type StreamEvent } from '../../../src/daemon/formats/pivot/types.js';

// ---------------------------------------------------------------- helpers

interface Sse {
  name: string;
  data: Record<string, unknown>;
}

/** Parses `event: X\ndata: JSON\n\n` bytes into events. */
function parseSse(text: string): Sse[] {
  const out: Sse[] = [];
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue;
    let name = '';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) name = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    out.push({ name, data: JSON.parse(data) as Record<string, unknown> });
  }
  return out;
}

function sse(events: Array<Record<string, unknown>>): string {
  return events.map((e) => `event: ${String(e['type'])}\ndata: ${JSON.stringify(e)}\n\n`).join('');
}

/** Runs a stream through the decoder: each SSE block as (name, data), then end(). */
function decodeStream(text: string): StreamEvent[] {
  const d = codec.streamDecoder();
  const out: StreamEvent[] = [];
  for (const e of parseSse(text)) out.push(...d.event(e.name, JSON.stringify(e.data)));
  out.push(...d.end());
  return out;
}

function encodeStream(req: PivotRequest, events: StreamEvent[]): string {
  const enc = codec.streamEncoder(req);
  return events.map((e) => enc.event(e)).join('') + enc.end();
}

const obj = (v: unknown): Record<string, unknown> => v as Record<string, unknown>;
const arr = (v: unknown): Array<Record<string, unknown>> => v as Array<Record<string, unknown>>;

const USAGE = { inputTokens: 100, outputTokens: 50, totalTokens: 150, cachedTokens: 40, cacheWriteTokens: null, reasoningTokens: 20 };

// ---------------------------------------------------------------- a Codex-like request

const APPLY_PATCH_GRAMMAR = 'start: begin_patch hunk+ end_patch\nbegin_patch: "*** Begin Patch" LF';

function codexRequest(): Record<string, unknown> {
  return {
    model: 'gpt-5-codex',
    instructions: 'You are Codex, a coding agent.',
    input: [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: '<permissions instructions>sandboxed</permissions instructions>' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context>cwd=/repo</environment_context>' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'fix the failing test' }] },
      { type: 'reasoning', summary: [{ type: 'summary_text', text: '**Looking around**' }], content: null, encrypted_content: 'gAAAA-enc-1' },
      { type: 'function_call', name: 'shell_command', arguments: '{"command":"ls"}', call_id: 'call_1' },
      { type: 'function_call_output', call_id: 'call_1', output: 'a.ts\nb.ts' },
      { type: 'custom_tool_call', status: 'completed', call_id: 'call_2', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' },
      { type: 'custom_tool_call_output', call_id: 'call_2', output: 'Success' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Fixed.' }] },
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'approval policy changed' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'thanks' }] },
    ],
    tools: [
      { type: 'function', name: 'shell_command', description: 'Runs a shell command.', strict: false, parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } },
      { type: 'custom', name: 'apply_patch', description: 'Edit files.', format: { type: 'grammar', syntax: 'lark', definition: APPLY_PATCH_GRAMMAR } },
      { type: 'web_search', external_web_access: false },
    ],
    tool_choice: 'auto',
    parallel_tool_calls: true,
    reasoning: { effort: 'medium', summary: 'auto' },
    store: false,
    stream: true,
    include: ['reasoning.encrypted_content'],
    prompt_cache_key: '019a-thread',
    text: { verbosity: 'low' },
  };
}

describe('openai-responses: decodeRequest', () => {
  it('decodes a Codex request into the pivot', () => {
    const req = codec.decodeRequest(codexRequest());
    assert.equal(req.model, 'gpt-5-codex');
    assert.equal(req.stream, true);
    assert.deepEqual(req.system, [
      { type: 'text', text: 'You are Codex, a coding agent.' },
      { type: 'text', text: '<permissions instructions>sandboxed</permissions instructions>' },
    ]);
    assert.deepEqual(req.messages, [
      {
        role: 'user',
        parts: [
          { type: 'text', text: '<environment_context>cwd=/repo</environment_context>' },
          { type: 'text', text: 'fix the failing test' },
        ],
      },
      {
        role: 'assistant',
        parts: [
          { type: 'thinking', text: '**Looking around**', redacted: { family: 'openai', data: 'gAAAA-enc-1' } },
          { type: 'tool_call', id: 'call_1', name: 'shell_command', arguments: '{"command":"ls"}' },
        ],
      },
      { role: 'user', parts: [{ type: 'tool_result', callId: 'call_1', content: [{ type: 'text', text: 'a.ts\nb.ts' }], name: 'shell_command' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_2', name: 'apply_patch', arguments: '{"input":"*** Begin Patch\\n*** End Patch"}' }] },
      { role: 'user', parts: [{ type: 'tool_result', callId: 'call_2', content: [{ type: 'text', text: 'Success' }], name: 'apply_patch' }] },
      { role: 'assistant', parts: [{ type: 'text', text: 'Fixed.' }] },
      {
        role: 'user',
        parts: [
          { type: 'text', text: 'approval policy changed' },
          { type: 'text', text: 'thanks' },
        ],
      },
    ]);
    // web_search dropped; the custom tool is a function taking one string
    assert.deepEqual(
      req.tools.map((t) => t.name),
      ['shell_command', 'apply_patch'],
    );
    const patch = req.tools[1]!;
    assert.deepEqual(patch.parameters, { type: 'object', properties: { input: { type: 'string', description: 'The raw input for this tool, as plain text.' } }, required: ['input'], additionalProperties: false });
    assert.ok(patch.description?.startsWith('Edit files.\n\n'));
    assert.ok(patch.description?.includes(APPLY_PATCH_GRAMMAR));
    assert.equal(req.tools[0]!.strict, false);
    assert.deepEqual(req.toolChoice, { type: 'auto' });
    assert.equal(req.parallelToolCalls, true);
    assert.deepEqual(req.reasoning, { effort: 'medium', includeThoughts: true });
    assert.equal(req.responseFormat, undefined);
  });

  it('re-encodes a Codex request deterministically', () => {
    const a = JSON.stringify(codec.encodeRequest(codec.decodeRequest(codexRequest())));
    const b = JSON.stringify(codec.encodeRequest(codec.decodeRequest(codexRequest())));
    assert.equal(a, b);
    const body = JSON.parse(a) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['model', 'instructions', 'input', 'tools', 'tool_choice', 'parallel_tool_calls', 'reasoning', 'include', 'stream', 'store']);
    assert.equal(body['instructions'], 'You are Codex, a coding agent.\n\n<permissions instructions>sandboxed</permissions instructions>');
    assert.deepEqual(body['reasoning'], { effort: 'medium', summary: 'auto' });
    assert.deepEqual(body['include'], ['reasoning.encrypted_content']);
    assert.equal(body['store'], false);
    const input = arr(body['input']);
    assert.deepEqual(
      input.map((i) => i['type']),
      ['message', 'reasoning', 'function_call', 'function_call_output', 'function_call', 'function_call_output', 'message', 'message'],
    );
    assert.deepEqual(input[1], { type: 'reasoning', summary: [{ type: 'summary_text', text: '**Looking around**' }], encrypted_content: 'gAAAA-enc-1' });
    assert.deepEqual(input[2], { type: 'function_call', call_id: 'call_1', name: 'shell_command', arguments: '{"command":"ls"}' });
    assert.deepEqual(input[3], { type: 'function_call_output', call_id: 'call_1', output: 'a.ts\nb.ts' });
    assert.deepEqual(input[6], { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Fixed.' }] });
    const tools = arr(body['tools']);
    assert.deepEqual(tools[0], { type: 'function', name: 'shell_command', description: 'Runs a shell command.', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] }, strict: false });
    // a decoded re-encoding is a fixed point
    const again = codec.encodeRequest(codec.decodeRequest(JSON.parse(a) as Record<string, unknown>));
    assert.equal(JSON.stringify(again), a);
  });

  it('takes a string input as one user message and reads the sampling fields', () => {
    const req = codec.decodeRequest({
      model: 'm',
      input: 'hi',
      max_output_tokens: 500,
      temperature: 0.2,
      top_p: 0.9,
      user: 'u-1',
      tool_choice: { type: 'function', name: 'f' },
      tools: [{ type: 'function', name: 'f', parameters: null, strict: null, description: null }],
      text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
      reasoning: { effort: 'none' },
    });
    assert.deepEqual(req.messages, [{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }]);
    assert.equal(req.stream, false);
    assert.equal(req.maxTokens, 500);
    assert.equal(req.temperature, 0.2);
    assert.equal(req.topP, 0.9);
    assert.equal(req.user, 'u-1');
    assert.deepEqual(req.toolChoice, { type: 'tool', name: 'f' });
    assert.deepEqual(req.tools, [{ name: 'f', parameters: { type: 'object', properties: {} } }]);
    assert.deepEqual(req.responseFormat, { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true });
    assert.deepEqual(req.reasoning, { disabled: true });
    // only hosted web search offered: it is dropped, and a choice among no tools with it
    const bare = codec.decodeRequest({ model: 'm', input: 'x', tools: [{ type: 'web_search' }], tool_choice: 'auto', reasoning: { effort: 'xhigh', summary: 'detailed' } });
    assert.deepEqual(bare.tools, []);
    assert.equal(bare.toolChoice, undefined);
    assert.deepEqual(bare.reasoning, { effort: 'high', includeThoughts: true });
  });

  it('decodes images, files and tool outputs with images', () => {
    const req = codec.decodeRequest({
      model: 'm',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' },
            { type: 'input_image', image_url: 'https://x/y.png' },
            { type: 'input_file', file_data: 'data:application/pdf;base64,JVBE', filename: 'a.pdf' },
            { type: 'input_file', file_data: 'JVBE', filename: 'b.pdf' },
            { type: 'input_file', file_url: 'https://x/c.pdf' },
          ],
        },
        { type: 'function_call', call_id: 'c1', name: 'shot', arguments: '{}', id: 'fc_x' },
        { type: 'function_call_output', call_id: 'c1', output: [{ type: 'input_text', text: 'see' }, { type: 'input_image', image_url: 'data:image/jpeg;base64,BBBB' }] },
      ],
    });
    assert.deepEqual(req.messages[0]!.parts, [
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' }, detail: 'low' },
      { type: 'image', source: { kind: 'url', url: 'https://x/y.png' } },
      { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' }, filename: 'a.pdf' },
      { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' }, filename: 'b.pdf' },
      { type: 'file', source: { kind: 'url', url: 'https://x/c.pdf' } },
    ]);
    assert.deepEqual(req.messages[2], {
      role: 'user',
      parts: [
        {
          type: 'tool_result',
          callId: 'c1',
          name: 'shot',
          content: [
            { type: 'text', text: 'see' },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: 'BBBB' } },
          ],
        },
      ],
    });
  });

  it('flattens namespace tools and namespaced calls', () => {
    const req = codec.decodeRequest({
      model: 'm',
      input: [{ type: 'function_call', namespace: 'collab', name: 'spawn', call_id: 'c', arguments: '{}' }],
      tools: [{ type: 'namespace', name: 'collab', description: 'agents', tools: [{ type: 'function', name: 'spawn', parameters: { type: 'object' } }] }],
    });
    assert.equal(req.tools[0]!.name, 'collab__spawn');
    assert.deepEqual(req.messages[0]!.parts[0], { type: 'tool_call', id: 'c', name: 'collab__spawn', arguments: '{}' });
  });

  it('refuses what the pivot cannot carry, naming where', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ model: 'm', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] }, 'input[0].content[0]'],
      [{ model: 'm', input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file-1' }] }] }, 'input[0].content[0]'],
      [{ model: 'm', input: [{ role: 'user', content: 'x' }, { type: 'web_search_call', id: 'ws_1', status: 'completed' }] }, 'input[1]'],
      [{ model: 'm', input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0]'],
      [{ model: 'm', input: [{ id: 'msg_1' }] }, 'input[0]'],
      [{ model: 'm', input: [{ type: 'local_shell_call', call_id: 'c', action: {} }] }, 'input[0]'],
      [{ model: 'm', input: [{ type: 'compaction', encrypted_content: 'x' }] }, 'input[0]'],
      [{ model: 'm', input: 'x', tools: [{ type: 'file_search', vector_store_ids: ['vs'] }] }, 'tools[0]'],
      [{ model: 'm', input: 'x', tools: [{ type: 'local_shell' }] }, 'tools[0]'],
      [{ model: 'm', input: 'x', tool_choice: { type: 'web_search_preview' } }, 'tool_choice'],
    ];
    for (const [body, where] of cases) {
      assert.throws(
        () => codec.decodeRequest(body),
        (e: unknown) => e instanceof UnsupportedContent && e.where === where && e.message.includes(where),
        where,
      );
    }
  });

  it('explains previous_response_id and rejects malformed shapes', () => {
    assert.throws(
      () => codec.decodeRequest({ model: 'm', input: 'x', previous_response_id: 'resp_1' }),
      (e: unknown) => e instanceof InvalidRequest && e.where === 'previous_response_id' && /openai-responses provider unchanged/.test(e.message) && /whole conversation/.test(e.message),
    );
    assert.throws(() => codec.decodeRequest({ input: 'x' }), InvalidRequest);
    assert.throws(() => codec.decodeRequest({ model: 'm' }), InvalidRequest);
    assert.throws(() => codec.decodeRequest({ model: 'm', input: 3 }), InvalidRequest);
    assert.throws(() => codec.decodeRequest({ model: 'm', input: 'x', temperature: 'hot' }), InvalidRequest);
    assert.throws(() => codec.decodeRequest({ model: 'm', input: [{ type: 'function_call', name: 'f' }] }), InvalidRequest);
  });
});

// ---------------------------------------------------------------- encodeRequest

function pivotRequest(): PivotRequest {
  return {
    model: 'gpt-5',
    system: [{ type: 'text', text: 'Be brief.' }],
    messages: [
      {
        role: 'user',
        parts: [
          { type: 'text', text: 'look' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' }, detail: 'high' },
          { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' }, filename: 'a.pdf' },
        ],
      },
      {
        role: 'assistant',
        parts: [
          { type: 'thinking', text: 'hmm', redacted: { family: 'openai', data: 'enc' }, itemId: 'rs_1' },
          { type: 'text', text: 'calling' },
          { type: 'tool_call', id: 'call_1', name: 'f', arguments: '{"a":1}' },
        ],
      },
      { role: 'user', parts: [{ type: 'tool_result', callId: 'call_1', name: 'f', content: [{ type: 'text', text: 'done' }] }] },
    ],
    tools: [{ name: 'f', description: 'does f', parameters: { type: 'object', properties: { a: { type: 'number' } } } }],
    toolChoice: { type: 'required' },
    parallelToolCalls: false,
    maxTokens: 1000,
    temperature: 0.5,
    topP: 0.8,
    reasoning: { effort: 'high', includeThoughts: true },
    responseFormat: { type: 'json_object' },
    stream: true,
    user: 'u',
  };
}

describe('openai-responses: encodeRequest', () => {
  it('writes keys in a fixed order and round-trips through decodeRequest', () => {
    const req = pivotRequest();
    const body = codec.encodeRequest(req);
    assert.deepEqual(Object.keys(body), ['model', 'instructions', 'input', 'tools', 'tool_choice', 'parallel_tool_calls', 'max_output_tokens', 'temperature', 'top_p', 'reasoning', 'include', 'text', 'user', 'stream', 'store']);
    assert.deepEqual(body['input'], [
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'look' },
          { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'high' },
          { type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBE' },
        ],
      },
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'hmm' }], encrypted_content: 'enc' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'calling' }] },
      { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{"a":1}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'done' },
    ]);
    assert.deepEqual(body['text'], { format: { type: 'json_object' } });
    assert.equal(JSON.stringify(codec.encodeRequest(pivotRequest())), JSON.stringify(body));
    const back = codec.decodeRequest(JSON.parse(JSON.stringify(body)) as Record<string, unknown>);
    assert.deepEqual(back, { ...req, tools: [{ ...req.tools[0]!, strict: false }] });
  });

  it('maps budgets to effort, drops other families\u2019 thinking and unsupported sampling, sends images in tool output as content', () => {
    const body = codec.encodeRequest({
      model: 'gpt-5',
      system: [],
      messages: [
        { role: 'assistant', parts: [{ type: 'thinking', text: 'claude thought', signature: { family: 'anthropic', value: 'sig' } }, { type: 'tool_call', id: 'toolu_1', name: 'shot', arguments: '{}' }] },
        { role: 'user', parts: [{ type: 'tool_result', callId: 'toolu_1', content: [{ type: 'text', text: 'here' }, { type: 'image', source: { kind: 'url', url: 'https://x/i.png' } }], isError: true }] },
      ],
      tools: [],
      reasoning: { budgetTokens: 4096 },
      stop: ['END'],
      seed: 1,
      topK: 5,
      stream: false,
    });
    assert.deepEqual(body, {
      model: 'gpt-5',
      input: [
        { type: 'function_call', call_id: 'toolu_1', name: 'shot', arguments: '{}' },
        {
          type: 'function_call_output',
          call_id: 'toolu_1',
          output: [
            { type: 'input_text', text: 'here' },
            { type: 'input_image', image_url: 'https://x/i.png', detail: 'auto' },
          ],
        },
      ],
      reasoning: { effort: 'medium' },
      include: ['reasoning.encrypted_content'],
      stream: false,
      store: false,
    });
    assert.deepEqual(codec.encodeRequest({ model: 'm', system: [], messages: [], tools: [], reasoning: { budgetTokens: 1024 }, stream: false })['reasoning'], { effort: 'low' });
    assert.deepEqual(codec.encodeRequest({ model: 'm', system: [], messages: [], tools: [], reasoning: { budgetTokens: 20000 }, stream: false })['reasoning'], { effort: 'high' });
    assert.equal(codec.encodeRequest({ model: 'm', system: [], messages: [], tools: [], reasoning: { disabled: true }, stream: false })['reasoning'], undefined);
  });

  it('refuses an image in an assistant message', () => {
    assert.throws(
      () => codec.encodeRequest({ model: 'm', system: [], messages: [{ role: 'assistant', parts: [{ type: 'image', source: { kind: 'url', url: 'u' } }] }], tools: [], stream: false }),
      (e: unknown) => e instanceof UnsupportedContent && e.where === 'messages[0].parts[0]',
    );
  });
});

// ---------------------------------------------------------------- whole responses

const OPENAI_RESPONSE = {
  id: 'resp_123',
  object: 'response',
  created_at: 1741476542,
  status: 'completed',
  error: null,
  incomplete_details: null,
  model: 'gpt-5-2025-08-07',
  output: [
    { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'First.' }, { type: 'summary_text', text: 'Second.' }], encrypted_content: 'gAAAAenc' },
    { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.', annotations: [] }] },
    { id: 'fc_1', type: 'function_call', status: 'completed', call_id: 'call_9', name: 'get_weather', arguments: '{"city":"Paris"}' },
  ],
  usage: { input_tokens: 100, input_tokens_details: { cached_tokens: 40 }, output_tokens: 50, output_tokens_details: { reasoning_tokens: 20 }, total_tokens: 150 },
};

describe('openai-responses: responses', () => {
  it('decodes a response object', () => {
    const res = codec.decodeResponse(OPENAI_RESPONSE);
    assert.deepEqual(res, {
      id: 'resp_123',
      model: 'gpt-5-2025-08-07',
      parts: [
        { type: 'thinking', text: 'First.\n\nSecond.', redacted: { family: 'openai', data: 'gAAAAenc' }, itemId: 'rs_1' },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_call', id: 'call_9', name: 'get_weather', arguments: '{"city":"Paris"}' },
      ],
      stopReason: 'tool_use',
      usage: USAGE,
      created: 1741476542,
    });
  });

  it('maps status and incomplete details to stop reasons', () => {
    const base = { id: 'r', model: 'm', output: [{ type: 'message', content: [{ type: 'output_text', text: 'x' }] }] };
    assert.equal(codec.decodeResponse({ ...base, status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }).stopReason, 'max_tokens');
    assert.equal(codec.decodeResponse({ ...base, status: 'incomplete', incomplete_details: { reason: 'content_filter' } }).stopReason, 'content_filter');
    assert.equal(codec.decodeResponse({ ...base, status: 'failed', error: { code: 'server_error', message: 'boom' } }).stopReason, 'error');
    assert.equal(codec.decodeResponse({ ...base, status: 'completed' }).stopReason, 'end');
    const refused = codec.decodeResponse({ id: 'r', model: 'm', status: 'completed', output: [{ type: 'message', content: [{ type: 'refusal', refusal: 'no' }] }] });
    assert.equal(refused.stopReason, 'refusal');
    assert.deepEqual(refused.parts, [{ type: 'text', text: 'no' }]);
  });

  it('encodes a pivot response with deterministic item ids and round-trips', () => {
    const req = codec.decodeRequest({ model: 'gpt-5', input: 'weather?', tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }] });
    const res = codec.decodeResponse(OPENAI_RESPONSE);
    const body = codec.encodeResponse(res, req);
    assert.equal(body['id'], 'resp_123');
    assert.equal(body['object'], 'response');
    assert.equal(body['status'], 'completed');
    assert.equal(body['created_at'], 1741476542);
    assert.equal(body['error'], null);
    assert.deepEqual(body['output'], [
      { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'First.\n\nSecond.' }], encrypted_content: 'gAAAAenc' },
      { id: 'msg_123_1', type: 'message', status: 'completed', content: [{ type: 'output_text', annotations: [], logprobs: [], text: 'Checking.' }], role: 'assistant' },
      { id: 'fc_123_2', type: 'function_call', status: 'completed', arguments: '{"city":"Paris"}', call_id: 'call_9', name: 'get_weather' },
    ]);
    assert.deepEqual(body['usage'], OPENAI_RESPONSE.usage);
    assert.equal(JSON.stringify(codec.encodeResponse(res, req)), JSON.stringify(body));
    assert.deepEqual(codec.decodeResponse(body), res);
  });

  it('answers custom and namespaced tools in their own item shapes; max_tokens is incomplete', () => {
    const req = codec.decodeRequest(codexRequest());
    const nsReq = codec.decodeRequest({ model: 'm', input: 'x', tools: [{ type: 'namespace', name: 'collab', description: 'd', tools: [{ type: 'function', name: 'spawn' }] }] });
    const res: PivotResponse = {
      id: 'msg_01abc',
      model: 'claude-sonnet',
      parts: [
        { type: 'thinking', text: 'plan', signature: { family: 'anthropic', value: 'sig' } },
        { type: 'tool_call', id: 'toolu_1', name: 'apply_patch', arguments: '{"input":"*** Begin Patch\\n*** End Patch"}' },
      ],
      stopReason: 'tool_use',
      usage: USAGE,
    };
    const body = codec.encodeResponse(res, req);
    assert.equal(body['id'], 'resp_msg_01abc');
    assert.equal(body['created_at'], 0);
    assert.deepEqual(body['output'], [
      { id: 'rs_msg_01abc_0', type: 'reasoning', summary: [{ type: 'summary_text', text: 'plan' }] },
      { id: 'ctc_msg_01abc_1', type: 'custom_tool_call', status: 'completed', call_id: 'toolu_1', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' },
    ]);
    // the request echo shows the client's own custom tool
    assert.deepEqual(arr(body['tools'])[1], { type: 'custom', name: 'apply_patch', description: 'Edit files.', format: { type: 'grammar', syntax: 'lark', definition: APPLY_PATCH_GRAMMAR } });
    const ns = codec.encodeResponse({ ...res, parts: [{ type: 'tool_call', id: 'c', name: 'collab__spawn', arguments: '{}' }] }, nsReq);
    assert.deepEqual(arr(ns['output'])[0], { id: 'fc_msg_01abc_0', type: 'function_call', status: 'completed', arguments: '{}', call_id: 'c', name: 'spawn', namespace: 'collab' });
    const cut = codec.encodeResponse({ ...res, parts: [{ type: 'text', text: 'partial' }], stopReason: 'max_tokens' }, req);
    assert.equal(cut['status'], 'incomplete');
    assert.deepEqual(cut['incomplete_details'], { reason: 'max_output_tokens' });
  });

  it('encodes errors in the OpenAI shape', () => {
    assert.deepEqual(codec.encodeError(400, 'unsupported_content', 'nope'), { error: { message: 'nope', type: 'invalid_request_error', code: 'unsupported_content', param: null } });
    assert.deepEqual(codec.encodeError(502, 'upstream_error', 'bad'), { error: { message: 'bad', type: 'server_error', code: 'upstream_error', param: null } });
  });
});

// ---------------------------------------------------------------- stream decoding

function realStream(): string {
  const response = { id: 'resp_abc', object: 'response', created_at: 1741290958, status: 'in_progress', model: 'gpt-5-codex', output: [], usage: null };
  let seq = 0;
  const ev = (type: string, fields: Record<string, unknown>): Record<string, unknown> => ({ type, sequence_number: seq++, ...fields });
  return sse([
    ev('response.created', { response }),
    ev('response.in_progress', { response }),
    ev('response.output_item.added', { output_index: 0, item: { id: 'rs_1', type: 'reasoning', summary: [] } }),
    ev('response.reasoning_summary_part.added', { item_id: 'rs_1', output_index: 0, summary_index: 0, part: { type: 'summary_text', text: '' } }),
    ev('response.reasoning_summary_text.delta', { item_id: 'rs_1', output_index: 0, summary_index: 0, delta: '**Planning**' }),
    ev('response.reasoning_summary_text.delta', { item_id: 'rs_1', output_index: 0, summary_index: 0, delta: ' Listing files.' }),
    ev('response.reasoning_summary_text.done', { item_id: 'rs_1', output_index: 0, summary_index: 0, text: '**Planning** Listing files.' }),
    ev('response.reasoning_summary_part.done', { item_id: 'rs_1', output_index: 0, summary_index: 0, part: { type: 'summary_text', text: '**Planning** Listing files.' } }),
    ev('response.reasoning_summary_part.added', { item_id: 'rs_1', output_index: 0, summary_index: 1, part: { type: 'summary_text', text: '' } }),
    ev('response.reasoning_summary_text.delta', { item_id: 'rs_1', output_index: 0, summary_index: 1, delta: 'Second.' }),
    ev('response.reasoning_summary_text.done', { item_id: 'rs_1', output_index: 0, summary_index: 1, text: 'Second.' }),
    ev('response.reasoning_summary_part.done', { item_id: 'rs_1', output_index: 0, summary_index: 1, part: { type: 'summary_text', text: 'Second.' } }),
    ev('response.output_item.done', { output_index: 0, item: { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: '**Planning** Listing files.' }, { type: 'summary_text', text: 'Second.' }], encrypted_content: 'gAAAAenc' } }),
    ev('response.output_item.added', { output_index: 1, item: { id: 'msg_1', type: 'message', status: 'in_progress', content: [], role: 'assistant' } }),
    ev('response.content_part.added', { item_id: 'msg_1', output_index: 1, content_index: 0, part: { type: 'output_text', annotations: [], text: '' } }),
    ev('response.output_text.delta', { item_id: 'msg_1', output_index: 1, content_index: 0, delta: 'Let me ', logprobs: [] }),
    ev('response.output_text.delta', { item_id: 'msg_1', output_index: 1, content_index: 0, delta: 'look.', logprobs: [] }),
    ev('response.output_text.done', { item_id: 'msg_1', output_index: 1, content_index: 0, text: 'Let me look.', logprobs: [] }),
    ev('response.content_part.done', { item_id: 'msg_1', output_index: 1, content_index: 0, part: { type: 'output_text', annotations: [], text: 'Let me look.' } }),
    ev('response.output_item.done', { output_index: 1, item: { id: 'msg_1', type: 'message', status: 'completed', content: [{ type: 'output_text', annotations: [], text: 'Let me look.' }], role: 'assistant' } }),
    ev('response.output_item.added', { output_index: 2, item: { id: 'fc_1', type: 'function_call', status: 'in_progress', arguments: '', call_id: 'call_1', name: 'shell' } }),
    ev('response.function_call_arguments.delta', { item_id: 'fc_1', output_index: 2, delta: '{"command":' }),
    ev('response.function_call_arguments.delta', { item_id: 'fc_1', output_index: 2, delta: '["ls"]}' }),
    ev('response.function_call_arguments.done', { item_id: 'fc_1', output_index: 2, arguments: '{"command":["ls"]}' }),
    ev('response.output_item.done', { output_index: 2, item: { id: 'fc_1', type: 'function_call', status: 'completed', arguments: '{"command":["ls"]}', call_id: 'call_1', name: 'shell' } }),
    ev('response.completed', {
      response: { ...response, status: 'completed', usage: { input_tokens: 100, input_tokens_details: { cached_tokens: 40 }, output_tokens: 50, output_tokens_details: { reasoning_tokens: 20 }, total_tokens: 150 } },
    }),
  ]);
}

const REAL_STREAM_EVENTS: StreamEvent[] = [
  { type: 'start', id: 'resp_abc', model: 'gpt-5-codex', created: 1741290958 },
  { type: 'thinking_delta', text: '**Planning**' },
  { type: 'thinking_delta', text: ' Listing files.' },
  { type: 'thinking_delta', text: '\n\n' },
  { type: 'thinking_delta', text: 'Second.' },
  { type: 'redacted_thinking', family: 'openai', data: 'gAAAAenc' },
  { type: 'text_delta', text: 'Let me ' },
  { type: 'text_delta', text: 'look.' },
  { type: 'tool_call_start', index: 0, id: 'call_1', name: 'shell' },
  { type: 'tool_call_delta', index: 0, argumentsDelta: '{"command":' },
  { type: 'tool_call_delta', index: 0, argumentsDelta: '["ls"]}' },
  { type: 'tool_call_end', index: 0 },
  { type: 'usage', usage: USAGE },
  { type: 'stop', reason: 'tool_use' },
];

describe('openai-responses: stream decoder', () => {
  it('decodes a real-shaped stream', () => {
    assert.deepEqual(decodeStream(realStream()), REAL_STREAM_EVENTS);
  });

  it('uses data.type when the event name is missing', () => {
    const d = codec.streamDecoder();
    const out: StreamEvent[] = [];
    for (const e of parseSse(realStream())) out.push(...d.event(null, JSON.stringify(e.data)));
    out.push(...d.end());
    assert.deepEqual(out, REAL_STREAM_EVENTS);
  });

  it('wraps custom tool input as {"input": …} arguments', () => {
    const events = decodeStream(
      sse([
        { type: 'response.created', response: { id: 'resp_c', model: 'm', created_at: 1 } },
        { type: 'response.output_item.added', output_index: 0, item: { id: 'ctc_1', type: 'custom_tool_call', call_id: 'call_p', name: 'apply_patch', input: '' } },
        { type: 'response.custom_tool_call_input.delta', item_id: 'ctc_1', output_index: 0, delta: '*** Begin "Patch"\n' },
        { type: 'response.custom_tool_call_input.delta', item_id: 'ctc_1', output_index: 0, delta: '*** End Patch' },
        { type: 'response.output_item.done', output_index: 0, item: { id: 'ctc_1', type: 'custom_tool_call', call_id: 'call_p', name: 'apply_patch', input: '*** Begin "Patch"\n*** End Patch' } },
        { type: 'response.completed', response: { id: 'resp_c', status: 'completed' } },
      ]),
    );
    const args = events.filter((e): e is Extract<StreamEvent, { type: 'tool_call_delta' }> => e.type === 'tool_call_delta').map((e) => e.argumentsDelta).join('');
    assert.deepEqual(JSON.parse(args), { input: '*** Begin "Patch"\n*** End Patch' });
    assert.deepEqual(events.at(-1), { type: 'stop', reason: 'tool_use' });
  });

  it('maps incomplete, failed, error and a cut stream', () => {
    const inc = decodeStream(sse([{ type: 'response.created', response: { id: 'r', model: 'm' } }, { type: 'response.incomplete', response: { id: 'r', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } }]));
    assert.deepEqual(inc.at(-1), { type: 'stop', reason: 'max_tokens' });
    const failed = decodeStream(sse([{ type: 'response.created', response: { id: 'r', model: 'm' } }, { type: 'response.failed', response: { id: 'r', status: 'failed', error: { code: 'rate_limit_exceeded', message: 'slow down' } } }]));
    assert.deepEqual(failed.at(-1), { type: 'error', message: 'slow down', code: 'rate_limit_exceeded' });
    assert.equal(failed.filter((e) => e.type === 'error').length, 1);
    const err = decodeStream(sse([{ type: 'error', code: 'context_length_exceeded', message: 'too long', param: null }]));
    assert.deepEqual(err, [{ type: 'error', message: 'too long', code: 'context_length_exceeded' }]);
    const cut = decodeStream(sse([{ type: 'response.created', response: { id: 'r', model: 'm' } }, { type: 'response.output_text.delta', item_id: 'm', delta: 'hi' }]));
    assert.deepEqual(cut.at(-1), { type: 'error', message: 'the upstream Responses stream ended before response.completed', code: 'upstream_error' });
  });
});

// ---------------------------------------------------------------- stream encoding

const STREAM_REQ: PivotRequest = { model: 'gpt-5-codex', system: [{ type: 'text', text: 'sys' }], messages: [{ role: 'user', parts: [{ type: 'text', text: 'go' }] }], tools: [], stream: true };

/** Pivot events of a turn with thinking, text and a tool call; usage arrives after stop (as from OpenAI chat). */
const PIVOT_TURN: StreamEvent[] = [
  { type: 'start', id: 'chatcmpl-9', model: 'upstream-model', created: 1700000000 },
  { type: 'thinking_delta', text: 'Plan' },
  { type: 'thinking_delta', text: ' it.' },
  { type: 'redacted_thinking', family: 'openai', data: 'enc-1' },
  { type: 'text_delta', text: 'Hello' },
  { type: 'text_delta', text: ' world' },
  { type: 'tool_call_start', index: 0, id: 'call_1', name: 'shell' },
  { type: 'tool_call_delta', index: 0, argumentsDelta: '{"cmd":' },
  { type: 'tool_call_delta', index: 0, argumentsDelta: '"ls"}' },
  { type: 'tool_call_end', index: 0 },
  { type: 'stop', reason: 'tool_use' },
  { type: 'usage', usage: USAGE },
];

describe('openai-responses: stream encoder', () => {
  it('emits the Responses event sequence, event by event', () => {
    const events = parseSse(encodeStream(STREAM_REQ, PIVOT_TURN));
    const rs = 'rs_chatcmpl-9_0';
    const msg = 'msg_chatcmpl-9_1';
    const fc = 'fc_chatcmpl-9_2';
    const expected: Array<[string, Record<string, unknown>]> = [
      ['response.created', {}],
      ['response.in_progress', {}],
      ['response.output_item.added', { output_index: 0, item: { id: rs, type: 'reasoning', summary: [] } }],
      ['response.reasoning_summary_part.added', { item_id: rs, output_index: 0, summary_index: 0, part: { type: 'summary_text', text: '' } }],
      ['response.reasoning_summary_text.delta', { item_id: rs, output_index: 0, summary_index: 0, delta: 'Plan' }],
      ['response.reasoning_summary_text.delta', { item_id: rs, output_index: 0, summary_index: 0, delta: ' it.' }],
      ['response.reasoning_summary_text.done', { item_id: rs, output_index: 0, summary_index: 0, text: 'Plan it.' }],
      ['response.reasoning_summary_part.done', { item_id: rs, output_index: 0, summary_index: 0, part: { type: 'summary_text', text: 'Plan it.' } }],
      ['response.output_item.done', { output_index: 0, item: { id: rs, type: 'reasoning', summary: [{ type: 'summary_text', text: 'Plan it.' }], encrypted_content: 'enc-1' } }],
      ['response.output_item.added', { output_index: 1, item: { id: msg, type: 'message', status: 'in_progress', content: [], role: 'assistant' } }],
      ['response.content_part.added', { item_id: msg, output_index: 1, content_index: 0, part: { type: 'output_text', annotations: [], logprobs: [], text: '' } }],
      ['response.output_text.delta', { item_id: msg, output_index: 1, content_index: 0, delta: 'Hello', logprobs: [] }],
      ['response.output_text.delta', { item_id: msg, output_index: 1, content_index: 0, delta: ' world', logprobs: [] }],
      ['response.output_text.done', { item_id: msg, output_index: 1, content_index: 0, text: 'Hello world', logprobs: [] }],
      ['response.content_part.done', { item_id: msg, output_index: 1, content_index: 0, part: { type: 'output_text', annotations: [], logprobs: [], text: 'Hello world' } }],
      ['response.output_item.done', { output_index: 1, item: { id: msg, type: 'message', status: 'completed', content: [{ type: 'output_text', annotations: [], logprobs: [], text: 'Hello world' }], role: 'assistant' } }],
      ['response.output_item.added', { output_index: 2, item: { id: fc, type: 'function_call', status: 'in_progress', arguments: '', call_id: 'call_1', name: 'shell' } }],
      ['response.function_call_arguments.delta', { item_id: fc, output_index: 2, delta: '{"cmd":' }],
      ['response.function_call_arguments.delta', { item_id: fc, output_index: 2, delta: '"ls"}' }],
      ['response.function_call_arguments.done', { item_id: fc, output_index: 2, name: 'shell', arguments: '{"cmd":"ls"}' }],
      ['response.output_item.done', { output_index: 2, item: { id: fc, type: 'function_call', status: 'completed', arguments: '{"cmd":"ls"}', call_id: 'call_1', name: 'shell' } }],
      ['response.completed', {}],
    ];
    assert.equal(events.length, expected.length);
    events.forEach((e, i) => {
      const [name, fields] = expected[i]!;
      assert.equal(e.name, name, `event ${i}`);
      assert.equal(e.data['type'], name, `event ${i} type`);
      assert.equal(e.data['sequence_number'], i, `event ${i} sequence_number`);
      for (const [k, v] of Object.entries(fields)) assert.deepEqual(e.data[k], v, `event ${i} ${name} ${k}`);
    });
    const created = obj(events[0]!.data['response']);
    assert.equal(created['id'], 'resp_chatcmpl-9');
    assert.equal(created['status'], 'in_progress');
    assert.equal(created['created_at'], 1700000000);
    assert.equal(created['model'], 'upstream-model');
    assert.deepEqual(created['output'], []);
    assert.equal(created['instructions'], 'sys');
    const done = obj(events.at(-1)!.data['response']);
    assert.equal(done['id'], 'resp_chatcmpl-9');
    assert.equal(done['status'], 'completed');
    // the completed response holds every item exactly as its output_item.done gave it
    const doneItems = events.filter((e) => e.name === 'response.output_item.done').map((e) => e.data['item']);
    assert.deepEqual(done['output'], doneItems);
    assert.deepEqual(done['usage'], OPENAI_RESPONSE.usage);
  });

  it('waits for usage after stop, and finishes on end() when none comes', () => {
    const enc = codec.streamEncoder(STREAM_REQ);
    let out = enc.event({ type: 'start', id: 'x', model: 'm' }) + enc.event({ type: 'text_delta', text: 'hi' }) + enc.event({ type: 'stop', reason: 'end' });
    assert.equal(
      parseSse(out).some((e) => e.name === 'response.completed'),
      false,
    );
    out += enc.end();
    const events = parseSse(out);
    assert.equal(events.at(-1)!.name, 'response.completed');
    assert.deepEqual(obj(events.at(-1)!.data['response'])['usage'], { input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 });
    assert.equal(enc.end(), '');
    assert.equal(enc.event({ type: 'text_delta', text: 'late' }), '');
  });

  it('finishes at once when usage came before stop; max_tokens is response.incomplete', () => {
    const enc = codec.streamEncoder(STREAM_REQ);
    const out = enc.event({ type: 'start', id: 'x', model: 'm', usage: USAGE }) + enc.event({ type: 'text_delta', text: 'hi' }) + enc.event({ type: 'usage', usage: USAGE }) + enc.event({ type: 'stop', reason: 'max_tokens' });
    const events = parseSse(out);
    assert.equal(events.at(-1)!.name, 'response.incomplete');
    assert.deepEqual(obj(events.at(-1)!.data['response'])['incomplete_details'], { reason: 'max_output_tokens' });
    assert.equal(enc.end(), '');
  });

  it('ends with exactly one response.failed on error, and on a cut stream', () => {
    const enc = codec.streamEncoder(STREAM_REQ);
    const out = enc.event({ type: 'start', id: 'x', model: 'm' }) + enc.event({ type: 'text_delta', text: 'hi' }) + enc.event({ type: 'error', code: 'server_error', message: 'boom' }) + enc.event({ type: 'stop', reason: 'end' }) + enc.end();
    const events = parseSse(out);
    const terminal = events.filter((e) => ['response.completed', 'response.incomplete', 'response.failed'].includes(e.name));
    assert.equal(terminal.length, 1);
    assert.equal(events.at(-1)!.name, 'response.failed');
    assert.deepEqual(obj(events.at(-1)!.data['response'])['error'], { code: 'server_error', message: 'boom' });
    const cut = parseSse(encodeStream(STREAM_REQ, [{ type: 'start', id: 'x', model: 'm' }, { type: 'text_delta', text: 'hi' }]));
    assert.equal(cut.at(-1)!.name, 'response.failed');
  });

  it('sends a call to a custom tool whole, as a custom_tool_call item', () => {
    const req = codec.decodeRequest(codexRequest());
    const events = parseSse(
      encodeStream(req, [
        { type: 'start', id: 'msg_1', model: 'claude' },
        { type: 'text_delta', text: 'Patching.' },
        { type: 'tool_call_start', index: 0, id: 'toolu_1', name: 'apply_patch' },
        { type: 'tool_call_delta', index: 0, argumentsDelta: '{"input":"*** Begin' },
        { type: 'tool_call_delta', index: 0, argumentsDelta: ' Patch\\n*** End Patch"}' },
        { type: 'tool_call_end', index: 0 },
        { type: 'usage', usage: USAGE },
        { type: 'stop', reason: 'tool_use' },
      ]),
    );
    const names = events.map((e) => e.name);
    assert.deepEqual(names.slice(-5), ['response.output_item.added', 'response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done', 'response.output_item.done', 'response.completed']);
    const item = { id: 'ctc_msg_1_1', type: 'custom_tool_call', status: 'completed', call_id: 'toolu_1', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' };
    assert.deepEqual(events.at(-2)!.data['item'], item);
    assert.equal(events.at(-4)!.data['delta'], '*** Begin Patch\n*** End Patch');
    assert.deepEqual(arr(obj(events.at(-1)!.data['response'])['output'])[1], item);
    // ids consistent between added and done for every item
    const added = new Map(events.filter((e) => e.name === 'response.output_item.added').map((e) => [e.data['output_index'], obj(e.data['item'])['id']]));
    for (const e of events.filter((x) => x.name === 'response.output_item.done')) assert.equal(obj(e.data['item'])['id'], added.get(e.data['output_index']));
  });

  it('encoder output decodes back to the same pivot events', () => {
    const back = decodeStream(encodeStream(STREAM_REQ, PIVOT_TURN));
    const reordered = PIVOT_TURN.map((e) => (e.type === 'start' ? { ...e, id: 'resp_chatcmpl-9' } : e));
    // the decoder reports usage before stop
    const expected = [...reordered.slice(0, -2), reordered.at(-1)!, reordered.at(-2)!];
    assert.deepEqual(back, expected);
  });

  it('decoded real stream re-encodes to a stream Codex can read', () => {
    const events = parseSse(encodeStream(STREAM_REQ, REAL_STREAM_EVENTS));
    const seqs = events.map((e) => e.data['sequence_number'] as number);
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => i),
    );
    const done = events.filter((e) => e.name === 'response.output_item.done').map((e) => obj(e.data['item']));
    assert.deepEqual(
      done.map((i) => i['type']),
      ['reasoning', 'message', 'function_call'],
    );
    assert.equal(done[0]!['encrypted_content'], 'gAAAAenc');
    assert.deepEqual(done[0]!['summary'], [{ type: 'summary_text', text: '**Planning** Listing files.\n\nSecond.' }]);
    const completed = obj(events.at(-1)!.data['response']);
    assert.equal(events.at(-1)!.name, 'response.completed');
    assert.equal(completed['id'], 'resp_abc');
    assert.deepEqual(completed['output'], done);
  });
});
