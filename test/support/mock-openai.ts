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
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MockServerBase, textPieces, type BaseMode, type RecordedRequest as BaseRecordedRequest } from './mock-base.js';

/** What the mock does with the next POST (chat completions / embeddings): the shared fault modes (see mock-base.ts) plus OpenAI's error-in-200. */
export type MockMode =
  | BaseMode
  /** 200 whose first SSE event (or, for non-stream requests, whose JSON body) is `{"error":{...}}`. */
  | { kind: 'error-first-event'; error?: { message: string; type?: string; code?: string | null } };

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

/** One request as the mock saw it (see mock-base.ts). */
export type RecordedRequest = BaseRecordedRequest<RequestBody>;

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

export class MockOpenAI extends MockServerBase<MockMode, RequestBody> {
  usage: MockUsage;
  models: string[];
  requireApiKey: string | undefined;
  embeddingDims: number;

  constructor(opts: MockOptions = {}) {
    super({ name: opts.name ?? 'mock', mode: opts.mode ?? { kind: 'ok' }, prefixes: ['/v1'] });
    this.usage = { ...DEFAULT_USAGE, ...opts.usage };
    this.models = opts.models ?? ['gpt-mock-1', 'gpt-mock-2'];
    this.requireApiKey = opts.requireApiKey;
    this.embeddingDims = opts.embeddingDims ?? 4;
  }

  /** `http://127.0.0.1:PORT/v1`: what a provider's base URL should be. */
  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  /** Deterministic reply text: names this mock and the model asked. */
  replyText(model: string): string {
    return `Hello from ${this.name} via ${model}.`;
  }

  setUsage(u: Partial<MockUsage>): void {
    this.usage = { ...this.usage, ...u };
  }

  // ------------------------------------------------------------------ internals

  protected override errorBodyFor(status: number, message?: string): unknown {
    if (message !== undefined) return errorBody(message, status >= 500 ? 'server_error' : 'invalid_request_error', null);
    return defaultErrorFor(status);
  }

  protected override responseHeaders(): Record<string, string> {
    return { 'x-request-id': `req_mock_${this.seq}`, 'openai-processing-ms': '1' };
  }

  protected override dispatch(req: IncomingMessage, res: ServerResponse, rec: RecordedRequest, mode: MockMode): void {
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
    if (this.applyCommonFault(res, rec, mode)) return true;
    if (mode.kind !== 'error-first-event') return false;
    const err = { message: 'The server had an error processing your request.', type: 'server_error', code: null, param: null, ...mode.error };
    if (body.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      res.end(`data: ${JSON.stringify({ error: err })}\n\ndata: [DONE]\n\n`);
    } else {
      this.json(res, 200, { error: err });
    }
    return true;
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
      const completion = {
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
      };
      this.sendJsonReply(res, rec, completion, mode);
      return;
    }

    const includeUsage = body.stream_options?.include_usage === true;
    const chunk = (choices: unknown[], usage?: unknown) => {
      const o: Record<string, unknown> = { id, object: 'chat.completion.chunk', created, model, service_tier: 'default', system_fingerprint: fingerprint, choices };
      if (includeUsage) o['usage'] = usage ?? null;
      return `data: ${JSON.stringify(o)}\n\n`;
    };
    // content pieces: word by word, keeping the spaces
    const pieces = textPieces(content, mode.kind === 'slow-stream' ? mode.chunks : undefined);
    const events: string[] = [chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }])];
    for (const p of pieces) events.push(chunk([{ index: 0, delta: { content: p }, logprobs: null, finish_reason: null }]));
    events.push(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]));
    if (includeUsage) events.push(chunk([], this.usageObject()));
    events.push('data: [DONE]\n\n');

    this.sendSse(res, rec, events, mode);
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
