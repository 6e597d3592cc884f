import type { IncomingMessage } from 'node:http';
import { KrouterError } from '../../shared/errors.js';
import { isSpace, scanJson, spanValue, type JsonScan } from './json-scan.js';
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

/**
 * A JSON object body: its bytes, what the scan found in them (see
 * json-scan.ts), the members krouter routes by, and the whole value, parsed
 * on first use. A pass-through request never needs the whole value.
 */
export class JsonBody {
  #value: Record<string, unknown> | undefined;

  private constructor(
    readonly raw: Buffer,
    readonly scan: JsonScan,
    value: Record<string, unknown> | undefined,
    /** The top-level members "model", "stream" and "stream_options" (undefined when absent). */
    readonly model: unknown,
    readonly stream: unknown,
    readonly streamOptions: unknown,
  ) {
    this.#value = value;
  }

  /** The whole body, parsed once. Throws invalid_json for a body whose only fault is inside a string (see json-scan.ts). */
  get value(): Record<string, unknown> {
    return (this.#value ??= parseObject(this.raw));
  }

  /**
   * Checks and reads a body. `whole: false` parses only the routing members
   * when the scan vouches for their positions (a valid object, no escaped
   * top-level key); anything else is parsed whole, which also gives the
   * precise error for a body that is not a JSON object.
   */
  static parse(body: Buffer, whole: boolean): JsonBody {
    if (body.length === 0) throw new KrouterError('invalid_json', 'The request body is empty: send a JSON object.');
    const scan = scanJson(body, MAX_JSON_DEPTH);
    if (scan.tooDeep) {
      throw new KrouterError('invalid_json', `The request body nests JSON deeper than ${MAX_JSON_DEPTH} levels; flatten it.`);
    }
    if (!whole && scan.valid && scan.objectStart >= 0 && !scan.escapedKey) {
      try {
        const at = scan.spans; // ROUTING_MEMBERS: model, stream, stream_options
        return new JsonBody(body, scan, undefined, spanValue(body, at[0]!, at[1]!), spanValue(body, at[2]!, at[3]!), spanValue(body, at[4]!, at[5]!));
      } catch {
        // a member's string is not valid JSON inside: parsed whole below, for the precise error
      }
    }
    const value = parseObject(body);
    return new JsonBody(body, scan, value, value['model'], value['stream'], value['stream_options']);
  }
}

function parseObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new KrouterError('invalid_json', `The request body is not valid JSON (${(e as Error).message}). Send a JSON object with Content-Type: application/json.`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new KrouterError('invalid_json', 'The request body must be a JSON object ({…}), not an array or a scalar.');
  }
  return value as Record<string, unknown>;
}

/** Parses a JSON object body whole, refusing too-deep nesting before parsing it. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  return JsonBody.parse(body, true).value;
}

/** Does the text nest brackets (outside strings) deeper than `max`? */
export function jsonDepthExceeds(text: string, max: number): boolean {
  return scanJson(Buffer.from(text, 'utf8'), max).tooDeep;
}
