import type { RequestLogRepo, RequestLogRow } from '../store/types.js';
import type { EventBus } from './event-bus.js';
import { toLogEntryDto } from './log-entry.js';
import type { Logger } from './logger.js';

/** A queue of at most this many rows is short: written soon; a longer one waits for more rows (see #onTimer). */
const QUICK_FLUSH_ROWS = 16;

export interface RequestLogWriterOptions {
  flushIntervalMs: number;
  flushRows: number;
  /** When false rows are still published live, just not stored. */
  persist: boolean;
  /** A short queue is due once its oldest row has waited this long; the next push writes it (default 2). */
  quickFlushMs?: number;
  /** A short queue no push picks up (traffic stopped) is written by a timer after this long (default 5). */
  idleFlushMs?: number;
}

/**
 * Batches request-log rows off the hot path: a request only pushes to an
 * array; rows are written in one transaction as soon as flushRows are
 * waiting, soon while the queue is short, and at the latest when the oldest
 * has waited flushIntervalMs; then published on the bus with their ids.
 *
 * When a short queue is written matters at low concurrency: a write that
 * lands while a request is in flight delays that request (at concurrency 1 it
 * was the p99 of added latency). A request pushes its row after its answer
 * went out, so once a short queue is due the push schedules the write with
 * setImmediate: it runs after the answer is flushed to the socket, while the
 * client reads it and sends its next request. A timer writes what no push
 * picks up.
 */
export class RequestLogWriter {
  #queue: RequestLogRow[] = [];
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  readonly #quickMs: number;
  readonly #idleMs: number;
  #closed = false;
  #nextVolatileId = -1;
  #firstQueuedAt = 0;
  readonly #assigned: Array<(row: RequestLogRow, id: number) => void> = [];

  constructor(
    private readonly repo: RequestLogRepo,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly opts: RequestLogWriterOptions,
    private readonly keyName: (id: string | null) => string | null,
  ) {
    this.#quickMs = opts.quickFlushMs ?? 2;
    this.#idleMs = Math.min(opts.idleFlushMs ?? 5, opts.flushIntervalMs);
  }

  push(row: RequestLogRow): void {
    if (this.#closed) return;
    const n = this.#queue.push(row);
    if (n >= this.opts.flushRows) this.flush();
    else if (this.#timer === null) {
      this.#firstQueuedAt = Date.now();
      this.#arm(this.#idleMs);
    } else if (n <= QUICK_FLUSH_ROWS && this.#immediate === null && Date.now() - this.#firstQueuedAt >= this.#quickMs) {
      this.#immediate = setImmediate(this.#onImmediate);
      this.#immediate.unref();
    }
  }

  readonly #onImmediate = (): void => {
    this.#immediate = null;
    this.flush();
  };

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#onTimer, ms);
    this.#timer.unref();
  }

  /**
   * A short queue is written now: traffic stopped, nothing else will. A long
   * one waits for flushRows or for its oldest row to reach flushIntervalMs:
   * under load rows go in large batches, which cost less per row.
   */
  readonly #onTimer = (): void => {
    this.#timer = null;
    const waited = Date.now() - this.#firstQueuedAt;
    if (this.#queue.length <= QUICK_FLUSH_ROWS || waited >= this.opts.flushIntervalMs) this.flush();
    else this.#arm(this.opts.flushIntervalMs - waited);
  };

  /** Calls `fn` with each row and the log id it was given (debug capture pairs its bodies with the entry this way). */
  onAssigned(fn: (row: RequestLogRow, id: number) => void): void {
    this.#assigned.push(fn);
  }

  flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#immediate !== null) {
      clearImmediate(this.#immediate);
      this.#immediate = null;
    }
    if (this.#queue.length === 0) return;
    const rows = this.#queue;
    this.#queue = [];
    let ids: number[];
    if (this.opts.persist) {
      try {
        ids = this.repo.insertMany(rows);
      } catch (e) {
        // The request already completed; losing its metadata must not take the daemon down.
        this.log.error({ err: (e as Error).message, rows: rows.length }, 'request log write failed; rows dropped');
        return;
      }
    } else {
      ids = rows.map(() => this.#nextVolatileId--);
    }
    for (const fn of this.#assigned) {
      for (let i = 0; i < rows.length; i++) {
        try {
          fn(rows[i]!, ids[i]!);
        } catch (e) {
          this.log.error({ err: (e as Error).message }, 'request-log id listener failed');
        }
      }
    }
    if (this.bus.listenerCount('request') === 0) return;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      this.bus.emit('request', toLogEntryDto({ ...row, id: ids[i]!, keyName: this.keyName(row.keyId) }));
    }
  }

  close(): void {
    this.flush();
    this.#closed = true;
  }
}
