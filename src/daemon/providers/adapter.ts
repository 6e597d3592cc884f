import type { ProviderType } from '../../shared/admin-types.js';
import type { FormatId } from '../formats/pivot/types.js';
import type { ProviderEntry } from '../routing/catalog.js';
import { anthropicAdapter } from './anthropic.js';
import { geminiAdapter } from './gemini.js';
import { openAIAdapter, openAIResponsesAdapter } from './openai.js';

/**
 * What krouter needs to know about a provider type: the wire format it
 * speaks, where to send a request, how to authenticate, and how to list its
 * models. Bodies are the format codecs' business, not the adapter's.
 */
export interface ProviderAdapter {
  format: FormatId;
  /** URL of a generation request for `model` (Gemini puts model and streaming in the URL). */
  generateUrl(p: ProviderEntry, model: string, stream: boolean): string;
  /** Credentials and fixed headers (configured extra headers are added by the caller, then these win). */
  authHeaders(p: ProviderEntry): Record<string, string>;
  modelsUrl(p: ProviderEntry): string;
  parseModels(json: unknown): string[];
  /** Anthropic count_tokens endpoint, where the provider has one. */
  countTokensUrl?(p: ProviderEntry): string;
}

const ADAPTERS: Record<ProviderType, ProviderAdapter> = {
  openai: openAIAdapter,
  'openai-responses': openAIResponsesAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
};

export function adapterFor(type: ProviderType): ProviderAdapter {
  return ADAPTERS[type];
}

/** Per catalog entry: an entry's credentials never change (a provider change builds a new entry), so its headers are built once. */
const fixedHeaders = new WeakMap<ProviderEntry, Record<string, string>>();

/** A provider's configured extra headers, then the adapter's credentials (lower-cased names; shared: do not modify). */
function providerHeaders(p: ProviderEntry, adapter: ProviderAdapter): Readonly<Record<string, string>> {
  let h = fixedHeaders.get(p);
  if (h === undefined) {
    h = {};
    for (const name in p.headers) h[name.toLowerCase()] = p.headers[name]!;
    const auth = adapter.authHeaders(p);
    for (const name in auth) h[name] = auth[name]!;
    fixedHeaders.set(p, h);
  }
  return h;
}

/** A new header object: the `extra` objects in order, then the provider's configured headers and credentials (which win). */
export function upstreamHeaders(p: ProviderEntry, adapter: ProviderAdapter, ...extra: ReadonlyArray<Readonly<Record<string, string>>>): Record<string, string> {
  return Object.assign({}, ...extra, providerHeaders(p, adapter));
}
