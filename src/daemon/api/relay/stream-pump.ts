import type { Usage } from '../../formats/openai-chat/usage.js';
import { parseEvent, SseFramer, splitEvents } from '../../formats/sse-framer.js';
import type { UpstreamResponse } from '../../upstream/dispatcher.js';
import type { ClientAbort } from '../client-abort.js';
import type { RequestContext } from '../context.js';
import type { AttemptOutcome } from './attempt-loop.js';
import { badSuccess, networkFailure } from './upstream-failure.js';
import { writeChunk } from './write.js';

export type FirstLook = { kind: 'wait' } | { kind: 'ok' } | { kind: 'bad'; reason: string; body?: string };

/** How one kind of stream (pass-through or translated) is inspected and rewritten. */
export interface StreamHandler {
  /** Before the commit point: takes complete events, says whether the stream is good yet. */
  look(events: Buffer): FirstLook;
  /** At the commit point: the bytes for everything `look` took. */
  flushHeld(): Buffer | string;
  /** After the commit point: the bytes for a run of complete events. */
  transform(events: Buffer): Buffer | string;
  /** Upstream ended: final bytes (an unterminated tail, a terminal event). */
  finish(tail: Buffer | null): Buffer | string;
  /** Upstream broke mid-stream: one error event in the client's format. */
  errorTail(message: string): string;
  usage(): Usage | null;
}

export interface StreamTimer {
  /** Aborts the attempt if the first event has not come in time. */
  local: AbortController;
  timer: NodeJS.Timeout;
}

/**
 * Reads an upstream SSE response: nothing reaches the client until `look`
 * accepts the first event, so a target failing that early still falls back.
 * Then commits (status line and headers) and pumps, with backpressure.
 */
export async function pumpStream(
  ctx: RequestContext,
  up: UpstreamResponse,
  targetId: string,
  abort: ClientAbort,
  t: StreamTimer,
  handler: StreamHandler,
  jsonArray = false,
): Promise<AttemptOutcome> {
  if (jsonArray) handler = asJsonArray(handler);
  const framer = new SseFramer();
  const it = (up.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  try {
    for (;;) {
      const { value, done } = await it.next();
      if (done) {
        const rest = framer.rest();
        return badSuccess(rest && rest.length > 0 ? 'HTTP 200 but the stream is not valid SSE (garbage)' : 'the stream ended before its first event');
      }
      const events = framer.push(value);
      if (events === null) continue;
      const look = handler.look(events);
      if (look.kind === 'wait') continue;
      if (look.kind === 'bad') {
        up.body.destroy();
        return badSuccess(look.reason, look.body);
      }
      break;
    }
  } catch (e) {
    up.body.destroy();
    return networkFailure(t.local.signal.aborted ? t.local.signal.reason : e);
  } finally {
    clearTimeout(t.timer);
  }

  // Commit point: from here on the client has bytes and there is no fallback.
  const ttfbMs = Date.now() - ctx.startedAt;
  const res = ctx.res;
  res.writeHead(200, {
    'content-type': jsonArray ? 'application/json; charset=utf-8' : 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    'x-krouter-target': targetId,
  });
  let errorCode: string | null = null;
  try {
    const first = handler.flushHeld();
    if (first.length > 0) await writeChunk(res, first);
    for (;;) {
      const { value, done } = await it.next();
      if (done) break;
      const events = framer.push(value);
      if (events === null) continue;
      const out = handler.transform(events);
      if (out.length > 0) await writeChunk(res, out);
      if (res.destroyed) break;
    }
    const last = handler.finish(framer.rest());
    if (last.length > 0 && !res.destroyed) await writeChunk(res, last);
  } catch (e) {
    if (abort.aborted) errorCode = 'client_closed';
    else {
      errorCode = 'upstream_stream_error';
      const msg = `The upstream ${targetId} broke off the stream mid-way (${(e as { code?: string }).code ?? (e as Error).message}); the answer above is incomplete. Retry the request.`;
      if (!res.destroyed) res.write(handler.errorTail(msg));
    }
    up.body.destroy();
  }
  if (!res.destroyed) res.end();
  const status = errorCode === 'client_closed' ? 499 : 200;
  return { done: true, status, outcome: 'ok', reason: errorCode ?? 'ok', usage: handler.usage(), ttfbMs, errorCode };
}

/**
 * Gemini's non-SSE streaming shape: the same chunks as one JSON array,
 * written element by element as they arrive (`[{…}` … `,\r\n{…}` … `]`).
 */
function asJsonArray(h: StreamHandler): StreamHandler {
  let opened = false;
  let closed = false;
  const convert = (out: Buffer | string): string => {
    let s = '';
    for (const raw of splitEvents(typeof out === 'string' ? Buffer.from(out) : out)) {
      const { data } = parseEvent(raw);
      if (data === null || data === '[DONE]') continue;
      s += (opened ? ',\r\n' : '[') + data;
      opened = true;
    }
    return s;
  };
  const close = (): string => {
    if (closed) return '';
    closed = true;
    return opened ? ']' : '[]';
  };
  return {
    look: (events) => h.look(events),
    flushHeld: () => convert(h.flushHeld()),
    transform: (events) => convert(h.transform(events)),
    finish: (tail) => convert(h.finish(tail)) + close(),
    errorTail: (message) => convert(h.errorTail(message)) + close(),
    usage: () => h.usage(),
  };
}
