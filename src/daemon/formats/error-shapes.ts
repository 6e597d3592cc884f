import type { FormatId } from './pivot/types.js';
import { sseEvent } from './pivot/util.js';

/**
 * Each API's error shape, in one place: the /v1 routes answer errors with it
 * and every codec's encodeError is it. krouter's stable code always rides along.
 */
export function openAIErrorType(status: number | undefined): string {
  if (status === undefined || status >= 500) return 'server_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  return 'invalid_request_error';
}

export function anthropicErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 529) return 'overloaded_error';
  return status >= 500 ? 'api_error' : 'invalid_request_error';
}

/** google.rpc status name for an HTTP status. */
export function googleStatus(status: number): string {
  if (status === 400 || status === 413 || status === 415) return 'INVALID_ARGUMENT';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RESOURCE_EXHAUSTED';
  if (status === 503 || status === 529) return 'UNAVAILABLE';
  if (status === 504) return 'DEADLINE_EXCEEDED';
  return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
}

export function errorBody(format: FormatId, status: number, code: string, message: string, details?: Record<string, unknown>): Record<string, unknown> {
  switch (format) {
    case 'anthropic':
      return { type: 'error', error: { type: anthropicErrorType(status), message, code, ...details } };
    case 'gemini':
      return { error: { code: status, message, status: googleStatus(status), details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: code, domain: 'krouter' }] } };
    default:
      return { error: { message, type: openAIErrorType(status), code, param: null, ...details } };
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
