/**
 * A mock Anthropic Messages API upstream: a real node:http server on
 * 127.0.0.1:0 that speaks Anthropic's wire format — POST /v1/messages (a
 * message object, or the SSE stream message_start → content blocks (thinking
 * with signature_delta, text, tool_use with input_json_delta fragments) →
 * message_delta → message_stop, with a ping), POST /v1/messages/count_tokens
 * and GET /v1/models — and can be switched into fault modes (see mock-base.ts,
 * plus `overloaded` = HTTP 529 and `error-first-event` = `event: error`).
 *
 * Provider base URL: `${mock.baseUrl}` (= `http://127.0.0.1:PORT/v1`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonFragments, MockServerBase, sseEvent, textPieces, type BaseMode, type LogUsage, type MockReply, type RecordedRequest } from './mock-base.js';

export type AnthropicMockMode =
  | BaseMode
  /** HTTP 529 with Anthropic's overloaded_error body. */
  | { kind: 'overloaded'; retryAfter?: string | number }
  /** 200 whose first SSE event is `event: error` (non-stream: a 200 whose body is `{"type":"error",...}`). */
  | { kind: 'error-first-event'; error?: { type?: string; message?: string } };

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export interface AnthropicMockOptions {
  /** Shows up in every reply text, so tests can tell which upstream answered. */
  name?: string;
  mode?: AnthropicMockMode;
  reply?: MockReply;
  usage?: Partial<AnthropicUsage>;
  /** Model ids served by GET /v1/models. */
  models?: string[];
  /** When set, requests without `x-api-key: <apiKey>` (or `Authorization: Bearer <apiKey>`) get Anthropic's 401. */
  requireApiKey?: string;
  /** Refuse requests without an `anthropic-version` header, as the real API does (default true). */
  requireVersion?: boolean;
  /** message_delta usage: only output_tokens (classic) or every cumulative count (current API). Default 'output'. */
  deltaUsage?: 'output' | 'full';
}

/** The JSON body of a Messages request, as far as the tests look into it. */
export interface AnthropicRequestBody {
  model?: string;
  stream?: boolean;
  max_tokens?: number;
  system?: string | Array<{ type: string; text?: string; cache_control?: unknown; [key: string]: unknown }>;
  messages?: Array<{ role: string; content: string | Array<Record<string, unknown>> }>;
  tools?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

export type AnthropicRecorded = RecordedRequest<AnthropicRequestBody>;

const DEFAULT_USAGE: AnthropicUsage = { input_tokens: 21, output_tokens: 11, cache_read_input_tokens: 5, cache_creation_input_tokens: 3 };

export function anthropicError(type: string, message: string): { type: 'error'; error: { type: string; message: string }; request_id: string } {
  return { type: 'error', error: { type, message }, request_id: 'req_mock_anthropic' };
}

function defaultErrorFor(status: number, message?: string) {
  if (message !== undefined) return anthropicError(status >= 500 ? 'api_error' : 'invalid_request_error', message);
  if (status === 400) return anthropicError('invalid_request_error', 'max_tokens: Field required');
  if (status === 401) return anthropicError('authentication_error', 'invalid x-api-key');
  if (status === 403) return anthropicError('permission_error', 'Your API key does not have permission to use the specified resource.');
  if (status === 404) return anthropicError('not_found_error', 'model: claude-does-not-exist');
  if (status === 413) return anthropicError('request_too_large', 'Request exceeds the maximum allowed number of bytes.');
  if (status === 429) return anthropicError('rate_limit_error', 'This request would exceed the rate limit for your organization of 50 requests per minute.');
  if (status === 529) return anthropicError('overloaded_error', 'Overloaded');
  if (status >= 500) return anthropicError('api_error', 'Internal server error');
  return anthropicError('invalid_request_error', `mock status ${status}`);
}

export class MockAnthropic extends MockServerBase<AnthropicMockMode, AnthropicRequestBody> {
  reply: MockReply;
  usage: AnthropicUsage;
  models: string[];
  requireApiKey: string | undefined;
  requireVersion: boolean;
  deltaUsage: 'output' | 'full';

  constructor(opts: AnthropicMockOptions = {}) {
    super({ name: opts.name ?? 'anthropic-mock', mode: opts.mode ?? { kind: 'ok' }, prefixes: ['/v1'] });
    this.reply = { ...opts.reply };
    this.usage = { ...DEFAULT_USAGE, ...opts.usage };
    this.models = opts.models ?? ['claude-mock-1', 'claude-mock-2'];
    this.requireApiKey = opts.requireApiKey;
    this.requireVersion = opts.requireVersion ?? true;
    this.deltaUsage = opts.deltaUsage ?? 'output';
  }

  /** `http://127.0.0.1:PORT/v1`: what a provider's base URL should be. */
  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  /** Deterministic reply text: names this mock and the model asked. */
  replyText(model: string): string {
    return `Hello from ${this.name} via ${model}.`;
  }

  setReply(r: MockReply): void {
    this.reply = { ...r };
  }

  setUsage(u: Partial<AnthropicUsage>): void {
    this.usage = { ...this.usage, ...u };
  }

  /** POST /v1/messages requests (count_tokens excluded). */
  messageRequests(): AnthropicRecorded[] {
    return this.requests.filter((r) => r.method === 'POST' && r.route === '/messages');
  }

  /** What krouter's request log should record for one answer of this mock (prompt = input + cache reads + cache writes). */
  expectedLogUsage(): LogUsage {
    const u = this.usage;
    const prompt = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
    return { promptTokens: prompt, completionTokens: u.output_tokens, totalTokens: prompt + u.output_tokens, cachedTokens: u.cache_read_input_tokens, reasoningTokens: null };
  }

  // ------------------------------------------------------------------ internals

  protected override drawsMode(method: string, route: string): boolean {
    return method === 'POST' && route === '/messages';
  }

  protected override errorBodyFor(status: number, message?: string): unknown {
    return defaultErrorFor(status, message);
  }

  protected override responseHeaders(rec: AnthropicRecorded | null): Record<string, string> {
    return { 'request-id': `req_mock_${rec?.seq ?? this.seq}`, 'anthropic-organization-id': 'org-mock' };
  }

  protected override dispatch(req: IncomingMessage, res: ServerResponse, rec: AnthropicRecorded, mode: AnthropicMockMode): void {
    const m = req.method;
    if (m === 'GET' && rec.route === '/models') return this.modelsList(res, rec);
    if (m === 'GET' && rec.route.startsWith('/models/')) {
      const id = decodeURIComponent(rec.route.slice('/models/'.length));
      if (!this.models.includes(id)) return this.json(res, 404, anthropicError('not_found_error', `model: ${id}`), {}, rec);
      return this.json(res, 200, this.modelEntry(id), {}, rec);
    }
    if (m === 'POST' && (rec.route === '/messages' || rec.route === '/messages/count_tokens')) {
      // the API key comes as x-api-key (the classic header) or as a bearer token (what @anthropic-ai/sdk 1.x sends)
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (this.requireApiKey !== undefined && req.headers['x-api-key'] !== this.requireApiKey && bearer !== this.requireApiKey) {
        return this.json(res, 401, anthropicError('authentication_error', 'invalid x-api-key'), {}, rec);
      }
      if (this.requireVersion && typeof req.headers['anthropic-version'] !== 'string') {
        return this.json(res, 400, anthropicError('invalid_request_error', 'anthropic-version: header is required'), {}, rec);
      }
      const body = rec.body;
      if (body === undefined) return this.json(res, 400, anthropicError('invalid_request_error', 'There was an error parsing the body of your request.'), {}, rec);
      if (typeof body.model !== 'string') return this.json(res, 400, anthropicError('invalid_request_error', 'model: Field required'), {}, rec);
      if (!Array.isArray(body.messages)) return this.json(res, 400, anthropicError('invalid_request_error', 'messages: Field required'), {}, rec);
      if (rec.route === '/messages/count_tokens') return this.json(res, 200, { input_tokens: this.usage.input_tokens }, {}, rec);
      if (typeof body.max_tokens !== 'number') return this.json(res, 400, anthropicError('invalid_request_error', 'max_tokens: Field required'), {}, rec);
      if (this.applyFault(res, body, rec, mode)) return;
      return body.stream === true ? this.stream(res, body, rec, mode) : this.whole(res, body, rec, mode);
    }
    this.json(res, 404, anthropicError('not_found_error', 'Not Found'), {}, rec);
  }

  private applyFault(res: ServerResponse, body: AnthropicRequestBody, rec: AnthropicRecorded, mode: AnthropicMockMode): boolean {
    if (this.applyCommonFault(res, rec, mode)) return true;
    if (mode.kind === 'overloaded') {
      this.json(res, 529, defaultErrorFor(529), mode.retryAfter === undefined ? {} : { 'retry-after': String(mode.retryAfter) }, rec);
      return true;
    }
    if (mode.kind === 'error-first-event') {
      const err = anthropicError(mode.error?.type ?? 'overloaded_error', mode.error?.message ?? 'Overloaded');
      if (body.stream === true) this.sendSse(res, rec, [sseEvent('error', err)], { kind: 'ok' });
      else this.json(res, 200, err, {}, rec);
      return true;
    }
    return false;
  }

  private modelEntry(id: string) {
    return { type: 'model', id, display_name: id.replace(/-/g, ' '), created_at: '2025-05-14T00:00:00Z' };
  }

  private modelsList(res: ServerResponse, rec: AnthropicRecorded): void {
    this.json(res, 200, { data: this.models.map((id) => this.modelEntry(id)), has_more: false, first_id: this.models[0] ?? null, last_id: this.models.at(-1) ?? null }, {}, rec);
  }

  private text(model: string): string | null {
    return this.reply.text === undefined ? this.replyText(model) : this.reply.text;
  }

  private toolId(rec: AnthropicRecorded): string {
    return this.reply.toolCall?.id ?? `toolu_mock${String(rec.seq).padStart(4, '0')}`;
  }

  private stopReason(): string {
    return this.reply.toolCall ? 'tool_use' : 'end_turn';
  }

  private usageObject(outputTokens = this.usage.output_tokens) {
    const u = this.usage;
    return {
      input_tokens: u.input_tokens,
      cache_creation_input_tokens: u.cache_creation_input_tokens,
      cache_read_input_tokens: u.cache_read_input_tokens,
      output_tokens: outputTokens,
      service_tier: 'standard',
    };
  }

  private whole(res: ServerResponse, body: AnthropicRequestBody, rec: AnthropicRecorded, mode: AnthropicMockMode): void {
    const model = String(body.model);
    const content: unknown[] = [];
    if (this.reply.thinking) content.push({ type: 'thinking', thinking: this.reply.thinking.text, signature: this.reply.thinking.signature });
    const text = this.text(model);
    if (text !== null) content.push({ type: 'text', text });
    if (this.reply.toolCall) content.push({ type: 'tool_use', id: this.toolId(rec), name: this.reply.toolCall.name, input: this.reply.toolCall.input });
    this.sendJsonReply(
      res,
      rec,
      {
        id: `msg_mock${String(rec.seq).padStart(6, '0')}`,
        type: 'message',
        role: 'assistant',
        model,
        content,
        stop_reason: this.stopReason(),
        stop_sequence: null,
        usage: this.usageObject(),
      },
      mode,
    );
  }

  private stream(res: ServerResponse, body: AnthropicRequestBody, rec: AnthropicRecorded, mode: AnthropicMockMode): void {
    const model = String(body.model);
    const events: string[] = [];
    const ev = (type: string, data: Record<string, unknown>) => events.push(sseEvent(type, { type, ...data }));
    ev('message_start', {
      message: {
        id: `msg_mock${String(rec.seq).padStart(6, '0')}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: this.usageObject(1),
      },
    });
    let index = 0;
    let pinged = false;
    const ping = () => {
      if (pinged) return;
      pinged = true;
      ev('ping', {});
    };
    if (this.reply.thinking) {
      ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      ping();
      for (const p of textPieces(this.reply.thinking.text)) ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: p } });
      ev('content_block_delta', { index, delta: { type: 'signature_delta', signature: this.reply.thinking.signature } });
      ev('content_block_stop', { index });
      index++;
    }
    const text = this.text(model);
    if (text !== null) {
      ev('content_block_start', { index, content_block: { type: 'text', text: '' } });
      ping();
      for (const p of textPieces(text, mode.kind === 'slow-stream' ? mode.chunks : undefined)) ev('content_block_delta', { index, delta: { type: 'text_delta', text: p } });
      ev('content_block_stop', { index });
      index++;
    }
    if (this.reply.toolCall) {
      ev('content_block_start', { index, content_block: { type: 'tool_use', id: this.toolId(rec), name: this.reply.toolCall.name, input: {} } });
      ping();
      ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } });
      for (const f of jsonFragments(JSON.stringify(this.reply.toolCall.input))) ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: f } });
      ev('content_block_stop', { index });
      index++;
    }
    const u = this.usage;
    const deltaUsage =
      this.deltaUsage === 'full'
        ? { input_tokens: u.input_tokens, cache_creation_input_tokens: u.cache_creation_input_tokens, cache_read_input_tokens: u.cache_read_input_tokens, output_tokens: u.output_tokens }
        : { output_tokens: u.output_tokens };
    ev('message_delta', { delta: { stop_reason: this.stopReason(), stop_sequence: null }, usage: deltaUsage });
    ev('message_stop', {});
    this.sendSse(res, rec, events, mode);
  }
}

export async function startAnthropicMock(opts: AnthropicMockOptions = {}): Promise<MockAnthropic> {
  return new MockAnthropic(opts).start();
}
