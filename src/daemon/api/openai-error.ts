import type { ServerResponse } from 'node:http';
import { KrouterError } from '../../shared/errors.js';

/**
 * The /v1 serialiser for OpenAI-shaped routes:
 * `{error: {message, type, code, param}}` with the status of the error.
 */
export function openAIErrorBody(err: KrouterError): string {
  const type = err.status === 401 ? 'authentication_error' : err.status === 429 ? 'rate_limit_error' : err.status >= 500 ? 'server_error' : 'invalid_request_error';
  const error: Record<string, unknown> = { message: err.message, type, code: err.code, param: null };
  if (err.details) for (const k in err.details) error[k] = err.details[k];
  return JSON.stringify({ error });
}

export function sendOpenAIError(res: ServerResponse, err: unknown, headers: Record<string, string> = {}): void {
  const e = err instanceof KrouterError ? err : new KrouterError('internal_error', 'krouter hit an unexpected error while handling this request. It was logged; retry, and report it if it repeats.');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = openAIErrorBody(e);
  res.writeHead(e.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
