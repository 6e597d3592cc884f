import type { RequestLogRepo, RequestLogRow } from '../store/types.js';
import type { EventBus } from './event-bus.js';
import { toLogEntryDto } from './log-entry.js';
import type { Logger } from './logger.js';

/** A queue this short is written after QUICK_FLUSH_MS; a longer one waits for more rows (see #onTimer). */
const QUICK_FLUSH_MS = 10;
const QUICK_FLUSH_ROWS = 64;

export interface RequestLogWriterOptions {
  flushIntervalMs: number;
  flushRows: number;
  /** When false rows are still published live, just not stored. */
  persist: boolean;
}

/**
 * Batches request-log rows off the hot path: a request only pushes to an
 * array; rows are written in one transaction as soon as flushRows are
 * waiting, after QUICK_FLUSH_MS while the queue is short, and at the latest
 * when the oldest has waited flushIntervalMs; then published on the bus with
 * their ids.
 */
export class RequestLogWriter {
  #queue: RequestLogRow[] = [];
  #timer: NodeJS.Timeout | null = null;
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
  ) {}

  push(row: RequestLogRow): void {
    if (this.#closed) return;
    this.#queue.push(row);
    if (this.#queue.length >= this.opts.flushRows) this.flush();
    else if (this.#timer === null) {
      this.#firstQueuedAt = Date.now();
      this.#arm(Math.min(QUICK_FLUSH_MS, this.opts.flushIntervalMs));
    }
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#onTimer, ms);
    this.#timer.unref();
  }

  /**
   * A short queue is written soon (QUICK_FLUSH_MS): at low traffic a write is
   * a few rows, a pause no request notices. A long one waits for flushRows or
   * for its oldest row to reach flushIntervalMs: under load rows go in large
   * batches, which cost less per row.
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
