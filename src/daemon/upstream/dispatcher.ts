import type { Dispatcher } from 'undici';
import { Agent, requestOn } from './undici-core.js';
import { SsrfPolicy } from '../security/ssrf.js';
import { ssrfConnector, type ResolveAll } from './ssrf-connector.js';

export interface UpstreamTimeouts {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

export type UpstreamResponse = Dispatcher.ResponseData;

/** A whole (non-streamed) upstream answer, collected in memory up to a cap. */
export interface WholeResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body was longer than the cap for its status; `body` holds the first `cap` bytes. */
  truncated: boolean;
}

/** Most bytes kept of a whole answer: `ok` for a 2xx, `error` for anything else (only its first part says what went wrong). */
export interface BodyCaps {
  ok: number;
  error: number;
}

interface Destination {
  origin: string;
  path: string;
}

/** Upstream URLs are a handful of strings (provider base + endpoint): each is parsed once, not per request. */
const destinations = new Map<string, Destination>();
const MAX_DESTINATIONS = 1024;

function destinationOf(url: string): Destination {
  let d = destinations.get(url);
  if (d === undefined) {
    const u = new URL(url);
    if (u.username !== '' || u.password !== '') throw new TypeError('The provider base URL carries a user or password, which krouter never sends: re-add the provider without them (the secret goes in --api-key).');
    d = { origin: u.origin, path: `${u.pathname}${u.search}` };
    if (destinations.size >= MAX_DESTINATIONS) destinations.clear();
    destinations.set(url, d);
  }
  return d;
}

class BodyTooLarge extends Error {}

export interface WholeInit {
  method: 'GET' | 'POST';
  /** Lower-case names only (the caller built them); taken over by the request. */
  headers: Record<string, string>;
  body?: string | Buffer;
  cancel: Cancellation;
}

/** The dispatch handler of fetchWhole: one object per request, its methods on the prototype. */
class WholeCollector implements Dispatcher.DispatchHandler {
  #settled = false;
  #chunks: Buffer[] = [];
  #size = 0;
  #cap: number;
  #status = 0;
  #headers: WholeResponse['headers'] = {};
  #controller: Dispatcher.DispatchController | null = null;
  readonly #unsubscribe: () => void;

  constructor(
    private readonly caps: BodyCaps,
    private readonly cancel: Cancellation,
    private readonly resolve: (r: WholeResponse) => void,
    private readonly reject: (e: Error) => void,
  ) {
    this.#cap = caps.ok;
    this.#unsubscribe = cancel.onAbort(() => this.#controller?.abort(abortError()));
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.#controller = c;
    if (this.cancel.aborted) c.abort(abortError());
  }

  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: WholeResponse['headers']): void {
    this.#status = status;
    this.#headers = headers;
    if (status < 200 || status >= 300) this.#cap = this.caps.error;
  }

  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    if (this.#size + chunk.length > this.#cap) {
      this.#chunks.push(chunk.subarray(0, this.#cap - this.#size));
      this.#size = this.#cap;
      c.abort(new BodyTooLarge());
      return;
    }
    this.#chunks.push(chunk);
    this.#size += chunk.length;
  }

  onResponseEnd(): void {
    this.#done(false);
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (err instanceof BodyTooLarge) return this.#done(true);
    if (this.#settled) return;
    this.#settled = true;
    this.#unsubscribe();
    this.reject(err);
  }

  #done(truncated: boolean): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#unsubscribe();
    const chunks = this.#chunks;
    this.resolve({ statusCode: this.#status, headers: this.#headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size), truncated });
  }
}

/** The anti-loop marker every outbound request carries; set last so no header rule can remove or change it. */
export const REQUEST_SOURCE_HEADER = 'x-request-source';

export interface SendInit {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string | Buffer;
  signal: AbortSignal;
}

/** Lower-cased header names; the anti-loop marker set last, whatever the caller passed. */
function outboundHeaders(given: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in given) {
    const lower = name.toLowerCase();
    if (lower !== REQUEST_SOURCE_HEADER) headers[lower] = given[name]!;
  }
  headers[REQUEST_SOURCE_HEADER] = 'local';
  return headers;
}

/** What cancels a whole-answer request: the client going away (see api/client-abort.ts). */
export interface Cancellation {
  readonly aborted: boolean;
  /** Calls `fn` once on cancellation; returns what unsubscribes it. */
  onAbort(fn: () => void): () => void;
}

/** The error a cancelled request ends in (as an aborted fetch or undici request would). */
function abortError(): Error {
  return new DOMException('This operation was aborted', 'AbortError');
}

export interface UpstreamOptions {
  /** Where connections may go (security.ssrf); default: the built-in rules with an empty allow list. */
  ssrf?: SsrfPolicy;
  /** Name resolution for the SSRF-checked connector (tests inject one); default: the system resolver. */
  resolve?: ResolveAll;
}

/**
 * The one outbound path of the daemon: a shared undici Agent (keep-alive
 * pools per origin, connect/headers/body timeouts). Every connection goes
 * through the SSRF-checked connector, which judges the address actually
 * dialled. undici's request() follows no redirects (and no maxRedirections is
 * set here), so a provider cannot bounce us somewhere else.
 */
export class Upstream {
  readonly #agent: Agent;

  constructor(timeouts: UpstreamTimeouts, opts: UpstreamOptions = {}) {
    this.#agent = new Agent({
      connect: ssrfConnector(opts.ssrf ?? new SsrfPolicy(), { timeout: timeouts.connectTimeoutMs, resolve: opts.resolve }),
      headersTimeout: timeouts.headersTimeoutMs,
      bodyTimeout: timeouts.bodyTimeoutMs,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      pipelining: 1,
    });
  }

  send(url: string, init: SendInit): Promise<UpstreamResponse> {
    let dest: Destination;
    try {
      dest = destinationOf(url);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return requestOn(this.#agent, { origin: dest.origin, path: dest.path, method: init.method, headers: outboundHeaders(init.headers), body: init.body ?? null, signal: init.signal });
  }

  /**
   * Sends a request and collects its whole answer in memory (at most
   * `caps.ok` bytes of a 2xx, `caps.error` of anything else; past the cap the
   * connection is dropped and the answer marked truncated). The hot path of
   * non-streamed requests: a dispatch handler appends chunks to an array,
   * with no Readable, promise or tick per chunk in between. `init.headers`
   * must have lower-case names; the anti-loop marker is set on it.
   */
  fetchWhole(url: string, init: WholeInit, caps: BodyCaps): Promise<WholeResponse> {
    if (init.cancel.aborted) return Promise.reject(abortError());
    let dest: Destination;
    try {
      dest = destinationOf(url);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const { headers } = init;
    headers[REQUEST_SOURCE_HEADER] = 'local';
    return new Promise<WholeResponse>((resolve, reject) => {
      this.#agent.dispatch({ origin: dest.origin, path: dest.path, method: init.method, headers, body: init.body ?? null }, new WholeCollector(caps, init.cancel, resolve, reject));
    });
  }

  async close(): Promise<void> {
    await this.#agent.destroy();
  }
}
