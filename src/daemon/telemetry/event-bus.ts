import { EventEmitter } from 'node:events';
import type { LogEntryDto } from '../../shared/admin-types.js';

export interface BusEvents {
  request: [LogEntryDto];
  /** Providers, combos or keys changed: caches and live views refresh. */
  changed: ['keys' | 'providers' | 'combos'];
}

/** The daemon's one event bus: telemetry published for live views (admin log stream, TUI). */
export class EventBus {
  readonly #ee = new EventEmitter();

  constructor() {
    // Every live-log client adds one listener; the admin socket is owner-only, so this is bounded by the operator.
    this.#ee.setMaxListeners(0);
  }

  on<K extends keyof BusEvents>(event: K, fn: (...args: BusEvents[K]) => void): () => void {
    this.#ee.on(event, fn as (...args: unknown[]) => void);
    return () => this.#ee.off(event, fn as (...args: unknown[]) => void);
  }

  emit<K extends keyof BusEvents>(event: K, ...args: BusEvents[K]): void {
    this.#ee.emit(event, ...args);
  }

  listenerCount(event: keyof BusEvents): number {
    return this.#ee.listenerCount(event);
  }
}
