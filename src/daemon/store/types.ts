/**
 * Plain repository interfaces: the only view the rest of the daemon has of
 * persistence. The SQLite implementation lives beside this file; a shared
 * PostgreSQL store can implement the same interfaces later.
 * Times are epoch milliseconds.
 */
import type { AttemptDto, ComboStrategy, ProviderType, UsageGroupBy } from '../../shared/admin-types.js';

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  /** HMAC-SHA256 of the key under the daemon's secret (32 bytes). */
  hash: Buffer;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  /** When the secret was last replaced (`keys rotate`); its age counts from here. */
  rotatedAt?: number | null;
}

export interface KeysRepo {
  insert(row: Omit<ApiKeyRow, 'lastUsedAt' | 'revokedAt'>): void;
  list(): ApiKeyRow[];
  byId(id: string): ApiKeyRow | undefined;
  /** Active (not revoked) key by name. */
  byName(name: string): ApiKeyRow | undefined;
  byHash(hash: Buffer): ApiKeyRow | undefined;
  /** Replace secret material in place (rotate). */
  rotate(id: string, hash: Buffer, prefix: string, at: number): void;
  revoke(id: string, at: number): void;
  /** Batched last-used updates. */
  touch(entries: ReadonlyArray<{ id: string; at: number }>): void;
}

export interface ProviderRow {
  name: string;
  type: ProviderType;
  baseUrl: string;
  /** Secret-box envelope of the API key, or null. */
  apiKeyEnc: string | null;
  /** Secret-box envelope of JSON Record<string,string>, or null. */
  headersEnc: string | null;
  headerNames: string[];
  /** Configured list (null = fetch from /models). */
  models: string[] | null;
  fetchedModels: string[] | null;
  fetchedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface ProvidersRepo {
  list(): ProviderRow[];
  get(name: string): ProviderRow | undefined;
  upsert(row: ProviderRow): { created: boolean };
  setFetchedModels(name: string, models: string[], at: number): void;
  remove(name: string): boolean;
}

export interface ComboRow {
  name: string;
  strategy: ComboStrategy;
  targets: string[];
  createdAt: number;
  updatedAt: number;
}

export interface CombosRepo {
  list(): ComboRow[];
  get(name: string): ComboRow | undefined;
  upsert(row: ComboRow): { created: boolean };
  remove(name: string): boolean;
}

export interface RequestLogRow {
  time: number;
  keyId: string | null;
  clientIp: string;
  route: string;
  modelAsked: string | null;
  target: string | null;
  attempts: AttemptDto[];
  status: number;
  errorCode: string | null;
  stream: boolean;
  latencyMs: number;
  ttfbMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  cachedTokens: number | null;
  reasoningTokens: number | null;
}

export interface StoredLogRow extends RequestLogRow {
  id: number;
  keyName: string | null;
}

export interface UsageAggregate {
  group: string;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
}

export interface RequestLogRepo {
  /** One transaction for the whole batch. Returns the ids assigned, in order. */
  insertMany(rows: ReadonlyArray<RequestLogRow>): number[];
  /** Newest first. */
  recent(opts: { limit: number; beforeId?: number }): StoredLogRow[];
  usage(opts: { by: UsageGroupBy; since: number; until: number }): UsageAggregate[];
  count(): number;
  deleteOlderThan(time: number): number;
}

/** Failed /v1 authentications of one client bucket (an IPv4 address or an IPv6 /64). */
export interface AuthFailureRow {
  ip: string;
  failures: number;
  windowStart: number;
  lockedUntil: number | null;
}

export interface LockoutPolicyMs {
  maxAttempts: number;
  windowMs: number;
  lockMs: number;
}

export interface AuthFailuresRepo {
  /**
   * Counts one failure in a single atomic statement: a new window when the
   * old one (or an old lock) has expired, else one more; sets lockedUntil when
   * the count reaches maxAttempts. Returns the row as it now stands.
   */
  recordFailure(ip: string, at: number, policy: LockoutPolicyMs): AuthFailureRow;
  /** Rows still in effect at `at`: an open window, or a lock not yet expired. Locked first. */
  live(at: number, windowMs: number): AuthFailureRow[];
  /** Rows locked at `at`. */
  locked(at: number): AuthFailureRow[];
  /** Deletes one bucket, or all of them; returns how many rows went. */
  clear(ip?: string): number;
  /** Deletes rows no longer in effect at `at`; returns how many. */
  pruneExpired(at: number, windowMs: number): number;
  /** Deletes the oldest rows (unlocked before locked) until at most `keep` remain; returns how many. */
  trimTo(keep: number): number;
  count(): number;
}

export interface Store {
  keys: KeysRepo;
  providers: ProvidersRepo;
  combos: CombosRepo;
  requestLog: RequestLogRepo;
  authFailures: AuthFailuresRepo;
  close(): void;
}
