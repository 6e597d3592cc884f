import type { IncomingMessage } from 'node:http';
import { KrouterError } from '../../shared/errors.js';
import { isSpace, scanJson, type JsonScan } from './json-scan.js';
import { readCappedBuffer } from './relay/write.js';

/** Deeper JSON than this is refused before parsing: nothing legitimate nests so far, and deep input is a stack-exhaustion vector. */
export const MAX_JSON_DEPTH = 128;

/**
 * Reads a request body up to `limit` bytes (413 beyond, checked against
 * Content-Length first and then while reading). Nothing is buffered past
 * the limit.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  const { buf, truncated } = await readCappedBuffer(req, limit, 'drain');
  if (truncated) throw tooLarge(limit);
  return buf;
}

function tooLarge(limit: number): KrouterError {
  return new KrouterError('body_too_large', `The request body is larger than ${limit} bytes, the limit of this krouter. Send less, or raise server.bodyLimitBytes in config.json.`);
}

/**
 * JSON bodies: `application/json` (or `+json`), no content type, or
 * `application/x-www-form-urlencoded` whose body is a JSON object (what
 * `curl -d` sends by default). Anything else is a 415 that says what to send.
 */
export function checkJsonContentType(req: IncomingMessage, body: Buffer): void {
  const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === '' || ct === 'application/json' || ct.endsWith('+json')) return;
  if (ct === 'application/x-www-form-urlencoded' && firstNonSpace(body) === 0x7b) return;
  throw new KrouterError('unsupported_content_type', `Content-Type ${JSON.stringify(ct)} is not accepted here: send the body as JSON with Content-Type: application/json.`);
}

function firstNonSpace(b: Buffer): number {
  for (let i = 0; i < b.length; i++) if (!isSpace(b[i]!)) return b[i]!;
  return -1;
}

/** A parsed JSON object body with its bytes and what the scan found in them (see json-scan.ts). */
export interface JsonBody {
  value: Record<string, unknown>;
  raw: Buffer;
  scan: JsonScan;
}

/** Parses a JSON object body, refusing too-deep nesting before parsing it. */
export function parseJsonBody(body: Buffer): JsonBody {
  if (body.length === 0) throw new KrouterError('invalid_json', 'The request body is empty: send a JSON object.');
  const scan = scanJson(body, MAX_JSON_DEPTH);
  if (scan.tooDeep) {
    throw new KrouterError('invalid_json', `The request body nests JSON deeper than ${MAX_JSON_DEPTH} levels; flatten it.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new KrouterError('invalid_json', `The request body is not valid JSON (${(e as Error).message}). Send a JSON object with Content-Type: application/json.`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new KrouterError('invalid_json', 'The request body must be a JSON object ({…}), not an array or a scalar.');
  }
  return { value: value as Record<string, unknown>, raw: body, scan };
}

export function parseJsonObject(body: Buffer): Record<string, unknown> {
  return parseJsonBody(body).value;
}

/** Does the text nest brackets (outside strings) deeper than `max`? */
export function jsonDepthExceeds(text: string, max: number): boolean {
  return scanJson(Buffer.from(text, 'utf8'), max).tooDeep;
}
