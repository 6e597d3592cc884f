import type { FormatCodec, FormatId } from './pivot/types.js';

/**
 * Codecs are loaded on first use: a daemon serving only OpenAI chat never
 * loads the Anthropic or Gemini code.
 */
const loaders: Record<FormatId, () => Promise<FormatCodec>> = {
  'openai-chat': async () => (await import('./openai-chat/codec.js')).openAIChatCodec,
  'openai-responses': async () => (await import('./openai-responses/codec.js')).openAIResponsesCodec,
  anthropic: async () => (await import('./anthropic/codec.js')).anthropicCodec,
  gemini: async () => (await import('./gemini/codec.js')).geminiCodec,
};

const loaded = new Map<FormatId, FormatCodec>();

/** The codec if it is loaded already (the hot path then skips a promise per use). */
export function loadedCodec(id: FormatId): FormatCodec | undefined {
  return loaded.get(id);
}

/** A codec, loading it on first use. */
export async function codecFor(id: FormatId): Promise<FormatCodec> {
  let c = loaded.get(id);
  if (!c) {
    c = await loaders[id]();
    loaded.set(id, c);
  }
  return c;
}
