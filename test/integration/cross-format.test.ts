/**
 * Every client speaks its own format: each of the four inbound routes
 * (OpenAI chat, OpenAI Responses, Anthropic Messages, Gemini) × each of the
 * four provider types, streamed and not. The client reads the upstream's
 * answer in its own format, the upstream receives a body in its own format,
 * and the request log records the upstream's usage. An upstream 400 comes
 * back as a 400 in the route's own error shape. Same-format traffic passes
 * through untouched (unknown fields, cache_control, the answer's bytes);
 * content the target format cannot carry is refused with a 400 naming it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LogEntryDto, ProviderType } from '../../src/shared/admin-types.js';
import { createKey, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { parseSseEvents, type LogUsage, type RecordedRequest } from '../support/mock-base.js';
import { anthropicError, startAnthropicMock, type MockAnthropic } from '../support/mock-anthropic.js';
import { googleError, startGeminiMock, type MockGemini } from '../support/mock-gemini.js';
import { startMock, type MockOpenAI } from '../support/mock-openai.js';
import { startResponsesMock, type MockResponses } from '../support/mock-responses.js';
import { waitForLogs } from '../support/v1.js';
import {
  addTypedProvider,
  answerText,
  call,
  clientUsageOf,
  errorMessage,
  errorShapeProblems,
  INBOUNDS,
  logUsageOf,
  openAIMockLogUsage,
  PROVIDER_TYPES,
  rawCall,
  requestBody,
  routeFor,
  stopReasonOf,
  toolCallsOf,
  toolsFor,
  upstreamView,
  type CallResult,
  type Inbound,
  type SeenToolCall,
} from '../support/wire.js';

const SYSTEM = 'SYSTEM-CANARY: answer briefly.';
const PROMPT = 'USER-CANARY: what is krouter?';

const PROVIDER: Record<ProviderType, { name: string; model: string; key: string }> = {
  openai: { name: 'p-openai', model: 'm-openai', key: 'sk-up-openai-1111' },
  'openai-responses': { name: 'p-responses', model: 'm-responses', key: 'sk-up-responses-2222' },
  anthropic: { name: 'p-anthropic', model: 'm-anthropic', key: 'sk-ant-up-3333' },
  gemini: { name: 'p-gemini', model: 'm-gemini', key: 'AIza-up-gemini-4444' },
};

/** The provider type that speaks each inbound format (same format = pass-through). */
const SAME: Record<Inbound, ProviderType> = { 'openai-chat': 'openai', 'openai-responses': 'openai-responses', anthropic: 'anthropic', gemini: 'gemini' };
/** The inbound format a provider type speaks. */
const INBOUND_OF: Record<ProviderType, Inbound> = { openai: 'openai-chat', 'openai-responses': 'openai-responses', anthropic: 'anthropic', gemini: 'gemini' };

const targetOf = (t: ProviderType) => `${PROVIDER[t].name}/${PROVIDER[t].model}`;

function inboundOfRoute(route: string): Inbound | null {
  if (route === '/v1/chat/completions') return 'openai-chat';
  if (route === '/v1/responses') return 'openai-responses';
  if (route === '/v1/messages') return 'anthropic';
  if (route.startsWith('/v1beta/')) return 'gemini';
  return null;
}

type Obj = Record<string, unknown>;

/** Checks that a streamed answer is well formed for its format and ended normally. */
function assertStreamShape(r: CallResult): void {
  assert.ok(r.contentType.includes('text/event-stream'), `content-type ${r.contentType}: ${r.raw.slice(0, 300)}`);
  const data = r.eventData;
  assert.ok(data.length > 0, 'no events');
  switch (r.inbound) {
    case 'openai-chat': {
      assert.equal(r.events.at(-1)?.data, '[DONE]', 'ends with [DONE]');
      const finishes = data.map((c) => (c['choices'] as Obj[] | undefined)?.[0]?.['finish_reason']).filter((f) => f !== null && f !== undefined);
      assert.deepEqual(finishes, ['stop']);
      for (const c of data) assert.equal(c['object'], 'chat.completion.chunk');
      break;
    }
    case 'openai-responses': {
      assert.equal(data[0]?.['type'], 'response.created');
      assert.equal(data.at(-1)?.['type'], 'response.completed');
      const seqs = data.map((e) => e['sequence_number']);
      assert.deepEqual(
        seqs,
        seqs.map((_v, i) => i),
        'sequence_number counts up from 0',
      );
      r.events.forEach((e, i) => assert.equal(e.event, data[i]?.['type'], 'event: name matches the data type'));
      assert.equal((data.at(-1)?.['response'] as Obj | undefined)?.['status'], 'completed');
      break;
    }
    case 'anthropic': {
      assert.equal(data[0]?.['type'], 'message_start');
      assert.equal(data.at(-1)?.['type'], 'message_stop');
      r.events.forEach((e, i) => assert.equal(e.event, data[i]?.['type'], 'event: name matches the data type'));
      const md = data.find((e) => e['type'] === 'message_delta');
      assert.equal((md?.['delta'] as Obj | undefined)?.['stop_reason'], 'end_turn');
      break;
    }
    case 'gemini': {
      const finishes = data.map((c) => (c['candidates'] as Obj[] | undefined)?.[0]?.['finishReason']).filter((f) => f !== undefined);
      assert.deepEqual(finishes, ['STOP']);
      assert.ok(data.at(-1)?.['usageMetadata'], 'the last chunk carries usageMetadata');
      break;
    }
  }
}

/** Checks that a whole answer is well formed for its format and ended normally. */
function assertWholeShape(r: CallResult): void {
  assert.ok(r.contentType.includes('application/json'), `content-type ${r.contentType}`);
  const j = r.json;
  assert.ok(j, `not JSON: ${r.raw.slice(0, 300)}`);
  switch (r.inbound) {
    case 'openai-chat':
      assert.equal(j['object'], 'chat.completion');
      assert.equal((j['choices'] as Obj[])[0]?.['finish_reason'], 'stop');
      break;
    case 'openai-responses':
      assert.equal(j['object'], 'response');
      assert.equal(j['status'], 'completed');
      break;
    case 'anthropic':
      assert.equal(j['type'], 'message');
      assert.equal(j['stop_reason'], 'end_turn');
      break;
    case 'gemini':
      assert.equal((j['candidates'] as Obj[])[0]?.['finishReason'], 'STOP');
      assert.ok(j['usageMetadata']);
      break;
  }
}

/** Cached and reasoning counts: absent and zero mean the same. */
function assertLogUsage(got: LogUsage, want: LogUsage, what: string): void {
  const msg = `${what}: log ${JSON.stringify(got)} vs upstream ${JSON.stringify(want)}`;
  assert.equal(got.promptTokens, want.promptTokens, msg);
  assert.equal(got.completionTokens, want.completionTokens, msg);
  assert.equal(got.totalTokens, want.totalTokens, msg);
  assert.equal(got.cachedTokens ?? 0, want.cachedTokens ?? 0, msg);
  assert.equal(got.reasoningTokens ?? 0, want.reasoningTokens ?? 0, msg);
}

/** The first `data:` payload of an SSE text, parsed (undefined when absent or not JSON). */
function parseFirstData(text: string): Obj | undefined {
  const first = text.split(/\r?\n/).find((l) => l.startsWith('data:'));
  if (first === undefined) return undefined;
  try {
    return JSON.parse(first.slice(5)) as Obj;
  } catch {
    return undefined;
  }
}

/** The streamed answer text of a mock's own SSE body, read as its format's client reads it. */
function answerOfMock(t: ProviderType, sse: string): string {
  return answerText({ inbound: INBOUND_OF[t], status: 200, headers: new Headers(), contentType: 'text/event-stream', raw: sse, json: undefined, events: [], eventData: parseSseEvents(sse).flatMap((e) => {
    try {
      return [JSON.parse(e.data) as Obj];
    } catch {
      return [];
    }
  }), text: '', target: null });
}

describe('cross-format: 4 inbound routes × 4 provider types', () => {
  let oa: MockOpenAI;
  let rs: MockResponses;
  let an: MockAnthropic;
  let ge: MockGemini;
  let d: DaemonHandle;
  let key: CreatedKey;

  before(async () => {
    oa = await startMock({ name: 'oa', models: ['m-openai'], usage: { prompt_tokens: 50, completion_tokens: 20, cached_tokens: 8, reasoning_tokens: 5 } });
    rs = await startResponsesMock({ name: 'rs', requireApiKey: PROVIDER['openai-responses'].key, usage: { input_tokens: 60, output_tokens: 21, cached_tokens: 9, reasoning_tokens: 6 } });
    an = await startAnthropicMock({ name: 'an', requireApiKey: PROVIDER.anthropic.key, usage: { input_tokens: 30, output_tokens: 22, cache_read_input_tokens: 10, cache_creation_input_tokens: 4 } });
    ge = await startGeminiMock({ name: 'ge', requireApiKey: PROVIDER.gemini.key, usage: { promptTokenCount: 70, candidatesTokenCount: 23, thoughtsTokenCount: 7, cachedContentTokenCount: 11 } });
    d = await startDaemon();
    key = await createKey(d, 'cross');
    const bases: Record<ProviderType, string> = { openai: oa.baseUrl, 'openai-responses': rs.baseUrl, anthropic: an.baseUrl, gemini: ge.baseUrl };
    for (const t of PROVIDER_TYPES) await addTypedProvider(d, PROVIDER[t].name, t, { baseUrl: bases[t], apiKey: PROVIDER[t].key, models: [PROVIDER[t].model] });
  });

  after(async () => {
    await d?.cleanup();
    for (const m of [oa, rs, an, ge]) await m?.close();
  });

  const whoOf: Record<ProviderType, string> = { openai: 'oa', 'openai-responses': 'rs', anthropic: 'an', gemini: 'ge' };
  const replyFor = (t: ProviderType) => `Hello from ${whoOf[t]} via ${PROVIDER[t].model}.`;

  /** The last generation request a provider type's mock received. */
  function lastGen(t: ProviderType): RecordedRequest<Obj> | undefined {
    switch (t) {
      case 'openai':
        return oa.requestsTo('/chat/completions').at(-1) as RecordedRequest<Obj> | undefined;
      case 'openai-responses':
        return rs.responseRequests().at(-1) as RecordedRequest<Obj> | undefined;
      case 'anthropic':
        return an.messageRequests().at(-1) as RecordedRequest<Obj> | undefined;
      case 'gemini':
        return ge.generateRequests().at(-1) as RecordedRequest<Obj> | undefined;
    }
  }
  const genCount = (t: ProviderType) => (t === 'openai' ? oa.requestsTo('/chat/completions').length : t === 'openai-responses' ? rs.responseRequests().length : t === 'anthropic' ? an.messageRequests().length : ge.generateRequests().length);

  function expectedUsage(t: ProviderType): LogUsage {
    return t === 'openai' ? openAIMockLogUsage(oa) : t === 'openai-responses' ? rs.expectedLogUsage() : t === 'anthropic' ? an.expectedLogUsage() : ge.expectedLogUsage();
  }

  /** Credentials and format of what the upstream got. */
  function assertUpstream(t: ProviderType, rec: RecordedRequest<Obj> | undefined, stream: boolean): void {
    assert.ok(rec, `the ${t} mock received nothing`);
    const h = rec.headers;
    assert.equal(h['x-request-source'], 'local');
    assert.ok(!JSON.stringify(h).includes(key.secret), 'the krouter key must not reach the upstream');
    const k = PROVIDER[t].key;
    if (t === 'openai' || t === 'openai-responses') assert.equal(h['authorization'], `Bearer ${k}`);
    if (t === 'anthropic') {
      assert.equal(h['x-api-key'], k);
      assert.equal(typeof h['anthropic-version'], 'string');
      assert.equal(typeof rec.body?.['max_tokens'], 'number', 'Anthropic requires max_tokens');
    }
    if (t === 'gemini') {
      assert.equal(h['x-goog-api-key'], k);
      assert.equal(ge.isStream(rec), stream, `Gemini URL ${rec.url}`);
      if (stream) assert.equal(rec.query.get('alt'), 'sse');
    } else {
      assert.equal(rec.body?.['stream'] === true, stream, `stream flag in ${rec.rawBody.slice(0, 300)}`);
    }
    const v = upstreamView(t, rec.body, t === 'gemini' ? ge.modelOf(rec) : null);
    assert.equal(v.model, PROVIDER[t].model, `model in ${rec.url} ${rec.rawBody.slice(0, 300)}`);
    assert.equal(v.system, SYSTEM, `system text in ${rec.rawBody.slice(0, 500)}`);
    assert.equal(v.user, PROMPT, `user text in ${rec.rawBody.slice(0, 500)}`);
  }

  for (const inbound of INBOUNDS) {
    describe(`inbound ${inbound}`, () => {
      for (const t of PROVIDER_TYPES) {
        for (const stream of [false, true]) {
          const label = `${stream ? 'stream' : 'non-stream'} → ${t}${SAME[inbound] === t ? ' (pass-through)' : ''}`;
          it(`${label}: answer, upstream body, logged usage`, async () => {
            const before = genCount(t);
            // a chat client asks for usage in its stream, so that it can be checked too
            const extra = stream && inbound === 'openai-chat' ? { stream_options: { include_usage: true } } : undefined;
            const r = await call(d, key.secret, inbound, targetOf(t), { stream, system: SYSTEM, prompt: PROMPT, extra });
            assert.equal(r.status, 200, r.raw.slice(0, 500));
            assert.equal(r.target, targetOf(t));
            if (stream) assertStreamShape(r);
            else assertWholeShape(r);
            assert.equal(r.text, replyFor(t));
            assert.equal(genCount(t), before + 1, 'exactly one upstream request');
            assertUpstream(t, lastGen(t), stream);
            const [entry] = await waitForLogs(d, 1, (e: LogEntryDto) => e.target === targetOf(t) && e.stream === stream && e.status === 200 && inboundOfRoute(e.route) === inbound);
            assertLogUsage(logUsageOf(entry!), expectedUsage(t), label);
            // and the client reads the same numbers in its own format (Anthropic has no reasoning count)
            const seen = clientUsageOf(r);
            assert.ok(seen, `the answer carries no usage: ${r.raw.slice(0, 500)}`);
            const want = expectedUsage(t);
            assertLogUsage(inbound === 'anthropic' ? { ...seen, reasoningTokens: want.reasoningTokens } : seen, want, `${label}, as the ${inbound} client reads it`);
          });
        }
      }
    });
  }

  describe('an upstream 400 comes back as a 400 in the route\'s own error shape', () => {
    const errorFor = (t: ProviderType, msg: string): unknown => {
      if (t === 'anthropic') return anthropicError('invalid_request_error', msg);
      if (t === 'gemini') return googleError(400, msg);
      return { error: { message: msg, type: 'invalid_request_error', param: null, code: null } };
    };
    const queue400 = (t: ProviderType, body: unknown) => {
      const m = { kind: 'status' as const, status: 400, body };
      if (t === 'openai') oa.queueModes(m);
      else if (t === 'openai-responses') rs.queueModes(m);
      else if (t === 'anthropic') an.queueModes(m);
      else ge.queueModes(m);
    };
    for (const inbound of INBOUNDS) {
      for (const t of PROVIDER_TYPES) {
        for (const stream of [false, true]) {
          it(`${inbound} ${stream ? 'stream' : 'non-stream'} → ${t}`, async () => {
            const msg = `MOCK-400 from ${t} (${inbound}${stream ? ', stream' : ''})`;
            const body = errorFor(t, msg);
            queue400(t, body);
            const r = await call(d, key.secret, inbound, targetOf(t), { stream, system: SYSTEM, prompt: PROMPT });
            assert.equal(r.status, 400, r.raw.slice(0, 500));
            assert.deepEqual(errorShapeProblems(inbound, r.json), [], `${inbound} error shape: ${r.raw.slice(0, 500)}`);
            assert.ok(errorMessage(r.json).includes(msg), `the upstream's message is kept: ${r.raw.slice(0, 500)}`);
            if (SAME[inbound] === t) assert.deepEqual(r.json, body, 'pass-through returns the upstream error as it came');
          });
        }
      }
    }
  });

  describe('tool calls across formats: the call out, the result back to the right call', () => {
    const TOOL = { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
    const ARGS = { city: 'Oslo', units: 'metric' };
    const LEAD = 'Let me check.';
    /** The id each upstream gives its call (Gemini: none; krouter must make one up where the client needs it). */
    const UP_ID: Record<ProviderType, string | null> = { openai: 'call_oa_tool_1', 'openai-responses': 'call_rs_tool_1', anthropic: 'toolu_an_tool_1', gemini: null };
    const TOOL_STOP: Record<Inbound, string> = { 'openai-chat': 'tool_calls', 'openai-responses': 'completed', anthropic: 'tool_use', gemini: 'STOP' };

    /** Makes the next answer of `t`'s mock a text lead-in plus one tool call. */
    function arm(t: ProviderType): void {
      if (t === 'openai') {
        oa.queueModes({
          kind: 'status',
          status: 200,
          body: {
            id: 'chatcmpl-tool-x',
            object: 'chat.completion',
            created: 1_700_000_002,
            model: PROVIDER.openai.model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: LEAD, refusal: null, tool_calls: [{ id: UP_ID.openai, type: 'function', function: { name: TOOL.name, arguments: JSON.stringify(ARGS) } }] },
                logprobs: null,
                finish_reason: 'tool_calls',
              },
            ],
            usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
          },
        });
        return;
      }
      const reply = { text: LEAD, toolCall: { ...(UP_ID[t] !== null ? { id: UP_ID[t] } : {}), name: TOOL.name, input: ARGS } };
      if (t === 'openai-responses') rs.setReply(reply);
      else if (t === 'anthropic') an.setReply(reply);
      else ge.setReply(reply);
    }
    const disarm = () => {
      rs.setReply({});
      an.setReply({});
      ge.setReply({});
    };

    /** The second turn in `inbound`'s format: the first answer echoed back as a client does, then the tool's result. */
    function secondTurn(inbound: Inbound, model: string, first: CallResult, call: SeenToolCall): Record<string, unknown> {
      const base = requestBody(inbound, model, { prompt: PROMPT, extra: { tools: toolsFor(inbound, TOOL) } });
      const RESULT = 'Sunny, 21 C';
      switch (inbound) {
        case 'openai-chat': {
          const msg = ((first.json?.['choices'] as Obj[])[0]?.['message'] ?? {}) as Obj;
          return { ...base, messages: [...(base['messages'] as unknown[]), msg, { role: 'tool', tool_call_id: call.id, content: RESULT }] };
        }
        case 'openai-responses':
          return { ...base, input: [...(base['input'] as unknown[]), ...(first.json?.['output'] as unknown[]), { type: 'function_call_output', call_id: call.id, output: RESULT }] };
        case 'anthropic':
          return {
            ...base,
            messages: [...(base['messages'] as unknown[]), { role: 'assistant', content: first.json?.['content'] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: RESULT }] }],
          };
        case 'gemini': {
          const content = ((first.json?.['candidates'] as Obj[])[0]?.['content'] ?? {}) as Obj;
          const fr = { ...(call.id !== null ? { id: call.id } : {}), name: call.name, response: { result: RESULT } };
          return { ...base, contents: [...(base['contents'] as unknown[]), content, { role: 'user', parts: [{ functionResponse: fr }] }] };
        }
      }
    }

    /** The tool result as the upstream received it: the id of the call it answers (as the upstream's own assistant turn names it) and its text. */
    function resultAsReceived(t: ProviderType, rec: RecordedRequest<Obj>): { callId: string | null; resultFor: string | null; name: string | null; text: string } {
      const b = rec.body ?? {};
      switch (t) {
        case 'openai': {
          const msgs = b['messages'] as Obj[];
          const call = ((msgs.find((m) => m['role'] === 'assistant')?.['tool_calls'] as Obj[] | undefined) ?? [])[0];
          const tool = msgs.find((m) => m['role'] === 'tool');
          return { callId: (call?.['id'] as string) ?? null, resultFor: (tool?.['tool_call_id'] as string) ?? null, name: ((call?.['function'] as Obj | undefined)?.['name'] as string) ?? null, text: JSON.stringify(tool?.['content'] ?? '') };
        }
        case 'openai-responses': {
          const input = b['input'] as Obj[];
          const call = input.find((i) => i['type'] === 'function_call');
          const out = input.find((i) => i['type'] === 'function_call_output');
          return { callId: (call?.['call_id'] as string) ?? null, resultFor: (out?.['call_id'] as string) ?? null, name: (call?.['name'] as string) ?? null, text: JSON.stringify(out?.['output'] ?? '') };
        }
        case 'anthropic': {
          const msgs = b['messages'] as Array<{ role: string; content: unknown }>;
          const blocks = msgs.flatMap((m) => (Array.isArray(m.content) ? (m.content as Obj[]) : []));
          const call = blocks.find((x) => x['type'] === 'tool_use');
          const res = blocks.find((x) => x['type'] === 'tool_result');
          return { callId: (call?.['id'] as string) ?? null, resultFor: (res?.['tool_use_id'] as string) ?? null, name: (call?.['name'] as string) ?? null, text: JSON.stringify(res?.['content'] ?? '') };
        }
        case 'gemini': {
          const parts = (b['contents'] as Array<{ parts: Obj[] }>).flatMap((c) => c.parts);
          const fc = parts.find((p) => p['functionCall'])?.['functionCall'] as Obj | undefined;
          const fr = parts.find((p) => p['functionResponse'])?.['functionResponse'] as Obj | undefined;
          return { callId: (fc?.['id'] as string) ?? null, resultFor: (fr?.['id'] as string) ?? null, name: (fr?.['name'] as string) ?? null, text: JSON.stringify(fr?.['response'] ?? '') };
        }
      }
    }

    for (const inbound of INBOUNDS) {
      // Known gap: Gemini and OpenAI chat clients carry the signature (chat as Google's extra_content); Responses and Anthropic have no slot for it.
      const todo = inbound === 'gemini' || inbound === 'openai-chat' ? undefined : 'krouter has no place to carry a Gemini function-call thoughtSignature through a Responses or Anthropic client, so it cannot come back';
      it(`${inbound} → gemini: the function call's thoughtSignature comes back to Gemini on the next turn (Gemini 3 refuses it missing)`, { todo }, async () => {
        const model = targetOf('gemini');
        const SIG = `R0VNLVNJRy0${inbound.length}`;
        ge.setReply({ text: null, thinking: { text: 'Plan: call the tool.', signature: SIG }, toolCall: { name: TOOL.name, input: ARGS } });
        ge.requireFunctionCallSignatures = true;
        try {
          const first = await rawCall(d, key.secret, inbound, routeFor(inbound, model, false), requestBody(inbound, model, { prompt: PROMPT, extra: { tools: toolsFor(inbound, TOOL) } }));
          ge.setReply({});
          assert.equal(first.status, 200, first.raw.slice(0, 500));
          const call = toolCallsOf(first)[0];
          assert.ok(call, `no tool call: ${first.raw.slice(0, 500)}`);
          const second = await rawCall(d, key.secret, inbound, routeFor(inbound, model, false), secondTurn(inbound, model, first, call));
          const rec = lastGen('gemini')!;
          assert.equal(second.status, 200, `second turn refused: ${second.raw.slice(0, 400)}\nGemini got: ${rec.rawBody.slice(0, 600)}\nfirst answer: ${first.raw.slice(0, 600)}`);
          const fc = ((rec.body?.['contents'] as Array<{ parts: Obj[] }>) ?? []).flatMap((c) => c.parts).find((p) => p['functionCall']);
          assert.equal(fc?.['thoughtSignature'], SIG);
        } finally {
          ge.setReply({});
          ge.requireFunctionCallSignatures = false;
        }
      });
    }

    for (const inbound of INBOUNDS) {
      for (const t of PROVIDER_TYPES) {
        for (const stream of [false, true]) {
          if (t === 'openai' && stream) continue; // mock-openai has no streamed tool call reply
          it(`${inbound} ${stream ? 'stream' : 'non-stream'} → ${t}: tool call out${stream ? '' : ', result back'}`, async () => {
            const model = targetOf(t);
            arm(t);
            let first: CallResult;
            try {
              first = await rawCall(d, key.secret, inbound, routeFor(inbound, model, stream), requestBody(inbound, model, { stream, prompt: PROMPT, extra: { tools: toolsFor(inbound, TOOL) } }));
            } finally {
              disarm();
            }
            assert.equal(first.status, 200, first.raw.slice(0, 500));
            const calls = toolCallsOf(first);
            assert.equal(calls.length, 1, `one tool call: ${first.raw.slice(0, 800)}`);
            const call = calls[0]!;
            assert.equal(call.name, TOOL.name);
            assert.deepEqual(call.args, ARGS);
            if (inbound !== 'gemini') assert.ok(call.id !== null && call.id.length > 0, `${inbound} clients need a call id`);
            if (SAME[inbound] === t && UP_ID[t] !== null) assert.equal(call.id, UP_ID[t], 'pass-through keeps the id');
            assert.equal(first.text, LEAD, 'the text before the call');
            assert.equal(stopReasonOf(first), TOOL_STOP[inbound]);
            // the tool definition reached the upstream in its own format
            const up1 = lastGen(t)!;
            const toolNames = JSON.stringify(up1.body?.['tools'] ?? null);
            assert.ok(toolNames.includes(`"${TOOL.name}"`), `tools upstream: ${toolNames}`);
            if (t === 'anthropic') assert.deepEqual((up1.body?.['tools'] as Obj[])[0]?.['input_schema'], TOOL.parameters);
            if (t === 'gemini') assert.equal(((up1.body?.['tools'] as Obj[])[0]?.['functionDeclarations'] as Obj[] | undefined)?.[0]?.['name'], TOOL.name, toolNames);
            if (stream) return;

            // second leg: the result goes back, tied to the call
            const second = await rawCall(d, key.secret, inbound, routeFor(inbound, model, false), secondTurn(inbound, model, first, call));
            assert.equal(second.status, 200, second.raw.slice(0, 500));
            assert.equal(second.text, replyFor(t));
            const seen = resultAsReceived(t, lastGen(t)!);
            assert.ok(seen.text.includes('Sunny, 21 C'), `the result text reached ${t}: ${lastGen(t)!.rawBody.slice(0, 800)}`);
            if (t === 'gemini') {
              assert.equal(seen.name, TOOL.name, `Gemini's functionResponse names the function: ${lastGen(t)!.rawBody.slice(0, 800)}`);
            } else {
              assert.ok(seen.callId !== null && seen.callId === seen.resultFor, `the result answers the call in the same request: ${JSON.stringify(seen)} ${lastGen(t)!.rawBody.slice(0, 800)}`);
              if (UP_ID[t] !== null && inbound !== 'gemini') assert.equal(seen.callId, UP_ID[t], `the upstream sees its own call id again: ${lastGen(t)!.rawBody.slice(0, 800)}`);
            }
          });
        }
      }
    }
  });

  describe('pass-through fidelity', () => {
    const FUTURE = { nested: [1, 'two', { three: null }], flag: true };

    it('/v1/messages → anthropic: unknown fields and cache_control reach the upstream byte-exact (non-stream and stream)', async () => {
      for (const stream of [false, true]) {
        const sent = {
          model: targetOf('anthropic'),
          max_tokens: 64,
          system: [{ type: 'text', text: SYSTEM, cache_control: { type: 'ephemeral' } }],
          messages: [
            { role: 'user', content: [{ type: 'text', text: PROMPT, cache_control: { type: 'ephemeral', ttl: '1h' } }] },
            { role: 'assistant', content: [{ type: 'text', text: 'Earlier answer.' }] },
            { role: 'user', content: 'And now?' },
          ],
          x_future_field: FUTURE,
          metadata: { user_id: 'user-123' },
          ...(stream ? { stream: true } : {}),
        };
        const r = await rawCall(d, key.secret, 'anthropic', '/v1/messages', sent, { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } });
        assert.equal(r.status, 200, r.raw.slice(0, 300));
        const rec = an.messageRequests().at(-1)!;
        assert.equal(rec.rawBody, JSON.stringify({ ...sent, model: PROVIDER.anthropic.model }), 'only the model name changes');
        assert.equal(rec.headers['anthropic-beta'], 'prompt-caching-2024-07-31', 'anthropic-beta passes through');
        assert.equal(r.raw, rec.responseBody, `the answer comes back byte for byte (${stream ? 'stream' : 'whole'})`);
      }
    });

    it('/v1/messages?beta=true is served like /v1/messages', async () => {
      const r = await rawCall(d, key.secret, 'anthropic', '/v1/messages?beta=true', { model: targetOf('anthropic'), max_tokens: 16, messages: [{ role: 'user', content: 'beta' }] });
      assert.equal(r.status, 200, r.raw.slice(0, 300));
      assert.equal(r.text, replyFor('anthropic'));
    });

    it('/v1/responses → openai-responses, /v1/chat/completions → openai, Gemini → gemini: unknown fields survive', async () => {
      const resp = { model: targetOf('openai-responses'), input: [{ role: 'user', content: [{ type: 'input_text', text: PROMPT }] }], x_future_field: FUTURE, store: false, prompt_cache_key: 'pck-1' };
      const r1 = await rawCall(d, key.secret, 'openai-responses', '/v1/responses', resp);
      assert.equal(r1.status, 200, r1.raw.slice(0, 300));
      assert.equal(rs.responseRequests().at(-1)!.rawBody, JSON.stringify({ ...resp, model: PROVIDER['openai-responses'].model }));
      assert.equal(r1.raw, rs.responseRequests().at(-1)!.responseBody, 'the answer comes back byte for byte');

      const chat = { model: targetOf('openai'), messages: [{ role: 'user', content: PROMPT }], x_future_field: FUTURE, logit_bias: { '50256': -100 } };
      const r2 = await rawCall(d, key.secret, 'openai-chat', '/v1/chat/completions', chat);
      assert.equal(r2.status, 200, r2.raw.slice(0, 300));
      assert.equal(oa.requestsTo('/chat/completions').at(-1)!.rawBody, JSON.stringify({ ...chat, model: PROVIDER.openai.model }));

      const gem = { contents: [{ role: 'user', parts: [{ text: PROMPT }] }], x_future_field: FUTURE, safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }] };
      const r3 = await rawCall(d, key.secret, 'gemini', `/v1beta/models/${targetOf('gemini')}:generateContent`, gem);
      assert.equal(r3.status, 200, r3.raw.slice(0, 300));
      const rec = ge.generateRequests().at(-1)!;
      assert.equal(rec.rawBody, JSON.stringify(gem), 'a Gemini body names no model: it goes up unchanged');
      assert.equal(r3.raw, rec.responseBody, 'the answer comes back byte for byte');
    });

    it('Gemini streamGenerateContent without alt=sse answers a JSON array of chunks, as Gemini does', async () => {
      for (const t of ['gemini', 'openai'] as const) {
        const r = await rawCall(d, key.secret, 'gemini', `/v1beta/models/${targetOf(t)}:streamGenerateContent`, { contents: [{ role: 'user', parts: [{ text: PROMPT }] }] });
        assert.equal(r.status, 200, r.raw.slice(0, 300));
        assert.ok(r.contentType.includes('application/json'), `${t}: content-type ${r.contentType}, body starts ${JSON.stringify(r.raw.slice(0, 80))}`);
        const chunks = JSON.parse(r.raw) as Obj[];
        assert.ok(Array.isArray(chunks), 'a JSON array');
        const text = chunks.map((c) => answerText({ ...r, contentType: 'application/json', json: c })).join('');
        assert.equal(text, replyFor(t));
      }
    });

    it('Gemini path with the provider/model slash URL-encoded (%2F) routes the same', async () => {
      const r = await rawCall(d, key.secret, 'gemini', `/v1beta/models/${encodeURIComponent(targetOf('openai'))}:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'enc' }] }] });
      assert.equal(r.status, 200, r.raw.slice(0, 300));
      assert.equal(r.target, targetOf('openai'));
      assert.equal(r.text, replyFor('openai'));
    });
  });

  describe('content the target format cannot carry', () => {
    const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    const toolTurn = (image: Obj) => ({
      max_tokens: 64,
      messages: [
        { role: 'user', content: 'Take a screenshot.' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_img_1', name: 'screenshot', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_img_1', content: [{ type: 'text', text: 'here' }, image] }] },
      ],
      tools: [{ name: 'screenshot', description: 'Takes a screenshot', input_schema: { type: 'object', properties: {} } }],
    });

    it('an image inside a tool result, sent to an OpenAI chat target: 400 naming it, nothing sent upstream', async () => {
      const before = genCount('openai');
      const r = await rawCall(d, key.secret, 'anthropic', '/v1/messages', { model: targetOf('openai'), ...toolTurn({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }) });
      assert.equal(r.status, 400, r.raw.slice(0, 400));
      assert.deepEqual(errorShapeProblems('anthropic', r.json), []);
      assert.match(errorMessage(r.json), /image/i, r.raw);
      assert.match(errorMessage(r.json), /tool result/i, r.raw);
      assert.match(errorMessage(r.json), /messages\[2\]/, `the message says where: ${r.raw}`);
      assert.equal(genCount('openai'), before, 'the upstream was not asked');
    });

    it('an image URL inside a tool result, sent to a Gemini target: 400 naming it, nothing sent upstream', async () => {
      const before = genCount('gemini');
      const r = await rawCall(d, key.secret, 'anthropic', '/v1/messages', { model: targetOf('gemini'), ...toolTurn({ type: 'image', source: { type: 'url', url: 'https://example.com/shot.png' } }) });
      assert.equal(r.status, 400, r.raw.slice(0, 400));
      assert.deepEqual(errorShapeProblems('anthropic', r.json), []);
      assert.match(errorMessage(r.json), /image URL/i, r.raw);
      assert.equal(genCount('gemini'), before, 'the upstream was not asked');
    });

    it('the same base64 image in a user message is carried to every target format', async () => {
      for (const t of PROVIDER_TYPES) {
        const r = await rawCall(d, key.secret, 'anthropic', '/v1/messages', {
          model: targetOf(t),
          max_tokens: 32,
          messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }, { type: 'text', text: 'What is this?' }] }],
        });
        assert.equal(r.status, 200, `${t}: ${r.raw.slice(0, 300)}`);
        assert.ok(lastGen(t)!.rawBody.includes(PNG), `${t}: the image data reached the upstream`);
      }
    });
  });

  describe('fallback across formats: a failed target of one format, served by another', () => {
    const BACKUP = targetOf('openai');
    type Fault = { label: string; streamOnly?: boolean; wholeOnly?: boolean; apply: (t: ProviderType) => void };
    const faults: Fault[] = [
      { label: 'HTTP 503', apply: (t) => queueFor(t, { kind: 'status', status: 503 }) },
      { label: 'HTTP 429 with Retry-After', apply: (t) => queueFor(t, { kind: 'status', status: 429, retryAfter: 30 }) },
      { label: 'error as the first event (or an error body with 200)', apply: (t) => queueFor(t, { kind: 'error-first-event' }) },
      { label: 'garbage instead of SSE', streamOnly: true, apply: (t) => queueFor(t, { kind: 'garbage-sse' }) },
      { label: 'connection reset', apply: (t) => queueFor(t, { kind: 'reset' }) },
    ];
    function queueFor(t: ProviderType, mode: { kind: string; [k: string]: unknown }): void {
      if (t === 'openai-responses') rs.queueModes(mode as Parameters<MockResponses['queueModes']>[0]);
      else if (t === 'anthropic') an.queueModes(mode as Parameters<MockAnthropic['queueModes']>[0]);
      else if (t === 'gemini') ge.queueModes(mode as Parameters<MockGemini['queueModes']>[0]);
      else oa.queueModes(mode as Parameters<MockOpenAI['queueModes']>[0]);
    }
    let n = 0;
    /** A combo [fb provider of type t / a fresh model, the OpenAI backup]: a fresh model per case, so no cooldown leaks between cases. */
    async function comboFor(t: ProviderType): Promise<{ combo: string; first: string }> {
      n++;
      const first = `fb-${PROVIDER[t].name}/case-${n}`;
      const combo = `fb-combo-${n}`;
      const r = await d.admin('PUT', `/admin/v1/combos/${combo}`, { targets: [first, BACKUP] });
      assert.ok(r.status === 200 || r.status === 201, `PUT combo: ${r.status} ${r.text}`);
      return { combo, first };
    }

    before(async () => {
      const bases: Record<ProviderType, string> = { openai: oa.baseUrl, 'openai-responses': rs.baseUrl, anthropic: an.baseUrl, gemini: ge.baseUrl };
      for (const t of ['openai-responses', 'anthropic', 'gemini'] as const) {
        await addTypedProvider(d, `fb-${PROVIDER[t].name}`, t, { baseUrl: bases[t], apiKey: PROVIDER[t].key, models: ['case-0'] });
      }
      await addTypedProvider(d, 'bad-gemini-key', 'gemini', { baseUrl: ge.baseUrl, apiKey: 'AIza-wrong-key', models: ['m-gemini'] });
    });

    for (const t of ['openai-responses', 'anthropic', 'gemini'] as const) {
      for (const inbound of [INBOUND_OF[t], 'openai-chat'] as const) {
        for (const stream of [false, true]) {
          for (const f of faults) {
            if ((f.streamOnly && !stream) || (f.wholeOnly && stream)) continue;
            it(`${inbound} ${stream ? 'stream' : 'non-stream'}, ${t} target fails (${f.label}) → served by the OpenAI backup`, async () => {
              const { combo, first } = await comboFor(t);
              f.apply(t);
              const r = await call(d, key.secret, inbound, combo, { stream, system: SYSTEM, prompt: PROMPT });
              assert.equal(r.status, 200, r.raw.slice(0, 500));
              assert.equal(r.target, BACKUP);
              assert.equal(r.text, replyFor('openai'));
              if (stream) assertStreamShape(r);
              else assertWholeShape(r);
              const [entry] = await waitForLogs(d, 1, (e: LogEntryDto) => e.modelAsked === combo);
              assert.deepEqual(
                entry!.attempts.map((a) => a.target),
                [first, BACKUP],
                JSON.stringify(entry!.attempts),
              );
              assert.equal(entry!.attempts[0]!.outcome, 'transient', JSON.stringify(entry!.attempts[0]));
            });
          }
        }
      }
    }

    it('Anthropic 529 overloaded → served by the backup', async () => {
      const { combo } = await comboFor('anthropic');
      an.queueModes({ kind: 'overloaded' });
      const r = await call(d, key.secret, 'anthropic', combo, { prompt: PROMPT });
      assert.equal(r.status, 200, r.raw.slice(0, 300));
      assert.equal(r.target, BACKUP);
    });

    it('a Gemini provider with a wrong API key (Gemini answers 400 API_KEY_INVALID) is skipped like a 401, not returned to the client', async () => {
      const combo = 'fb-bad-gemini-key';
      const put = await d.admin('PUT', `/admin/v1/combos/${combo}`, { targets: ['bad-gemini-key/m-gemini', BACKUP] });
      assert.ok(put.status === 200 || put.status === 201);
      const r = await call(d, key.secret, 'openai-chat', combo, { prompt: PROMPT });
      assert.equal(r.status, 200, `the client got the provider's key error as its own: ${r.status} ${r.raw.slice(0, 400)}`);
      assert.equal(r.target, BACKUP);
    });
  });

  describe('an upstream stream cut after the first content: the client stream ends with an error in its own format', () => {
    /** Enough events to get past the first text delta of each mock's stream. */
    const AFTER: Record<ProviderType, number> = { openai: 3, 'openai-responses': 6, anthropic: 5, gemini: 2 };
    function cut(t: ProviderType): void {
      const m = { kind: 'reset-mid-stream' as const, afterChunks: AFTER[t] };
      if (t === 'openai') oa.queueModes(m);
      else if (t === 'openai-responses') rs.queueModes(m);
      else if (t === 'anthropic') an.queueModes(m);
      else ge.queueModes(m);
    }
    /** The error event of each format, and the normal ending that must be absent. */
    function endsInError(r: CallResult): { error: boolean; completed: boolean } {
      const data = r.eventData;
      const last = data.at(-1);
      switch (r.inbound) {
        case 'openai-chat':
          return { error: data.some((e) => e['error'] !== undefined), completed: data.some((e) => (e['choices'] as Obj[] | undefined)?.[0]?.['finish_reason'] === 'stop') };
        case 'openai-responses':
          return { error: last?.['type'] === 'error' || last?.['type'] === 'response.failed', completed: data.some((e) => e['type'] === 'response.completed') };
        case 'anthropic':
          return { error: r.events.at(-1)?.event === 'error' && last?.['type'] === 'error', completed: data.some((e) => e['type'] === 'message_stop') };
        case 'gemini':
          return { error: last?.['error'] !== undefined, completed: data.some((e) => (e['candidates'] as Obj[] | undefined)?.[0]?.['finishReason'] === 'STOP') };
      }
    }
    for (const inbound of INBOUNDS) {
      for (const t of PROVIDER_TYPES) {
        it(`${inbound} stream ← ${t} cut mid-stream`, async () => {
          cut(t);
          const r = await call(d, key.secret, inbound, targetOf(t), { stream: true, system: SYSTEM, prompt: PROMPT });
          assert.equal(r.status, 200, r.raw.slice(0, 400));
          assert.ok(r.text.length > 0 && replyFor(t).startsWith(r.text) && r.text !== replyFor(t), `a strict prefix of the answer arrived: ${JSON.stringify(r.text)}`);
          const end = endsInError(r);
          assert.equal(end.completed, false, `the stream must not look complete: ${r.raw.slice(-600)}`);
          assert.equal(end.error, true, `the stream ends with an error event in the ${inbound} format: ${r.raw.slice(-600)}`);
        });
      }
    }
  });

  describe('the new mocks themselves (direct, no daemon): fault modes', () => {
    type M = MockAnthropic | MockGemini | MockResponses;
    const setups: Array<{ t: ProviderType; mock: () => M; url: (stream: boolean) => string; body: (stream: boolean) => unknown; headers: () => Record<string, string> }> = [
      {
        t: 'anthropic',
        mock: () => an,
        url: () => `${an.baseUrl}/messages`,
        body: (stream) => ({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], stream }),
        headers: () => ({ 'x-api-key': PROVIDER.anthropic.key, 'anthropic-version': '2023-06-01' }),
      },
      {
        t: 'gemini',
        mock: () => ge,
        url: (stream) => `${ge.baseUrl}/models/m:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
        body: () => ({ contents: [{ role: 'user', parts: [{ text: 'x' }] }] }),
        headers: () => ({ 'x-goog-api-key': PROVIDER.gemini.key }),
      },
      {
        t: 'openai-responses',
        mock: () => rs,
        url: () => `${rs.baseUrl}/responses`,
        body: (stream) => ({ model: 'm', input: 'x', stream }),
        headers: () => ({ authorization: `Bearer ${PROVIDER['openai-responses'].key}` }),
      },
    ];
    for (const su of setups) {
      it(`${su.t}: status+retry-after, error-first-event, garbage, slow, reset, hang`, async () => {
        const m = su.mock();
        const post = (stream: boolean, signal?: AbortSignal) =>
          fetch(su.url(stream), { method: 'POST', headers: { 'content-type': 'application/json', ...su.headers() }, body: JSON.stringify(su.body(stream)), signal: signal ?? AbortSignal.timeout(5_000) });
        const queue = (mode: { kind: string; [k: string]: unknown }) => (m.queueModes as (x: unknown) => void).call(m, mode);

        queue({ kind: 'status', status: 429, retryAfter: 7 });
        const s = await post(false);
        assert.equal(s.status, 429);
        assert.equal(s.headers.get('retry-after'), '7');
        assert.deepEqual(errorShapeProblems(INBOUND_OF[su.t], await s.json()), []);

        queue({ kind: 'error-first-event' });
        const e = await post(true);
        assert.equal(e.status, 200);
        const first = parseFirstData(await e.text());
        assert.ok(first?.['error'] !== undefined || first?.['type'] === 'error', JSON.stringify(first));

        queue({ kind: 'garbage-sse' });
        const g = await post(true);
        assert.equal(g.status, 200);
        assert.equal(parseFirstData(await g.text()), undefined);

        queue({ kind: 'slow-stream', chunks: 4, intervalMs: 5 });
        const sl = await post(true);
        const text = answerOfMock(su.t, await sl.text());
        assert.equal(text.trim().split(' ').length, 4, `4 text deltas: ${JSON.stringify(text)}`);

        queue({ kind: 'reset' });
        await assert.rejects(post(false));

        queue({ kind: 'reset-mid-stream', afterChunks: 2 });
        const rm = await post(true);
        assert.equal(rm.status, 200);
        await assert.rejects(rm.text());

        queue({ kind: 'hang' });
        const ac = new AbortController();
        const p = post(false, ac.signal).catch(() => 'aborted');
        const rec = await m.waitForRequest((r) => r.mode === 'hang');
        ac.abort();
        assert.equal(await p, 'aborted');
        await m.waitForClose(rec as never, 2_000);
        assert.equal(rec.closedEarly, true);
      });
    }
  });

  it('GET /v1beta/models and GET /v1/models list every provider model', async () => {
    const g = await fetch(`${d.baseUrl}/v1beta/models`, { headers: { 'x-goog-api-key': key.secret } });
    assert.equal(g.status, 200);
    const gj = (await g.json()) as { models: Array<{ name: string }> };
    const o = await fetch(`${d.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${key.secret}` } });
    const oj = (await o.json()) as { data: Array<{ id: string }> };
    for (const t of PROVIDER_TYPES) {
      assert.ok(gj.models.some((m) => m.name === `models/${targetOf(t)}`), `v1beta lacks ${targetOf(t)}`);
      assert.ok(oj.data.some((m) => m.id === targetOf(t)), `v1 lacks ${targetOf(t)}`);
    }
  });
});
