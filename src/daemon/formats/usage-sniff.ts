import type { FormatId } from './pivot/types.js';
import { num } from './pivot/util.js';
import { openAIUsage, type Usage } from './openai-chat/usage.js';

/**
 * Usage as the request log records it, read from a format's own usage fields
 * in a whole response or in one stream event's JSON. Pass-through traffic is
 * never converted: only the objects that carry usage are parsed.
 */
export type UsageReader = (obj: Record<string, unknown>, eventName: string | null) => Partial<Usage> | null;

function anthropicUsage(u: unknown): Partial<Usage> | null {
  if (u === null || typeof u !== 'object') return null;
  const o = u as Record<string, unknown>;
  const input = num(o['input_tokens']);
  const read = num(o['cache_read_input_tokens']);
  const write = num(o['cache_creation_input_tokens']);
  const out: Partial<Usage> = {};
  if (input !== null || read !== null || write !== null) out.promptTokens = (input ?? 0) + (read ?? 0) + (write ?? 0);
  if (read !== null) out.cachedTokens = read;
  const output = num(o['output_tokens']);
  if (output !== null) out.completionTokens = output;
  return out;
}

function responsesUsage(u: unknown): Partial<Usage> | null {
  if (u === null || typeof u !== 'object') return null;
  const o = u as Record<string, unknown>;
  const id = o['input_tokens_details'] as Record<string, unknown> | undefined;
  const od = o['output_tokens_details'] as Record<string, unknown> | undefined;
  return {
    promptTokens: num(o['input_tokens']),
    completionTokens: num(o['output_tokens']),
    totalTokens: num(o['total_tokens']),
    cachedTokens: id ? num(id['cached_tokens']) : null,
    reasoningTokens: od ? num(od['reasoning_tokens']) : null,
  };
}

function geminiUsage(u: unknown): Partial<Usage> | null {
  if (u === null || typeof u !== 'object') return null;
  const o = u as Record<string, unknown>;
  const cand = num(o['candidatesTokenCount']);
  const thoughts = num(o['thoughtsTokenCount']);
  return {
    promptTokens: num(o['promptTokenCount']),
    completionTokens: cand === null && thoughts === null ? null : (cand ?? 0) + (thoughts ?? 0),
    totalTokens: num(o['totalTokenCount']),
    cachedTokens: num(o['cachedContentTokenCount']),
    reasoningTokens: thoughts,
  };
}

export const USAGE_READERS: Record<FormatId, UsageReader> = {
  'openai-chat': (obj) => openAIUsage(obj['usage']),
  'openai-responses': (obj) => {
    const r = obj['response'];
    if (r !== null && typeof r === 'object') return responsesUsage((r as Record<string, unknown>)['usage']);
    return responsesUsage(obj['usage']);
  },
  anthropic: (obj) => {
    const m = obj['message'];
    if (m !== null && typeof m === 'object') return anthropicUsage((m as Record<string, unknown>)['usage']);
    return anthropicUsage(obj['usage']);
  },
  gemini: (obj) => geminiUsage(obj['usageMetadata']),
};

/** The byte marker of a usage-carrying object in each format (a cheap pre-check before parsing). */
export const USAGE_MARKERS: Record<FormatId, Buffer> = {
  'openai-chat': Buffer.from('"usage"'),
  'openai-responses': Buffer.from('"usage"'),
  anthropic: Buffer.from('"usage"'),
  gemini: Buffer.from('"usageMetadata"'),
};

/** Merges partial usage (later fields win; total derived when absent). */
export function mergeUsage(into: Usage, part: Partial<Usage>): Usage {
  const out: Usage = { ...into };
  for (const k of Object.keys(part) as Array<keyof Usage>) {
    const v = part[k];
    if (v !== null && v !== undefined) out[k] = v;
  }
  return out;
}

export function finishUsage(u: Usage): Usage {
  if (u.totalTokens !== null || (u.promptTokens === null && u.completionTokens === null)) return u;
  return { ...u, totalTokens: (u.promptTokens ?? 0) + (u.completionTokens ?? 0) };
}
