import type { ProviderAdapter } from './adapter.js';
import { baseOf, idsFromData } from './provider-util.js';

/**
 * Type `openai`: any OpenAI-compatible chat-completions server (OpenAI,
 * OpenRouter, Groq, DeepSeek, Ollama, vLLM, llama.cpp, LM Studio…).
 */
export const openAIAdapter: ProviderAdapter = {
  format: 'openai-chat',
  generateUrl: (p) => `${baseOf(p)}/chat/completions`,
  authHeaders: (p): Record<string, string> => (p.apiKey === null ? {} : { authorization: `Bearer ${p.apiKey}` }),
  modelsUrl: (p) => `${baseOf(p)}/models`,
  parseModels: idsFromData,
};

/** Type `openai-responses`: servers of OpenAI's Responses API. */
export const openAIResponsesAdapter: ProviderAdapter = {
  ...openAIAdapter,
  format: 'openai-responses',
  generateUrl: (p) => `${baseOf(p)}/responses`,
};
