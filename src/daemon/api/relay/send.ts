import type { ProviderEntry } from '../../routing/catalog.js';
import type { ProviderAdapter } from '../../providers/adapter.js';
import { upstreamHeaders } from '../../providers/adapter.js';
import type { UpstreamResponse } from '../../upstream/dispatcher.js';
import type { RequestContext } from '../context.js';
import type { AttemptOutcome } from './attempt-loop.js';
import type { StreamTimer } from './stream-pump.js';
import { badSuccess, handleErrorStatus, networkFailure } from './upstream-failure.js';
import { readCapped } from './write.js';
import { baseRequestHeaders } from './request-headers.js';

class FirstEventTimeout extends Error {
  readonly code = 'KROUTER_FIRST_EVENT_TIMEOUT';
}

export interface Sent {
  up: UpstreamResponse;
  /** Present for streams: the first-event timer, cleared by the pump. */
  timer: StreamTimer | null;
}

/**
 * Sends one attempt upstream and sorts out everything that is not a usable
 * 2xx: network errors, error statuses (a client error is written to the client
 * in its own format by `onClientError`), and a stream that is not SSE.
 */
export async function sendAttempt(
  ctx: RequestContext,
  provider: ProviderEntry,
  adapter: ProviderAdapter,
  url: string,
  payload: string,
  stream: boolean,
  extraHeaders: Record<string, string>,
  signal: AbortSignal,
  onClientError: (status: number, text: string, contentType: string) => void,
): Promise<Sent | AttemptOutcome> {
  const headers = upstreamHeaders(provider, adapter, { ...baseRequestHeaders(ctx, stream ? 'text/event-stream' : 'application/json'), ...extraHeaders });
  let timer: StreamTimer | null = null;
  let attemptSignal = signal;
  if (stream) {
    const local = new AbortController();
    attemptSignal = AbortSignal.any([signal, local.signal]);
    timer = { local, timer: setTimeout(() => local.abort(new FirstEventTimeout()), ctx.services.config.upstream.firstEventTimeoutMs) };
  }
  let up: UpstreamResponse;
  try {
    up = await ctx.services.upstream.send(url, { method: 'POST', headers, body: payload, signal: attemptSignal });
  } catch (e) {
    if (timer) clearTimeout(timer.timer);
    return networkFailure(timer?.local.signal.aborted ? timer.local.signal.reason : e);
  }
  if (up.statusCode < 200 || up.statusCode >= 300) {
    if (timer) clearTimeout(timer.timer);
    return handleErrorStatus(ctx, up, onClientError);
  }
  if (stream) {
    const ct = String(up.headers['content-type'] ?? '');
    if (!ct.includes('text/event-stream')) {
      clearTimeout(timer!.timer);
      const { text } = await readCapped(up.body, 64 * 1024).catch(() => ({ text: '' }));
      return badSuccess(`HTTP 200 with content type "${ct}" instead of an event stream`, text);
    }
  }
  return { up, timer };
}

export function isSent(x: Sent | AttemptOutcome): x is Sent {
  return 'up' in x;
}
