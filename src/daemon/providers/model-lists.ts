import type { Catalog, ProviderEntry } from '../routing/catalog.js';
import type { Logger } from '../telemetry/logger.js';
import type { Upstream } from '../upstream/dispatcher.js';
import { adapterFor, upstreamHeaders } from './adapter.js';

const FETCH_TIMEOUT_MS = 5_000;
const MAX_MODELS = 5_000;

/**
 * Model ids per provider for /v1/models: the configured list if there is one,
 * else the provider's own /models, fetched on demand and cached for
 * models.cacheSeconds. A list is advisory: a model missing from it is still
 * sent upstream, since providers' lists are often incomplete.
 */
export class ModelLists {
  readonly #inflight = new Map<string, Promise<string[]>>();

  constructor(
    private readonly catalog: Catalog,
    private readonly upstream: Upstream,
    private readonly log: Logger,
    private readonly cacheMs: number,
  ) {}

  async modelsOf(p: ProviderEntry): Promise<string[]> {
    if (p.models !== null) return p.models;
    if (p.fetchedModels !== null && p.fetchedAt !== null && Date.now() - p.fetchedAt < this.cacheMs) return p.fetchedModels;
    if (p.credentialProblem !== null) return p.fetchedModels ?? [];
    let pending = this.#inflight.get(p.name);
    if (!pending) {
      pending = this.#fetch(p).finally(() => this.#inflight.delete(p.name));
      this.#inflight.set(p.name, pending);
    }
    return pending;
  }

  async #fetch(p: ProviderEntry): Promise<string[]> {
    try {
      const adapter = adapterFor(p.type);
      const res = await this.upstream.send(adapter.modelsUrl(p), {
        method: 'GET',
        headers: upstreamHeaders(p, adapter, { accept: 'application/json', 'accept-encoding': 'identity' }),
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new Error(`HTTP ${res.statusCode}`);
      }
      const ids = adapter
        .parseModels(await res.body.json())
        .filter((id) => id.length > 0 && id.length < 256)
        .slice(0, MAX_MODELS);
      this.catalog.setFetchedModels(p.name, ids, Date.now());
      return ids;
    } catch (e) {
      this.log.warn({ provider: p.name, err: (e as Error).message }, 'could not fetch the provider model list; using the cached one');
      return p.fetchedModels ?? [];
    }
  }
}
