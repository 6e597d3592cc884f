/** Pieces the Anthropic Messages request, response and stream codecs share. */
import type { PivotUsage, StopReason } from '../pivot/types.js';
import { completeUsage, num } from '../pivot/util.js';

/** Sets `o[k] = v` unless v is undefined, so encoders write keys in the order they call this. */
export function put<T extends object, K extends keyof T>(o: T, k: K, v: T[K] | undefined): void {
  if (v !== undefined) o[k] = v;
}

/** Anthropic's usage counts as they travel on the wire (`input_tokens` excludes cache reads and writes). */
export interface WireUsage {
  input: number | null;
  output: number | null;
  cacheRead: number | null;
  cacheWrite: number | null;
}

export function readWireUsage(u: unknown): WireUsage | null {
  if (u === null || typeof u !== 'object' || Array.isArray(u)) return null;
  const o = u as Record<string, unknown>;
  return { input: num(o['input_tokens']), output: num(o['output_tokens']), cacheRead: num(o['cache_read_input_tokens']), cacheWrite: num(o['cache_creation_input_tokens']) };
}

/** Later non-null counts win (Anthropic's message_delta usage is cumulative). */
export function mergeWireUsage(a: WireUsage | null, b: WireUsage | null): WireUsage | null {
  if (!a) return b;
  if (!b) return a;
  return { input: b.input ?? a.input, output: b.output ?? a.output, cacheRead: b.cacheRead ?? a.cacheRead, cacheWrite: b.cacheWrite ?? a.cacheWrite };
}

/** Wire usage → pivot usage: the pivot's inputTokens counts the whole prompt, cache reads and writes included. */
export function toPivotUsage(w: WireUsage): PivotUsage {
  const anyInput = w.input !== null || w.cacheRead !== null || w.cacheWrite !== null;
  return completeUsage({
    inputTokens: anyInput ? (w.input ?? 0) + (w.cacheRead ?? 0) + (w.cacheWrite ?? 0) : null,
    outputTokens: w.output,
    totalTokens: null,
    cachedTokens: w.cacheRead,
    cacheWriteTokens: w.cacheWrite,
    reasoningTokens: null,
  });
}

export { mergePivotUsage } from '../pivot/util.js';

/**
 * Pivot usage → Anthropic `usage` fields in the API's key order. input_tokens
 * is the uncached remainder (never negative); unknown counts are written as 0.
 */
export function encodeUsage(u: PivotUsage | null, outputOverride?: number): Record<string, number> {
  const cached = u?.cachedTokens ?? 0;
  const write = u?.cacheWriteTokens ?? 0;
  return {
    input_tokens: Math.max(0, (u?.inputTokens ?? 0) - cached - write),
    cache_creation_input_tokens: write,
    cache_read_input_tokens: cached,
    output_tokens: outputOverride ?? u?.outputTokens ?? 0,
  };
}

/** Anthropic `stop_reason` → pivot. pause_turn (a server tool paused the turn) ends the turn for a pivot client. */
export function decodeStopReason(v: unknown): StopReason {
  switch (v) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'max_tokens';
    case 'stop_sequence':
      return 'stop_sequence';
    case 'tool_use':
      return 'tool_use';
    case 'refusal':
      return 'refusal';
    default:
      // end_turn, pause_turn, null and anything newer.
      return 'end';
  }
}

/**
 * Pivot → Anthropic `stop_reason`. A turn that produced tool calls says
 * tool_use even when the upstream said only "stop" (Gemini does).
 */
export function encodeStopReason(r: StopReason, hadToolCalls: boolean): string {
  switch (r) {
    case 'max_tokens':
      return 'max_tokens';
    case 'stop_sequence':
      return 'stop_sequence';
    case 'tool_use':
      return 'tool_use';
    case 'content_filter':
    case 'refusal':
      return 'refusal';
    default:
      return hadToolCalls ? 'tool_use' : 'end_turn';
  }
}

/** Anthropic requires tool_use ids to match ^[a-zA-Z0-9_-]+$; other formats' ids are mapped into that alphabet (deterministically). */
export function toolUseId(id: string): string {
  const clean = id.replace(/[^a-zA-Z0-9_-]/g, '_');
  return clean === '' ? 'toolu_' : clean;
}

/** Anthropic message ids start with `msg_`. */
export function messageId(id: string): string {
  return id.startsWith('msg_') ? id : `msg_${id}`;
}

const ERROR_TYPES = new Set(['invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error', 'request_too_large', 'rate_limit_error', 'api_error', 'overloaded_error', 'timeout_error', 'billing_error']);

import { anthropicErrorType as errorType } from '../error-shapes.js';
export { errorType };

/** Error type for a stream error event: the status when known, else the code when it already is an Anthropic type. */
export function streamErrorType(code: string, status: number | undefined): string {
  if (status !== undefined) return errorType(status);
  return ERROR_TYPES.has(code) ? code : 'api_error';
}

/** HTTP status an Anthropic error type stands for (for a pivot error event). */
export function errorStatus(type: string): number | undefined {
  switch (type) {
    case 'invalid_request_error':
      return 400;
    case 'authentication_error':
      return 401;
    case 'billing_error':
      return 402;
    case 'permission_error':
      return 403;
    case 'not_found_error':
      return 404;
    case 'request_too_large':
      return 413;
    case 'rate_limit_error':
      return 429;
    case 'api_error':
      return 500;
    case 'timeout_error':
      return 504;
    case 'overloaded_error':
      return 529;
    default:
      return undefined;
  }
}
