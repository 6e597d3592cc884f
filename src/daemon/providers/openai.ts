import type { ProviderEntry } from '../routing/catalog.js';

/**
 * Adapter for type `openai`: any OpenAI-compatible server (OpenAI, OpenRouter,
 * Groq, DeepSeek, Ollama, vLLM, llama.cpp, LM Studio…). Knows URLs and
 * credentials; bodies pass through in OpenAI's own wire format.
 */
export function openAIUrl(p: ProviderEntry, path: '/chat/completions' | '/embeddings' | '/models'): string {
  return p.baseUrl.replace(/\/+$/, '') + path;
}

export function openAIHeaders(p: ProviderEntry, extra: Record<string, string>): Record<string, string> {
  const h: Record<string, string> = { ...extra };
  for (const name in p.headers) h[name.toLowerCase()] = p.headers[name]!;
  if (p.apiKey !== null) h['authorization'] = `Bearer ${p.apiKey}`;
  return h;
}
