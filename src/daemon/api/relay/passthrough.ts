import { StreamUsage } from '../../formats/stream-usage.js';
import { parseEvent, splitEvents } from '../../formats/sse-framer.js';
import { USAGE_READERS, finishUsage, mergeUsage } from '../../formats/usage-sniff.js';
import { NO_USAGE, type Usage } from '../../formats/openai-chat/usage.js';
import type { ProviderAdapter } from '../../providers/adapter.js';
import type { ProviderEntry } from '../../routing/catalog.js';
import type { PlannedTarget } from '../../routing/resolve.js';
import type { ClientAbort } from '../client-abort.js';
import type { RequestContext } from '../context.js';
import { streamErrorEvent } from '../error-shapes.js';
import type { Inbound } from '../inbound.js';
import type { AttemptOutcome } from './attempt-loop.js';
import { isSent, sendAttempt } from './send.js';
import { pumpStream, type FirstLook, type StreamHandler } from './stream-pump.js';
import { badSuccess } from './upstream-failure.js';
import { insertMember, spliceModel } from '../json-scan.js';

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
  abort: ClientAbort,
): Promise<AttemptOutcome> {
  const stripUsage = inbound.format === 'openai-chat' && inbound.stream && !inbound.clientWantsUsage;
  const sent = await sendAttempt(ctx, provider, adapter, url, passthroughPayload(inbound, target.model), inbound.stream, inbound.passHeaders, abort, (status, text, ct) => {
    const out = Buffer.from(text, 'utf8');
    ctx.res.writeHead(status, { 'content-type': ct, 'content-length': out.length, 'x-krouter-target': target.id });
    ctx.res.end(out);
  });
  if (!isSent(sent)) return sent;

  if (sent.kind === 'stream') {
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
    return pumpStream(ctx, sent.up, target.id, abort, sent.timer, handler, inbound.jsonArray);
  }
  return relayWholeJson(ctx, sent.body, target.id, (json) => {
    const u = USAGE_READERS[inbound.format](json, null);
    return u ? finishUsage(mergeUsage(NO_USAGE, u)) : null;
  });
}

/**
 * The client's body for a same-format target: as sent but for the model name
 * (Gemini names it in the URL) and, for OpenAI chat streams, krouter's
 * include_usage. Spliced into the client's bytes where the scan vouches for
 * the position, re-serialised otherwise.
 */
export function passthroughPayload(inbound: Inbound, model: string): string | Buffer {
  const { raw, scan } = inbound.json;
  const wantUsage = inbound.format === 'openai-chat' && inbound.stream;
  if (inbound.format === 'gemini') return raw;
  if (!wantUsage || inbound.json.streamOptions === undefined) {
    let out = spliceModel(raw, scan, inbound.json.model, model);
    if (out !== null && wantUsage) {
      // inserted first, so the offsets of the scan (model and after) are not needed again
      out = insertMember(out, scan, 'stream_options', { include_usage: true });
    }
    if (out !== null) return out;
  }
  const copy: Record<string, unknown> = { ...inbound.json.value, model };
  if (wantUsage) {
    const opts = inbound.json.streamOptions;
    copy['stream_options'] = { ...(opts !== null && typeof opts === 'object' ? opts : {}), include_usage: true };
  }
  return JSON.stringify(copy);
}

/** A whole JSON answer: refuses an error-in-200, writes the bytes as they came. */
function relayWholeJson(ctx: RequestContext, body: Buffer, targetId: string, usageOf: (json: Record<string, unknown>) => Usage | null): AttemptOutcome {
  const read = parseSuccessJson(body.toString('utf8'));
  if ('bad' in read) return read.bad;
  ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, 'x-krouter-target': targetId });
  ctx.res.end(body);
  return { done: true, status: 200, outcome: 'ok', reason: 'ok', usage: usageOf(read.ok), ttfbMs: Date.now() - ctx.startedAt, errorCode: null };
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
