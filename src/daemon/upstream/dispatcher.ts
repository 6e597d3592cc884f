import { Agent, request, type Dispatcher } from 'undici';
import { SsrfPolicy } from '../security/ssrf.js';
import { ssrfConnector, type ResolveAll } from './ssrf-connector.js';

export interface UpstreamTimeouts {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

export type UpstreamResponse = Dispatcher.ResponseData;

/** The anti-loop marker every outbound request carries; set last so no header rule can remove or change it. */
export const REQUEST_SOURCE_HEADER = 'x-request-source';

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

  send(url: string, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string | Buffer; signal: AbortSignal }): Promise<UpstreamResponse> {
    const headers: Record<string, string> = {};
    for (const name in init.headers) {
      const lower = name.toLowerCase();
      if (lower !== REQUEST_SOURCE_HEADER) headers[lower] = init.headers[name]!;
    }
    headers[REQUEST_SOURCE_HEADER] = 'local';
    return request(url, {
      method: init.method,
      headers,
      body: init.body ?? null,
      signal: init.signal,
      dispatcher: this.#agent,
    });
  }

  async close(): Promise<void> {
    await this.#agent.destroy();
  }
}
