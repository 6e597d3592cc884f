/** Pieces the OpenAI Responses request, response and stream codecs share. */
import { EMPTY_USAGE, InvalidRequest, UnsupportedContent, type PivotUsage, type StopReason } from '../pivot/types.js';
import { isObject, num } from '../pivot/util.js';

export const FORMAT = 'openai-responses' as const;

/** Sets `o[k] = v` unless v is undefined, so encoders write keys in the order they call this. */
export function put(o: Record<string, unknown>, k: string, v: unknown): void {
  if (v !== undefined) o[k] = v;
}

/** Sets a typed field unless v is undefined (`put` for interfaces). */
export function setIf<T, K extends keyof T>(o: T, k: K, v: T[K] | undefined): void {
  if (v !== undefined) o[k] = v;
}

/**
 * Content of a Responses request the pivot cannot hold (stored files, hosted
 * tool calls, item references). It is only ever decoded when the request is
 * translated for another format (same format in and out is passed through),
 * so the message says so instead of naming a target the decoder does not know.
 */
export function unsupported(what: string, where: string): UnsupportedContent {
  const e = new UnsupportedContent(what, where, FORMAT);
  e.message = `${what} at ${where} can only be served by an OpenAI Responses provider, and this request is being translated for another kind of model; remove it or route this request to an openai-responses model.`;
  return e;
}

export function invalid(message: string, where: string): InvalidRequest {
  return new InvalidRequest(message, where);
}

/** An optional string field: absent/null → undefined, a string → itself, anything else → 400. */
export function optString(o: Record<string, unknown>, k: string, where: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${k} must be a string`, where);
  return v;
}

export function optNumber(o: Record<string, unknown>, k: string, where: string): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${k} must be a number`, where);
  return v;
}

export function optBool(o: Record<string, unknown>, k: string, where: string): boolean | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(`${k} must be a boolean`, where);
  return v;
}

/** Responses `usage` → pivot usage (same meaning: input includes cached, output includes reasoning). */
export function decodeUsage(u: unknown): PivotUsage | null {
  if (!isObject(u)) return null;
  const input = num(u['input_tokens']);
  const output = num(u['output_tokens']);
  const total = num(u['total_tokens']);
  const id = isObject(u['input_tokens_details']) ? u['input_tokens_details'] : {};
  const od = isObject(u['output_tokens_details']) ? u['output_tokens_details'] : {};
  return {
    inputTokens: input,
    outputTokens: output,
    totalTokens: total ?? (input !== null || output !== null ? (input ?? 0) + (output ?? 0) : null),
    cachedTokens: num(id['cached_tokens']),
    cacheWriteTokens: num(id['cache_write_tokens']),
    reasoningTokens: num(od['reasoning_tokens']),
  };
}

/** Pivot usage → Responses `usage`; unknown counts are written as 0 (clients such as Codex read plain integers). */
export function encodeUsage(u: PivotUsage = EMPTY_USAGE): Record<string, unknown> {
  const input = u.inputTokens ?? 0;
  const output = u.outputTokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: u.cachedTokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens ?? 0 },
    total_tokens: u.totalTokens ?? input + output,
  };
}

export { mergePivotUsage as mergeUsage } from '../pivot/util.js';

/** The Responses id for a pivot response id (`resp_` prefixed), and the stem item ids are built from. */
export function responseIds(id: string): { responseId: string; stem: string } {
  const responseId = id.startsWith('resp_') ? id : `resp_${id === '' ? 'krouter' : id}`;
  return { responseId, stem: responseId.slice('resp_'.length) };
}

/** Deterministic output item ids: prefix by kind, then the response stem and the output index. */
export function itemId(prefix: 'msg' | 'rs' | 'fc' | 'ctc', stem: string, outputIndex: number): string {
  return `${prefix}_${stem}_${outputIndex}`;
}

/** What ends a response on the wire: status, `incomplete_details` and, for a failure, `error`. */
export function terminalOf(reason: StopReason): {
  status: 'completed' | 'incomplete' | 'failed';
  incomplete: Record<string, unknown> | null;
} {
  switch (reason) {
    case 'max_tokens':
      return { status: 'incomplete', incomplete: { reason: 'max_output_tokens' } };
    case 'content_filter':
      return { status: 'incomplete', incomplete: { reason: 'content_filter' } };
    case 'error':
      return { status: 'failed', incomplete: null };
    default:
      return { status: 'completed', incomplete: null };
  }
}

export { openAIErrorType as errorType } from '../error-shapes.js';

/** `JSON.stringify(s)` without its quotes: a piece of a JSON string literal (escaping is per character, so pieces concatenate). */
export function jsonStringPiece(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}
