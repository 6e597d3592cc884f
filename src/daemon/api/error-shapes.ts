import type { ServerResponse } from 'node:http';
import { KrouterError } from '../../shared/errors.js';
import type { FormatId } from '../formats/pivot/types.js';
import { sseEvent } from '../formats/pivot/util.js';

/**
 * The /v1 error serialisers: each route answers in its own API's error shape,
 * always with krouter's stable code inside.
 */
function openAIType(status: number): string {
  return status === 401 ? 'authentication_error' : status === 403 ? 'permission_error' : status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
}

function anthropicType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 529) return 'overloaded_error';
  return status >= 500 ? 'api_error' : 'invalid_request_error';
}

function googleStatus(status: number): string {
  if (status === 400 || status === 413 || status === 415) return 'INVALID_ARGUMENT';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RESOURCE_EXHAUSTED';
  if (status === 503) return 'UNAVAILABLE';
  if (status === 504) return 'DEADLINE_EXCEEDED';
  return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
}

export function errorBody(format: FormatId, status: number, code: string, message: string, details?: Record<string, unknown>): Record<string, unknown> {
  switch (format) {
    case 'anthropic':
      return { type: 'error', error: { type: anthropicType(status), message, code, ...details } };
    case 'gemini':
      return { error: { code: status, message, status: googleStatus(status), details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: code, domain: 'krouter' }] } };
    default:
      return { error: { message, type: openAIType(status), code, param: null, ...details } };
  }
}

/** An error as one SSE event of the format, for a stream that already started. */
export function streamErrorEvent(format: FormatId, code: string, message: string): string {
  switch (format) {
    case 'anthropic':
      return sseEvent('error', { type: 'error', error: { type: 'api_error', message } });
    case 'openai-responses':
      return sseEvent('error', { type: 'error', code, message, param: null });
    default:
      return sseEvent(null, errorBody(format, 502, code, message));
  }
}

export function toKrouterError(err: unknown): KrouterError {
  return err instanceof KrouterError ? err : new KrouterError('internal_error', 'krouter hit an unexpected error while handling this request. It was logged; retry, and report it if it repeats.');
}

export function sendError(res: ServerResponse, format: FormatId, err: unknown, headers: Record<string, string> = {}): void {
  const e = toKrouterError(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(format, e.status, e.code, e.message, e.details));
  res.writeHead(e.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
