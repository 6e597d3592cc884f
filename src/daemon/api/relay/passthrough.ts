import { StreamUsage } from '../../formats/stream-usage.js';
import { parseEvent, splitEvents } from '../../formats/sse-framer.js';
import { USAGE_READERS, finishUsage, mergeUsage } from '../../formats/usage-sniff.js';
import { NO_USAGE, type Usage } from '../../formats/openai-chat/usage.js';
import type { ProviderAdapter } from '../../providers/adapter.js';
import type { ProviderEntry } from '../../routing/catalog.js';
import type { PlannedTarget } from '../../routing/resolve.js';
import type { RequestContext } from '../context.js';
import { streamErrorEvent } from '../error-shapes.js';
import type { Inbound } from '../inbound.js';
import type { AttemptOutcome } from './attempt-loop.js';
import { isSent, sendAttempt } from './send.js';
import { pumpStream, type FirstLook, type StreamHandler } from './stream-pump.js';
import { badSuccess, networkFailure } from './upstream-failure.js';
import { readCappedBuffer } from './write.js';

/** Largest non-streamed upstream response accepted (bigger is treated as a failed target). */
export const RESPONSE_CAP = 256 * 1024 * 1024;

/** Looks at the first event that carries data: JSON is a stream; an error event or junk is a failed target. */
export function firstDataLook(events: Buffer): FirstLook {
  for (const raw of splitEvents(events)) {
    const { event, data } = parseEvent(raw);
    if (data === null) continue; // comments / keep-alives (e.g. OpenRouter's ": PROCESSING")
    if (data === '[DONE]') return { kind: 'ok' };
    let obj: unknown;
    try {
      obj = JSON.parse(data);
    } catch {
      return { kind: 'bad', reason: 'HTTP 200 but the stream is not valid SSE JSON (garbage)' };
    }
    const o = obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>) : null;
    if (event === 'error' || (o && (o['error'] || o['type'] === 'error' || o['type'] === 'response.failed'))) {
      return { kind: 'bad', reason: 'HTTP 200 but the first stream event is an error', body: data };
    }
    return { kind: 'ok' };
  }
  return { kind: 'wait' };
}

/**
 * Same format in and out: the body goes up untouched but for the model name
 * (and, for OpenAI chat streams, krouter's include_usage), and the answer
 * comes back byte for byte — thinking signatures, cache_control and fields
 * krouter has never heard of all survive.
 */
export async function passthroughAttempt(
  ctx: RequestContext,
  inbound: Inbound,
  target: PlannedTarget,
  provider: ProviderEntry,
  adapter: ProviderAdapter,
  url: string,
  signal: AbortSignal,
): Promise<AttemptOutcome> {
  const body: Record<string, unknown> = inbound.format === 'gemini' ? inbound.body : { ...inbound.body, model: target.model };
  const stripUsage = inbound.format === 'openai-chat' && inbound.stream && !inbound.clientWantsUsage;
  if (inbound.format === 'openai-chat' && inbound.stream) {
    const opts = inbound.body['stream_options'];
    body['stream_options'] = { ...(opts !== null && typeof opts === 'object' ? opts : {}), include_usage: true };
  }
  const sent = await sendAttempt(ctx, provider, adapter, url, JSON.stringify(body), inbound.stream, inbound.passHeaders, signal, (status, text, ct) => {
    const out = Buffer.from(text, 'utf8');
    ctx.res.writeHead(status, { 'content-type': ct, 'content-length': out.length, 'x-krouter-target': target.id });
    ctx.res.end(out);
  });
  if (!isSent(sent)) return sent;

  if (sent.timer) {
    const usage = new StreamUsage(inbound.format, stripUsage);
    const held: Buffer[] = [];
    const handler: StreamHandler = {
      look: (events) => {
        held.push(events);
        return firstDataLook(events);
      },
      flushHeld: () => usage.filter(held.length === 1 ? held[0]! : Buffer.concat(held)),
      transform: (events) => usage.filter(events),
      finish: (tail) => tail ?? '',
      errorTail: (msg) => streamErrorEvent(inbound.format, 'upstream_error', msg),
      usage: () => usage.usage,
    };
    return pumpStream(ctx, sent.up, target.id, signal, sent.timer, handler, inbound.jsonArray);
  }
  return relayWholeJson(ctx, sent.up.body, target.id, (json) => {
    const u = USAGE_READERS[inbound.format](json, null);
    return u ? finishUsage(mergeUsage(NO_USAGE, u)) : null;
  });
}

/** Reads a whole JSON answer (bounded) and refuses an error-in-200: the bytes and the parsed object, or the failure. */
export async function readSuccessJson(body: NodeJS.ReadableStream & { destroy(): void }): Promise<{ buf: Buffer; json: Record<string, unknown> } | { bad: AttemptOutcome }> {
  let buf: Buffer;
  try {
    const r = await readCappedBuffer(body, RESPONSE_CAP);
    if (r.truncated) return { bad: badSuccess(`response larger than ${RESPONSE_CAP} bytes`) };
    buf = r.buf;
  } catch (e) {
    return { bad: networkFailure(e) };
  }
  const json = parseSuccessJson(buf.toString('utf8'));
  return 'bad' in json ? json : { buf, json: json.ok };
}

/** Reads a whole JSON answer, refuses an error-in-200, writes the bytes as they came. */
export async function relayWholeJson(
  ctx: RequestContext,
  body: NodeJS.ReadableStream & { destroy(): void },
  targetId: string,
  usageOf: (json: Record<string, unknown>) => Usage | null,
): Promise<AttemptOutcome> {
  const read = await readSuccessJson(body);
  if ('bad' in read) return read.bad;
  ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': read.buf.length, 'x-krouter-target': targetId });
  ctx.res.end(read.buf);
  return { done: true, status: 200, outcome: 'ok', reason: 'ok', usage: usageOf(read.json), ttfbMs: Date.now() - ctx.startedAt, errorCode: null };
}

/** A 2xx body must be a JSON object that is not an error. */
export function parseSuccessJson(text: string): { ok: Record<string, unknown> } | { bad: AttemptOutcome } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { bad: badSuccess('HTTP 200 with a body that is not JSON') };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { bad: badSuccess('HTTP 200 with a body that is not a JSON object') };
  const o = json as Record<string, unknown>;
  if ((o['error'] && !('choices' in o) && !('data' in o) && !('candidates' in o) && !('output' in o) && !('content' in o)) || o['type'] === 'error') {
    return { bad: badSuccess('HTTP 200 with an error body', text) };
  }
  return { ok: o };
}
