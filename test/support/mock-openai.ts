/**
 * A mock OpenAI-compatible upstream: a real node:http server on 127.0.0.1:0
 * that speaks OpenAI's wire format (chat completions streamed and not,
 * embeddings, model list) and can be switched at runtime into fault modes.
 *
 * It records every request (method, url, headers, parsed body) and when the
 * client's side of each exchange closed, so tests can assert what krouter
 * sent upstream and that it aborted an upstream request in time.
 *
 * Routes are served both with and without the `/v1` prefix, so a provider can
 * be configured with base URL `${mock.url}/v1` (the usual form) or `${mock.url}`.
 */
import { once, EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the mock does with the next POST (chat completions / embeddings). */
export type MockMode =
  | { kind: 'ok' }
  /** Answer with this status and body (default: an OpenAI-shaped error). */
  | { kind: 'status'; status: number; body?: unknown; retryAfter?: string | number; headers?: Record<string, string> }
  /** Read the request, never answer. */
  | { kind: 'hang' }
  /** 200 text/event-stream headers sent at once, then silence (never a first event). */
  | { kind: 'headers-then-hang' }
  /** Destroy the socket before any response byte. */
  | { kind: 'reset' }
  /** 200 text/event-stream whose content is junk, then end. */
  | { kind: 'garbage-sse' }
  /** 200 whose first SSE event (or, for non-stream requests, whose JSON body) is `{"error":{...}}`. */
  | { kind: 'error-first-event'; error?: { message: string; type?: string; code?: string | null } }
  /** Stream `chunks` content chunks, `intervalMs` apart (non-stream: answer after chunks*intervalMs). */
  | { kind: 'slow-stream'; chunks: number; intervalMs: number }
  /** Send headers and `afterChunks` chunks (role chunk included), then destroy the socket. */
  | { kind: 'reset-mid-stream'; afterChunks?: number };

export interface MockUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
}

export interface MockOptions {
  /** Shows up in every reply text, so tests can tell which upstream answered. */
  name?: string;
  mode?: MockMode;
  usage?: Partial<MockUsage>;
  /** Model ids served by GET /v1/models. */
  models?: string[];
  /** When set, requests without `Authorization: Bearer <apiKey>` get OpenAI's 401. */
  requireApiKey?: string;
  /** Embedding vector length. */
  embeddingDims?: number;
}

/** The JSON body of a request, as far as the mock (and the tests) look into it. */
export interface RequestBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  messages?: Array<{ role: string; content: unknown }>;
  input?: unknown;
  encoding_format?: string;
  [key: string]: unknown;
}

export interface RecordedRequest {
  seq: number;
  method: string;
  url: string;
  /** Path without the query, and without a leading `/v1`. */
  route: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON body, or undefined when absent, invalid or not an object. */
  body: RequestBody | undefined;
  mode: MockMode['kind'];
  receivedAt: number;
  /** When the response/connection for this request closed (either side). */
  closedAt: number | null;
  /** True when the connection closed before the mock finished its response (the client went away, or the mock reset it on purpose). */
  closedEarly: boolean;
  /** True when the mock itself destroyed the socket (reset modes). */
  resetByMock: boolean;
}

const DEFAULT_USAGE: MockUsage = { prompt_tokens: 13, completion_tokens: 7, cached_tokens: 3, reasoning_tokens: 2 };

function errorBody(message: string, type: string, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

function defaultErrorFor(status: number) {
  if (status === 429) return errorBody('Rate limit reached for requests. Please try again later.', 'requests', 'rate_limit_exceeded');
  if (status === 401) return errorBody('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
  if (status === 403) return errorBody('You are not allowed to sample from this model.', 'invalid_request_error', 'unsupported_country_region_territory');
  if (status === 404) return errorBody('The model does not exist or you do not have access to it.', 'invalid_request_error', 'model_not_found');
  if (status === 400) return errorBody("Invalid value for 'temperature': must be <= 2.", 'invalid_request_error', 'invalid_value', 'temperature');
  if (status >= 500) return errorBody('The server had an error while processing your request. Sorry about that!', 'server_error', null);
  return errorBody(`mock status ${status}`, 'invalid_request_error', null);
}

export class MockOpenAI extends EventEmitter {
  readonly name: string;
  readonly requests: RecordedRequest[] = [];
  mode: MockMode;
  usage: MockUsage;
  models: string[];
  requireApiKey: string | undefined;
  embeddingDims: number;

  private server: Server;
  private sockets = new Set<Socket>();
  private timers = new Set<NodeJS.Timeout>();
  private queued: MockMode[] = [];
  private seq = 0;
  private started = false;
  private port = 0;

  constructor(opts: MockOptions = {}) {
    super();
    this.name = opts.name ?? 'mock';
    this.mode = opts.mode ?? { kind: 'ok' };
    this.usage = { ...DEFAULT_USAGE, ...opts.usage };
    this.models = opts.models ?? ['gpt-mock-1', 'gpt-mock-2'];
    this.requireApiKey = opts.requireApiKey;
    this.embeddingDims = opts.embeddingDims ?? 4;
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

  /** `http://127.0.0.1:PORT` (no `/v1`). */
  get url(): string {
    if (!this.started) throw new Error('mock not started');
    return `http://127.0.0.1:${this.port}`;
  }

  /** `http://127.0.0.1:PORT/v1`: what a provider's base URL should be. */
  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  /** Deterministic reply text: names this mock and the model asked. */
  replyText(model: string): string {
    return `Hello from ${this.name} via ${model}.`;
  }

  setMode(mode: MockMode): void {
    this.mode = mode;
  }

  /** Modes used by the next POSTs, in order, before falling back to `mode`. */
  queueModes(...modes: MockMode[]): void {
    this.queued.push(...modes);
  }

  setUsage(u: Partial<MockUsage>): void {
    this.usage = { ...this.usage, ...u };
  }

  /** Requests to a route (`/chat/completions`, `/embeddings`, `/models`). */
  requestsTo(route: string): RecordedRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  /** Resolves with the first recorded request matching `pred` (already recorded or future); rejects after timeoutMs. */
  waitForRequest(pred: (r: RecordedRequest) => boolean = () => true, timeoutMs = 5_000): Promise<RecordedRequest> {
    const hit = this.requests.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const onReq = (r: RecordedRequest) => {
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
  waitForClose(rec: RecordedRequest, timeoutMs = 5_000): Promise<number> {
    if (rec.closedAt !== null) return Promise.resolve(rec.closedAt);
    return new Promise((resolve, reject) => {
      const onClose = (r: RecordedRequest) => {
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

  // ------------------------------------------------------------------ internals

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private nextMode(): MockMode {
    return this.queued.shift() ?? this.mode;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => undefined);
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: RequestBody | undefined;
      if (rawBody.length > 0) {
        try {
          const parsed: unknown = JSON.parse(rawBody);
          if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as RequestBody;
        } catch {
          body = undefined;
        }
      }
      const url = req.url ?? '/';
      const pathOnly = url.split('?')[0] ?? '/';
      const route = pathOnly.startsWith('/v1/') ? pathOnly.slice(3) : pathOnly;
      const isPost = req.method === 'POST';
      const mode: MockMode = isPost ? this.nextMode() : { kind: 'ok' };
      const rec: RecordedRequest = {
        seq: ++this.seq,
        method: req.method ?? '',
        url,
        route,
        headers: req.headers,
        rawBody,
        body,
        mode: mode.kind,
        receivedAt: Date.now(),
        closedAt: null,
        closedEarly: false,
        resetByMock: false,
      };
      this.requests.push(rec);
      res.on('close', () => {
        rec.closedAt = Date.now();
        rec.closedEarly = !res.writableFinished;
        this.emit('close', rec);
      });
      this.emit('request', rec);
      try {
        this.route(req, res, rec, mode);
      } catch (err) {
        if (!res.headersSent) this.json(res, 500, errorBody(`mock crashed: ${String(err)}`, 'server_error', null));
        else res.destroy();
      }
    });
  }

  private route(req: IncomingMessage, res: ServerResponse, rec: RecordedRequest, mode: MockMode): void {
    const m = req.method;
    if (m === 'GET' && rec.route === '/models') return this.modelsList(res);
    if (m === 'POST' && (rec.route === '/chat/completions' || rec.route === '/embeddings')) {
      if (this.requireApiKey !== undefined && req.headers.authorization !== `Bearer ${this.requireApiKey}`) {
        return this.json(res, 401, errorBody('Incorrect API key provided: sk-mo***. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', 'invalid_api_key'));
      }
      const body = rec.body;
      if (body === undefined) {
        return this.json(res, 400, errorBody('We could not parse the JSON body of your request.', 'invalid_request_error', null));
      }
      if (this.applyFault(res, body, rec, mode)) return;
      if (rec.route === '/embeddings') return this.embeddings(res, body);
      return this.chat(res, body, rec, mode);
    }
    this.json(res, 404, errorBody(`Invalid URL (${m} ${rec.url})`, 'invalid_request_error', null));
  }

  /** Handles modes that don't depend on the route. Returns true when handled. */
  private applyFault(res: ServerResponse, body: RequestBody, rec: RecordedRequest, mode: MockMode): boolean {
    switch (mode.kind) {
      case 'status': {
        const headers: Record<string, string> = { ...mode.headers };
        if (mode.retryAfter !== undefined) headers['retry-after'] = String(mode.retryAfter);
        this.json(res, mode.status, mode.body ?? defaultErrorFor(mode.status), headers);
        return true;
      }
      case 'hang':
        return true; // never answer; close() or the client ends it
      case 'headers-then-hang':
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
        res.flushHeaders();
        return true;
      case 'reset':
        rec.resetByMock = true;
        res.socket?.destroy();
        return true;
      case 'garbage-sse':
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
        res.end('this is not server-sent events\n\n<html>502 Bad Gateway</html>\n{{{{\n\n');
        return true;
      case 'error-first-event': {
        const err = { message: 'The server had an error processing your request.', type: 'server_error', code: null, param: null, ...mode.error };
        if (body.stream === true) {
          res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
          res.end(`data: ${JSON.stringify({ error: err })}\n\ndata: [DONE]\n\n`);
        } else {
          this.json(res, 200, { error: err });
        }
        return true;
      }
      default:
        return false;
    }
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      'x-request-id': `req_mock_${this.seq}`,
      'openai-processing-ms': '1',
      ...headers,
    });
    res.end(text);
  }

  private modelsList(res: ServerResponse): void {
    this.json(res, 200, {
      object: 'list',
      data: this.models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: `mock-${this.name}` })),
    });
  }

  private usageObject() {
    const u = this.usage;
    return {
      prompt_tokens: u.prompt_tokens,
      completion_tokens: u.completion_tokens,
      total_tokens: u.prompt_tokens + u.completion_tokens,
      prompt_tokens_details: { cached_tokens: u.cached_tokens, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: u.reasoning_tokens,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    };
  }

  private embeddings(res: ServerResponse, body: RequestBody): void {
    const input = body.input;
    const inputs: unknown[] = Array.isArray(input) && typeof input[0] !== 'number' ? input : [input];
    const base64 = body.encoding_format === 'base64';
    const data = inputs.map((_, index) => {
      const vec = Array.from({ length: this.embeddingDims }, (_v, i) => (index + 1) * 0.125 + i * 0.25);
      const embedding = base64 ? Buffer.from(new Float32Array(vec).buffer).toString('base64') : vec;
      return { object: 'embedding', index, embedding };
    });
    this.json(res, 200, {
      object: 'list',
      data,
      model: String(body.model),
      usage: { prompt_tokens: this.usage.prompt_tokens, total_tokens: this.usage.prompt_tokens },
    });
  }

  /** Embedding vector the mock returns for input #index (for assertions). */
  embeddingFor(index = 0): number[] {
    return Array.from({ length: this.embeddingDims }, (_v, i) => (index + 1) * 0.125 + i * 0.25);
  }

  private chat(res: ServerResponse, body: RequestBody, rec: RecordedRequest, mode: MockMode): void {
    const model = String(body.model);
    const id = `chatcmpl-mock${this.seq}`;
    const created = 1_700_000_000 + rec.seq;
    const fingerprint = 'fp_mock';
    const content = this.replyText(model);

    if (body.stream !== true) {
      const send = () =>
        this.json(res, 200, {
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content, refusal: null, annotations: [] },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
          usage: this.usageObject(),
          service_tier: 'default',
          system_fingerprint: fingerprint,
        });
      if (mode.kind === 'slow-stream') this.later(mode.chunks * mode.intervalMs, send);
      else if (mode.kind === 'reset-mid-stream') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`{"id":"${id}","object":"chat.completion","cho`);
        rec.resetByMock = true;
        this.later(20, () => res.socket?.destroy());
      } else send();
      return;
    }

    const includeUsage = body.stream_options?.include_usage === true;
    const chunk = (choices: unknown[], usage?: unknown) => {
      const o: Record<string, unknown> = { id, object: 'chat.completion.chunk', created, model, service_tier: 'default', system_fingerprint: fingerprint, choices };
      if (includeUsage) o['usage'] = usage ?? null;
      return `data: ${JSON.stringify(o)}\n\n`;
    };
    // content pieces: word by word, keeping the spaces
    let pieces: string[] = content.match(/\S+\s*/g) ?? [content];
    if (mode.kind === 'slow-stream') {
      pieces = Array.from({ length: mode.chunks }, (_v, i) => pieces[i % pieces.length] as string);
    }
    const events: string[] = [chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }])];
    for (const p of pieces) events.push(chunk([{ index: 0, delta: { content: p }, logprobs: null, finish_reason: null }]));
    events.push(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]));
    if (includeUsage) events.push(chunk([], this.usageObject()));
    events.push('data: [DONE]\n\n');

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-request-id': `req_mock_${rec.seq}`,
    });

    if (mode.kind === 'reset-mid-stream') {
      const n = Math.max(1, mode.afterChunks ?? 2);
      res.write(events.slice(0, n).join(''));
      rec.resetByMock = true;
      this.later(30, () => res.socket?.destroy());
      return;
    }
    if (mode.kind === 'slow-stream') {
      let i = 0;
      const tick = () => {
        if (res.destroyed) return;
        const e = events[i++];
        if (e === undefined) return void res.end();
        res.write(e);
        if (i < events.length) this.later(mode.intervalMs, tick);
        else res.end();
      };
      tick();
      return;
    }
    res.end(events.join(''));
  }
}

export async function startMock(opts: MockOptions = {}): Promise<MockOpenAI> {
  return new MockOpenAI(opts).start();
}

/** Parses an SSE body into its `data:` payloads (strings, `[DONE]` included). */
export function parseSseData(text: string): string[] {
  const out: string[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).replace(/^ /, ''));
    if (data.length > 0) out.push(data.join('\n'));
  }
  return out;
}
