import type { ProviderEntry } from '../../routing/catalog.js';
import type { ProviderAdapter } from '../../providers/adapter.js';
import { upstreamHeaders } from '../../providers/adapter.js';
import type { UpstreamResponse } from '../../upstream/dispatcher.js';
import type { ClientAbort } from '../client-abort.js';
import type { RequestContext } from '../context.js';
import type { AttemptOutcome } from './attempt-loop.js';
import type { StreamTimer } from './stream-pump.js';
import { badSuccess, handleErrorStatus, networkFailure } from './upstream-failure.js';
import { readCapped } from './write.js';
import { baseRequestHeaders } from './request-headers.js';

class FirstEventTimeout extends Error {
  readonly code = 'KROUTER_FIRST_EVENT_TIMEOUT';
}

/** Largest non-streamed upstream response accepted (bigger is treated as a failed target). */
export const RESPONSE_CAP = 256 * 1024 * 1024;
/** Of an error answer only the start is read: enough to classify it and pass it on. */
export const ERROR_BODY_CAP = 64 * 1024;

/** A usable 2xx: a stream to pump (with its first-event timer), or a whole body. */
export type Sent = { kind: 'stream'; up: UpstreamResponse; timer: StreamTimer } | { kind: 'whole'; body: Buffer };

/**
 * Sends one attempt upstream and sorts out everything that is not a usable
 * 2xx: network errors, error statuses (a client error is written to the client
 * in its own format by `onClientError`), a stream that is not SSE, a whole
 * answer over the size cap.
 */
export async function sendAttempt(
  ctx: RequestContext,
  provider: ProviderEntry,
  adapter: ProviderAdapter,
  url: string,
  payload: string | Buffer,
  stream: boolean,
  extraHeaders: Readonly<Record<string, string>>,
  abort: ClientAbort,
  onClientError: (status: number, text: string, contentType: string) => void,
): Promise<Sent | AttemptOutcome> {
  // The client's forwardable headers, then e.g. anthropic-beta passed through, then the provider's own (which win).
  const headers = upstreamHeaders(provider, adapter, baseRequestHeaders(ctx, stream ? 'text/event-stream' : 'application/json'), extraHeaders);
  const { upstream } = ctx.services;
  if (!stream) {
    let whole;
    try {
      whole = await upstream.fetchWhole(url, { method: 'POST', headers, body: payload, cancel: abort }, { ok: RESPONSE_CAP, error: ERROR_BODY_CAP });
    } catch (e) {
      return networkFailure(e);
    }
    if (whole.statusCode < 200 || whole.statusCode >= 300) return handleErrorStatus(ctx, whole.statusCode, whole.headers, whole.body.toString('utf8'), onClientError);
    if (whole.truncated) return badSuccess(`response larger than ${RESPONSE_CAP} bytes`);
    return { kind: 'whole', body: whole.body };
  }

  const local = new AbortController();
  const timer: StreamTimer = { local, timer: setTimeout(() => local.abort(new FirstEventTimeout()), ctx.services.config.upstream.firstEventTimeoutMs) };
  // The client leaving aborts the stream's request too (for its whole life: the pump reads from it).
  abort.onAbort(() => local.abort());
  let up: UpstreamResponse;
  try {
    up = await upstream.send(url, { method: 'POST', headers, body: payload, signal: local.signal });
  } catch (e) {
    clearTimeout(timer.timer);
    return networkFailure(local.signal.aborted ? local.signal.reason : e);
  }
  if (up.statusCode < 200 || up.statusCode >= 300) {
    clearTimeout(timer.timer);
    const { text } = await readCapped(up.body, ERROR_BODY_CAP).catch(() => ({ text: '' }));
    return handleErrorStatus(ctx, up.statusCode, up.headers, text, onClientError);
  }
  const ct = String(up.headers['content-type'] ?? '');
  if (!ct.includes('text/event-stream')) {
    clearTimeout(timer.timer);
    const { text } = await readCapped(up.body, ERROR_BODY_CAP).catch(() => ({ text: '' }));
    return badSuccess(`HTTP 200 with content type "${ct}" instead of an event stream`, text);
  }
  return { kind: 'stream', up, timer };
}

export function isSent(x: Sent | AttemptOutcome): x is Sent {
  return 'kind' in x;
}
