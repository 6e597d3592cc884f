/**
 * The conformance harness: loads the canonical wire inputs of each format
 * (fixtures/inputs/<format>.json), runs them through the codecs the way the
 * relay does (src/daemon/api/relay/translate.ts), and reads and writes the
 * golden outputs (fixtures/golden/<in>--<out>.json).
 *
 * For a pair in → out (the client speaks `in`, the provider speaks `out`):
 * - request:  out.encodeRequest({...in.decodeRequest(x), model: target, stream})
 * - response: in.encodeResponse(out.decodeResponse(y), in.decodeRequest(context))
 * - stream:   out.streamDecoder() fed each SSE event → in.streamEncoder(context)
 * - error:    an upstream error body → the client's error body (errorBody +
 *             errorDetail, as translateAttempt answers a refused request)
 *
 * The relay stamps `created` with the clock when the upstream gave none; the
 * harness stamps the fixed CREATED instead, so outputs are reproducible.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { errorBody } from '../../src/daemon/api/error-shapes.js';
import type { FormatCodec, FormatId, PivotRequest, PivotResponse, StreamEvent } from '../../src/daemon/formats/pivot/types.js';
import { codecFor } from '../../src/daemon/formats/registry.js';
import { parseEvent, splitEvents } from '../../src/daemon/formats/sse-framer.js';
import { errorDetail } from '../../src/daemon/routing/classify.js';

export const FORMATS: readonly FormatId[] = ['openai-chat', 'openai-responses', 'anthropic', 'gemini'];

/** The model the relay would put in the pivot for a target of each format (translate.ts sets `model: target.model`). */
export const TARGET_MODEL: Record<FormatId, string> = {
  'openai-chat': 'gpt-4.1',
  'openai-responses': 'gpt-5',
  anthropic: 'claude-sonnet-4-5',
  gemini: 'gemini-2.5-flash',
};

/** What the relay's clock would give for a start event or response without a creation time. */
export const CREATED = 1750000000;

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/** One SSE event: its `event:` name (null when it has none) and its data, parsed when it is JSON. */
export type SseEvent = [string | null, Json];

export interface RequestFixture {
  doc?: string;
  /** Gemini: the path the client called (model and stream flag travel in it). */
  url?: string;
  body: JsonObject;
}

export interface ResponseFixture {
  doc?: string;
  /** The client's request (a request case name of the inbound format, or alternatives `a|b`) this answers. */
  context: string;
  body: JsonObject;
}

export interface StreamFixture {
  doc?: string;
  context: string;
  events: SseEvent[];
}

export interface ErrorFixture {
  doc?: string;
  status: number;
  body: Json;
}

export interface FormatInputs {
  format: FormatId;
  doc?: string;
  requests: Record<string, RequestFixture>;
  responses: Record<string, ResponseFixture>;
  streams: Record<string, StreamFixture>;
  errors: Record<string, ErrorFixture>;
}

/** A conversion that refused its input (UnsupportedContent, InvalidRequest, …) is recorded as what it threw. */
export interface Thrown {
  $throws: { name: string; code: string | null; message: string };
}

export type Outcome<T> = T | Thrown;

export interface GoldenFile {
  in: FormatId;
  out: FormatId;
  request: Record<string, Outcome<Json>>;
  response: Record<string, Outcome<Json>>;
  stream: Record<string, Outcome<SseEvent[]>>;
  error: Record<string, Json>;
}

export type Kind = 'request' | 'response' | 'stream' | 'error';

// ---------------------------------------------------------------- files

/** test/conformance/fixtures, from the compiled dist/test/conformance (tsc does not copy JSON). */
export const FIXTURES = new URL('../../../test/conformance/fixtures/', import.meta.url);

export function loadInputs(format: FormatId): FormatInputs {
  const raw = JSON.parse(readFileSync(new URL(`inputs/${format}.json`, FIXTURES), 'utf8')) as FormatInputs;
  if (raw.format !== format) throw new Error(`fixtures/inputs/${format}.json says it is ${raw.format}`);
  return raw;
}

export function goldenUrl(inF: FormatId, outF: FormatId): URL {
  return new URL(`golden/${inF}--${outF}.json`, FIXTURES);
}

export function loadGolden(inF: FormatId, outF: FormatId): GoldenFile | null {
  try {
    return JSON.parse(readFileSync(goldenUrl(inF, outF), 'utf8')) as GoldenFile;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export function writeGolden(g: GoldenFile): void {
  writeFileSync(goldenUrl(g.in, g.out), `${JSON.stringify(g, null, 2)}\n`);
}

/**
 * KROUTER_UPDATE_GOLDEN=1 rewrites every golden file from the current output;
 * any other non-empty value rewrites only the pairs whose `<in>--<out>` name
 * contains it (e.g. `KROUTER_UPDATE_GOLDEN=--gemini`).
 */
export function updateMode(inF: FormatId, outF: FormatId): boolean {
  const v = process.env['KROUTER_UPDATE_GOLDEN'];
  if (v === undefined || v === '' || v === '0') return false;
  return v === '1' || `${inF}--${outF}`.includes(v);
}

// ---------------------------------------------------------------- conversions

export async function codecs(): Promise<Record<FormatId, FormatCodec>> {
  const entries = await Promise.all(FORMATS.map(async (f) => [f, await codecFor(f)] as const));
  return Object.fromEntries(entries) as Record<FormatId, FormatCodec>;
}

function thrown(e: unknown): Thrown {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as Error & { code?: unknown }).code;
  return { $throws: { name: err.constructor.name, code: typeof code === 'string' ? code : null, message: err.message } };
}

export function isThrown(v: unknown): v is Thrown {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && '$throws' in v;
}

function attempt<T>(f: () => T): Outcome<T> {
  try {
    return f();
  } catch (e) {
    return thrown(e);
  }
}

/** JSON round trip: drops undefined fields the way the wire does, and gives a plain Json value. */
export function toJson(v: unknown): Json {
  return JSON.parse(JSON.stringify(v)) as Json;
}

/** The body the relay hands to decodeRequest: Gemini's model and stream flag come from the URL. */
export function requestBody(format: FormatId, fx: RequestFixture): Record<string, unknown> {
  if (format !== 'gemini') return structuredClone(fx.body);
  const m = /^\/(?:v1beta|v1)\/models\/([^/:]+):(generateContent|streamGenerateContent)/.exec(fx.url ?? '');
  if (!m) throw new Error(`a gemini request fixture needs a /v1beta/models/{model}:… url (got ${String(fx.url)})`);
  return { ...structuredClone(fx.body), model: m[1], stream: m[2] === 'streamGenerateContent' };
}

/**
 * The client's request as the relay's pivot (`inbound.pivot()`). A context
 * may list alternatives (`custom_tool|tools`): the first request case the
 * client's format has.
 */
export function clientPivot(c: Record<FormatId, FormatCodec>, inF: FormatId, inputs: FormatInputs, context: string): PivotRequest {
  const name = context.split('|').find((n) => inputs.requests[n] !== undefined);
  const fx = name === undefined ? undefined : inputs.requests[name];
  if (!fx) throw new Error(`${inF} has no request case ${JSON.stringify(context)} (used as a context)`);
  return c[inF].decodeRequest(requestBody(inF, fx));
}

/** Request: the client's body → pivot → the target's body (translateAttempt). */
export function convertRequest(c: Record<FormatId, FormatCodec>, inF: FormatId, outF: FormatId, fx: RequestFixture): Outcome<Json> {
  return attempt(() => {
    const pivot = c[inF].decodeRequest(requestBody(inF, fx));
    const req: PivotRequest = { ...pivot, model: TARGET_MODEL[outF], stream: pivot.stream };
    return toJson(c[outF].encodeRequest(req));
  });
}

/** Response: the provider's body → pivot → the client's body. */
export function convertResponse(c: Record<FormatId, FormatCodec>, inF: FormatId, outF: FormatId, fx: ResponseFixture, context: PivotRequest): Outcome<Json> {
  return attempt(() => {
    const decoded: PivotResponse = c[outF].decodeResponse(structuredClone(fx.body));
    const res: PivotResponse = { ...decoded, created: decoded.created ?? CREATED };
    return toJson(c[inF].encodeResponse(res, context));
  });
}

/** Splits SSE bytes into events (the relay's framer), parsing each data that is JSON. */
export function parseSse(text: string): SseEvent[] {
  const out: SseEvent[] = [];
  for (const raw of splitEvents(Buffer.from(text, 'utf8'))) {
    const { event, data } = parseEvent(raw);
    if (data === null) continue;
    let value: Json = data;
    try {
      value = JSON.parse(data) as Json;
    } catch {
      // `[DONE]` and other non-JSON data stay strings
    }
    out.push([event, value]);
  }
  return out;
}

/** The data string of an input event, as it travels on the wire. */
export function wireData(data: Json): string {
  return typeof data === 'string' ? data : JSON.stringify(data);
}

/** The pivot events an upstream stream decodes into (the decoder's end() included). */
export function decodeStream(codec: FormatCodec, events: SseEvent[]): StreamEvent[] {
  const dec = codec.streamDecoder();
  const out: StreamEvent[] = [];
  for (const [name, data] of events) out.push(...dec.event(name, wireData(data)));
  out.push(...dec.end());
  return out;
}

/** Pivot events → the client's SSE text, stamping `created` on a start that has none (TranslatingStream#encode). */
export function encodeStream(codec: FormatCodec, req: PivotRequest, events: StreamEvent[]): string {
  const enc = codec.streamEncoder(req);
  let s = '';
  for (const e of events) s += enc.event(e.type === 'start' && e.created === undefined ? { ...e, created: CREATED } : e);
  return s + enc.end();
}

/** Stream: the provider's events → pivot → the client's events, as text (for byte comparisons) and parsed. */
export function convertStreamText(c: Record<FormatId, FormatCodec>, inF: FormatId, outF: FormatId, fx: StreamFixture, context: PivotRequest): Outcome<string> {
  return attempt(() => encodeStream(c[inF], context, decodeStream(c[outF], fx.events)));
}

export function convertStream(c: Record<FormatId, FormatCodec>, inF: FormatId, outF: FormatId, fx: StreamFixture, context: PivotRequest): Outcome<SseEvent[]> {
  const t = convertStreamText(c, inF, outF, fx, context);
  return isThrown(t) ? t : parseSse(t);
}

/** Error: what the client receives when the provider refuses with this body (translateAttempt's onClientError). */
export function convertError(inF: FormatId, fx: ErrorFixture): Json {
  const text = typeof fx.body === 'string' ? fx.body : JSON.stringify(fx.body);
  const message = errorDetail(text) ?? `The provider behind the target refused the request with HTTP ${fx.status}.`;
  return { status: fx.status, body: toJson(errorBody(inF, fx.status, 'upstream_client_error', message)) };
}

/** Every case of one pair, computed from the current codecs. */
export function computePair(c: Record<FormatId, FormatCodec>, inF: FormatId, outF: FormatId, ins: FormatInputs, outs: FormatInputs): GoldenFile {
  const g: GoldenFile = { in: inF, out: outF, request: {}, response: {}, stream: {}, error: {} };
  for (const [name, fx] of Object.entries(ins.requests)) g.request[name] = convertRequest(c, inF, outF, fx);
  for (const [name, fx] of Object.entries(outs.responses)) g.response[name] = convertResponse(c, inF, outF, fx, clientPivot(c, inF, ins, fx.context));
  for (const [name, fx] of Object.entries(outs.streams)) g.stream[name] = convertStream(c, inF, outF, fx, clientPivot(c, inF, ins, fx.context));
  for (const [name, fx] of Object.entries(outs.errors)) g.error[name] = convertError(inF, fx);
  return g;
}

// ---------------------------------------------------------------- comparison

/** Up to `limit` differences between two JSON values, each as `path: expected … / actual …`. */
export function jsonDiff(expected: unknown, actual: unknown, path = '$', out: string[] = [], limit = 12): string[] {
  if (out.length >= limit) return out;
  const show = (v: unknown): string => (v === undefined ? '(absent)' : JSON.stringify(v));
  if (Object.is(expected, actual)) return out;
  const ea = Array.isArray(expected);
  const aa = Array.isArray(actual);
  if (ea && aa) {
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n && out.length < limit; i++) jsonDiff(expected[i], actual[i], `${path}[${i}]`, out, limit);
    return out;
  }
  const eo = expected !== null && typeof expected === 'object' && !ea;
  const ao = actual !== null && typeof actual === 'object' && !aa;
  if (eo && ao) {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(e), ...Object.keys(a)])];
    for (const k of keys) {
      if (out.length >= limit) break;
      jsonDiff(e[k], a[k], `${path}.${k}`, out, limit);
    }
    return out;
  }
  out.push(`${path}: expected ${show(expected)}, actual ${show(actual)}`);
  return out;
}

function eventLabel(e: SseEvent | undefined): string {
  if (!e) return '(none)';
  const [name, data] = e;
  if (name !== null) return name;
  return typeof data === 'string' ? data : JSON.stringify(data).slice(0, 80);
}

/**
 * Compares two streams event by event; returns a readable report of every
 * event that differs (or null when they are equal). Deep equality per event.
 */
export function compareEvents(expected: SseEvent[], actual: SseEvent[]): string | null {
  const lines: string[] = [];
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const d = jsonDiff(expected[i], actual[i], `event[${i}]`);
    if (d.length === 0) continue;
    lines.push(`  event #${i}: expected ${eventLabel(expected[i])} / actual ${eventLabel(actual[i])}`);
    for (const l of d) lines.push(`    ${l}`);
    if (lines.length > 60) {
      lines.push('  …');
      break;
    }
  }
  if (lines.length === 0) return null;
  return `${expected.length} events expected, ${actual.length} actual\n${lines.join('\n')}`;
}

// ---------------------------------------------------------------- signatures

/** Family markers the fixtures put in every signature, redacted thinking and encrypted reasoning value. */
export const SIGNATURE_MARKERS = { anthropic: ['SIG_ANTHROPIC_', 'REDACTED_ANTHROPIC_'], gemini: ['SIG_GEMINI_'], openai: ['ENC_OPENAI_'] } as const;

/** The signature family a format carries natively. */
export const FAMILY_OF: Record<FormatId, keyof typeof SIGNATURE_MARKERS | null> = { 'openai-chat': null, 'openai-responses': 'openai', anthropic: 'anthropic', gemini: 'gemini' };

/**
 * Where a format may carry another family's signature, tagged with that family:
 * OpenAI chat carries a Gemini function-call signature where Google's own
 * OpenAI-compatible endpoint does (`tool_calls[].extra_content.google.thought_signature`),
 * so it survives a round trip to the client and back to Gemini.
 */
const CARRIED: Partial<Record<FormatId, Array<{ family: keyof typeof SIGNATURE_MARKERS; path: RegExp }>>> = {
  'openai-chat': [{ family: 'gemini', path: /\.tool_calls\[\d+\]\.extra_content\.google\.thought_signature$/ }],
};

/** Markers of other families found in an output of `format`, each with where it was found. */
export function foreignSignatures(format: FormatId, output: unknown): string[] {
  const found: string[] = [];
  const visit = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      for (const [family, markers] of Object.entries(SIGNATURE_MARKERS)) {
        if (family === FAMILY_OF[format]) continue;
        if ((CARRIED[format] ?? []).some((c) => c.family === family && c.path.test(path))) continue;
        for (const m of markers) {
          for (const hit of v.match(new RegExp(`${m}\\d+`, 'g')) ?? []) found.push(`${hit} at ${path}`);
        }
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${path}[${i}]`));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, `${path}.${k}`);
  };
  visit(output, '$');
  return found;
}
