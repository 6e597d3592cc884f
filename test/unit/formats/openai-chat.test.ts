import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openAIChatCodec as codec } from '../../../src/daemon/formats/openai-chat/codec.js';
import { EMPTY_USAGE, InvalidRequest, UnsupportedContent, type PivotRequest, type PivotResponse, type StreamEvent } from '../../../src/daemon/formats/pivot/types.js';

function throwsWhere(fn: () => unknown, cls: typeof InvalidRequest | typeof UnsupportedContent, where: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    assert.equal(err.where, where);
    return true;
  });
}

const WEATHER_SCHEMA = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

/** A chat request using most of what the format holds, in the encoder's key order. */
const FULL_REQUEST = {
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather in Paris and Rome?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_b', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_a', content: 'sunny' },
    { role: 'tool', tool_call_id: 'call_b', content: 'rain' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'And this?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
        { type: 'image_url', image_url: { url: 'https://example.com/a.jpg' } },
        { type: 'file', file: { filename: 'doc.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
      ],
    },
    { role: 'assistant', content: 'A cat.' },
  ],
  tools: [{ type: 'function', function: { name: 'weather', description: 'Current weather', parameters: WEATHER_SCHEMA, strict: true } }],
  tool_choice: { type: 'function', function: { name: 'weather' } },
  parallel_tool_calls: true,
  max_completion_tokens: 512,
  temperature: 0.2,
  top_p: 0.9,
  stop: ['END', 'STOP'],
  seed: 7,
  presence_penalty: 0.1,
  frequency_penalty: 0.3,
  reasoning_effort: 'medium',
  response_format: { type: 'json_schema', json_schema: { name: 'answer', description: 'The answer', schema: { type: 'object' }, strict: true } },
  stream: true,
  stream_options: { include_usage: true },
  user: 'u-42',
};

function baseReq(over: Partial<PivotRequest> = {}): PivotRequest {
  return { model: 'm', system: [], messages: [{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }], tools: [], stream: false, ...over };
}

describe('openai-chat request decoding', () => {
  it('decodes every field of a full request', () => {
    const req = codec.decodeRequest(structuredClone(FULL_REQUEST));
    assert.deepEqual(req.system, [{ type: 'text', text: 'Be brief.' }]);
    assert.deepEqual(req.messages[1], {
      role: 'assistant',
      parts: [
        { type: 'tool_call', id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' },
        { type: 'tool_call', id: 'call_b', name: 'weather', arguments: '{"city":"Rome"}' },
      ],
    });
    // Consecutive tool messages and the user message right after are one user turn.
    assert.deepEqual(req.messages[2], {
      role: 'user',
      parts: [
        { type: 'tool_result', callId: 'call_a', name: 'weather', content: [{ type: 'text', text: 'sunny' }] },
        { type: 'tool_result', callId: 'call_b', name: 'weather', content: [{ type: 'text', text: 'rain' }] },
        { type: 'text', text: 'And this?' },
        { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' }, detail: 'low' },
        { type: 'image', source: { kind: 'url', url: 'https://example.com/a.jpg' } },
        { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0=' }, filename: 'doc.pdf' },
      ],
    });
    assert.equal(req.messages.length, 4);
    assert.deepEqual(req.tools, [{ name: 'weather', description: 'Current weather', parameters: WEATHER_SCHEMA, strict: true }]);
    assert.deepEqual(req.toolChoice, { type: 'tool', name: 'weather' });
    assert.equal(req.parallelToolCalls, true);
    assert.equal(req.maxTokens, 512);
    assert.equal(req.temperature, 0.2);
    assert.equal(req.topP, 0.9);
    assert.deepEqual(req.stop, ['END', 'STOP']);
    assert.equal(req.seed, 7);
    assert.equal(req.presencePenalty, 0.1);
    assert.equal(req.frequencyPenalty, 0.3);
    assert.deepEqual(req.reasoning, { effort: 'medium' });
    assert.deepEqual(req.responseFormat, { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true, description: 'The answer' });
    assert.equal(req.stream, true);
    assert.equal(req.streamUsage, true);
    assert.equal(req.user, 'u-42');
  });

  it('keeps system and developer messages in order, wherever they are', () => {
    const req = codec.decodeRequest({
      model: 'm',
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
        { role: 'user', content: 'hi' },
        { role: 'system', content: 'three' },
      ],
    });
    assert.deepEqual(
      req.system.map((p) => p.text),
      ['one', 'two', 'three'],
    );
    assert.equal(req.messages.length, 1);
  });

  it('reads assistant reasoning_content, refusal and refusal parts', () => {
    const req = codec.decodeRequest({
      model: 'm',
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', reasoning_content: 'hmm', content: [{ type: 'text', text: 'a' }, { type: 'refusal', refusal: 'no' }], refusal: 'sorry' },
      ],
    });
    assert.deepEqual(req.messages[1]!.parts, [
      { type: 'thinking', text: 'hmm' },
      { type: 'text', text: 'a' },
      { type: 'text', text: 'no' },
      { type: 'text', text: 'sorry' },
    ]);
  });

  it('maps scalar variants: max_completion_tokens wins, stop string, tool_choice strings, efforts, formats', () => {
    const r = codec.decodeRequest({ model: 'm', messages: [], max_completion_tokens: 10, max_tokens: 20, stop: 'X', tool_choice: 'required', reasoning_effort: 'none', response_format: { type: 'json_object' } });
    assert.equal(r.maxTokens, 10);
    assert.deepEqual(r.stop, ['X']);
    assert.deepEqual(r.toolChoice, { type: 'required' });
    assert.deepEqual(r.reasoning, { disabled: true });
    assert.deepEqual(r.responseFormat, { type: 'json_object' });
    assert.equal(r.stream, false);
    assert.equal(r.streamUsage, undefined);
    assert.equal(codec.decodeRequest({ model: 'm', messages: [], max_tokens: 20 }).maxTokens, 20);
    assert.deepEqual(codec.decodeRequest({ model: 'm', messages: [], tool_choice: 'none' }).toolChoice, { type: 'none' });
    assert.deepEqual(codec.decodeRequest({ model: 'm', messages: [], reasoning_effort: 'minimal' }).reasoning, { effort: 'minimal' });
    assert.deepEqual(codec.decodeRequest({ model: 'm', messages: [], response_format: { type: 'text' } }).responseFormat, { type: 'text' });
    assert.equal(codec.decodeRequest({ model: 'm', messages: [], stream: true, stream_options: { include_usage: false } }).streamUsage, false);
  });

  it('treats null as absent and ignores unknown fields', () => {
    const r = codec.decodeRequest({ model: 'm', messages: [{ role: 'user', content: 'x', name: 'bob' }], temperature: null, stop: null, tools: null, logit_bias: { 1: 2 }, store: true, metadata: { a: 'b' } });
    assert.deepEqual(r, { model: 'm', system: [], messages: [{ role: 'user', parts: [{ type: 'text', text: 'x' }] }], tools: [], stream: false });
  });

  it('gives a parameterless function the empty object schema', () => {
    const r = codec.decodeRequest({ model: 'm', messages: [], tools: [{ type: 'function', function: { name: 'now' } }] });
    assert.deepEqual(r.tools, [{ name: 'now', parameters: { type: 'object', properties: {} } }]);
  });

  it('refuses shape errors with where', () => {
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: {} }), InvalidRequest, 'messages');
    throwsWhere(() => codec.decodeRequest({ messages: [] }), InvalidRequest, 'model');
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: [{ role: 'user', content: 'a' }, 'x'] }), InvalidRequest, 'messages[1]');
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: [{ content: 'a' }] }), InvalidRequest, 'messages[0].role');
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: [{ role: 'robot', content: 'a' }] }), InvalidRequest, 'messages[0].role');
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: [{ role: 'user' }] }), InvalidRequest, 'messages[0].content');
    throwsWhere(
      () => codec.decodeRequest({ model: 'm', messages: [{ role: 'user', content: 'a' }, { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text' }] }] }),
      InvalidRequest,
      'messages[1].content[1].text',
    );
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: [{ role: 'user', content: [{ type: 'video' }] }] }), InvalidRequest, 'messages[0].content[0].type');
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: [{ role: 'function', name: 'f', content: 'x' }] }), InvalidRequest, 'messages[0].role');
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: [{ role: 'tool', content: 'x' }] }), InvalidRequest, 'messages[0].tool_call_id');
    throwsWhere(
      () => codec.decodeRequest({ model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { arguments: '{}' } }] }] }),
      InvalidRequest,
      'messages[0].tool_calls[0].function.name',
    );
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: [], temperature: 'hot' }), InvalidRequest, 'temperature');
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: [], stop: [1] }), InvalidRequest, 'stop[0]');
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: [], tool_choice: 'sometimes' }), InvalidRequest, 'tool_choice');
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: [], reasoning_effort: 'extreme' }), InvalidRequest, 'reasoning_effort');
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: [], response_format: { type: 'yaml' } }), InvalidRequest, 'response_format.type');
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: [], functions: [{ name: 'f' }] }), InvalidRequest, 'functions');
  });

  it('refuses content the pivot cannot hold, naming it', () => {
    const audio = { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'listen' }, { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] };
    assert.throws(() => codec.decodeRequest(audio), (err: unknown) => err instanceof UnsupportedContent && err.what === 'audio input' && err.where === 'messages[0].content[1]');
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }] }), UnsupportedContent, 'messages[0].content[0]');
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: [], tools: [{ type: 'custom', custom: { name: 'x' } }] }), UnsupportedContent, 'tools[0].type');
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: [], tool_choice: { type: 'allowed_tools', allowed_tools: {} } }), UnsupportedContent, 'tool_choice');
    throwsWhere(() => codec.decodeRequest({ model: 'm', messages: [], n: 2 }), UnsupportedContent, 'n');
  });
});

describe('openai-chat request encoding', () => {
  it('round-trips a full request byte for byte', () => {
    const req = codec.decodeRequest(structuredClone(FULL_REQUEST));
    const out = codec.encodeRequest(req);
    // The one user string became the same string; everything else is what the client sent.
    assert.equal(JSON.stringify(out), JSON.stringify(FULL_REQUEST));
  });

  it('is deterministic', () => {
    const req = codec.decodeRequest(structuredClone(FULL_REQUEST));
    const a = JSON.stringify(codec.encodeRequest(req));
    const b = JSON.stringify(codec.encodeRequest(codec.decodeRequest(structuredClone(FULL_REQUEST))));
    assert.equal(a, b);
  });

  it('writes the system as one message: a string for one part, an array for several', () => {
    assert.deepEqual(codec.encodeRequest(baseReq({ system: [{ type: 'text', text: 'a' }] }))['messages'], [
      { role: 'system', content: 'a' },
      { role: 'user', content: 'hi' },
    ]);
    const two = codec.encodeRequest(baseReq({ system: [{ type: 'text', text: 'a', cacheControl: { type: 'ephemeral' } }, { type: 'text', text: 'b' }] }));
    assert.deepEqual((two['messages'] as unknown[])[0], { role: 'system', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] });
  });

  it('drops thinking, puts tool results first as tool messages, and keeps key order', () => {
    const req = baseReq({
      messages: [
        { role: 'user', parts: [{ type: 'text', text: 'q' }] },
        {
          role: 'assistant',
          parts: [
            { type: 'thinking', text: 'hmm', signature: { family: 'anthropic', value: 'sig' } },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_call', id: 't1', name: 'f', arguments: '{}' },
          ],
        },
        {
          role: 'user',
          parts: [
            { type: 'text', text: 'also' },
            { type: 'tool_result', callId: 't1', name: 'f', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }], isError: true },
          ],
        },
        { role: 'assistant', parts: [{ type: 'thinking', text: 'only thoughts' }] },
      ],
    });
    assert.deepEqual(codec.encodeRequest(req)['messages'], [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 't1', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
      { role: 'user', content: 'also' },
    ]);
  });

  it('maps limits, reasoning budgets and streaming', () => {
    const enc = (r: Partial<PivotRequest>) => codec.encodeRequest(baseReq(r));
    assert.equal(enc({ reasoning: { budgetTokens: 1024 } })['reasoning_effort'], 'low');
    assert.equal(enc({ reasoning: { budgetTokens: 2048 } })['reasoning_effort'], 'low');
    assert.equal(enc({ reasoning: { budgetTokens: 8192 } })['reasoning_effort'], 'medium');
    assert.equal(enc({ reasoning: { budgetTokens: 8193 } })['reasoning_effort'], 'high');
    assert.equal(enc({ reasoning: { effort: 'minimal', budgetTokens: 30000 } })['reasoning_effort'], 'minimal');
    assert.equal('reasoning_effort' in enc({ reasoning: { disabled: true, budgetTokens: 0 } }), false);
    assert.deepEqual(Object.keys(enc({ stream: true, maxTokens: 5, topK: 40 })), ['model', 'messages', 'max_tokens', 'stream', 'stream_options']);
    assert.deepEqual(enc({ stream: true, streamUsage: false })['stream_options'], { include_usage: true });
    // tool_choice and parallel_tool_calls only go with tools.
    assert.deepEqual(Object.keys(enc({ toolChoice: { type: 'auto' }, parallelToolCalls: false })), ['model', 'messages']);
  });

  it('refuses what chat messages cannot carry, naming where', () => {
    const img = { type: 'image' as const, source: { kind: 'base64' as const, mediaType: 'image/png', data: 'AA' } };
    throwsWhere(
      () => codec.encodeRequest(baseReq({ messages: [{ role: 'user', parts: [{ type: 'text', text: 'x' }, { type: 'tool_result', callId: 'c', content: [{ type: 'text', text: 'see' }, img] }] }] })),
      UnsupportedContent,
      'messages[0].content[1].content[1]',
    );
    throwsWhere(
      () => codec.encodeRequest(baseReq({ messages: [{ role: 'user', parts: [{ type: 'file', source: { kind: 'url', url: 'https://x/y.pdf' } }] }] })),
      UnsupportedContent,
      'messages[0].content[0]',
    );
    throwsWhere(() => codec.encodeRequest(baseReq({ messages: [{ role: 'assistant', parts: [img] }] })), UnsupportedContent, 'messages[0].content[0]');
  });
});

const RESPONSE = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1700000000,
  model: 'gpt-4o-2024-08-06',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Let me check.',
        reasoning_content: 'thinking…',
        refusal: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 64 }, completion_tokens_details: { reasoning_tokens: 5 } },
};

describe('openai-chat responses', () => {
  it('decodes message, tool calls, reasoning and usage', () => {
    const res = codec.decodeResponse(structuredClone(RESPONSE));
    assert.deepEqual(res, {
      id: 'chatcmpl-1',
      model: 'gpt-4o-2024-08-06',
      parts: [
        { type: 'thinking', text: 'thinking…' },
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_call', id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' },
      ],
      stopReason: 'tool_use',
      usage: { inputTokens: 100, outputTokens: 20, totalTokens: 120, cachedTokens: 64, cacheWriteTokens: null, reasoningTokens: 5 },
      created: 1700000000,
    });
  });

  it('round-trips a response byte for byte, deterministically', () => {
    const res = codec.decodeResponse(structuredClone(RESPONSE));
    const a = JSON.stringify(codec.encodeResponse(res, baseReq()));
    assert.equal(a, JSON.stringify(codec.encodeResponse(res, baseReq())));
    const expected = structuredClone(RESPONSE);
    const msg = expected.choices[0]!.message;
    // Fixed key order of the encoder: role, content, reasoning_content, refusal, tool_calls.
    const ordered = { role: msg.role, content: msg.content, reasoning_content: msg.reasoning_content, refusal: null, tool_calls: msg.tool_calls };
    assert.equal(a, JSON.stringify({ ...expected, choices: [{ ...expected.choices[0], message: ordered }] }));
  });

  it('maps finish reasons both ways', () => {
    const dec = (finish_reason: string | null, extra: Record<string, unknown> = {}) =>
      codec.decodeResponse({ id: 'x', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'x', ...extra }, finish_reason }] });
    assert.equal(dec('stop').stopReason, 'end');
    assert.equal(dec('length').stopReason, 'max_tokens');
    assert.equal(dec('tool_calls').stopReason, 'tool_use');
    assert.equal(dec('function_call').stopReason, 'tool_use');
    assert.equal(dec('content_filter').stopReason, 'content_filter');
    assert.equal(dec(null).stopReason, 'end');
    assert.deepEqual(dec('stop').usage, EMPTY_USAGE);
    const vllm = codec.decodeResponse({ id: 'x', model: 'm', choices: [{ index: 0, message: { content: 'x' }, finish_reason: 'stop', stop_reason: '###' }] });
    assert.equal(vllm.stopReason, 'stop_sequence');
    assert.equal(vllm.stopSequence, '###');

    const enc = (stopReason: PivotResponse['stopReason'], parts: PivotResponse['parts'] = [{ type: 'text', text: 'x' }]) =>
      (codec.encodeResponse({ id: 'x', model: 'm', parts, stopReason, usage: EMPTY_USAGE }, baseReq())['choices'] as Array<Record<string, unknown>>)[0]!;
    assert.equal(enc('end')['finish_reason'], 'stop');
    assert.equal(enc('stop_sequence')['finish_reason'], 'stop');
    assert.equal(enc('max_tokens')['finish_reason'], 'length');
    assert.equal(enc('tool_use')['finish_reason'], 'tool_calls');
    assert.equal(enc('content_filter')['finish_reason'], 'content_filter');
    assert.equal(enc('error')['finish_reason'], 'stop');
    // A plain stop after tool calls (Gemini's STOP) is tool_calls for OpenAI clients.
    const call = { type: 'tool_call' as const, id: 'c', name: 'f', arguments: '{}' };
    const withCall = enc('end', [call]);
    assert.equal(withCall['finish_reason'], 'tool_calls');
    assert.deepEqual(withCall['message'], { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] });
  });

  it('decodes a refusal as refusal text and encodes it back into message.refusal', () => {
    const res = codec.decodeResponse({ id: 'x', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: 'I cannot help.' }, finish_reason: 'stop' }] });
    assert.equal(res.stopReason, 'refusal');
    assert.deepEqual(res.parts, [{ type: 'text', text: 'I cannot help.' }]);
    const choice = (codec.encodeResponse(res, baseReq())['choices'] as Array<Record<string, unknown>>)[0]!;
    assert.deepEqual(choice['message'], { role: 'assistant', content: null, refusal: 'I cannot help.' });
    assert.equal(choice['finish_reason'], 'stop');
  });

  it('writes unknown usage as zeros and created as 0', () => {
    const out = codec.encodeResponse({ id: 'x', model: 'm', parts: [], stopReason: 'end', usage: { ...EMPTY_USAGE, inputTokens: 3, outputTokens: 4 } }, baseReq());
    assert.equal(out['created'], 0);
    assert.deepEqual(out['usage'], { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } });
    assert.deepEqual((out['choices'] as Array<Record<string, unknown>>)[0]!['message'], { role: 'assistant', content: '', refusal: null });
  });

  it('refuses a body without choices', () => {
    throwsWhere(() => codec.decodeResponse({ id: 'x' }), InvalidRequest, 'choices');
  });
});

// ---------------------------------------------------------------------------
// Streams

const base = { id: 'chatcmpl-9', object: 'chat.completion.chunk', created: 1700000001, model: 'gpt-4o' };
const delta = (d: Record<string, unknown>, finish_reason: string | null = null) => JSON.stringify({ ...base, choices: [{ index: 0, delta: d, logprobs: null, finish_reason }], usage: null });

const UPSTREAM = [
  delta({ role: 'assistant', content: '', refusal: null }),
  delta({ content: 'Checking ' }),
  delta({ content: 'both.' }),
  delta({ tool_calls: [{ index: 0, id: 'call_p', type: 'function', function: { name: 'weather', arguments: '' } }] }),
  delta({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
  delta({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
  delta({ tool_calls: [{ index: 1, id: 'call_r', type: 'function', function: { name: 'weather', arguments: '' } }] }),
  delta({ tool_calls: [{ index: 1, function: { arguments: '{"city":"Rome"}' } }] }),
  delta({}, 'tool_calls'),
  JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 50, completion_tokens: 30, total_tokens: 80, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } } }),
  '[DONE]',
];

const STREAM_USAGE = { inputTokens: 50, outputTokens: 30, totalTokens: 80, cachedTokens: 0, cacheWriteTokens: null, reasoningTokens: 0 };

const EXPECTED_EVENTS: StreamEvent[] = [
  { type: 'start', id: 'chatcmpl-9', model: 'gpt-4o', created: 1700000001 },
  { type: 'text_delta', text: 'Checking ' },
  { type: 'text_delta', text: 'both.' },
  { type: 'tool_call_start', index: 0, id: 'call_p', name: 'weather' },
  { type: 'tool_call_delta', index: 0, argumentsDelta: '{"city":' },
  { type: 'tool_call_delta', index: 0, argumentsDelta: '"Paris"}' },
  { type: 'tool_call_start', index: 1, id: 'call_r', name: 'weather' },
  { type: 'tool_call_delta', index: 1, argumentsDelta: '{"city":"Rome"}' },
  { type: 'tool_call_end', index: 0 },
  { type: 'tool_call_end', index: 1 },
  { type: 'stop', reason: 'tool_use' },
  { type: 'usage', usage: STREAM_USAGE },
];

function decodeAll(datas: string[]): StreamEvent[] {
  const d = codec.streamDecoder();
  return [...datas.flatMap((x) => d.event(null, x)), ...d.end()];
}

describe('openai-chat stream decoding', () => {
  it('decodes text, two parallel tool calls, the finish and usage', () => {
    assert.deepEqual(decodeAll(UPSTREAM), EXPECTED_EVENTS);
  });

  it('decodes reasoning deltas (reasoning_content and reasoning) as thinking', () => {
    assert.deepEqual(decodeAll([delta({ reasoning_content: 'a' }), delta({ reasoning: 'b' }), delta({ content: 'c' }, 'stop')]).slice(1), [
      { type: 'thinking_delta', text: 'a' },
      { type: 'thinking_delta', text: 'b' },
      { type: 'text_delta', text: 'c' },
      { type: 'stop', reason: 'end' },
    ]);
  });

  it('emits usage after stop when both come in one chunk, and maps length', () => {
    const last = JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'length' }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
    const ev = decodeAll([delta({ content: 'x' }), last]);
    assert.deepEqual(ev.slice(2), [
      { type: 'stop', reason: 'max_tokens' },
      { type: 'usage', usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3, cachedTokens: null, cacheWriteTokens: null, reasoningTokens: null } },
    ]);
  });

  it('turns an error chunk into an error event', () => {
    assert.deepEqual(decodeAll([JSON.stringify({ error: { message: 'overloaded', type: 'server_error', code: 'overloaded' } })]), [{ type: 'error', message: 'overloaded', code: 'overloaded' }]);
  });

  it('closes open tool calls at end() without inventing a stop', () => {
    const ev = decodeAll([delta({ tool_calls: [{ index: 0, id: 'c1', function: { name: 'f', arguments: '{}' } }] })]);
    assert.deepEqual(ev.slice(1), [
      { type: 'tool_call_start', index: 0, id: 'c1', name: 'f' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{}' },
      { type: 'tool_call_end', index: 0 },
    ]);
  });

  it('keeps calls apart when an upstream reuses index 0 with new ids', () => {
    const ev = decodeAll([
      delta({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{"x":1}' } }] }),
      delta({ tool_calls: [{ index: 0, id: 'b', function: { name: 'g', arguments: '{"y":2}' } }] }),
      delta({}, 'tool_calls'),
    ]);
    assert.deepEqual(
      ev.filter((e) => e.type === 'tool_call_start'),
      [
        { type: 'tool_call_start', index: 0, id: 'a', name: 'f' },
        { type: 'tool_call_start', index: 1, id: 'b', name: 'g' },
      ],
    );
  });

  it('marks a refusal', () => {
    const ev = decodeAll([delta({ refusal: 'No.' }), delta({}, 'stop')]);
    assert.deepEqual(ev.slice(1), [
      { type: 'text_delta', text: 'No.' },
      { type: 'stop', reason: 'refusal' },
    ]);
  });
});

describe('openai-chat stream encoding', () => {
  const chunk = (d: Record<string, unknown>, finish_reason: string | null = null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: d, logprobs: null, finish_reason }] })}\n\n`;
  const usageChunk = `data: ${JSON.stringify({
    ...base,
    choices: [],
    usage: { prompt_tokens: 50, completion_tokens: 30, total_tokens: 80, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
  })}\n\n`;

  function encodeAll(events: StreamEvent[], req: PivotRequest): string[] {
    const enc = codec.streamEncoder(req);
    return [...events.map((e) => enc.event(e)), enc.end(), enc.end()];
  }

  it('encodes a fixed event list event by event', () => {
    const out = encodeAll(EXPECTED_EVENTS, baseReq({ stream: true, streamUsage: true }));
    assert.deepEqual(out, [
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Checking ' }),
      chunk({ content: 'both.' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_p', type: 'function', function: { name: 'weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_r', type: 'function', function: { name: 'weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '{"city":"Rome"}' } }] }),
      '',
      '',
      chunk({}, 'tool_calls'),
      '',
      usageChunk + 'data: [DONE]\n\n',
      '',
    ]);
    assert.deepEqual(encodeAll(EXPECTED_EVENTS, baseReq({ stream: true, streamUsage: true })), out);
  });

  it('re-encodes the decoded upstream stream to what an OpenAI client expects', () => {
    const bytes = encodeAll(decodeAll(UPSTREAM), baseReq({ stream: true, streamUsage: true })).join('');
    const d = codec.streamDecoder();
    const again = bytes
      .split('\n\n')
      .filter((s) => s.startsWith('data: '))
      .flatMap((s) => d.event(null, s.slice(6)));
    assert.deepEqual([...again, ...d.end()], EXPECTED_EVENTS);
  });

  it('sends usage after the finish chunk even when it came first, and none without streamUsage', () => {
    const events: StreamEvent[] = [
      { type: 'start', id: 'chatcmpl-9', model: 'gpt-4o', created: 1700000001, usage: { ...EMPTY_USAGE, inputTokens: 50 } },
      { type: 'text_delta', text: 'hi' },
      { type: 'usage', usage: { ...EMPTY_USAGE, outputTokens: 30, cachedTokens: 0, reasoningTokens: 0 } },
      { type: 'stop', reason: 'end' },
    ];
    assert.equal(
      encodeAll(events, baseReq({ stream: true, streamUsage: true })).join(''),
      chunk({ role: 'assistant', content: '' }) + chunk({ content: 'hi' }) + chunk({}, 'stop') + usageChunk + 'data: [DONE]\n\n',
    );
    const noUsage = encodeAll(events, baseReq({ stream: true })).join('');
    assert.equal(noUsage, chunk({ role: 'assistant', content: '' }) + chunk({ content: 'hi' }) + chunk({}, 'stop') + 'data: [DONE]\n\n');
    assert.equal(encodeAll(events, baseReq({ stream: true, streamUsage: false })).join(''), noUsage);
  });

  it('encodes thinking as reasoning_content and drops signatures', () => {
    const out = encodeAll(
      [
        { type: 'start', id: 'chatcmpl-9', model: 'gpt-4o', created: 1700000001 },
        { type: 'thinking_delta', text: 'hmm' },
        { type: 'thinking_signature', family: 'anthropic', signature: 'sig' },
        { type: 'stop', reason: 'max_tokens' },
      ],
      baseReq(),
    );
    assert.deepEqual(out, [chunk({ role: 'assistant', content: '' }), chunk({ reasoning_content: 'hmm' }), '', chunk({}, 'length'), 'data: [DONE]\n\n', '']);
  });

  it('numbers tool calls 0, 1, … whatever the pivot indexes', () => {
    const out = encodeAll(
      [
        { type: 'start', id: 'chatcmpl-9', model: 'gpt-4o', created: 1700000001 },
        { type: 'tool_call_start', index: 3, id: 'x', name: 'f' },
        { type: 'tool_call_delta', index: 3, argumentsDelta: '{}' },
        { type: 'tool_call_end', index: 3 },
        { type: 'stop', reason: 'end' },
      ],
      baseReq(),
    );
    assert.equal(out[1], chunk({ tool_calls: [{ index: 0, id: 'x', type: 'function', function: { name: 'f', arguments: '' } }] }));
    assert.equal(out[2], chunk({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] }));
    assert.equal(out[4], chunk({}, 'tool_calls'));
  });

  it('writes an error event, then [DONE] once', () => {
    const out = encodeAll(
      [
        { type: 'start', id: 'chatcmpl-9', model: 'gpt-4o', created: 1700000001 },
        { type: 'error', message: 'upstream died', code: 'upstream_error', status: 502 },
        { type: 'text_delta', text: 'late' },
        { type: 'usage', usage: STREAM_USAGE },
      ],
      baseReq({ streamUsage: true }),
    );
    assert.deepEqual(out.slice(1), ['data: {"error":{"message":"upstream died","type":"server_error","code":"upstream_error"}}\n\n', '', '', 'data: [DONE]\n\n', '']);
  });
});

describe('openai-chat errors', () => {
  it('encodes error bodies with the type for the status', () => {
    assert.deepEqual(codec.encodeError(400, 'invalid_request', 'bad'), { error: { message: 'bad', type: 'invalid_request_error', code: 'invalid_request', param: null } });
    assert.equal((codec.encodeError(401, 'x', 'm')['error'] as Record<string, unknown>)['type'], 'authentication_error');
    assert.equal((codec.encodeError(403, 'x', 'm')['error'] as Record<string, unknown>)['type'], 'permission_error');
    assert.equal((codec.encodeError(429, 'x', 'm')['error'] as Record<string, unknown>)['type'], 'rate_limit_error');
    assert.equal((codec.encodeError(502, 'x', 'm')['error'] as Record<string, unknown>)['type'], 'server_error');
    assert.equal(codec.id, 'openai-chat');
  });
});
