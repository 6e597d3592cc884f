import type { KeyHasher } from '../security/key-hash.js';
import type { ApiKeyRow, Store } from '../store/types.js';

/** How often last-used times reach the database (they are cheap to lose, costly to write per request). */
const TOUCH_FLUSH_MS = 5_000;
/** Keys remembered after a successful check (a client sends the same key with every request). */
const VERIFIED_MAX = 1_024;

/**
 * Active API keys by hash, in memory. A key is HMAC-hashed, looked up by that
 * digest and compared in constant time; revocation and rotation reload the map
 * before the admin call returns, so a revoked key stops working at once.
 */
export class KeyRegistry {
  #byHash = new Map<string, ApiKeyRow>();
  /**
   * Presented key → row, for keys that passed the HMAC check since the last
   * reload: saves an HMAC per request. Only valid keys get in (bad ones cannot
   * grow it), it is bounded, and every reload (revoke, rotate, create) empties it.
   */
  #verified = new Map<string, ApiKeyRow>();
  #names = new Map<string, string>();
  #touched = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly hasher: KeyHasher,
  ) {
    this.reload();
  }

  reload(): void {
    const byHash = new Map<string, ApiKeyRow>();
    const names = new Map<string, string>();
    for (const row of this.store.keys.list()) {
      names.set(row.id, row.name);
      if (row.revokedAt === null) byHash.set(row.hash.toString('base64'), row);
    }
    this.#byHash = byHash;
    this.#names = names;
    this.#verified = new Map();
  }

  /** The key's row, or null. Never throws, whatever the input. */
  authenticate(presented: string): ApiKeyRow | null {
    if (presented.length === 0 || presented.length > 512) return null;
    const known = this.#verified.get(presented);
    if (known !== undefined) {
      this.#touch(known.id);
      return known;
    }
    const digest = this.hasher.hash(presented);
    const row = this.#byHash.get(digest.toString('base64'));
    if (row === undefined || !this.hasher.equals(digest, row.hash)) return null;
    if (this.#verified.size >= VERIFIED_MAX) this.#verified.clear();
    this.#verified.set(presented, row);
    this.#touch(row.id);
    return row;
  }

  nameOf(id: string | null): string | null {
    return id === null ? null : (this.#names.get(id) ?? null);
  }

  count(): number {
    return this.#byHash.size;
  }

  /** Last-used time as known in memory (newer than the database between flushes). */
  lastUsed(id: string): number | undefined {
    return this.#touched.get(id);
  }

  #touch(id: string): void {
    this.#touched.set(id, Date.now());
    if (this.#timer === null) {
      this.#timer = setTimeout(() => this.flush(), TOUCH_FLUSH_MS);
      this.#timer.unref();
    }
  }

  flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#touched.size === 0) return;
    const entries = [...this.#touched].map(([id, at]) => ({ id, at }));
    this.#touched.clear();
    this.store.keys.touch(entries);
  }
}
