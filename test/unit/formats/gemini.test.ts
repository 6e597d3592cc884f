import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { geminiCodec } from '../../../src/daemon/formats/gemini/codec.js';
import type { PivotRequest, PivotResponse, StreamEvent } from '../../../src/daemon/formats/pivot/types.js';
import { EMPTY_USAGE, InvalidRequest, UnsupportedContent } from '../../../src/daemon/formats/pivot/types.js';

const IMG = 'iVBORw0KGgo=';

/** A canonical Gemini request, in the exact shape (and key order) the encoder writes. */
function canonicalBody(): Record<string, unknown> {
  return {
    contents: [
      { role: 'user', parts: [{ text: 'What is the weather in Paris and Rome?' }, { inlineData: { mimeType: 'image/png', data: IMG } }] },
      {
        role: 'model',
        parts: [
          { text: 'Thinking about weather…', thought: true, thoughtSignature: 'c2lnLTE=' },
          { functionCall: { name: 'get_weather', args: { city: 'Paris' }, id: 'fc-1' }, thoughtSignature: 'c2lnLTI=' },
          { functionCall: { name: 'get_weather', args: { city: 'Rome' }, id: 'fc-2' } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { id: 'fc-1', name: 'get_weather', response: { temp: 21, sky: 'clear' } } },
          { functionResponse: { id: 'fc-2', name: 'get_weather', response: { output: 'rain' } } },
        ],
      },
      { role: 'model', parts: [{ text: 'Paris is clear, Rome rainy.', thoughtSignature: 'c2lnLTM=' }] },
      { role: 'user', parts: [{ text: 'Thanks. Summarise this PDF.' }, { fileData: { mimeType: 'application/pdf', fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc' } }] },
    ],
    systemInstruction: { parts: [{ text: 'You are terse.' }] },
    tools: [
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Weather for a city', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
        ],
      },
    ],
    toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
    generationConfig: {
      stopSequences: ['END'],
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      maxOutputTokens: 1024,
      presencePenalty: 0.1,
      frequencyPenalty: 0.3,
      seed: 7,
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object', properties: { answer: { type: 'string' } } },
      thinkingConfig: { thinkingBudget: 2048, includeThoughts: true },
    },
  };
}

function decode(body: Record<string, unknown>, extra: Record<string, unknown> = { model: 'gemini-2.5-pro' }): PivotRequest {
  return geminiCodec.decodeRequest({ ...body, ...extra });
}

function baseReq(over: Partial<PivotRequest> = {}): PivotRequest {
  return { model: 'gemini-2.5-flash', system: [], messages: [], tools: [], stream: false, ...over };
}

describe('gemini codec: requests', () => {
  it('decodes every part kind, the tools, the tool config and the generation config', () => {
    const req = decode(canonicalBody(), { model: 'gemini-2.5-pro', stream: true });
    assert.equal(req.model, 'gemini-2.5-pro');
    assert.equal(req.stream, true);
    assert.deepEqual(req.system, [{ type: 'text', text: 'You are terse.' }]);
    assert.equal(req.messages.length, 5);
    assert.deepEqual(req.messages[0], {
      role: 'user',
      parts: [
        { type: 'text', text: 'What is the weather in Paris and Rome?' },
        { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: IMG } },
      ],
    });
    assert.deepEqual(req.messages[1], {
      role: 'assistant',
      parts: [
        { type: 'thinking', text: 'Thinking about weather…', signature: { family: 'gemini', value: 'c2lnLTE=' } },
        { type: 'tool_call', id: 'fc-1', name: 'get_weather', arguments: '{"city":"Paris"}', signature: { family: 'gemini', value: 'c2lnLTI=' } },
        { type: 'tool_call', id: 'fc-2', name: 'get_weather', arguments: '{"city":"Rome"}' },
      ],
    });
    assert.deepEqual(req.messages[2], {
      role: 'user',
      parts: [
        { type: 'tool_result', callId: 'fc-1', name: 'get_weather', content: [{ type: 'text', text: '{"temp":21,"sky":"clear"}' }] },
        { type: 'tool_result', callId: 'fc-2', name: 'get_weather', content: [{ type: 'text', text: 'rain' }] },
      ],
    });
    // A signature on an ordinary text part becomes an empty signed thinking part before it.
    assert.deepEqual(req.messages[3], {
      role: 'assistant',
      parts: [
        { type: 'thinking', text: '', signature: { family: 'gemini', value: 'c2lnLTM=' } },
        { type: 'text', text: 'Paris is clear, Rome rainy.' },
      ],
    });
    assert.deepEqual(req.messages[4]!.parts[1], { type: 'file', source: { kind: 'url', url: 'https://generativelanguage.googleapis.com/v1beta/files/abc' } });
    assert.deepEqual(req.tools, [{ name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }]);
    assert.deepEqual(req.toolChoice, { type: 'tool', name: 'get_weather' });
    assert.deepEqual(req.stop, ['END']);
    assert.equal(req.temperature, 0.2);
    assert.equal(req.topP, 0.9);
    assert.equal(req.topK, 40);
    assert.equal(req.maxTokens, 1024);
    assert.equal(req.seed, 7);
    assert.equal(req.presencePenalty, 0.1);
    assert.equal(req.frequencyPenalty, 0.3);
    assert.deepEqual(req.responseFormat, { type: 'json_schema', name: 'response', schema: { type: 'object', properties: { answer: { type: 'string' } } } });
    assert.deepEqual(req.reasoning, { budgetTokens: 2048, includeThoughts: true });
  });

  it('round-trips a canonical body byte for byte, and never writes model or stream', () => {
    const body = canonicalBody();
    const out = geminiCodec.encodeRequest(decode(body, { model: 'gemini-2.5-pro', stream: true }));
    assert.equal(JSON.stringify(out), JSON.stringify(body));
    assert.equal('model' in out, false);
    assert.equal('stream' in out, false);
  });

  it('is deterministic: the same pivot gives byte-identical JSON', () => {
    const a = JSON.stringify(geminiCodec.encodeRequest(decode(canonicalBody())));
    const b = JSON.stringify(geminiCodec.encodeRequest(decode(canonicalBody())));
    assert.equal(a, b);
    assert.deepEqual(Object.keys(JSON.parse(a) as Record<string, unknown>), ['contents', 'systemInstruction', 'tools', 'toolConfig', 'generationConfig']);
  });

  it('accepts snake_case field names', () => {
    const req = decode({
      system_instruction: { parts: [{ text: 'sys' }] },
      contents: [
        { role: 'user', parts: [{ inline_data: { mime_type: 'application/pdf', data: 'JVBERi0=' } }] },
        { role: 'model', parts: [{ function_call: { name: 'f', args: {} }, thought_signature: 'sig' }] },
        { role: 'user', parts: [{ function_response: { name: 'f', response: { ok: true } } }] },
      ],
      tools: [{ function_declarations: [{ name: 'f', parameters: { type: 'OBJECT', properties: { a: { type: 'STRING' } } } }] }],
      tool_config: { function_calling_config: { mode: 'NONE' } },
      generation_config: { max_output_tokens: 5, stop_sequences: ['x'], thinking_config: { thinking_budget: 0 }, response_mime_type: 'application/json' },
    });
    assert.deepEqual(req.system, [{ type: 'text', text: 'sys' }]);
    assert.deepEqual(req.messages[0]!.parts, [{ type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0=' } }]);
    assert.deepEqual(req.messages[1]!.parts, [{ type: 'tool_call', id: 'call_1_0', name: 'f', arguments: '{}', signature: { family: 'gemini', value: 'sig' } }]);
    assert.deepEqual(req.messages[2]!.parts, [{ type: 'tool_result', callId: 'call_1_0', name: 'f', content: [{ type: 'text', text: '{"ok":true}' }] }]);
    // OpenAPI-subset `parameters` become JSON Schema (lower-case types).
    assert.deepEqual(req.tools[0]!.parameters, { type: 'object', properties: { a: { type: 'string' } } });
    assert.deepEqual(req.toolChoice, { type: 'none' });
    assert.equal(req.maxTokens, 5);
    assert.deepEqual(req.stop, ['x']);
    assert.deepEqual(req.reasoning, { disabled: true });
    assert.deepEqual(req.responseFormat, { type: 'json_object' });
  });

  it('matches function responses without ids to the earlier unanswered call of the same name, in order', () => {
    const req = decode({
      contents: [
        { role: 'user', parts: [{ text: 'go' }] },
        { role: 'model', parts: [{ functionCall: { name: 'a', args: { n: 1 } } }, { functionCall: { name: 'b', args: {} } }, { functionCall: { name: 'a', args: { n: 2 } } }] },
        { role: 'function', parts: [{ functionResponse: { name: 'a', response: { r: 1 } } }, { functionResponse: { name: 'b', response: { r: 'b' } } }, { functionResponse: { name: 'a', response: { r: 2 } } }] },
      ],
    });
    const calls = req.messages[1]!.parts.map((p) => (p.type === 'tool_call' ? p.id : ''));
    assert.deepEqual(calls, ['call_1_0', 'call_1_1', 'call_1_2']);
    assert.equal(req.messages[2]!.role, 'user');
    const results = req.messages[2]!.parts.map((p) => (p.type === 'tool_result' ? p.callId : ''));
    assert.deepEqual(results, ['call_1_0', 'call_1_1', 'call_1_2']);
    assert.throws(
      () => decode({ contents: [{ role: 'user', parts: [{ functionResponse: { name: 'zz', response: {} } }] }] }),
      (e: unknown) => e instanceof InvalidRequest && e.where === 'contents[0].parts[0].functionResponse',
    );
  });

  it('refuses Gemini-only content with a 400 naming where, and candidateCount > 1', () => {
    assert.throws(
      () => decode({ contents: [{ parts: [{ text: 'hi' }] }], tools: [{ functionDeclarations: [] }, { googleSearch: {} }] }),
      (e: unknown) => e instanceof UnsupportedContent && e.where === 'tools[1]' && /googleSearch/.test(e.message),
    );
    assert.throws(
      () => decode({ contents: [{ role: 'model', parts: [{ executableCode: { language: 'PYTHON', code: 'print(1)' } }] }] }),
      (e: unknown) => e instanceof UnsupportedContent && e.where === 'contents[0].parts[0]',
    );
    assert.throws(() => decode({ contents: [{ parts: [{ text: 'hi' }] }], generationConfig: { candidateCount: 2 } }), InvalidRequest);
    assert.throws(() => decode({ contents: [] }), InvalidRequest);
    assert.throws(() => decode({ contents: [{ parts: [{ text: 'hi' }] }] }, {}), InvalidRequest);
  });

  it('maps thinking budgets and levels', () => {
    const r = (tc: Record<string, unknown>) => decode({ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { thinkingConfig: tc } }).reasoning;
    assert.deepEqual(r({ thinkingBudget: -1 }), { effort: 'medium' });
    assert.deepEqual(r({ thinkingLevel: 'HIGH' }), { effort: 'high' });
    assert.deepEqual(r({ thinkingLevel: 'low', includeThoughts: false }), { effort: 'low', includeThoughts: false });
    const gc = (reasoning: PivotRequest['reasoning']) => geminiCodec.encodeRequest(baseReq({ messages: [{ role: 'user', parts: [{ type: 'text', text: 'x' }] }], reasoning }))['generationConfig'];
    assert.deepEqual(gc({ effort: 'high' }), { thinkingConfig: { thinkingBudget: 24576 } });
    assert.deepEqual(gc({ effort: 'low', includeThoughts: true }), { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
    assert.deepEqual(gc({ disabled: true }), { thinkingConfig: { thinkingBudget: 0 } });
    assert.deepEqual(gc({ budgetTokens: 3000, effort: 'high' }), { thinkingConfig: { thinkingBudget: 3000 } });
  });

  it('encodes an OpenAI-shaped conversation: merged tool turns, recovered names, output/error wrappers', () => {
    const req = baseReq({
      system: [{ type: 'text', text: 'sys' }],
      messages: [
        { role: 'user', parts: [{ type: 'text', text: 'hi' }, { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.webp' } }] },
        {
          role: 'assistant',
          parts: [
            { type: 'thinking', text: 'anthropic thoughts', signature: { family: 'anthropic', value: 'ant-sig' } },
            { type: 'thinking', text: '', redacted: { family: 'openai', data: 'enc' } },
            { type: 'tool_call', id: 'call_a', name: 'read', arguments: '{"path":"a"}', signature: { family: 'openai', value: 'x' } },
            { type: 'tool_call', id: 'call_b', name: 'fail', arguments: '' },
          ],
        },
        { role: 'user', parts: [{ type: 'tool_result', callId: 'call_a', content: [{ type: 'text', text: 'file body' }] }] },
        { role: 'user', parts: [{ type: 'tool_result', callId: 'call_b', isError: true, content: [{ type: 'text', text: '{"code":2}' }] }] },
        { role: 'user', parts: [{ type: 'tool_result', callId: 'call_a', name: 'read', content: [{ type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: IMG } }] }] },
      ],
      tools: [{ name: 'read', parameters: { type: 'object' }, strict: true }],
      toolChoice: { type: 'required' },
      parallelToolCalls: false,
      responseFormat: { type: 'json_object' },
      user: 'u1',
    });
    assert.deepEqual(geminiCodec.encodeRequest(req), {
      contents: [
        { role: 'user', parts: [{ text: 'hi' }, { fileData: { mimeType: 'image/webp', fileUri: 'https://example.com/cat.webp' } }] },
        { role: 'model', parts: [{ functionCall: { name: 'read', args: { path: 'a' }, id: 'call_a' } }, { functionCall: { name: 'fail', args: {}, id: 'call_b' } }] },
        {
          role: 'user',
          parts: [
            { functionResponse: { id: 'call_a', name: 'read', response: { output: 'file body' } } },
            { functionResponse: { id: 'call_b', name: 'fail', response: { error: { code: 2 } } } },
            { functionResponse: { id: 'call_a', name: 'read', response: {}, parts: [{ inlineData: { mimeType: 'image/png', data: IMG } }] } },
          ],
        },
      ],
      systemInstruction: { parts: [{ text: 'sys' }] },
      tools: [{ functionDeclarations: [{ name: 'read', parametersJsonSchema: { type: 'object' } }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
      generationConfig: { responseMimeType: 'application/json' },
    });
  });

  it('refuses what Gemini cannot take: unknown tool-result names, non-web image URLs, tool-result image URLs', () => {
    const noName = baseReq({ messages: [{ role: 'user', parts: [{ type: 'tool_result', callId: 'nope', content: [{ type: 'text', text: 'x' }] }] }] });
    assert.throws(() => geminiCodec.encodeRequest(noName), (e: unknown) => e instanceof InvalidRequest && e.where === 'messages[0].parts[0]');
    const ftp = baseReq({ messages: [{ role: 'user', parts: [{ type: 'image', source: { kind: 'url', url: 'ftp://x/y.png' } }] }] });
    assert.throws(() => geminiCodec.encodeRequest(ftp), (e: unknown) => e instanceof UnsupportedContent && e.where === 'messages[0].parts[0]' && e.target === 'gemini');
    const urlInResult = baseReq({
      messages: [{ role: 'user', parts: [{ type: 'tool_result', callId: 'c', name: 'f', content: [{ type: 'image', source: { kind: 'url', url: 'https://x/y.png' } }] }] }],
    });
    assert.throws(() => geminiCodec.encodeRequest(urlInResult), (e: unknown) => e instanceof UnsupportedContent && e.where === 'messages[0].parts[0].content[0]');
  });

  it('keeps thinking signatures only for gemini, and never invents one', () => {
    const req = baseReq({
      messages: [
        { role: 'user', parts: [{ type: 'text', text: 'q' }] },
        {
          role: 'assistant',
          parts: [
            { type: 'thinking', text: 'gemini thought', signature: { family: 'gemini', value: 'g1' } },
            { type: 'thinking', text: 'claude thought', signature: { family: 'anthropic', value: 'a1' } },
            { type: 'thinking', text: 'unsigned thought' },
            { type: 'tool_call', id: 'c1', name: 'f', arguments: '{}', signature: { family: 'anthropic', value: 'a2' } },
            { type: 'tool_call', id: 'c2', name: 'f', arguments: '{}', signature: { family: 'gemini', value: 'g2' } },
            { type: 'thinking', text: '', signature: { family: 'gemini', value: 'g3' } },
          ],
        },
      ],
    });
    const body = geminiCodec.encodeRequest(req) as { contents: Array<{ parts: unknown[] }> };
    assert.deepEqual(body.contents[1]!.parts, [
      { text: 'gemini thought', thought: true, thoughtSignature: 'g1' },
      { functionCall: { name: 'f', args: {}, id: 'c1' } },
      { functionCall: { name: 'f', args: {}, id: 'c2' }, thoughtSignature: 'g2' },
      { text: '', thoughtSignature: 'g3' },
    ]);
    assert.doesNotMatch(JSON.stringify(body), /a1|a2|claude|unsigned/);
  });
});

describe('gemini codec: responses', () => {
  const body = {
    candidates: [
      {
        content: {
          role: 'model',
          parts: [
            { text: 'Let me check.', thought: true },
            { text: 'Checking the weather.', thoughtSignature: 'sigT' },
            { functionCall: { name: 'get_weather', args: { city: 'Oslo' } }, thoughtSignature: 'sigF' },
          ],
        },
        finishReason: 'STOP',
        index: 0,
      },
    ],
    usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 20, totalTokenCount: 150, cachedContentTokenCount: 40, thoughtsTokenCount: 30 },
    modelVersion: 'gemini-2.5-pro',
    responseId: 'resp/1+x',
  };

  it('decodes parts, a tool_use stop, usage with reasoning counted as output, and synthesizes call ids', () => {
    const res = geminiCodec.decodeResponse(body);
    assert.deepEqual(res, {
      id: 'resp/1+x',
      model: 'gemini-2.5-pro',
      parts: [
        { type: 'thinking', text: 'Let me check.' },
        { type: 'thinking', text: '', signature: { family: 'gemini', value: 'sigT' } },
        { type: 'text', text: 'Checking the weather.' },
        { type: 'tool_call', id: 'call_resp1x_0', name: 'get_weather', arguments: '{"city":"Oslo"}', signature: { family: 'gemini', value: 'sigF' } },
      ],
      stopReason: 'tool_use',
      usage: { inputTokens: 100, outputTokens: 50, totalTokens: 150, cachedTokens: 40, cacheWriteTokens: null, reasoningTokens: 30 },
    });
  });

  it('maps finish reasons and prompt blocks', () => {
    const stop = (finishReason: string) => geminiCodec.decodeResponse({ candidates: [{ content: { role: 'model', parts: [{ text: 'x' }] }, finishReason }] }).stopReason;
    assert.equal(stop('STOP'), 'end');
    assert.equal(stop('MAX_TOKENS'), 'max_tokens');
    for (const r of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII']) assert.equal(stop(r), 'content_filter');
    assert.equal(stop('MALFORMED_FUNCTION_CALL'), 'error');
    assert.equal(stop('OTHER'), 'end');
    const blocked = geminiCodec.decodeResponse({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 } });
    assert.equal(blocked.stopReason, 'content_filter');
    assert.deepEqual(blocked.parts, []);
    assert.equal(blocked.usage.inputTokens, 9);
  });

  it('encodes a response (thoughts only when asked for), usage split back into candidates and thoughts', () => {
    const res: PivotResponse = {
      id: 'msg_1',
      model: 'claude-sonnet-4-5',
      parts: [
        { type: 'thinking', text: 'hmm', signature: { family: 'anthropic', value: 'ant' } },
        { type: 'text', text: 'Hello' },
        { type: 'tool_call', id: 'toolu_1', name: 'f', arguments: '{"a":1}' },
      ],
      stopReason: 'tool_use',
      usage: { inputTokens: 10, outputTokens: 8, totalTokens: 18, cachedTokens: 4, cacheWriteTokens: 2, reasoningTokens: 3 },
    };
    const withThoughts = geminiCodec.encodeResponse(res, baseReq({ reasoning: { includeThoughts: true } }));
    assert.equal(
      JSON.stringify(withThoughts),
      JSON.stringify({
        candidates: [
          {
            content: { role: 'model', parts: [{ text: 'hmm', thought: true }, { text: 'Hello' }, { functionCall: { name: 'f', args: { a: 1 }, id: 'toolu_1' } }] },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 18, cachedContentTokenCount: 4, thoughtsTokenCount: 3 },
        modelVersion: 'claude-sonnet-4-5',
        responseId: 'msg_1',
      }),
    );
    const without = geminiCodec.encodeResponse(res, baseReq()) as { candidates: Array<{ content: { parts: unknown[] } }> };
    assert.deepEqual(without.candidates[0]!.content.parts, [{ text: 'Hello' }, { functionCall: { name: 'f', args: { a: 1 }, id: 'toolu_1' } }]);
  });

  it('round-trips a Gemini response through the pivot', () => {
    const res = geminiCodec.decodeResponse(body);
    const out = geminiCodec.encodeResponse(res, baseReq({ reasoning: { includeThoughts: true } })) as { candidates: Array<{ content: { parts: unknown[] } }>; usageMetadata: unknown };
    assert.deepEqual(out.candidates[0]!.content.parts, [
      { text: 'Let me check.', thought: true },
      { text: 'Checking the weather.', thoughtSignature: 'sigT' },
      { functionCall: { name: 'get_weather', args: { city: 'Oslo' }, id: 'call_resp1x_0' }, thoughtSignature: 'sigF' },
    ]);
    assert.deepEqual(out.usageMetadata, body.usageMetadata);
  });

  it('encodes errors in google.rpc shape', () => {
    const e = geminiCodec.encodeError(429, 'rate_limited', 'slow down') as { error: Record<string, unknown> };
    assert.equal(e.error['code'], 429);
    assert.equal(e.error['message'], 'slow down');
    assert.equal(e.error['status'], 'RESOURCE_EXHAUSTED');
    const s = (n: number) => (geminiCodec.encodeError(n, 'x', 'm') as { error: { status: string } }).error.status;
    assert.deepEqual([400, 401, 403, 404, 500, 503].map(s), ['INVALID_ARGUMENT', 'UNAUTHENTICATED', 'PERMISSION_DENIED', 'NOT_FOUND', 'INTERNAL', 'UNAVAILABLE']);
  });
});

/** Parses `data: …\n\n` frames back into JSON objects. */
function frames(s: string): Array<Record<string, unknown>> {
  if (s === '') return [];
  assert.ok(s.endsWith('\n\n'), `frame ends with a blank line: ${JSON.stringify(s)}`);
  return s
    .split('\n\n')
    .filter((f) => f !== '')
    .map((f) => {
      assert.ok(f.startsWith('data: '), `no event name, only data: ${f}`);
      return JSON.parse(f.slice(6)) as Record<string, unknown>;
    });
}

describe('gemini codec: streams', () => {
  it('decodes a real-shaped stream: thoughts with a signature, text chunks, a function call, final usage', () => {
    const chunks = [
      { candidates: [{ content: { parts: [{ text: '**Planning**\nI should call the tool.', thought: true }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 50, totalTokenCount: 50 }, modelVersion: 'gemini-2.5-flash', responseId: 'r-9' },
      { candidates: [{ content: { parts: [{ text: ' More planning.', thought: true, thoughtSignature: 'tsig' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 50, totalTokenCount: 50 }, modelVersion: 'gemini-2.5-flash', responseId: 'r-9' },
      { candidates: [{ content: { parts: [{ text: 'Looking it ' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 50, totalTokenCount: 50 }, modelVersion: 'gemini-2.5-flash', responseId: 'r-9' },
      { candidates: [{ content: { parts: [{ text: 'up.' }], role: 'model' }, index: 0 }], modelVersion: 'gemini-2.5-flash', responseId: 'r-9' },
      { candidates: [{ content: { parts: [{ functionCall: { name: 'lookup', args: { q: 'x' } }, thoughtSignature: 'fsig' }], role: 'model' }, index: 0 }], modelVersion: 'gemini-2.5-flash', responseId: 'r-9' },
      {
        candidates: [{ content: { parts: [{ text: '' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 50, candidatesTokenCount: 12, totalTokenCount: 92, thoughtsTokenCount: 30 },
        modelVersion: 'gemini-2.5-flash',
        responseId: 'r-9',
      },
    ];
    const dec = geminiCodec.streamDecoder();
    const events: StreamEvent[] = [];
    for (const c of chunks) events.push(...dec.event(null, JSON.stringify(c)));
    events.push(...dec.end());
    const promptOnly = { ...EMPTY_USAGE, inputTokens: 50, totalTokens: 50 };
    assert.deepEqual(events, [
      { type: 'start', id: 'r-9', model: 'gemini-2.5-flash' },
      { type: 'thinking_delta', text: '**Planning**\nI should call the tool.' },
      { type: 'usage', usage: promptOnly },
      { type: 'thinking_delta', text: ' More planning.' },
      { type: 'thinking_signature', family: 'gemini', signature: 'tsig' },
      { type: 'text_delta', text: 'Looking it ' },
      { type: 'text_delta', text: 'up.' },
      { type: 'tool_call_start', index: 0, id: 'call_r-9_0', name: 'lookup', signature: { family: 'gemini', value: 'fsig' } },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"q":"x"}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'usage', usage: { inputTokens: 50, outputTokens: 42, totalTokens: 92, cachedTokens: null, cacheWriteTokens: null, reasoningTokens: 30 } },
      { type: 'stop', reason: 'tool_use' },
    ]);
  });

  it('decodes an error chunk, a prompt block, and an implicit end', () => {
    const d1 = geminiCodec.streamDecoder();
    assert.deepEqual(d1.event(null, JSON.stringify({ error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } })), [
      { type: 'error', code: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded', status: 429 },
    ]);
    assert.deepEqual(d1.end(), []);
    const d2 = geminiCodec.streamDecoder();
    assert.deepEqual(d2.event(null, JSON.stringify({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, responseId: 'b' })), [
      { type: 'start', id: 'b', model: '' },
      { type: 'stop', reason: 'content_filter' },
    ]);
    const d3 = geminiCodec.streamDecoder();
    d3.event(null, JSON.stringify({ candidates: [{ content: { parts: [{ text: 'hi' }], role: 'model' } }] }));
    assert.deepEqual(d3.end(), [{ type: 'stop', reason: 'end' }]);
  });

  it('encodes OpenAI-ordered events: argument fragments become one functionCall, usage after stop lands in the final chunk', () => {
    const enc = geminiCodec.streamEncoder(baseReq({ model: 'gpt-4.1', stream: true }));
    const events: StreamEvent[] = [
      { type: 'start', id: 'chatcmpl-1', model: 'gpt-4.1-2025-04-14' },
      { type: 'text_delta', text: 'Hi' },
      { type: 'thinking_delta', text: 'not asked for' },
      { type: 'thinking_signature', family: 'openai', signature: 'nope' },
      { type: 'tool_call_start', index: 0, id: 'call_x', name: 'search' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"q":' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '"cats"}' },
      { type: 'tool_call_start', index: 1, id: 'call_y', name: 'noop' },
      { type: 'tool_call_end', index: 0 },
      { type: 'stop', reason: 'tool_use' },
    ];
    let out = '';
    for (const e of events) out += enc.event(e);
    const beforeUsage = frames(out);
    // call_y had no end event: flushed at stop. The final chunk is held for usage.
    assert.equal(beforeUsage.length, 3);
    out += enc.event({ type: 'usage', usage: { inputTokens: 11, outputTokens: 7, totalTokens: 18, cachedTokens: 0, cacheWriteTokens: null, reasoningTokens: 2 } });
    out += enc.end();
    assert.equal(enc.end(), '');
    const meta = { modelVersion: 'gpt-4.1-2025-04-14', responseId: 'chatcmpl-1' };
    assert.deepEqual(frames(out), [
      { candidates: [{ content: { role: 'model', parts: [{ text: 'Hi' }] }, index: 0 }], ...meta },
      { candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'search', args: { q: 'cats' }, id: 'call_x' } }] }, index: 0 }], ...meta },
      { candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'noop', args: {}, id: 'call_y' } }] }, index: 0 }], ...meta },
      {
        candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 11, candidatesTokenCount: 5, totalTokenCount: 18, thoughtsTokenCount: 2 },
        ...meta,
      },
    ]);
    assert.doesNotMatch(out, /\[DONE\]/);
  });

  it('encodes thoughts when asked, gemini signatures, a held final chunk at end(), and errors as the terminal event', () => {
    const enc = geminiCodec.streamEncoder(baseReq({ reasoning: { includeThoughts: true } }));
    let out = enc.event({ type: 'thinking_delta', text: 'hmm' });
    out += enc.event({ type: 'thinking_signature', family: 'gemini', signature: 'gs' });
    out += enc.event({ type: 'usage', usage: { ...EMPTY_USAGE, inputTokens: 3 } });
    out += enc.event({ type: 'stop', reason: 'max_tokens' });
    out += enc.end();
    const f = frames(out);
    assert.deepEqual(
      f.map((c) => (c['candidates'] as Array<{ content: { parts: unknown[] }; finishReason?: string }>)[0]),
      [
        { content: { role: 'model', parts: [{ text: 'hmm', thought: true }] }, index: 0 },
        { content: { role: 'model', parts: [{ text: '', thoughtSignature: 'gs' }] }, index: 0 },
        { content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'MAX_TOKENS', index: 0 },
      ],
    );
    assert.deepEqual(f[2]!['usageMetadata'], { promptTokenCount: 3, totalTokenCount: 3 });
    assert.equal(f[0]!['modelVersion'], 'gemini-2.5-flash');

    const enc2 = geminiCodec.streamEncoder(baseReq());
    let out2 = enc2.event({ type: 'text_delta', text: 'a' });
    out2 += enc2.event({ type: 'error', code: 'upstream_failed', message: 'boom', status: 503 });
    out2 += enc2.event({ type: 'text_delta', text: 'late' });
    out2 += enc2.end();
    const f2 = frames(out2);
    assert.equal(f2.length, 2);
    assert.deepEqual((f2[1]!['error'] as Record<string, unknown>)['status'], 'UNAVAILABLE');
    assert.deepEqual((f2[1]!['error'] as Record<string, unknown>)['code'], 503);
  });

  it('a decoded Gemini stream re-encodes to equivalent Gemini chunks', () => {
    const dec = geminiCodec.streamDecoder();
    const enc = geminiCodec.streamEncoder(baseReq({ reasoning: { includeThoughts: true } }));
    const chunk = { candidates: [{ content: { role: 'model', parts: [{ text: 'Hello' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 1, totalTokenCount: 3 }, modelVersion: 'g', responseId: 'r' };
    let out = '';
    for (const e of [...dec.event(null, JSON.stringify(chunk)), ...dec.end()]) out += enc.event(e);
    out += enc.end();
    const f = frames(out);
    assert.equal(f.length, 2);
    assert.deepEqual(f[0], { candidates: [{ content: { role: 'model', parts: [{ text: 'Hello' }] }, index: 0 }], modelVersion: 'g', responseId: 'r' });
    assert.deepEqual(f[1]!['usageMetadata'], chunk.usageMetadata);
  });
});
