/**
 * Per-client brute-force lockout for /v1 authentication. Failures are counted
 * in SQLite (they are rare, and must survive a restart); the hot path only
 * reads an in-memory map of the buckets locked right now, so an ordinary
 * request never touches the database, and a success writes nothing.
 */
import { KrouterError } from '../../shared/errors.js';
import type { AuthFailureRow, AuthFailuresRepo, LockoutPolicyMs } from '../store/types.js';

export interface LockoutConfig {
  enabled: boolean;
  maxAttempts: number;
  windowSeconds: number;
  lockoutSeconds: number;
}

export interface LockoutOptions {
  now?: () => number;
  /** Rows kept at most; beyond it the oldest go (unlocked ones first). */
  maxRows?: number;
  /** How often expired windows and locks are deleted. */
  pruneIntervalMs?: number;
  log?: LockoutLog;
}

/** The one logger call the lockout makes (a pino Logger fits). */
export interface LockoutLog {
  warn(obj: object, msg: string): void;
}

export const DEFAULT_MAX_ROWS = 100_000;
const DEFAULT_PRUNE_INTERVAL_MS = 60_000;
/** When the cap is hit, trim to this share of it, so trims stay rare under a wide attack. */
const TRIM_TO = 0.9;

export class LockoutGuard {
  readonly #repo: AuthFailuresRepo;
  readonly #enabled: boolean;
  readonly #policy: LockoutPolicyMs;
  readonly #now: () => number;
  readonly #maxRows: number;
  readonly #log: LockoutLog | undefined;
  /** Bucket -> locked until (epoch ms). Every live lock is here; an expired one is dropped when seen. */
  #locked = new Map<string, number>();
  /** Upper estimate of the table's rows (each new window may be a new row). */
  #rows = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(repo: AuthFailuresRepo, config: LockoutConfig, opts: LockoutOptions = {}) {
    this.#repo = repo;
    this.#enabled = config.enabled;
    this.#policy = { maxAttempts: config.maxAttempts, windowMs: config.windowSeconds * 1000, lockMs: config.lockoutSeconds * 1000 };
    this.#now = opts.now ?? Date.now;
    this.#maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
    this.#log = opts.log;
    this.prune();
    const interval = opts.pruneIntervalMs ?? DEFAULT_PRUNE_INTERVAL_MS;
    if (interval > 0) {
      this.#timer = setInterval(() => this.prune(), interval);
      this.#timer.unref();
    }
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Whole seconds `key` stays locked (at least 1), or 0 when it may try. Memory only. */
  lockedFor(key: string): number {
    if (!this.#enabled || this.#locked.size === 0) return 0;
    const until = this.#locked.get(key);
    if (until === undefined) return 0;
    const left = until - this.#now();
    if (left <= 0) {
      this.#locked.delete(key);
      return 0;
    }
    return Math.ceil(left / 1000);
  }

  /**
   * Counts one failed authentication of `key` (one SQLite statement) and
   * locks it when the count reaches maxAttempts. Null when disabled or when
   * the write failed (logged; the request still gets its 401).
   */
  recordFailure(key: string): AuthFailureRow | null {
    if (!this.#enabled) return null;
    const now = this.#now();
    let row: AuthFailureRow;
    try {
      row = this.#repo.recordFailure(key, now, this.#policy);
    } catch (e) {
      this.#log?.warn({ err: (e as Error).message }, 'could not record a failed authentication');
      return null;
    }
    if (row.lockedUntil !== null && row.lockedUntil > now) this.#locked.set(key, row.lockedUntil);
    if (row.failures === 1 && ++this.#rows > this.#maxRows) this.#enforceCap();
    return row;
  }

  /** Current windows and locks, locked first. */
  list(): AuthFailureRow[] {
    return this.#repo.live(this.#now(), this.#policy.windowMs);
  }

  /** Forgets one bucket's failures and lock, or everyone's. Returns the rows removed. */
  clear(key?: string): number {
    const n = this.#repo.clear(key);
    if (key === undefined) {
      this.#locked.clear();
      this.#rows = 0;
    } else {
      this.#locked.delete(key);
      this.#rows = Math.max(0, this.#rows - n);
    }
    return n;
  }

  /** Deletes expired rows and re-reads the live locks (also run at start and periodically). */
  prune(): void {
    try {
      const now = this.#now();
      this.#repo.pruneExpired(now, this.#policy.windowMs);
      this.#reload(now);
    } catch (e) {
      this.#log?.warn({ err: (e as Error).message }, 'lockout prune failed');
    }
  }

  close(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #enforceCap(): void {
    try {
      const now = this.#now();
      this.#repo.pruneExpired(now, this.#policy.windowMs);
      if (this.#repo.count() > this.#maxRows) {
        const trimmed = this.#repo.trimTo(Math.floor(this.#maxRows * TRIM_TO));
        this.#log?.warn({ trimmed, maxRows: this.#maxRows }, 'lockout table full: dropped the oldest entries');
      }
      this.#reload(now);
    } catch (e) {
      this.#log?.warn({ err: (e as Error).message }, 'lockout cap enforcement failed');
    }
  }

  #reload(now: number): void {
    const locked = new Map<string, number>();
    for (const r of this.#repo.locked(now)) if (r.lockedUntil !== null) locked.set(r.ip, r.lockedUntil);
    this.#locked = locked;
    this.#rows = this.#repo.count();
  }
}

/** The /v1 answer to a locked-out client: 429 `ip_locked_out` (send `Retry-After: seconds` with it). */
export function lockedOutError(seconds: number): KrouterError {
  return new KrouterError(
    'ip_locked_out',
    `Too many failed authentication attempts from this address: it is locked out for ${seconds} more seconds. Check the API key your client sends; the operator can lift the lock with \`krouter lockouts clear\`.`,
  );
}
