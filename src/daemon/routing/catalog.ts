import type { ComboDto, ComboStrategy, ProviderType } from '../../shared/admin-types.js';
import type { SecretBox } from '../security/secret-box.js';
import type { ComboRow, ProviderRow, Store } from '../store/types.js';

/**
 * A provider as the hot path needs it: secrets decrypted once, when the
 * catalog loads. Name, type, URL and credentials are fixed for an entry's
 * lifetime (headers built from them are cached per entry): a change — a new
 * key, a refreshed token — builds a new entry.
 */
export interface ProviderEntry {
  name: string;
  type: ProviderType;
  baseUrl: string;
  apiKey: string | null;
  headers: Record<string, string>;
  /** Why the stored secrets could not be used (tampered, other machine), or null. */
  credentialProblem: string | null;
  models: string[] | null;
  fetchedModels: string[] | null;
  fetchedAt: number | null;
  row: ProviderRow;
}

export interface ComboEntry {
  name: string;
  strategy: ComboStrategy;
  targets: string[];
  row: ComboRow;
}

export function providerSecretAad(name: string, column: 'api_key' | 'headers'): string {
  return `providers:${name}:${column}`;
}

/**
 * In-memory view of providers and combos. Loaded at start and reloaded by the
 * admin API after each change, so /v1 never touches the database to route.
 */
export class Catalog {
  #providers = new Map<string, ProviderEntry>();
  #combos = new Map<string, ComboEntry>();
  #generation = 0;

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
  ) {
    this.reload();
  }

  reload(): void {
    const providers = new Map<string, ProviderEntry>();
    for (const row of this.store.providers.list()) providers.set(row.name, this.#entry(row));
    const combos = new Map<string, ComboEntry>();
    for (const row of this.store.combos.list()) combos.set(row.name, { name: row.name, strategy: row.strategy, targets: row.targets, row });
    this.#providers = providers;
    this.#combos = combos;
    this.#generation++;
  }

  /** Changes with every reload: what is derived from providers and combos (plans) is valid for one generation. */
  get generation(): number {
    return this.#generation;
  }

  provider(name: string): ProviderEntry | undefined {
    return this.#providers.get(name);
  }

  combo(name: string): ComboEntry | undefined {
    return this.#combos.get(name);
  }

  providers(): IterableIterator<ProviderEntry> {
    return this.#providers.values();
  }

  combos(): IterableIterator<ComboEntry> {
    return this.#combos.values();
  }

  comboDtos(): ComboDto[] {
    return [...this.#combos.values()].map((c) => ({
      name: c.name,
      strategy: c.strategy,
      targets: c.targets,
      createdAt: new Date(c.row.createdAt).toISOString(),
      updatedAt: new Date(c.row.updatedAt).toISOString(),
    }));
  }

  /** Records models fetched from a provider's /models without a full reload. */
  setFetchedModels(name: string, models: string[], at: number): void {
    this.store.providers.setFetchedModels(name, models, at);
    const p = this.#providers.get(name);
    if (p) {
      p.fetchedModels = models;
      p.fetchedAt = at;
    }
  }

  #entry(row: ProviderRow): ProviderEntry {
    let apiKey: string | null = null;
    let headers: Record<string, string> = {};
    let credentialProblem: string | null = null;
    try {
      if (row.apiKeyEnc !== null) apiKey = this.box.open(row.apiKeyEnc, providerSecretAad(row.name, 'api_key'));
      if (row.headersEnc !== null) headers = JSON.parse(this.box.open(row.headersEnc, providerSecretAad(row.name, 'headers'))) as Record<string, string>;
    } catch (e) {
      apiKey = null;
      headers = {};
      credentialProblem = (e as Error).message;
    }
    return {
      name: row.name,
      type: row.type,
      baseUrl: row.baseUrl,
      apiKey,
      headers,
      credentialProblem,
      models: row.models,
      fetchedModels: row.fetchedModels,
      fetchedAt: row.fetchedAt,
      row,
    };
  }
}
