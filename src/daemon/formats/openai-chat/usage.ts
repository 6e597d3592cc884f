/** Token usage as krouter records it, from any provider's usage fields. */
export interface Usage {
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  cachedTokens: number | null;
  reasoningTokens: number | null;
}

export const NO_USAGE: Usage = { promptTokens: null, completionTokens: null, totalTokens: null, cachedTokens: null, reasoningTokens: null };

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : null;
}

/** Reads OpenAI's `usage` object (chat completions and embeddings). */
export function openAIUsage(u: unknown): Usage | null {
  if (u === null || typeof u !== 'object') return null;
  const o = u as Record<string, unknown>;
  const prompt = num(o['prompt_tokens']);
  const completion = num(o['completion_tokens']);
  const total = num(o['total_tokens']);
  const pd = o['prompt_tokens_details'] as Record<string, unknown> | null | undefined;
  const cd = o['completion_tokens_details'] as Record<string, unknown> | null | undefined;
  return {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: total ?? (prompt !== null || completion !== null ? (prompt ?? 0) + (completion ?? 0) : null),
    cachedTokens: pd && typeof pd === 'object' ? num(pd['cached_tokens']) : null,
    reasoningTokens: cd && typeof cd === 'object' ? num(cd['reasoning_tokens']) : null,
  };
}
