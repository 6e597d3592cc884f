/**
 * A mock OpenAI Responses API upstream: a real node:http server on
 * 127.0.0.1:0 that speaks the Responses wire format — POST /v1/responses (a
 * response object; or the SSE stream response.created → response.in_progress
 * → per output item: output_item.added, (reasoning: reasoning_summary_part /
 * reasoning_summary_text deltas), (message: content_part.added,
 * output_text.delta…, output_text.done, content_part.done), (function call:
 * function_call_arguments.delta…/done), output_item.done → response.completed
 * with usage; every event has `event:` = its type and a `sequence_number`),
 * GET /v1/models — and can be switched into fault modes (see mock-base.ts,
 * plus `error-first-event` = `event: error` or `response.failed` first).
 *
 * Provider base URL: `${mock.baseUrl}` (= `http://127.0.0.1:PORT/v1`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonFragments, MockServerBase, sseEvent, textPieces, type BaseMode, type LogUsage, type MockReply, type RecordedRequest } from './mock-base.js';

export type ResponsesMockMode =
  | BaseMode
  /** 200 whose first SSE event is an error (`event: error`, or a `response.failed`); non-stream: a 200 `{"error": {...}}` body. */
  | { kind: 'error-first-event'; as?: 'error' | 'response.failed'; error?: { code?: string; message?: string } };

export interface ResponsesUsage {
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
}

export interface ResponsesMockOptions {
  name?: string;
  mode?: ResponsesMockMode;
  reply?: MockReply;
  usage?: Partial<ResponsesUsage>;
  models?: string[];
  /** When set, requests without `Authorization: Bearer <apiKey>` get OpenAI's 401. */
  requireApiKey?: string;
}

/** The JSON body of a Responses request, as far as the tests look into it. */
export interface ResponsesRequestBody {
  model?: string;
  stream?: boolean;
  instructions?: string | null;
  input?: string | Array<Record<string, unknown>>;
  tools?: Array<Record<string, unknown>>;
  reasoning?: Record<string, unknown> | null;
  include?: string[];
  max_output_tokens?: number;
  [key: string]: unknown;
}

export type ResponsesRecorded = RecordedRequest<ResponsesRequestBody>;

const DEFAULT_USAGE: ResponsesUsage = { input_tokens: 23, output_tokens: 12, cached_tokens: 4, reasoning_tokens: 0 };

function openAIError(message: string, type: string, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

function defaultErrorFor(status: number, message?: string) {
  if (message !== undefined) return openAIError(message, status >= 500 ? 'server_error' : 'invalid_request_error', null);
  if (status === 400) return openAIError("Invalid type for 'input': expected one of a string or array of input items, but got an object instead.", 'invalid_request_error', 'invalid_type', 'input');
  if (status === 401) return openAIError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
  if (status === 404) return openAIError('The model does not exist or you do not have access to it.', 'invalid_request_error', 'model_not_found', 'model');
  if (status === 429) return openAIError('Rate limit reached for requests. Please try again later.', 'requests', 'rate_limit_exceeded');
  if (status >= 500) return openAIError('The server had an error while processing your request. Sorry about that!', 'server_error', null);
  return openAIError(`mock status ${status}`, 'invalid_request_error', null);
}

interface Ids {
  resp: string;
  reasoning: string;
  message: string;
  fc: string;
  call: string;
}

export class MockResponses extends MockServerBase<ResponsesMockMode, ResponsesRequestBody> {
  reply: MockReply;
  usage: ResponsesUsage;
  models: string[];
  requireApiKey: string | undefined;

  constructor(opts: ResponsesMockOptions = {}) {
    super({ name: opts.name ?? 'responses-mock', mode: opts.mode ?? { kind: 'ok' }, prefixes: ['/v1'] });
    this.reply = { ...opts.reply };
    this.usage = { ...DEFAULT_USAGE, ...opts.usage };
    this.models = opts.models ?? ['gpt-resp-1', 'gpt-resp-2'];
    this.requireApiKey = opts.requireApiKey;
  }

  /** `http://127.0.0.1:PORT/v1`: what a provider's base URL should be. */
  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  replyText(model: string): string {
    return `Hello from ${this.name} via ${model}.`;
  }

  setReply(r: MockReply): void {
    this.reply = { ...r };
  }

  setUsage(u: Partial<ResponsesUsage>): void {
    this.usage = { ...this.usage, ...u };
  }

  /** POST /v1/responses requests. */
  responseRequests(): ResponsesRecorded[] {
    return this.requests.filter((r) => r.method === 'POST' && r.route === '/responses');
  }

  expectedLogUsage(): LogUsage {
    const u = this.usage;
    return {
      promptTokens: u.input_tokens,
      completionTokens: u.output_tokens,
      totalTokens: u.input_tokens + u.output_tokens,
      cachedTokens: u.cached_tokens,
      reasoningTokens: u.reasoning_tokens,
    };
  }

  // ------------------------------------------------------------------ internals

  protected override drawsMode(method: string, route: string): boolean {
    return method === 'POST' && route === '/responses';
  }

  protected override errorBodyFor(status: number, message?: string): unknown {
    return defaultErrorFor(status, message);
  }

  protected override responseHeaders(rec: ResponsesRecorded | null): Record<string, string> {
    return { 'x-request-id': `req_mock_${rec?.seq ?? this.seq}`, 'openai-processing-ms': '1' };
  }

  protected override dispatch(req: IncomingMessage, res: ServerResponse, rec: ResponsesRecorded, mode: ResponsesMockMode): void {
    const m = req.method;
    if (m === 'GET' && rec.route === '/models') {
      return this.json(res, 200, { object: 'list', data: this.models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: `mock-${this.name}` })) }, {}, rec);
    }
    if (m === 'POST' && rec.route === '/responses') {
      if (this.requireApiKey !== undefined && req.headers.authorization !== `Bearer ${this.requireApiKey}`) {
        return this.json(res, 401, defaultErrorFor(401), {}, rec);
      }
      const body = rec.body;
      if (body === undefined) return this.json(res, 400, openAIError('We could not parse the JSON body of your request.', 'invalid_request_error', null), {}, rec);
      if (typeof body.model !== 'string') return this.json(res, 400, openAIError("Missing required parameter: 'model'.", 'invalid_request_error', 'missing_required_parameter', 'model'), {}, rec);
      if (this.applyFault(res, body, rec, mode)) return;
      return body.stream === true ? this.stream(res, body, rec, mode) : this.sendJsonReply(res, rec, this.responseObject(body, this.ids(rec), 'completed'), mode);
    }
    this.json(res, 404, openAIError(`Invalid URL (${m} ${rec.url})`, 'invalid_request_error', null), {}, rec);
  }

  private applyFault(res: ServerResponse, body: ResponsesRequestBody, rec: ResponsesRecorded, mode: ResponsesMockMode): boolean {
    if (this.applyCommonFault(res, rec, mode)) return true;
    if (mode.kind !== 'error-first-event') return false;
    const code = mode.error?.code ?? 'server_error';
    const message = mode.error?.message ?? 'The server had an error processing your request.';
    if (body.stream !== true) {
      this.json(res, 200, { error: { message, type: 'server_error', param: null, code } }, {}, rec);
      return true;
    }
    if (mode.as === 'response.failed') {
      const r = { ...this.responseObject(body, this.ids(rec), 'failed'), output: [], usage: null, error: { code, message } };
      this.sendSse(res, rec, [sseEvent('response.failed', { type: 'response.failed', response: r, sequence_number: 0 })], { kind: 'ok' });
    } else {
      this.sendSse(res, rec, [sseEvent('error', { type: 'error', code, message, param: null, sequence_number: 0 })], { kind: 'ok' });
    }
    return true;
  }

  private ids(rec: ResponsesRecorded): Ids {
    const n = String(rec.seq).padStart(6, '0');
    return { resp: `resp_mock${n}`, reasoning: `rs_mock${n}`, message: `msg_mock${n}`, fc: `fc_mock${n}`, call: this.reply.toolCall?.id ?? `call_mock${n}` };
  }

  private text(model: string): string | null {
    return this.reply.text === undefined ? this.replyText(model) : this.reply.text;
  }

  private usageObject() {
    const u = this.usage;
    return {
      input_tokens: u.input_tokens,
      input_tokens_details: { cached_tokens: u.cached_tokens },
      output_tokens: u.output_tokens,
      output_tokens_details: { reasoning_tokens: u.reasoning_tokens },
      total_tokens: u.input_tokens + u.output_tokens,
    };
  }

  private reasoningItem(ids: Ids, done: boolean) {
    const th = this.reply.thinking!;
    return {
      id: ids.reasoning,
      type: 'reasoning',
      summary: done ? [{ type: 'summary_text', text: th.text }] : [],
      encrypted_content: th.signature,
    };
  }

  private messageItem(ids: Ids, text: string, done: boolean) {
    return {
      id: ids.message,
      type: 'message',
      status: done ? 'completed' : 'in_progress',
      content: done ? [{ type: 'output_text', annotations: [], logprobs: [], text }] : [],
      role: 'assistant',
    };
  }

  private functionCallItem(ids: Ids, done: boolean) {
    const tc = this.reply.toolCall!;
    return {
      id: ids.fc,
      type: 'function_call',
      status: done ? 'completed' : 'in_progress',
      arguments: done ? JSON.stringify(tc.input) : '',
      call_id: ids.call,
      name: tc.name,
    };
  }

  private outputItems(model: string, ids: Ids): unknown[] {
    const out: unknown[] = [];
    if (this.reply.thinking) out.push(this.reasoningItem(ids, true));
    const text = this.text(model);
    if (text !== null) out.push(this.messageItem(ids, text, true));
    if (this.reply.toolCall) out.push(this.functionCallItem(ids, true));
    return out;
  }

  private responseObject(body: ResponsesRequestBody, ids: Ids, status: 'in_progress' | 'completed' | 'failed') {
    const model = String(body.model);
    const done = status === 'completed';
    return {
      id: ids.resp,
      object: 'response',
      created_at: 1_700_000_000,
      status,
      background: false,
      error: null,
      incomplete_details: null,
      instructions: body.instructions ?? null,
      max_output_tokens: body.max_output_tokens ?? null,
      model,
      output: done ? this.outputItems(model, ids) : [],
      parallel_tool_calls: true,
      previous_response_id: null,
      reasoning: { effort: null, summary: null },
      store: false,
      temperature: 1,
      text: { format: { type: 'text' }, verbosity: 'medium' },
      tool_choice: 'auto',
      tools: body.tools ?? [],
      top_p: 1,
      truncation: 'disabled',
      usage: done ? this.usageObject() : null,
      user: null,
      metadata: {},
    };
  }

  private stream(res: ServerResponse, body: ResponsesRequestBody, rec: ResponsesRecorded, mode: ResponsesMockMode): void {
    const model = String(body.model);
    const ids = this.ids(rec);
    const events: string[] = [];
    let seq = 0;
    const ev = (type: string, data: Record<string, unknown>) => events.push(sseEvent(type, { type, ...data, sequence_number: seq++ }));
    ev('response.created', { response: this.responseObject(body, ids, 'in_progress') });
    ev('response.in_progress', { response: this.responseObject(body, ids, 'in_progress') });
    let outputIndex = 0;
    const th = this.reply.thinking;
    if (th) {
      const item_id = ids.reasoning;
      const output_index = outputIndex++;
      ev('response.output_item.added', { output_index, item: this.reasoningItem(ids, false) });
      ev('response.reasoning_summary_part.added', { item_id, output_index, summary_index: 0, part: { type: 'summary_text', text: '' } });
      for (const p of textPieces(th.text)) ev('response.reasoning_summary_text.delta', { item_id, output_index, summary_index: 0, delta: p });
      ev('response.reasoning_summary_text.done', { item_id, output_index, summary_index: 0, text: th.text });
      ev('response.reasoning_summary_part.done', { item_id, output_index, summary_index: 0, part: { type: 'summary_text', text: th.text } });
      ev('response.output_item.done', { output_index, item: this.reasoningItem(ids, true) });
    }
    const text = this.text(model);
    if (text !== null) {
      const item_id = ids.message;
      const output_index = outputIndex++;
      ev('response.output_item.added', { output_index, item: this.messageItem(ids, text, false) });
      ev('response.content_part.added', { item_id, output_index, content_index: 0, part: { type: 'output_text', annotations: [], logprobs: [], text: '' } });
      for (const p of textPieces(text, mode.kind === 'slow-stream' ? mode.chunks : undefined)) {
        ev('response.output_text.delta', { item_id, output_index, content_index: 0, delta: p, logprobs: [] });
      }
      ev('response.output_text.done', { item_id, output_index, content_index: 0, text, logprobs: [] });
      ev('response.content_part.done', { item_id, output_index, content_index: 0, part: { type: 'output_text', annotations: [], logprobs: [], text } });
      ev('response.output_item.done', { output_index, item: this.messageItem(ids, text, true) });
    }
    const tc = this.reply.toolCall;
    if (tc) {
      const item_id = ids.fc;
      const output_index = outputIndex++;
      const args = JSON.stringify(tc.input);
      ev('response.output_item.added', { output_index, item: this.functionCallItem(ids, false) });
      for (const f of jsonFragments(args)) ev('response.function_call_arguments.delta', { item_id, output_index, delta: f });
      ev('response.function_call_arguments.done', { item_id, output_index, name: tc.name, arguments: args });
      ev('response.output_item.done', { output_index, item: this.functionCallItem(ids, true) });
    }
    ev('response.completed', { response: this.responseObject(body, ids, 'completed') });
    this.sendSse(res, rec, events, mode);
  }
}

export async function startResponsesMock(opts: ResponsesMockOptions = {}): Promise<MockResponses> {
  return new MockResponses(opts).start();
}
