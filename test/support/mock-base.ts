/**
 * What every mock upstream shares (mock-openai, mock-anthropic, mock-gemini,
 * mock-responses): a real node:http server on 127.0.0.1:0, request recording
 * (method, url, headers, raw and parsed body, when the exchange closed), a
 * queue of fault modes, bounded waits, and the wire mechanics of the fault
 * modes that do not depend on the format (hang, reset, garbage, slow and cut
 * streams). Each mock adds its own routes, bodies and error shapes.
 */
import { once, EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Fault modes every mock understands (each mock adds its own `error-first-event`, and Anthropic `overloaded`). */
export type BaseMode =
  | { kind: 'ok' }
  /** Answer with this status and body (default: the format's own error body for that status). */
  | { kind: 'status'; status: number; body?: unknown; retryAfter?: string | number; headers?: Record<string, string> }
  /** Read the request, never answer. */
  | { kind: 'hang' }
  /** 200 text/event-stream headers sent at once, then silence (never a first event). */
  | { kind: 'headers-then-hang' }
  /** Destroy the socket before any response byte. */
  | { kind: 'reset' }
  /** 200 text/event-stream whose content is junk, then end. */
  | { kind: 'garbage-sse' }
  /** Stream `chunks` text deltas, `intervalMs` apart (non-stream: answer after chunks*intervalMs). */
  | { kind: 'slow-stream'; chunks: number; intervalMs: number }
  /** Send headers and `afterChunks` SSE events, then destroy the socket (non-stream: half a JSON body). */
  | { kind: 'reset-mid-stream'; afterChunks?: number };

/** Every mode has a kind; the format mocks widen BaseMode with their own kinds. */
export interface AnyMode {
  kind: string;
}

export interface RecordedRequest<B = Record<string, unknown>> {
  seq: number;
  method: string;
  url: string;
  /** Path without the query, and without the mock's version prefix (`/v1`, `/v1beta`). */
  route: string;
  /** The query string's parameters. */
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON body, or undefined when absent, invalid or not an object. */
  body: B | undefined;
  mode: string;
  receivedAt: number;
  /** When the response/connection for this request closed (either side). */
  closedAt: number | null;
  /** True when the connection closed before the mock finished its response (the client went away, or the mock reset it on purpose). */
  closedEarly: boolean;
  /** True when the mock itself destroyed the socket (reset modes). */
  resetByMock: boolean;
  /** The response body the mock wrote (JSON text, or every SSE event written so far); '' before it answered. */
  responseBody: string;
}

/** What a mock answers with when nothing goes wrong (the format mocks; mock-openai has its own fixed reply). */
export interface MockReply {
  /** Answer text; default `Hello from NAME via MODEL.` (null: no text at all, e.g. a bare tool call). */
  text?: string | null;
  /** Thinking / reasoning emitted before the text, with its opaque signature (Anthropic signature, Gemini thoughtSignature, Responses encrypted_content). */
  thinking?: { text: string; signature: string } | null;
  /** A tool call emitted after the text. `id` defaults to a format-typical id (Gemini: none unless given). */
  toolCall?: { id?: string; name: string; input: Record<string, unknown> } | null;
}

/** Token usage as krouter's request log records it (OpenAI meaning: prompt counts cached tokens; completion counts reasoning). */
export interface LogUsage {
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  cachedTokens: number | null;
  reasoningTokens: number | null;
}

export const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } as const;

/** One SSE event: `event: NAME` (when given) and a JSON `data:` line. */
export function sseEvent(name: string | null, data: unknown, eol = '\n'): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return `${name === null ? '' : `event: ${name}${eol}`}data: ${payload}${eol}${eol}`;
}

/** Splits text into word-sized pieces (spaces kept), `n` of them cycled when n is given. */
export function textPieces(text: string, n?: number): string[] {
  const words = text.match(/\S+\s*/g) ?? [text];
  if (n === undefined) return words;
  return Array.from({ length: n }, (_v, i) => words[i % words.length] as string);
}

/** Splits a JSON text into a few fragments (as providers stream tool arguments). */
export function jsonFragments(json: string, size = 7): string[] {
  const out: string[] = [];
  for (let i = 0; i < json.length; i += size) out.push(json.slice(i, i + size));
  return out.length > 0 ? out : [''];
}

/** Parses an SSE body into its events: the `event:` name (or null) and the joined `data:` lines. */
export function parseSseEvents(text: string): Array<{ event: string | null; data: string }> {
  const out: Array<{ event: string | null; data: string }> = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let event: string | null = null;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length > 0) out.push({ event, data: data.join('\n') });
  }
  return out;
}

export interface MockBaseOptions<M extends AnyMode> {
  name: string;
  mode: M;
  /** Version prefixes stripped from the path to make `route` (e.g. ['/v1'] or ['/v1beta', '/v1']). */
  prefixes: string[];
}

export abstract class MockServerBase<M extends AnyMode, B extends object = Record<string, unknown>> extends EventEmitter {
  readonly name: string;
  readonly requests: Array<RecordedRequest<B>> = [];
  mode: M;

  protected readonly server: Server;
  protected readonly sockets = new Set<Socket>();
  protected readonly timers = new Set<NodeJS.Timeout>();
  protected queued: M[] = [];
  protected seq = 0;
  private started = false;
  private port = 0;
  private readonly prefixes: string[];

  constructor(opts: MockBaseOptions<M>) {
    super();
    this.name = opts.name;
    this.mode = opts.mode;
    this.prefixes = opts.prefixes;
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
    this.started = true;
    return this;
  }

  /** `http://127.0.0.1:PORT` (no version prefix). */
  get url(): string {
    if (!this.started) throw new Error(`mock ${this.name} not started`);
    return `http://127.0.0.1:${this.port}`;
  }

  setMode(mode: M): void {
    this.mode = mode;
  }

  /** Modes used by the next generation requests, in order, before falling back to `mode`. */
  queueModes(...modes: M[]): void {
    this.queued.push(...modes);
  }

  /** Requests to a route (path without the version prefix and the query). */
  requestsTo(route: string): Array<RecordedRequest<B>> {
    return this.requests.filter((r) => r.route === route);
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  /** Resolves with the first recorded request matching `pred` (already recorded or future); rejects after timeoutMs. */
  waitForRequest(pred: (r: RecordedRequest<B>) => boolean = () => true, timeoutMs = 5_000): Promise<RecordedRequest<B>> {
    const hit = this.requests.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const onReq = (r: RecordedRequest<B>) => {
        if (!pred(r)) return;
        clearTimeout(t);
        this.off('request', onReq);
        resolve(r);
      };
      const t = setTimeout(() => {
        this.off('request', onReq);
        reject(new Error(`mock ${this.name}: no matching request within ${timeoutMs} ms (saw ${this.requests.length})`));
      }, timeoutMs);
      this.on('request', onReq);
    });
  }

  /** Resolves with the close time of `rec`'s connection; rejects after timeoutMs. */
  waitForClose(rec: RecordedRequest<B>, timeoutMs = 5_000): Promise<number> {
    if (rec.closedAt !== null) return Promise.resolve(rec.closedAt);
    return new Promise((resolve, reject) => {
      const onClose = (r: RecordedRequest<B>) => {
        if (r !== rec) return;
        clearTimeout(t);
        this.off('close', onClose);
        resolve(r.closedAt as number);
      };
      const t = setTimeout(() => {
        this.off('close', onClose);
        reject(new Error(`mock ${this.name}: request #${rec.seq} ${rec.route} still open after ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('close', onClose);
    });
  }

  /** Closes the server and every connection, hung ones included. */
  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const closed = this.started ? new Promise<void>((r) => this.server.close(() => r())) : Promise.resolve();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.server.closeAllConnections?.();
    await closed;
    this.started = false;
  }

  // ------------------------------------------------------------------ for the format mocks

  /** Serves one recorded request; `mode` is the fault mode it drew (`ok` for requests that draw none). */
  protected abstract dispatch(req: IncomingMessage, res: ServerResponse, rec: RecordedRequest<B>, mode: M): void;

  /** The format's error body for a status (used by `status` mode without a body, and when the mock crashes). */
  protected abstract errorBodyFor(status: number, message?: string): unknown;

  /** Whether a request draws a fault mode from the queue (default: every POST). */
  protected drawsMode(method: string, _route: string): boolean {
    return method === 'POST';
  }

  /** Headers the format adds to every response (request ids and the like). */
  protected responseHeaders(_rec: RecordedRequest<B> | null): Record<string, string> {
    return {};
  }

  protected okMode(): M {
    return { kind: 'ok' } as M;
  }

  protected later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  protected nextMode(): M {
    return this.queued.shift() ?? this.mode;
  }

  protected json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, rec: RecordedRequest<B> | null = null): void {
    const text = JSON.stringify(body);
    if (rec) rec.responseBody = text;
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...this.responseHeaders(rec),
      ...headers,
    });
    res.end(text);
  }

  /**
   * The fault modes whose wire form is the same in every format: status, hang,
   * headers-then-hang, reset, garbage-sse. Returns true when the mode was handled.
   */
  protected applyCommonFault(res: ServerResponse, rec: RecordedRequest<B>, mode: AnyMode): boolean {
    const m = mode as BaseMode;
    switch (m.kind) {
      case 'status': {
        const headers: Record<string, string> = { ...m.headers };
        if (m.retryAfter !== undefined) headers['retry-after'] = String(m.retryAfter);
        this.json(res, m.status, m.body ?? this.errorBodyFor(m.status), headers, rec);
        return true;
      }
      case 'hang':
        return true; // never answer; close() or the client ends it
      case 'headers-then-hang':
        res.writeHead(200, { ...SSE_HEADERS, ...this.responseHeaders(rec) });
        res.flushHeaders();
        return true;
      case 'reset':
        rec.resetByMock = true;
        res.socket?.destroy();
        return true;
      case 'garbage-sse':
        res.writeHead(200, { ...SSE_HEADERS, ...this.responseHeaders(rec) });
        res.end('this is not server-sent events\n\n<html>502 Bad Gateway</html>\n{{{{\n\n');
        return true;
      default:
        return false;
    }
  }

  /** A whole JSON answer, honouring slow-stream (delayed) and reset-mid-stream (half a body, then reset). */
  protected sendJsonReply(res: ServerResponse, rec: RecordedRequest<B>, body: unknown, mode: AnyMode): void {
    const m = mode as BaseMode;
    if (m.kind === 'slow-stream') {
      this.later(m.chunks * m.intervalMs, () => {
        if (!res.destroyed) this.json(res, 200, body, {}, rec);
      });
      return;
    }
    if (m.kind === 'reset-mid-stream') {
      const text = JSON.stringify(body);
      res.writeHead(200, { 'content-type': 'application/json', ...this.responseHeaders(rec) });
      res.write(text.slice(0, Math.max(1, Math.floor(text.length / 3))));
      rec.resetByMock = true;
      this.later(20, () => res.socket?.destroy());
      return;
    }
    this.json(res, 200, body, {}, rec);
  }

  /** An SSE answer made of `events` (each a whole event's text), honouring slow-stream and reset-mid-stream. */
  protected sendSse(res: ServerResponse, rec: RecordedRequest<B>, events: string[], mode: AnyMode): void {
    const m = mode as BaseMode;
    res.writeHead(200, { ...SSE_HEADERS, ...this.responseHeaders(rec) });
    if (m.kind === 'reset-mid-stream') {
      const n = Math.max(1, m.afterChunks ?? 2);
      rec.responseBody = events.slice(0, n).join('');
      res.write(rec.responseBody);
      rec.resetByMock = true;
      this.later(30, () => res.socket?.destroy());
      return;
    }
    if (m.kind === 'slow-stream') {
      let i = 0;
      const tick = () => {
        if (res.destroyed) return;
        const e = events[i++];
        if (e === undefined) return void res.end();
        rec.responseBody += e;
        res.write(e);
        if (i < events.length) this.later(m.intervalMs, tick);
        else res.end();
      };
      tick();
      return;
    }
    rec.responseBody = events.join('');
    res.end(rec.responseBody);
  }

  // ------------------------------------------------------------------ internals

  private routeOf(pathOnly: string): string {
    for (const p of this.prefixes) if (pathOnly.startsWith(`${p}/`)) return pathOnly.slice(p.length);
    return pathOnly;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => undefined);
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: B | undefined;
      if (rawBody.length > 0) {
        try {
          const parsed: unknown = JSON.parse(rawBody);
          if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as B;
        } catch {
          body = undefined;
        }
      }
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const pathOnly = q === -1 ? url : url.slice(0, q);
      const route = this.routeOf(pathOnly);
      const method = req.method ?? '';
      const mode: M = this.drawsMode(method, route) ? this.nextMode() : this.okMode();
      const rec: RecordedRequest<B> = {
        seq: ++this.seq,
        method,
        url,
        route,
        query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)),
        headers: req.headers,
        rawBody,
        body,
        mode: mode.kind,
        receivedAt: Date.now(),
        closedAt: null,
        closedEarly: false,
        resetByMock: false,
        responseBody: '',
      };
      this.requests.push(rec);
      res.on('close', () => {
        rec.closedAt = Date.now();
        rec.closedEarly = !res.writableFinished;
        this.emit('close', rec);
      });
      this.emit('request', rec);
      try {
        this.dispatch(req, res, rec, mode);
      } catch (err) {
        if (!res.headersSent) this.json(res, 500, this.errorBodyFor(500, `mock crashed: ${String(err)}`), {}, rec);
        else res.destroy();
      }
    });
  }
}
