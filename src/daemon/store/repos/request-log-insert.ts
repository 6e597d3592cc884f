import type Database from 'better-sqlite3';
import type { RequestLogRow } from '../types.js';
import { encodeAttempts } from './attempts-column.js';

const COLUMNS = [
  'time',
  'key_id',
  'client_ip',
  'route',
  'model_asked',
  'target',
  'attempts',
  'status',
  'error_code',
  'stream',
  'latency_ms',
  'ttfb_ms',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'cached_tokens',
  'reasoning_tokens',
] as const;
const WIDTH = COLUMNS.length;

/**
 * Rows per INSERT statement, largest first. A batch is cut into as many
 * statements of the largest size as fit, then at most one of each smaller
 * size (their binary decomposition), so a batch of n rows runs about n/32 + 5
 * statements instead of n. Every size is prepared up front: no statement is
 * prepared on the request path.
 */
const SIZES = [32, 16, 8, 4, 2, 1] as const;

/** Writes the values of `r` into `out` from `at` on, in COLUMNS order. */
function fill(out: unknown[], at: number, r: RequestLogRow): void {
  out[at] = r.time;
  out[at + 1] = r.keyId;
  out[at + 2] = r.clientIp;
  out[at + 3] = r.route;
  out[at + 4] = r.modelAsked;
  out[at + 5] = r.target;
  out[at + 6] = encodeAttempts(r.attempts, r);
  out[at + 7] = r.status;
  out[at + 8] = r.errorCode;
  out[at + 9] = r.stream ? 1 : 0;
  out[at + 10] = r.latencyMs;
  out[at + 11] = r.ttfbMs;
  out[at + 12] = r.promptTokens;
  out[at + 13] = r.completionTokens;
  out[at + 14] = r.totalTokens;
  out[at + 15] = r.cachedTokens;
  out[at + 16] = r.reasoningTokens;
}

interface Bucket {
  size: number;
  stmt: Database.Statement<unknown[]>;
  /**
   * Reused bind values for one statement of this size (the insert is synchronous, so one buffer per size
   * suffices). Passed as arguments (`run(...params)`), not as one array: better-sqlite3 reads arguments
   * faster than array elements, ~0.3 µs less per row at 17 columns.
   */
  params: unknown[];
}

/**
 * Returns a function that inserts rows into request_log with multi-row
 * INSERT statements and returns their ids in order. The caller provides the
 * transaction.
 *
 * Ids: one INSERT of k rows into request_log (INTEGER PRIMARY KEY
 * AUTOINCREMENT, no triggers, ids never given explicitly) assigns them
 * lastInsertRowid - k + 1 … lastInsertRowid, in VALUES order. SQLite gives each
 * new row max(largest rowid in the table, sqlite_sequence) + 1, the statement
 * holds the write lock throughout so nothing else inserts in between, and
 * AUTOINCREMENT fails with SQLITE_FULL rather than pick a random rowid once
 * the maximum is reached. test/unit/store.test.ts checks each returned id
 * against the row stored under it.
 */
export function createLogInserter(db: Database.Database): (rows: ReadonlyArray<RequestLogRow>) => number[] {
  const tuple = `(${COLUMNS.map(() => '?').join(', ')})`;
  const buckets: Bucket[] = SIZES.map((size) => ({
    size,
    stmt: db.prepare<unknown[]>(`INSERT INTO request_log (${COLUMNS.join(', ')}) VALUES ${Array.from({ length: size }, () => tuple).join(', ')}`),
    params: new Array<unknown>(size * WIDTH),
  }));

  return (rows) => {
    const ids = new Array<number>(rows.length);
    let done = 0;
    for (const b of buckets) {
      while (rows.length - done >= b.size) {
        for (let j = 0; j < b.size; j++) fill(b.params, j * WIDTH, rows[done + j]!);
        const first = Number(b.stmt.run(...b.params).lastInsertRowid) - b.size + 1;
        for (let j = 0; j < b.size; j++) ids[done + j] = first + j;
        done += b.size;
      }
    }
    return ids;
  };
}
