import type { ProviderAdapter } from './adapter.js';
import { baseOf, idsFromData } from './provider-util.js';

/** The API version krouter speaks to Anthropic when translating (a passed-through request keeps the client's). */
export const ANTHROPIC_VERSION = '2023-06-01';

/** Type `anthropic`: the Anthropic Messages API (base URL e.g. https://api.anthropic.com/v1). */
export const anthropicAdapter: ProviderAdapter = {
  format: 'anthropic',
  generateUrl: (p) => `${baseOf(p)}/messages`,
  authHeaders: (p) => ({ 'anthropic-version': ANTHROPIC_VERSION, ...(p.apiKey === null ? {} : { 'x-api-key': p.apiKey }) }),
  modelsUrl: (p) => `${baseOf(p)}/models`,
  parseModels: idsFromData,
  countTokensUrl: (p) => `${baseOf(p)}/messages/count_tokens`,
};
