/**
 * Property tests (fast-check): what every format can hold survives the codecs.
 *
 * - Requests: arbitrary pivot requests within the common subset (system
 *   text; user/assistant text turns; function tools with simple JSON
 *   schemas; tool calls with JSON-object arguments and their results;
 *   temperature, maxTokens, stop). For each format F,
 *   F.decodeRequest(F.encodeRequest(p)) keeps the subset; for each pair A, B,
 *   p → A → pivot → B → pivot keeps it.
 * - Responses: text + tool calls + usage, through each format and each pair.
 * - Streams: thinking, text and tool-call arguments cut into random chunks
 *   (the calls' argument deltas sequential or interleaved), encoded as a
 *   format-A upstream stream, decoded, re-encoded for a format-B client and
 *   decoded again: the concatenated text and each call's id, name and
 *   arguments come back exactly, whatever the chunk boundaries; so do the
 *   stop reason and the usage (normalised as for responses), and the thinking
 *   text between formats that carry unsigned thinking (Anthropic drops it by
 *   design: it refuses thinking without its own signature); both streams are
 *   well formed (invariants.ts).
 *
 * Runs are bounded (KROUTER_FC_RUNS, default 200) and seeded
 * (KROUTER_FC_SEED, default below); a failure prints the seed and the path to
 * replay it.
 *
 * The common subset, by construction of the generators (these are what every
 * format can hold, not normalisations):
 * - a conversation alternates user and assistant turns, starting with the user;
 * - a user turn is the results of the previous assistant turn's calls (all of
 *   them, in call order) followed by text; an assistant turn is text followed
 *   by calls (chat completions cannot order them otherwise);
 * - texts are non-empty (Anthropic and Gemini drop empty text blocks);
 * - tool-call ids match ^[a-zA-Z0-9_-]+$ (Anthropic's tool_use id alphabet);
 * - tool schemas are objects (`type: 'object'`), tools have no `strict`;
 * - temperature is within [0, 1] (Anthropic's range) in hundredths.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FormatCodec, FormatId, Message, PivotRequest, PivotResponse, PivotUsage, StopReason, StreamEvent, ToolDef } from '../../src/daemon/formats/pivot/types.js';
import { codecs, decodeStream, FORMATS, parseSse, type SseEvent } from './harness.js';
import { checkStream } from './invariants.js';

const SEED = Number(process.env['KROUTER_FC_SEED'] ?? 20250611);
const RUNS = Number(process.env['KROUTER_FC_RUNS'] ?? 200);
const PARAMS = { seed: SEED, numRuns: RUNS } as const;

let c: Record<FormatId, FormatCodec>;
before(async () => {
  c = await codecs();
});

/** fc.assert with the suite's seed, and the seed repeated in the failure message. */
function check<T>(label: string, arb: fc.Arbitrary<T>, pred: (v: T) => void): void {
  try {
    fc.assert(fc.property(arb, pred), PARAMS);
  } catch (e) {
    const err = e as Error;
    const cause = err.cause instanceof Error ? `\ncause: ${err.cause.message}` : '';
    err.message = `${label} (KROUTER_FC_SEED=${SEED}, KROUTER_FC_RUNS=${RUNS})\n${err.message}${cause}`;
    throw err;
  }
}

// ---------------------------------------------------------------- generators

const ident = fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/);
/** Non-empty text of any Unicode (whole code points). */
const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 });
const callId = fc.stringMatching(/^[A-Za-z0-9_-]{1,16}$/).map((s) => `call_${s}`);
const argsObject = fc.dictionary(ident, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
/** Arguments as a model writes them: a JSON object, serialised canonically. */
const args = argsObject.map((o) => JSON.stringify(o));

const schema = fc
  .uniqueArray(fc.tuple(ident, fc.constantFrom('string', 'number', 'integer', 'boolean')), { selector: ([k]) => k, maxLength: 4 })
  .chain((props) =>
    fc.subarray(props.map(([k]) => k)).map((required) => {
      const s: Record<string, unknown> = { type: 'object', properties: Object.fromEntries(props.map(([k, t]) => [k, { type: t }])) };
      if (required.length > 0) s['required'] = required;
      return s;
    }),
  );

const toolDef: fc.Arbitrary<ToolDef> = fc.record({ name: ident, description: fc.option(text, { nil: undefined }), parameters: schema }).map((t) => {
  const d: ToolDef = { name: t.name, parameters: t.parameters };
  if (t.description !== undefined) d.description = t.description;
  return d;
});

/**
 * A tool result's text: plain text, or a JSON object as text — sometimes
 * padded with whitespace, Unicode whitespace included, as tools print it.
 */
const padding = fc.constantFrom('', ' ', '\n', '\u00a0', '\ufeff', '\u2028');
const resultText = fc.oneof(
  text,
  argsObject.map((o) => JSON.stringify(o)),
  fc.tuple(padding, argsObject, padding).map(([a, o, b]) => `${a}${JSON.stringify(o)}${b}`),
);

interface TurnShape {
  userTexts: string[];
  assistantTexts: string[];
  calls: Array<{ id: string; name: string; args: string }>;
  results: string[][];
}

const turn: fc.Arbitrary<TurnShape> = fc.record({
  userTexts: fc.array(text, { minLength: 0, maxLength: 2 }),
  assistantTexts: fc.array(text, { minLength: 0, maxLength: 2 }),
  calls: fc.uniqueArray(fc.record({ id: callId, name: ident, args }), { selector: (x) => x.id, maxLength: 3 }),
  results: fc.array(fc.array(resultText, { minLength: 1, maxLength: 2 }), { minLength: 3, maxLength: 3 }),
});

/** A conversation of rounds: user turn, then (except maybe last) an assistant turn whose calls the next user turn answers. */
const conversation: fc.Arbitrary<Message[]> = fc.tuple(fc.array(turn, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([turns, endWithAssistant]) => {
  const msgs: Message[] = [];
  let pending: TurnShape | null = null;
  const usedIds = new Set<string>();
  turns.forEach((t, i) => {
    const userParts: Message['parts'] = [];
    if (pending) pending.calls.forEach((call, k) => userParts.push({ type: 'tool_result', callId: call.id, content: pending!.results[k]!.map((s) => ({ type: 'text' as const, text: s })) }));
    for (const s of t.userTexts) userParts.push({ type: 'text', text: s });
    if (userParts.length === 0) userParts.push({ type: 'text', text: 'go on' });
    msgs.push({ role: 'user', parts: userParts });
    pending = null;
    if (i === turns.length - 1 && !endWithAssistant) return;
    const calls = t.calls.filter((call) => !usedIds.has(call.id));
    for (const call of calls) usedIds.add(call.id);
    const parts: Message['parts'] = [];
    for (const s of t.assistantTexts) parts.push({ type: 'text', text: s });
    for (const call of calls) parts.push({ type: 'tool_call', id: call.id, name: call.name, arguments: call.args });
    if (parts.length === 0) parts.push({ type: 'text', text: 'ok' });
    msgs.push({ role: 'assistant', parts });
    pending = calls.length > 0 ? { ...t, calls } : null;
  });
  return msgs;
});

const pivotRequest: fc.Arbitrary<PivotRequest> = fc
  .record({
    system: fc.array(text, { maxLength: 2 }),
    messages: conversation,
    tools: fc.uniqueArray(toolDef, { selector: (t) => t.name, maxLength: 3 }),
    temperature: fc.option(fc.integer({ min: 0, max: 100 }).map((n) => n / 100), { nil: undefined }),
    maxTokens: fc.option(fc.integer({ min: 1, max: 100000 }), { nil: undefined }),
    stop: fc.option(fc.array(text, { minLength: 1, maxLength: 4 }), { nil: undefined }),
  })
  .map((r) => {
    const p: PivotRequest = { model: 'm-test', system: r.system.map((t) => ({ type: 'text', text: t })), messages: r.messages, tools: r.tools, stream: false };
    if (r.temperature !== undefined) p.temperature = r.temperature;
    if (r.maxTokens !== undefined) p.maxTokens = r.maxTokens;
    if (r.stop !== undefined) p.stop = r.stop;
    return p;
  });

// ---------------------------------------------------------------- request normaliser

/**
 * The common subset of a pivot request, with what formats legitimately
 * change undone. `through` is every format the request passed.
 *
 * 1. System parts → one string joined by a blank line: Responses has one
 *    `instructions` string.
 * 2. Adjacent messages of one role merge: Anthropic requires alternation,
 *    Gemini wants one content per turn, OpenAI chat's tool messages and the
 *    user message after them are one user turn.
 * 3. In a user message, tool results come first (stable): chat sends tool
 *    messages before the user's content, Anthropic requires tool_result
 *    blocks first.
 * 4. A tool result's `name` is dropped (decoders recover it from the call),
 *    and its content is its texts joined by a newline (Gemini and Responses
 *    carry one output string), parsed when it is a JSON object (Gemini
 *    carries a JSON-object output as an object, so spacing and key order are
 *    re-serialised).
 * 5. Tool-call arguments are compared as parsed JSON (Anthropic and Gemini
 *    carry them as objects).
 * 6. Tools: `strict` is dropped (Responses always writes it, Anthropic and
 *    Gemini never do).
 * 7. maxTokens: Anthropic requires max_tokens, so a request without one
 *    comes back with DEFAULT_MAX_TOKENS (8192) after passing Anthropic.
 * 8. stop: the Responses API has no stop parameter, so it is dropped after
 *    passing Responses.
 */
function normRequest(p: PivotRequest, through: ReadonlySet<FormatId>): unknown {
  const messages: Array<{ role: string; parts: unknown[] }> = [];
  for (const m of p.messages) {
    const parts = m.parts.map((part) => {
      switch (part.type) {
        case 'tool_call':
          return { type: 'tool_call', id: part.id, name: part.name, arguments: parseJson(part.arguments) };
        case 'tool_result':
          return { type: 'tool_result', callId: part.callId, content: jsonOrText(part.content.map((x) => (x.type === 'text' ? x.text : `[image]`)).join('\n')) };
        case 'text':
          return { type: 'text', text: part.text };
        default:
          return { type: part.type, unexpected: part };
      }
    });
    const last = messages[messages.length - 1];
    if (last && last.role === m.role) last.parts.push(...parts);
    else messages.push({ role: m.role, parts });
  }
  for (const m of messages) {
    if (m.role !== 'user') continue;
    const isResult = (x: unknown): boolean => (x as { type: string }).type === 'tool_result';
    m.parts = [...m.parts.filter(isResult), ...m.parts.filter((x) => !isResult(x))];
  }
  const out: Record<string, unknown> = {
    system: p.system.map((s) => s.text).join('\n\n'),
    messages,
    tools: p.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })),
    temperature: p.temperature,
    maxTokens: p.maxTokens ?? (through.has('anthropic') ? 8192 : undefined),
    stop: through.has('openai-responses') ? undefined : p.stop,
    // nothing outside the subset is invented on the way
    toolChoice: p.toolChoice,
    reasoning: p.reasoning,
    responseFormat: p.responseFormat,
  };
  return out;
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return { unparsable: s };
  }
}

function jsonOrText(s: string): unknown {
  const t = s.trim();
  if (t.startsWith('{')) {
    try {
      const v: unknown = JSON.parse(t);
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return { json: v };
    } catch {
      // plain text
    }
  }
  return s;
}

/** The body the relay hands to decodeRequest (Gemini's model and stream flag travel in the URL). */
function wireBody(f: FormatId, body: Record<string, unknown>, req: PivotRequest): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  return f === 'gemini' ? { ...copy, model: req.model, stream: req.stream } : copy;
}

function roundTrip(f: FormatId, p: PivotRequest): PivotRequest {
  return c[f].decodeRequest(wireBody(f, c[f].encodeRequest(p), p));
}

describe('property: requests keep the common subset', () => {
  for (const f of FORMATS) {
    it(`${f}: decode(encode(p)) keeps the subset`, () => {
      check(`request round trip through ${f}`, pivotRequest, (p) => {
        const through = new Set<FormatId>([f]);
        assert.deepStrictEqual(normRequest(roundTrip(f, p), through), normRequest(p, through));
      });
    });
  }
  for (const a of FORMATS) {
    for (const b of FORMATS) {
      if (a === b) continue;
      it(`${a} → pivot → ${b} → pivot keeps the subset`, () => {
        check(`request ${a} → ${b}`, pivotRequest, (p) => {
          const through = new Set<FormatId>([a, b]);
          assert.deepStrictEqual(normRequest(roundTrip(b, roundTrip(a, p)), through), normRequest(p, through));
        });
      });
    }
  }
  it('encoding is deterministic (byte-identical twice, from equal copies)', () => {
    check('request determinism', pivotRequest, (p) => {
      const bytes = (f: FormatId): string => {
        try {
          return JSON.stringify(c[f].encodeRequest(structuredClone(p)));
        } catch (e) {
          // a refusal is an output too: it must be the same refusal both times
          return `THROWS ${(e as Error).message}`;
        }
      };
      for (const f of FORMATS) assert.equal(bytes(f), bytes(f), `${f} encoded one request two ways`);
    });
  });
});

// ---------------------------------------------------------------- responses

const BASE_REQ: PivotRequest = { model: 'm-test', system: [], messages: [{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }], tools: [], stream: false };

const usage: fc.Arbitrary<PivotUsage> = fc
  .record({ input: fc.nat({ max: 100000 }), output: fc.nat({ max: 100000 }), cachedShare: fc.double({ min: 0, max: 1, noNaN: true }), reasoningShare: fc.double({ min: 0, max: 1, noNaN: true }) })
  .map((u) => ({
    inputTokens: u.input,
    outputTokens: u.output,
    totalTokens: u.input + u.output,
    cachedTokens: Math.floor(u.input * u.cachedShare),
    cacheWriteTokens: null,
    reasoningTokens: Math.floor(u.output * u.reasoningShare),
  }));

const pivotResponse: fc.Arbitrary<PivotResponse> = fc
  .record({
    text: fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), { nil: undefined }),
    calls: fc.uniqueArray(fc.record({ id: callId, name: ident, args }), { selector: (x) => x.id, maxLength: 3 }),
    cutOff: fc.boolean(),
    usage,
  })
  .filter((r) => r.text !== undefined || r.calls.length > 0)
  .map((r) => {
    const parts: PivotResponse['parts'] = [];
    if (r.text !== undefined) parts.push({ type: 'text', text: r.text });
    for (const call of r.calls) parts.push({ type: 'tool_call', id: call.id, name: call.name, arguments: call.args });
    const stopReason: StopReason = r.cutOff ? 'max_tokens' : r.calls.length > 0 ? 'tool_use' : 'end';
    return { id: 'r1', model: 'm-test', parts, stopReason, usage: r.usage, created: 1750000000 };
  });

/**
 * The common subset of a response:
 * - text: all text parts concatenated (chat completions has one content string);
 * - tool calls: id, name and parsed arguments (Anthropic and Gemini carry objects);
 * - stop reason;
 * - usage: input, output, total, cached and reasoning tokens, null read as 0
 *   (OpenAI formats write 0 for unknown, Gemini leaves zero counts out); after
 *   Anthropic, reasoning tokens are unknown (Anthropic reports none) and the
 *   total is input + output (Anthropic reports no total).
 * id, model and created are not compared (each format prefixes or stamps its own).
 */
function normResponse(r: PivotResponse, through: ReadonlySet<FormatId>): unknown {
  const u = r.usage;
  return {
    text: r.parts.map((p) => (p.type === 'text' ? p.text : '')).join(''),
    calls: r.parts.flatMap((p) => (p.type === 'tool_call' ? [{ id: p.id, name: p.name, arguments: parseJson(p.arguments) }] : [])),
    other: r.parts.filter((p) => p.type !== 'text' && p.type !== 'tool_call'),
    stopReason: r.stopReason,
    usage: {
      input: u.inputTokens ?? 0,
      output: u.outputTokens ?? 0,
      total: through.has('anthropic') ? (u.inputTokens ?? 0) + (u.outputTokens ?? 0) : (u.totalTokens ?? 0),
      cached: u.cachedTokens ?? 0,
      reasoning: through.has('anthropic') ? 0 : (u.reasoningTokens ?? 0),
    },
  };
}

function responseTrip(f: FormatId, r: PivotResponse): PivotResponse {
  return c[f].decodeResponse(JSON.parse(JSON.stringify(c[f].encodeResponse(r, BASE_REQ))) as Record<string, unknown>);
}

describe('property: responses keep text, tool calls and usage', () => {
  for (const f of FORMATS) {
    it(`${f}: decode(encode(r)) keeps the subset`, () => {
      check(`response round trip through ${f}`, pivotResponse, (r) => {
        const through = new Set<FormatId>([f]);
        assert.deepStrictEqual(normResponse(responseTrip(f, r), through), normResponse(r, through));
      });
    });
  }
  for (const a of FORMATS) {
    for (const b of FORMATS) {
      if (a === b) continue;
      it(`${a} → pivot → ${b} → pivot keeps the subset`, () => {
        check(`response ${a} → ${b}`, pivotResponse, (r) => {
          const through = new Set<FormatId>([a, b]);
          assert.deepStrictEqual(normResponse(responseTrip(b, responseTrip(a, r)), through), normResponse(r, through));
        });
      });
    }
  }
});

// ---------------------------------------------------------------- streams

/** Cuts a string into 1..n pieces at random code-point boundaries (a chunk never splits a surrogate pair). */
function chunked(s: string): fc.Arbitrary<string[]> {
  const cps = Array.from(s);
  if (cps.length <= 1) return fc.constant([s]);
  return fc.uniqueArray(fc.integer({ min: 1, max: cps.length - 1 }), { maxLength: Math.min(8, cps.length - 1) }).map((cuts) => {
    const sorted = [...cuts].sort((x, y) => x - y);
    const out: string[] = [];
    let prev = 0;
    for (const k of [...sorted, cps.length]) {
      out.push(cps.slice(prev, k).join(''));
      prev = k;
    }
    return out;
  });
}

interface StreamCase {
  thinkingChunks: string[];
  textChunks: string[];
  calls: Array<{ id: string; name: string; chunks: string[] }>;
  /** The calls' argument deltas interleaved (all starts, then deltas round-robin): possible on OpenAI chat's wire. */
  interleave: boolean;
  cutOff: boolean;
  usage: PivotUsage;
}

const streamCase: fc.Arbitrary<StreamCase> = fc
  .record({
    thinking: fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), { nil: undefined }),
    text: fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }), { nil: undefined }),
    calls: fc.uniqueArray(fc.record({ id: callId, name: ident, args }), { selector: (x) => x.id, maxLength: 3 }),
    interleave: fc.boolean(),
    cutOff: fc.boolean(),
    usage,
  })
  .filter((r) => r.text !== undefined || r.calls.length > 0)
  .chain((r) =>
    fc.record({
      thinkingChunks: r.thinking === undefined ? fc.constant<string[]>([]) : chunked(r.thinking),
      textChunks: r.text === undefined ? fc.constant<string[]>([]) : chunked(r.text),
      calls: fc.tuple(...r.calls.map((call) => chunked(call.args).map((chunks) => ({ id: call.id, name: call.name, chunks })))),
      interleave: fc.constant(r.interleave),
      cutOff: fc.constant(r.cutOff),
      usage: fc.constant(r.usage),
    }),
  );

/** The client asked for usage in its stream and for thoughts (Gemini only streams thoughts when asked). */
const STREAM_REQ: PivotRequest = { ...BASE_REQ, stream: true, streamUsage: true, reasoning: { includeThoughts: true } };

/** The pivot events a model's answer makes: start, thinking, text, the calls, usage, stop. */
function pivotEvents(s: StreamCase): StreamEvent[] {
  const evs: StreamEvent[] = [{ type: 'start', id: 'stream1', model: 'm-test', created: 1750000000 }];
  for (const t of s.thinkingChunks) evs.push({ type: 'thinking_delta', text: t });
  for (const t of s.textChunks) evs.push({ type: 'text_delta', text: t });
  if (s.interleave) {
    s.calls.forEach((call, index) => evs.push({ type: 'tool_call_start', index, id: call.id, name: call.name }));
    const longest = Math.max(0, ...s.calls.map((call) => call.chunks.length));
    for (let k = 0; k < longest; k++) {
      s.calls.forEach((call, index) => {
        const a = call.chunks[k];
        if (a !== undefined) evs.push({ type: 'tool_call_delta', index, argumentsDelta: a });
      });
    }
    s.calls.forEach((_call, index) => evs.push({ type: 'tool_call_end', index }));
  } else {
    s.calls.forEach((call, index) => {
      evs.push({ type: 'tool_call_start', index, id: call.id, name: call.name });
      for (const a of call.chunks) evs.push({ type: 'tool_call_delta', index, argumentsDelta: a });
      evs.push({ type: 'tool_call_end', index });
    });
  }
  evs.push({ type: 'usage', usage: s.usage });
  evs.push({ type: 'stop', reason: stopOf(s) });
  return evs;
}

function stopOf(s: StreamCase): StopReason {
  return s.cutOff ? 'max_tokens' : s.calls.length > 0 ? 'tool_use' : 'end';
}

/** Formats that carry thinking without a signature of their own family (Anthropic drops unsigned thinking by design). */
const UNSIGNED_THINKING: ReadonlySet<FormatId> = new Set(['openai-chat', 'openai-responses', 'gemini']);

function encodeAll(codec: FormatCodec, evs: StreamEvent[]): string {
  const enc = codec.streamEncoder(STREAM_REQ);
  let out = '';
  for (const e of evs) out += enc.event(e);
  return out + enc.end();
}

/** What a client sees in a decoded stream: the text, and each call's id, name and arguments, in order. */
function collect(evs: StreamEvent[]): { thinking: string; text: string; calls: Array<{ id: string; name: string; args: string }>; usage: PivotUsage | null; stop: StopReason | null; errors: string[] } {
  let t = '';
  let thinking = '';
  let usage: PivotUsage | null = null;
  let stop: StopReason | null = null;
  const calls = new Map<number, { id: string; name: string; args: string }>();
  const errors: string[] = [];
  for (const e of evs) {
    if (e.type === 'text_delta') t += e.text;
    else if (e.type === 'thinking_delta') thinking += e.text;
    else if (e.type === 'usage') usage = e.usage;
    else if (e.type === 'stop') stop = stop ?? e.reason;
    else if (e.type === 'tool_call_start') calls.set(e.index, { id: e.id, name: e.name, args: '' });
    else if (e.type === 'tool_call_delta') {
      const call = calls.get(e.index);
      if (call) call.args += e.argumentsDelta;
      else errors.push(`a delta for unknown call ${e.index}`);
    } else if (e.type === 'error') errors.push(`${e.code}: ${e.message}`);
  }
  return { thinking, text: t, usage, stop, calls: [...calls.entries()].sort(([x], [y]) => x - y).map(([, v]) => v), errors };
}

function wellFormed(f: FormatId, events: SseEvent[], where: string): void {
  const v = checkStream(f, events);
  if (v.length > 0) assert.fail(`${where}: the ${f} stream breaks its rules:\n  ${v.join('\n  ')}`);
}

describe('property: streams keep thinking, text, arguments, usage and the stop reason whatever the chunking', () => {
  for (const a of FORMATS) {
    for (const b of FORMATS) {
      it(`${a} upstream → ${b} client`, () => {
        check(`stream ${a} → ${b}`, streamCase, (s) => {
          // the upstream's wire stream (format a), as a provider would send it
          const upstream = parseSse(encodeAll(c[a], pivotEvents(s)));
          wellFormed(a, upstream, `upstream ${a}`);
          // the relay: decode a, encode b for the client
          const pivot = decodeStream(c[a], upstream);
          const client = parseSse(encodeAll(c[b], pivot));
          wellFormed(b, client, `client ${b}`);
          // the client's SDK decodes b
          const got = collect(decodeStream(c[b], client));
          assert.deepStrictEqual(got.errors, []);
          assert.equal(got.text, s.textChunks.join(''), 'the concatenated text changed');
          assert.deepStrictEqual(
            got.calls,
            s.calls.map((call) => ({ id: call.id, name: call.name, args: call.chunks.join('') })),
            'a tool call changed',
          );
          const through = new Set<FormatId>([a, b]);
          const thinking = s.thinkingChunks.join('');
          assert.equal(got.thinking, UNSIGNED_THINKING.has(a) && UNSIGNED_THINKING.has(b) ? thinking : '', 'the thinking text changed');
          assert.equal(got.stop, stopOf(s), 'the stop reason changed');
          assert.ok(got.usage, 'no usage reached the client');
          const n = (u: PivotUsage): unknown => normResponse({ id: '', model: '', parts: [], stopReason: 'end', usage: u }, through);
          assert.deepStrictEqual(n(got.usage), n(s.usage), 'the usage changed');
        });
      });
    }
  }
});
