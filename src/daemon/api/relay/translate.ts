import type { Usage } from '../../formats/openai-chat/usage.js';
import type { FormatCodec, PivotRequest, PivotUsage, StreamEvent } from '../../formats/pivot/types.js';
import { codecFor, loadedCodec } from '../../formats/registry.js';
import { parseEvent, splitEvents } from '../../formats/sse-framer.js';
import type { ProviderAdapter } from '../../providers/adapter.js';
import { errorDetail } from '../../routing/classify.js';
import type { ProviderEntry } from '../../routing/catalog.js';
import type { PlannedTarget } from '../../routing/resolve.js';
import type { ClientAbort } from '../client-abort.js';
import type { RequestContext } from '../context.js';
import { errorBody } from '../error-shapes.js';
import type { Inbound } from '../inbound.js';
import type { AttemptOutcome } from './attempt-loop.js';
import { parseSuccessJson } from './passthrough.js';
import { isSent, sendAttempt } from './send.js';
import { pumpStream, type FirstLook, type StreamHandler } from './stream-pump.js';
import { badSuccess } from './upstream-failure.js';

export function pivotUsageToLog(u: PivotUsage): Usage {
  return {
    promptTokens: u.inputTokens,
    completionTokens: u.outputTokens,
    totalTokens: u.totalTokens ?? (u.inputTokens !== null || u.outputTokens !== null ? (u.inputTokens ?? 0) + (u.outputTokens ?? 0) : null),
    cachedTokens: u.cachedTokens,
    reasoningTokens: u.reasoningTokens,
  };
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * Different formats in and out: the request goes through the pivot to the
 * target's format, and the answer (whole or streamed) comes back through the
 * pivot into the client's format.
 */
export async function translateAttempt(
  ctx: RequestContext,
  inbound: Inbound,
  target: PlannedTarget,
  provider: ProviderEntry,
  adapter: ProviderAdapter,
  url: string,
  abort: ClientAbort,
): Promise<AttemptOutcome> {
  const pending = inbound.pivot();
  const pivot = pending instanceof Promise ? await pending : pending;
  const inCodec = loadedCodec(inbound.format) ?? (await codecFor(inbound.format));
  const outCodec = loadedCodec(adapter.format) ?? (await codecFor(adapter.format));
  const req: PivotRequest = { ...pivot, model: target.model, stream: inbound.stream };
  const payload = JSON.stringify(outCodec.encodeRequest(req));

  const sent = await sendAttempt(ctx, provider, adapter, url, payload, inbound.stream, {}, abort, (status, text) => {
    const message = errorDetail(text) ?? `The provider behind ${target.id} refused the request with HTTP ${status}.`;
    const out = Buffer.from(JSON.stringify(errorBody(inbound.format, status, 'upstream_client_error', message)), 'utf8');
    ctx.res.writeHead(status, { 'content-type': 'application/json', 'content-length': out.length, 'x-krouter-target': target.id });
    ctx.res.end(out);
  });
  if (!isSent(sent)) return sent;

  if (sent.kind === 'stream') return pumpStream(ctx, sent.up, target.id, abort, sent.timer, new TranslatingStream(inCodec, outCodec, pivot), inbound.jsonArray);

  const read = parseSuccessJson(sent.body.toString('utf8'));
  if ('bad' in read) return read.bad;
  let decoded;
  try {
    decoded = outCodec.decodeResponse(read.ok);
  } catch (e) {
    return badSuccess(`HTTP 200 with a body krouter could not read as ${adapter.format} (${(e as Error).message})`);
  }
  const res = decoded; // a fresh object of this answer's alone: completed in place, not copied
  res.created ??= nowSeconds();
  // A string goes out in one write with the headers (node prepends them); a Buffer would take a writev.
  const out = JSON.stringify(inCodec.encodeResponse(res, pivot));
  ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out), 'x-krouter-target': target.id });
  ctx.res.end(out);
  return { done: true, status: 200, outcome: 'ok', reason: 'ok', usage: pivotUsageToLog(res.usage), ttfbMs: Date.now() - ctx.startedAt, errorCode: null };
}

/** Provider stream → pivot events → client stream. Holds pivot events until the first real content, so an early error still falls back. */
class TranslatingStream implements StreamHandler {
  readonly #decoder;
  readonly #encoder;
  #held: StreamEvent[] = [];
  #content = false;
  #usage: PivotUsage | null = null;
  #ended = false;

  constructor(_in: FormatCodec, out: FormatCodec, pivot: PivotRequest) {
    this.#decoder = out.streamDecoder();
    this.#encoder = _in.streamEncoder(pivot);
  }

  look(events: Buffer): FirstLook {
    let evs: StreamEvent[];
    try {
      evs = this.#decode(events);
    } catch {
      return { kind: 'bad', reason: 'HTTP 200 but the stream is not valid SSE JSON (garbage)' };
    }
    for (const e of evs) {
      if (e.type === 'error' && !this.#content) return { kind: 'bad', reason: `HTTP 200 but the first stream event is an error: ${e.message.slice(0, 200)}` };
      this.#held.push(e);
      if (e.type !== 'start' && e.type !== 'usage') this.#content = true;
    }
    return this.#content ? { kind: 'ok' } : { kind: 'wait' };
  }

  flushHeld(): string {
    const out = this.#encode(this.#held);
    this.#held = [];
    return out;
  }

  transform(events: Buffer): string {
    return this.#encode(this.#decode(events));
  }

  finish(tail: Buffer | null): string {
    let out = '';
    if (tail && tail.length > 0) out += this.transform(Buffer.concat([tail, Buffer.from('\n\n')]));
    out += this.#encode(this.#decoder.end());
    return out + this.#end();
  }

  errorTail(message: string): string {
    return this.#encoder.event({ type: 'error', message, code: 'upstream_error' }) + this.#end();
  }

  usage(): Usage | null {
    return this.#usage ? pivotUsageToLog(this.#usage) : null;
  }

  #end(): string {
    if (this.#ended) return '';
    this.#ended = true;
    return this.#encoder.end();
  }

  #decode(events: Buffer): StreamEvent[] {
    const out: StreamEvent[] = [];
    for (const raw of splitEvents(events)) {
      const { event, data } = parseEvent(raw);
      if (data === null) continue;
      for (const e of this.#decoder.event(event, data)) out.push(e);
    }
    return out;
  }

  #encode(evs: StreamEvent[]): string {
    let out = '';
    for (const e of evs) {
      if (e.type === 'usage') this.#usage = e.usage;
      else if (e.type === 'start' && e.created === undefined) {
        out += this.#encoder.event({ ...e, created: nowSeconds() });
        continue;
      }
      out += this.#encoder.event(e);
    }
    return out;
  }
}
