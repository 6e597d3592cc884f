import type { ProviderAdapter } from './adapter.js';
import { baseOf } from './provider-util.js';

/** Type `gemini`: the Gemini API (base URL e.g. https://generativelanguage.googleapis.com/v1beta). */
export const geminiAdapter: ProviderAdapter = {
  format: 'gemini',
  generateUrl: (p, model, stream) => `${baseOf(p)}/models/${encodeURIComponent(model)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
  authHeaders: (p): Record<string, string> => (p.apiKey === null ? {} : { 'x-goog-api-key': p.apiKey }),
  modelsUrl: (p) => `${baseOf(p)}/models?pageSize=1000`,
  parseModels: (json) => {
    const models = (json as { models?: unknown } | null)?.models;
    if (!Array.isArray(models)) return [];
    return models
      .map((m) => (m as { name?: unknown } | null)?.name)
      .filter((n): n is string => typeof n === 'string')
      .map((n) => (n.startsWith('models/') ? n.slice(7) : n));
  },
};
