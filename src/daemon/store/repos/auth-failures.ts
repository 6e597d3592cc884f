import type Database from 'better-sqlite3';
import type { AuthFailureRow, AuthFailuresRepo } from '../types.js';

interface FailureRecord {
  ip: string;
  failures: number;
  window_start: number;
  locked_until: number | null;
}

interface FailureParams {
  ip: string;
  now: number;
  max: number;
  windowMs: number;
  lockMs: number;
}

const COLUMNS = 'ip, failures, window_start, locked_until';

function toRow(r: FailureRecord): AuthFailureRow {
  return { ip: r.ip, failures: r.failures, windowStart: r.window_start, lockedUntil: r.locked_until };
}

// The existing row starts over: its lock has expired, or (never locked) its window has.
const FRESH = '((locked_until IS NOT NULL AND locked_until <= @now) OR (locked_until IS NULL AND window_start <= @now - @windowMs))';
// Still in effect: locked now, or an unlocked window still open.
const LIVE = '((locked_until IS NOT NULL AND locked_until > @now) OR (locked_until IS NULL AND window_start > @now - @windowMs))';

export function createAuthFailuresRepo(db: Database.Database): AuthFailuresRepo {
  // One statement, so one atomic read-modify-write: concurrent failures can neither be lost nor double-counted.
  // In DO UPDATE, bare column names are the row's values before this update.
  const record = db.prepare<FailureParams, FailureRecord>(`
    INSERT INTO auth_failures (ip, failures, window_start, locked_until)
    VALUES (@ip, 1, @now, CASE WHEN @max <= 1 THEN @now + @lockMs END)
    ON CONFLICT (ip) DO UPDATE SET
      failures = CASE WHEN ${FRESH} THEN 1 ELSE failures + 1 END,
      window_start = CASE WHEN ${FRESH} THEN @now ELSE window_start END,
      locked_until = CASE
        WHEN ${FRESH} THEN CASE WHEN @max <= 1 THEN @now + @lockMs END
        WHEN locked_until IS NOT NULL THEN locked_until
        WHEN failures + 1 >= @max THEN @now + @lockMs
      END
    RETURNING ${COLUMNS}`);
  const live = db.prepare<{ now: number; windowMs: number }, FailureRecord>(
    `SELECT ${COLUMNS} FROM auth_failures WHERE ${LIVE} ORDER BY locked_until IS NULL, locked_until DESC, failures DESC, ip`,
  );
  const locked = db.prepare<{ now: number }, FailureRecord>(`SELECT ${COLUMNS} FROM auth_failures WHERE locked_until > @now`);
  const clearOne = db.prepare<[string]>('DELETE FROM auth_failures WHERE ip = ?');
  const clearAll = db.prepare('DELETE FROM auth_failures');
  const prune = db.prepare<{ now: number; windowMs: number }>(`DELETE FROM auth_failures WHERE NOT ${LIVE}`);
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM auth_failures');
  const trim = db.prepare<[number]>(
    'DELETE FROM auth_failures WHERE ip IN (SELECT ip FROM auth_failures ORDER BY locked_until IS NOT NULL, window_start, ip LIMIT ?)',
  );

  return {
    recordFailure(ip, at, policy) {
      return toRow(record.get({ ip, now: at, max: policy.maxAttempts, windowMs: policy.windowMs, lockMs: policy.lockMs })!);
    },
    live: (at, windowMs) => live.all({ now: at, windowMs }).map(toRow),
    locked: (at) => locked.all({ now: at }).map(toRow),
    clear: (ip) => (ip === undefined ? clearAll.run() : clearOne.run(ip)).changes,
    pruneExpired: (at, windowMs) => prune.run({ now: at, windowMs }).changes,
    trimTo(keep) {
      const n = count.get()?.n ?? 0;
      return n > keep ? trim.run(n - keep).changes : 0;
    },
    count: () => count.get()?.n ?? 0,
  };
}
