/** Pieces the OpenAI chat request, response and stream codecs share. */
import { EMPTY_USAGE, type PivotUsage, type StopReason } from '../pivot/types.js';
import { isObject } from '../pivot/util.js';
import { openAIUsage } from './usage.js';

/** Sets `o[k] = v` unless v is undefined, so encoders write keys in the order they call this. */
export function put(o: Record<string, unknown>, k: string, v: unknown): void {
  if (v !== undefined) o[k] = v;
}

/** OpenAI `usage` → pivot usage (the same meaning: prompt includes cached, completion includes reasoning). */
export function decodeUsage(u: unknown): PivotUsage | null {
  const r = openAIUsage(u);
  if (!r) return null;
  return {
    inputTokens: r.promptTokens,
    outputTokens: r.completionTokens,
    totalTokens: r.totalTokens,
    cachedTokens: r.cachedTokens,
    cacheWriteTokens: null,
    reasoningTokens: r.reasoningTokens,
  };
}

/** Pivot usage → OpenAI `usage`; unknown counts are written as 0 (the format has no null). */
export function encodeUsage(u: PivotUsage = EMPTY_USAGE): Record<string, unknown> {
  const prompt = u.inputTokens ?? 0;
  const completion = u.outputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: u.totalTokens ?? prompt + completion,
    prompt_tokens_details: { cached_tokens: u.cachedTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens ?? 0 },
  };
}

export { mergePivotUsage as mergeUsage } from '../pivot/util.js';

/**
 * `finish_reason` → pivot stop reason. vLLM (and servers built on it) also
 * give `stop_reason`: the stop string that matched, when one did.
 */
export function decodeFinish(finish: unknown, stopReason: unknown, refused: boolean): { reason: StopReason; stopSequence?: string } {
  switch (finish) {
    case 'length':
      return { reason: 'max_tokens' };
    case 'tool_calls':
    case 'function_call':
      return { reason: 'tool_use' };
    case 'content_filter':
      return { reason: 'content_filter' };
    default:
      if (refused) return { reason: 'refusal' };
      if (finish === 'stop' && typeof stopReason === 'string') return { reason: 'stop_sequence', stopSequence: stopReason };
      return { reason: 'end' };
  }
}

/**
 * Pivot stop reason → `finish_reason`. A stop without a reason of its own
 * after tool calls (Gemini says STOP) is `tool_calls`: OpenAI clients look
 * for it to run the tools.
 */
export function encodeFinish(reason: StopReason, hadToolCalls: boolean): string {
  switch (reason) {
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    case 'end':
      return hadToolCalls ? 'tool_calls' : 'stop';
    default:
      return 'stop';
  }
}

export { openAIErrorType as errorType } from '../error-shapes.js';

/** An upstream `{error: {...}}` object (a stream chunk or a body) → message and code. */
export function readError(e: unknown): { message: string; code: string } {
  if (!isObject(e)) return { message: typeof e === 'string' ? e : 'upstream error', code: 'upstream_error' };
  const message = typeof e['message'] === 'string' ? e['message'] : 'upstream error';
  const c = e['code'] ?? e['type'];
  const code = typeof c === 'string' ? c : typeof c === 'number' ? String(c) : 'upstream_error';
  return { message, code };
}

/**
 * Gemini's thought signature on a tool call, carried where Google's own
 * OpenAI-compatible endpoint carries it: `extra_content.google.thought_signature`.
 * Only a Gemini signature is ever written; the client echoes it back with the
 * call, so the next turn to Gemini still has it.
 */
export function readGeminiSignature(call: Record<string, unknown>): { family: 'gemini'; value: string } | undefined {
  const extra = call['extra_content'];
  if (extra === null || typeof extra !== 'object') return undefined;
  const google = (extra as Record<string, unknown>)['google'];
  if (google === null || typeof google !== 'object') return undefined;
  const sig = (google as Record<string, unknown>)['thought_signature'];
  return typeof sig === 'string' && sig !== '' ? { family: 'gemini', value: sig } : undefined;
}

export function geminiSignatureField(signature: { family: string; value: string } | undefined): { extra_content?: { google: { thought_signature: string } } } {
  return signature?.family === 'gemini' ? { extra_content: { google: { thought_signature: signature.value } } } : {};
}
