import type Database from 'better-sqlite3';
import { KrouterError } from '../../shared/errors.js';

export interface Migration {
  /** Strictly increasing, never reused, never edited once released. */
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE api_keys (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        prefix       TEXT NOT NULL,
        hash         BLOB NOT NULL UNIQUE,
        created_at   INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at   INTEGER,
        rotated_at   INTEGER
      );
      -- A name may be reused once the key holding it has been revoked.
      CREATE UNIQUE INDEX api_keys_active_name ON api_keys(name) WHERE revoked_at IS NULL;

      CREATE TABLE providers (
        name           TEXT PRIMARY KEY,
        type           TEXT NOT NULL,
        base_url       TEXT NOT NULL,
        api_key_enc    TEXT,
        headers_enc    TEXT,
        header_names   TEXT NOT NULL DEFAULT '[]',
        models         TEXT,
        fetched_models TEXT,
        fetched_at     INTEGER,
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL
      );

      CREATE TABLE combos (
        name       TEXT PRIMARY KEY,
        strategy   TEXT NOT NULL,
        targets    TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      -- No foreign key on key_id: the log must outlive the keys it mentions.
      CREATE TABLE request_log (
        id                INTEGER PRIMARY KEY AUTOINCREMENT,
        time              INTEGER NOT NULL,
        key_id            TEXT,
        client_ip         TEXT NOT NULL,
        route             TEXT NOT NULL,
        model_asked       TEXT,
        target            TEXT,
        attempts          TEXT NOT NULL DEFAULT '[]',
        status            INTEGER NOT NULL,
        error_code        TEXT,
        stream            INTEGER NOT NULL DEFAULT 0,
        latency_ms        INTEGER NOT NULL,
        ttfb_ms           INTEGER,
        prompt_tokens     INTEGER,
        completion_tokens INTEGER,
        total_tokens      INTEGER,
        cached_tokens     INTEGER,
        reasoning_tokens  INTEGER
      );
      CREATE INDEX request_log_time ON request_log(time);
      CREATE INDEX request_log_key_id ON request_log(key_id);
    `,
  },
  {
    version: 2,
    name: 'auth failures (per-IP lockout)',
    sql: `
      -- One row per client bucket (an IPv4 address or an IPv6 /64): failed /v1 authentications in the current window.
      CREATE TABLE auth_failures (
        ip           TEXT PRIMARY KEY,
        failures     INTEGER NOT NULL,
        window_start INTEGER NOT NULL,
        locked_until INTEGER
      );
      CREATE INDEX auth_failures_window_start ON auth_failures(window_start);
      CREATE INDEX auth_failures_locked_until ON auth_failures(locked_until) WHERE locked_until IS NOT NULL;
    `,
  },
  {
    version: 3,
    name: 'request log without the key_id index',
    sql: `
      -- No query reads request_log by key_id alone (usage groups by key within a time range, which the time
      -- index serves), and the index cost ~0.7 us of every request's log write. A query that needs it brings
      -- its own (e.g. (key_id, time) for per-key limits).
      DROP INDEX IF EXISTS request_log_key_id;
    `,
  },
];

function currentVersion(db: Database.Database): number {
  const row = db.prepare<[], { v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations').get();
  return row?.v ?? 0;
}

function assertOrdered(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= previous) {
      throw new Error(`migration versions must be strictly increasing integers (got ${m.version} after ${previous})`);
    }
    previous = m.version;
  }
}

/**
 * Brings the database up to the newest known version. Each migration runs in
 * its own IMMEDIATE transaction, re-checking the version inside it, so two
 * processes opening a fresh database at once cannot both apply one.
 * Returns the resulting schema version.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS, now: () => number = Date.now): number {
  assertOrdered(migrations);
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');

  const latest = migrations.at(-1)?.version ?? 0;
  const found = currentVersion(db);
  if (found > latest) {
    throw new KrouterError(
      'store_unavailable',
      `The database ${db.name} has schema version ${found}, newer than this krouter knows (${latest}): it was written by a newer krouter. Upgrade krouter to open it.`,
      { details: { reason: 'schema_too_new', dbVersion: found, codeVersion: latest } },
    );
  }

  const record = db.prepare<[number, number]>('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)');
  for (const m of migrations) {
    if (m.version <= found) continue;
    db.transaction(() => {
      if (currentVersion(db) >= m.version) return;
      db.exec(m.sql);
      record.run(m.version, now());
    }).immediate();
  }
  return currentVersion(db);
}
