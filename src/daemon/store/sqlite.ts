import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { isKrouterError, KrouterError } from '../../shared/errors.js';
import { migrate } from './migrations.js';
import { createAuthFailuresRepo } from './repos/auth-failures.js';
import { createCombosRepo } from './repos/combos.js';
import { createKeysRepo } from './repos/keys.js';
import { createProvidersRepo } from './repos/providers.js';
import { createRequestLogRepo } from './repos/request-log.js';
import type { Store } from './types.js';

const IN_MEMORY = ':memory:';

function errnoCode(e: unknown): string | undefined {
  return e instanceof Error ? ((e as NodeJS.ErrnoException).code ?? undefined) : undefined;
}

/** Tightens a file we own to 0600 if something loosened it; missing files are fine. */
function tighten(path: string): void {
  try {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
}

/**
 * Creates the database file ourselves with mode 0600 before SQLite sees it:
 * SQLite would create it 0644 (under the usual umask), and it gives the -wal
 * and -shm files the database file's mode.
 */
function prepareFile(dbPath: string): void {
  mkdirSync(dirname(dbPath), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(dbPath, 'wx', 0o600));
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw e;
  }
  for (const p of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) tighten(p);
}

function unavailable(dbPath: string, e: unknown): KrouterError {
  const why = e instanceof Error ? e.message : String(e);
  return new KrouterError('store_unavailable', `Cannot open the database ${dbPath}: ${why}. Check the file and its permissions.`, {
    cause: e,
    details: { reason: 'open_failed', path: dbPath },
  });
}

/** Opens (creating and migrating as needed) the SQLite store at dbPath; ':memory:' gives a throwaway store. */
export function openStore(dbPath: string): Store {
  let db: Database.Database;
  try {
    if (dbPath !== IN_MEMORY) prepareFile(dbPath);
    db = new Database(dbPath);
  } catch (e) {
    throw unavailable(dbPath, e);
  }

  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // better-sqlite3 builds SQLite with a 16 MB page cache per connection
    // (SQLITE_DEFAULT_CACHE_SIZE=-16000). The request log is append-mostly, so
    // under load that cache fills with pages that are never read again and the
    // daemon's RSS grows by ~15 MiB of malloc'ed memory. SQLite's own default
    // (2 MiB) keeps the hot pages (the B-tree edges the inserts touch); the
    // rest is the OS page cache's job.
    db.pragma('cache_size = -2000');
    // Checkpoint the WAL every ~16 MB instead of SQLite's ~4 MB. The request
    // log commits a few rows at a time at low traffic (a few hundred commits a
    // second), each commit appends its pages to the WAL again, and every
    // checkpoint fsyncs on the event loop: at 1000 pages that was a ~2 ms stall
    // every second (the p99.9 at concurrency 1). A checkpoint copies each
    // page once however often it was rewritten, so rarer ones cost less in all.
    db.pragma('wal_autocheckpoint = 4000');
    migrate(db);
    const store: Store = {
      keys: createKeysRepo(db),
      providers: createProvidersRepo(db),
      combos: createCombosRepo(db),
      requestLog: createRequestLogRepo(db),
      authFailures: createAuthFailuresRepo(db),
      close() {
        if (!db.open) return;
        try {
          db.pragma('wal_checkpoint(TRUNCATE)');
        } catch {
          // Busy readers elsewhere: SQLite checkpoints again on the next open, nothing is lost.
        } finally {
          db.close();
        }
      },
    };
    return store;
  } catch (e) {
    db.close();
    throw isKrouterError(e) ? e : unavailable(dbPath, e);
  }
}
