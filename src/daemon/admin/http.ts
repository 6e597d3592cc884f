import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ZodType } from 'zod';
import { KrouterError } from '../../shared/errors.js';
import { readBody, parseJsonObject } from '../api/read-body.js';

const ADMIN_BODY_LIMIT = 1024 * 1024;

/** The admin API's one error serialiser: `{error: {code, message}}`. */
export function sendAdminError(res: ServerResponse, err: unknown): void {
  const e = err instanceof KrouterError ? err : new KrouterError('internal_error', 'The daemon hit an unexpected error; it was logged. Retry, and report it if it repeats.');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const error: Record<string, unknown> = { code: e.code, message: e.message };
  if (e.details) error['details'] = e.details;
  sendJson(res, e.status >= 400 && e.status < 600 ? e.status : 500, { error });
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Reads and validates a JSON body; writes are validated before anything applies. */
export async function readInput<T>(req: IncomingMessage, schema: ZodType<T>): Promise<T> {
  const raw = await readBody(req, ADMIN_BODY_LIMIT);
  const json = raw.length === 0 ? {} : parseJsonObject(raw);
  const res = schema.safeParse(json);
  if (!res.success) {
    const msg = res.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; ');
    throw new KrouterError('validation_failed', `The request was refused, nothing changed: ${msg}.`);
  }
  return res.data;
}
