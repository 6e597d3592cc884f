import type { RequestLogRepo, RequestLogRow } from '../store/types.js';
import type { EventBus } from './event-bus.js';
import { toLogEntryDto } from './log-entry.js';
import type { Logger } from './logger.js';

export interface RequestLogWriterOptions {
  flushIntervalMs: number;
  flushRows: number;
  /** When false rows are still published live, just not stored. */
  persist: boolean;
}

/**
 * Batches request-log rows off the hot path: a request only pushes to an
 * array; rows are written in one transaction every flushIntervalMs or as soon
 * as flushRows are waiting, then published on the bus with their ids.
 */
export class RequestLogWriter {
  #queue: RequestLogRow[] = [];
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #nextVolatileId = -1;
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
      this.#timer = setTimeout(() => this.flush(), this.opts.flushIntervalMs);
      this.#timer.unref();
    }
  }

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
