import { errorBody as sharedErrorBody } from '../error-shapes.js';
import type { PivotUsage, StopReason } from '../pivot/types.js';
import { EMPTY_USAGE, UnsupportedContent } from '../pivot/types.js';
import { isObject, num } from '../pivot/util.js';

/**
 * Small Gemini wire helpers shared by the request, response and stream code.
 * The REST API accepts both camelCase and snake_case field names (proto JSON
 * mapping), so every read goes through `get`.
 */

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `o[key]`, or its snake_case spelling. */
export function get(o: Record<string, unknown>, key: string): unknown {
  const v = o[key];
  if (v !== undefined) return v;
  const s = snake(key);
  return s === key ? undefined : o[s];
}

export function getObject(o: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = get(o, key);
  return isObject(v) ? v : undefined;
}

export function getString(o: Record<string, unknown>, key: string): string | undefined {
  const v = get(o, key);
  return typeof v === 'string' ? v : undefined;
}

export function getNumber(o: Record<string, unknown>, key: string): number | undefined {
  const v = get(o, key);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Gemini-only content found while decoding a Gemini request: the pivot has no
 * way to say it, so no other format can carry it. Same format in and out never
 * decodes, so routing the request to a Gemini model keeps it.
 */
export function geminiOnly(what: string, where: string): UnsupportedContent {
  const e = new UnsupportedContent(what, where, 'gemini');
  e.message = `${what} at ${where} is Gemini-only and has no equivalent in other API formats; remove it or route this request to a Gemini model.`;
  return e;
}

/** A deterministic id fragment from an upstream id (letters, digits, `_` and `-` only). */
export function idFragment(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '');
}

const MIME_BY_EXT: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  html: 'text/html',
  csv: 'text/csv',
  json: 'application/json',
  mp3: 'audio/mp3',
  wav: 'audio/wav',
  mp4: 'video/mp4',
};

/** A MIME type from a URL's (or file name's) extension, if it has a known one. */
export function mimeFromName(name: string): string | undefined {
  let path = name;
  try {
    path = new URL(name).pathname;
  } catch {
    // not a URL: a plain file name
  }
  const m = /\.([A-Za-z0-9]+)$/.exec(path);
  return m ? MIME_BY_EXT[m[1]!.toLowerCase()] : undefined;
}

// ---- usage ----

export function decodeUsage(u: unknown): PivotUsage {
  if (!isObject(u)) return { ...EMPTY_USAGE };
  const prompt = num(get(u, 'promptTokenCount'));
  const candidates = num(get(u, 'candidatesTokenCount'));
  const thoughts = num(get(u, 'thoughtsTokenCount'));
  const total = num(get(u, 'totalTokenCount'));
  const output = candidates === null && thoughts === null ? null : (candidates ?? 0) + (thoughts ?? 0);
  return {
    inputTokens: prompt,
    outputTokens: output,
    totalTokens: total ?? (prompt === null && output === null ? null : (prompt ?? 0) + (output ?? 0)),
    cachedTokens: num(get(u, 'cachedContentTokenCount')),
    cacheWriteTokens: null,
    reasoningTokens: thoughts,
  };
}

/** Gemini `usageMetadata` (fixed key order), or undefined when nothing is known. */
export function encodeUsage(u: PivotUsage): Record<string, unknown> | undefined {
  if (u.inputTokens === null && u.outputTokens === null && u.totalTokens === null) return undefined;
  const out: Record<string, unknown> = {};
  if (u.inputTokens !== null) out['promptTokenCount'] = u.inputTokens;
  if (u.outputTokens !== null) out['candidatesTokenCount'] = Math.max(0, u.outputTokens - (u.reasoningTokens ?? 0));
  const total = u.totalTokens ?? (u.inputTokens ?? 0) + (u.outputTokens ?? 0);
  out['totalTokenCount'] = total;
  if (u.cachedTokens !== null && u.cachedTokens > 0) out['cachedContentTokenCount'] = u.cachedTokens;
  if (u.reasoningTokens !== null && u.reasoningTokens > 0) out['thoughtsTokenCount'] = u.reasoningTokens;
  return out;
}

export { mergePivotUsage as mergeUsage } from '../pivot/util.js';

export function sameUsage(a: PivotUsage, b: PivotUsage): boolean {
  return (
    a.inputTokens === b.inputTokens &&
    a.outputTokens === b.outputTokens &&
    a.totalTokens === b.totalTokens &&
    a.cachedTokens === b.cachedTokens &&
    a.cacheWriteTokens === b.cacheWriteTokens &&
    a.reasoningTokens === b.reasoningTokens
  );
}

// ---- finish reasons ----

const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT', 'IMAGE_RECITATION']);
const FAILED = new Set(['MALFORMED_FUNCTION_CALL', 'UNEXPECTED_TOOL_CALL', 'TOO_MANY_TOOL_CALLS', 'MISSING_THOUGHT_SIGNATURE']);

/** Gemini `finishReason` → pivot stop reason (`sawToolCall` turns a plain stop into tool_use). */
export function decodeFinishReason(reason: string, sawToolCall: boolean): StopReason {
  if (reason === 'MAX_TOKENS') return 'max_tokens';
  if (FILTERED.has(reason)) return 'content_filter';
  if (FAILED.has(reason)) return 'error';
  return sawToolCall ? 'tool_use' : 'end';
}

export function encodeFinishReason(reason: StopReason): string {
  switch (reason) {
    case 'max_tokens':
      return 'MAX_TOKENS';
    case 'content_filter':
    case 'refusal':
      return 'SAFETY';
    case 'error':
      return 'OTHER';
    default:
      return 'STOP';
  }
}

// ---- errors ----

export { googleStatus } from '../error-shapes.js';

export function errorBody(status: number, code: string, message: string): Record<string, unknown> {
  return sharedErrorBody('gemini', status, code, message);
}
