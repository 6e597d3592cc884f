import { z } from 'zod';
import { PROVIDER_TYPES, type ProviderDto } from '../../shared/admin-types.js';
import { KrouterError } from '../../shared/errors.js';
import { providerSecretAad } from '../routing/catalog.js';
import { nameProblem } from '../routing/names.js';
import { checkBaseUrlTarget } from '../upstream/ssrf-connector.js';
import type { ProviderRow } from '../store/types.js';
import type { AdminServices } from './context.js';

/** Headers a provider entry may not set: krouter owns them (framing, routing, the anti-loop marker). */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'x-request-source']);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const providerInputSchema = z.strictObject({
  type: z.enum(PROVIDER_TYPES),
  baseUrl: z.string().min(1).max(2048),
  apiKey: z.string().min(1).max(16 * 1024).nullable().optional(),
  headers: z
    .record(z.string().regex(HEADER_NAME, 'not a valid header name'), z.string().max(8192).regex(/^[^\r\n\0]*$/, 'no line breaks'))
    .optional(),
  models: z.array(z.string().min(1).max(256)).max(5000).nullable().optional(),
});

export type ProviderInputParsed = z.infer<typeof providerInputSchema>;

/** http(s) only, no credentials in the URL (they would be stored and logged in clear), no query or fragment. */
export function checkBaseUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new KrouterError('validation_failed', `base URL ${JSON.stringify(raw)} is not a URL. Give the API root, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new KrouterError('validation_failed', `base URL scheme ${u.protocol} is not allowed: use http:// or https://.`);
  }
  if (u.username !== '' || u.password !== '') {
    throw new KrouterError('validation_failed', 'base URL must not contain a user or password: pass the secret with --api-key - (read from stdin) instead.');
  }
  if (u.search !== '' || u.hash !== '') {
    throw new KrouterError('validation_failed', 'base URL must not have a query (?…) or fragment (#…): give only the API root.');
  }
  return u.toString().replace(/\/+$/, '');
}

const iso = (t: number): string => new Date(t).toISOString();

export function providerDto(row: ProviderRow, credentialProblem: string | null = null): ProviderDto {
  return {
    name: row.name,
    type: row.type,
    baseUrl: row.baseUrl,
    hasApiKey: row.apiKeyEnc !== null,
    credentialProblem,
    headerNames: row.headerNames,
    models: row.models ?? row.fetchedModels,
    modelsSource: row.models !== null ? 'configured' : row.fetchedModels !== null ? 'fetched' : 'none',
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export function listProviders(s: AdminServices): { providers: ProviderDto[] } {
  return { providers: s.store.providers.list().map((row) => providerDto(row, s.catalog.provider(row.name)?.credentialProblem ?? null)) };
}

export async function putProvider(s: AdminServices, name: string, input: ProviderInputParsed): Promise<{ provider: ProviderDto; created: boolean }> {
  const problem = nameProblem('provider', name);
  if (problem) throw new KrouterError('validation_failed', problem);
  const baseUrl = checkBaseUrl(input.baseUrl);
  // SSRF: the host must not be, or resolve to, a refused address (checked again on every real connection).
  await checkBaseUrlTarget(s.ssrf, baseUrl);
  const headers = input.headers;
  if (headers) {
    for (const h of Object.keys(headers)) {
      if (RESERVED_HEADERS.has(h.toLowerCase())) throw new KrouterError('validation_failed', `header "${h}" is set by krouter itself and cannot be configured.`);
    }
  }
  const prev = s.store.providers.get(name);
  const now = Date.now();
  const apiKeyEnc = input.apiKey === undefined ? (prev?.apiKeyEnc ?? null) : input.apiKey === null ? null : s.box.seal(input.apiKey, providerSecretAad(name, 'api_key'));
  const headersEnc = headers === undefined ? (prev?.headersEnc ?? null) : Object.keys(headers).length === 0 ? null : s.box.seal(JSON.stringify(headers), providerSecretAad(name, 'headers'));
  const headerNames = headers === undefined ? (prev?.headerNames ?? []) : Object.keys(headers);
  const models = input.models === undefined ? (prev?.models ?? null) : input.models;
  const sameEndpoint = prev !== undefined && prev.baseUrl === baseUrl && prev.type === input.type;
  const row: ProviderRow = {
    name,
    type: input.type,
    baseUrl,
    apiKeyEnc,
    headersEnc,
    headerNames,
    models: models === null ? null : [...new Set(models)],
    fetchedModels: sameEndpoint ? prev.fetchedModels : null,
    fetchedAt: sameEndpoint ? prev.fetchedAt : null,
    createdAt: prev?.createdAt ?? now,
    updatedAt: now,
  };
  const { created } = s.store.providers.upsert(row);
  s.catalog.reload();
  s.health.forgetProvider(name);
  s.bus.emit('changed', 'providers');
  return { provider: providerDto(s.store.providers.get(name)!, s.catalog.provider(name)?.credentialProblem ?? null), created };
}

export function removeProvider(s: AdminServices, name: string): { removed: string } {
  if (!s.store.providers.remove(name)) throw new KrouterError('not_found', `No provider named "${name}". \`krouter providers list\` shows them.`);
  s.catalog.reload();
  s.health.forgetProvider(name);
  s.bus.emit('changed', 'providers');
  return { removed: name };
}
