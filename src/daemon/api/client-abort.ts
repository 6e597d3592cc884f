import type { Cancellation } from '../upstream/dispatcher.js';

/**
 * Whether the client of a /v1 request has gone away: a flag and a short list
 * of callbacks. An AbortController per request costs an EventTarget on the
 * hot path; one is made here only when something asks for a real
 * AbortSignal (streams, count_tokens).
 */
export class ClientAbort implements Cancellation {
  #aborted = false;
  #listeners: Array<() => void> | null = null;
  #ctl: AbortController | null = null;

  get aborted(): boolean {
    return this.#aborted;
  }

  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    const listeners = this.#listeners;
    this.#listeners = null;
    if (listeners !== null) for (const fn of listeners) fn();
    this.#ctl?.abort();
  }

  /** Calls `fn` once when the client goes away (at once if it has); returns what cancels the call. */
  onAbort(fn: () => void): () => void {
    if (this.#aborted) {
      fn();
      return noop;
    }
    (this.#listeners ??= []).push(fn);
    return () => {
      const l = this.#listeners;
      if (l === null) return;
      const i = l.indexOf(fn);
      if (i >= 0) l.splice(i, 1);
    };
  }

  /** An AbortSignal that follows this one. */
  get signal(): AbortSignal {
    if (this.#ctl === null) {
      this.#ctl = new AbortController();
      if (this.#aborted) this.#ctl.abort();
    }
    return this.#ctl.signal;
  }
}

function noop(): void {}
