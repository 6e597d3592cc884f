import { classifyNetworkError, classifyStatus, errorDetail, retryAfterMs } from '../../routing/classify.js';
import type { RequestContext } from '../context.js';
import type { AttemptOutcome } from './attempt-loop.js';

/**
 * A non-2xx upstream answer: classified; a client error is handed to
 * `onClientError` to be written to the client (as sent, or translated to the
 * client's format), anything else lets the fallback loop go on.
 */
export function handleErrorStatus(
  ctx: RequestContext,
  statusCode: number,
  headers: Record<string, string | string[] | undefined>,
  text: string,
  onClientError: (status: number, text: string, contentType: string) => void,
): AttemptOutcome {
  const cls = classifyStatus(statusCode, text);
  if (cls.outcome === 'client_error') {
    const ct = headers['content-type'];
    onClientError(statusCode, text, typeof ct === 'string' ? ct : 'application/json');
    return { done: true, status: statusCode, outcome: 'client_error', reason: cls.reason, usage: null, ttfbMs: Date.now() - ctx.startedAt, errorCode: 'upstream_client_error' };
  }
  const retry = retryAfterMs(headers['retry-after'], Date.now(), ctx.services.config.routing.maxCooldownSeconds * 1000);
  return { done: false, status: statusCode, cls, retryAfterMs: retry };
}

export function networkFailure(err: unknown): AttemptOutcome {
  return { done: false, status: null, cls: classifyNetworkError(err), retryAfterMs: null };
}

/** A 200 that is not what was asked for (error body, not JSON, wrong content type). */
export function badSuccess(reason: string, body?: string): AttemptOutcome {
  const detail = body === undefined ? null : errorDetail(body);
  return { done: false, status: 200, cls: { outcome: 'transient', scope: 'target', reason: detail ? `${reason}: ${detail}` : reason }, retryAfterMs: null };
}
