import type { ServerResponse } from 'node:http';
import { KrouterError } from '../../shared/errors.js';
import { errorBody } from '../formats/error-shapes.js';
import type { FormatId } from '../formats/pivot/types.js';

/** The /v1 error serialiser: each route answers in its own API's error shape (see formats/error-shapes.ts). */
export { errorBody, streamErrorEvent } from '../formats/error-shapes.js';

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
