import type { ProviderEntry } from '../routing/catalog.js';

export function baseOf(p: ProviderEntry): string {
  return p.baseUrl.replace(/\/+$/, '');
}

/** `data: [{id}]` (OpenAI, Anthropic) model lists. */
export function idsFromData(json: unknown): string[] {
  const data = (json as { data?: unknown } | null)?.data;
  return Array.isArray(data) ? data.map((m) => (m as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === 'string') : [];
}
