/**
 * A mock Gemini API upstream: a real node:http server on 127.0.0.1:0 that
 * speaks the Gemini Developer API's wire format — POST
 * /v1beta/models/{model}:generateContent (one GenerateContentResponse),
 * :streamGenerateContent?alt=sse (SSE of GenerateContentResponse chunks,
 * CRLF-framed as Google sends them; without alt=sse a JSON array), GET
 * /v1beta/models[/{model}] — and can be switched into fault modes (see
 * mock-base.ts, plus `error-first-event` = a 200 whose first chunk is
 * `{"error": {...}}`).
 *
 * Replies: thought parts (`thought: true`) first when configured, the
 * thoughtSignature on the first part after them (the function call when there
 * is one), then text, then a functionCall; the last chunk carries finishReason
 * and the full usageMetadata.
 *
 * Provider base URL: `${mock.baseUrl}` (= `http://127.0.0.1:PORT/v1beta`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MockServerBase, sseEvent, textPieces, type BaseMode, type LogUsage, type MockReply, type RecordedRequest } from './mock-base.js';

export type GeminiMockMode =
  | BaseMode
  /** 200 whose first SSE chunk (non-stream: whose body) is a Google error object. */
  | { kind: 'error-first-event'; error?: { code?: number; message?: string; status?: string } };

export interface GeminiUsage {
  promptTokenCount: number;
  candidatesTokenCount: number;
  thoughtsTokenCount: number;
  cachedContentTokenCount: number;
}

export interface GeminiMockOptions {
  name?: string;
  mode?: GeminiMockMode;
  reply?: MockReply;
  usage?: Partial<GeminiUsage>;
  /** Model ids (without `models/`) served by GET /v1beta/models. */
  models?: string[];
  /** When set, requests without `x-goog-api-key: <apiKey>` (or `?key=`) get Google's 400 API_KEY_INVALID. */
  requireApiKey?: string;
  /** SSE line ending: Google sends CRLF (default '\r\n'). */
  eol?: '\r\n' | '\n';
  /**
   * Behave like Gemini 3: a request whose current turn (the model turns after
   * the last user text) has a function call step without its thoughtSignature
   * is refused with 400 "Function call is missing a thought_signature".
   */
  requireFunctionCallSignatures?: boolean;
}

export interface GeminiPart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: { id?: string; name: string; args?: Record<string, unknown> };
  functionResponse?: { id?: string; name: string; response: Record<string, unknown> };
  [key: string]: unknown;
}

/** The JSON body of a generateContent request, as far as the tests look into it. */
export interface GeminiRequestBody {
  contents?: Array<{ role?: string; parts: GeminiPart[] }>;
  systemInstruction?: { role?: string; parts: GeminiPart[] };
  generationConfig?: Record<string, unknown>;
  tools?: Array<Record<string, unknown>>;
  toolConfig?: Record<string, unknown>;
  [key: string]: unknown;
}

export type GeminiRecorded = RecordedRequest<GeminiRequestBody>;

const DEFAULT_USAGE: GeminiUsage = { promptTokenCount: 19, candidatesTokenCount: 8, thoughtsTokenCount: 0, cachedContentTokenCount: 0 };

const GENERATE = /^\/models\/(.+):(generateContent|streamGenerateContent)$/;

function statusName(code: number): string {
  if (code === 400) return 'INVALID_ARGUMENT';
  if (code === 401) return 'UNAUTHENTICATED';
  if (code === 403) return 'PERMISSION_DENIED';
  if (code === 404) return 'NOT_FOUND';
  if (code === 429) return 'RESOURCE_EXHAUSTED';
  if (code === 503) return 'UNAVAILABLE';
  if (code === 504) return 'DEADLINE_EXCEEDED';
  return code >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
}

export function googleError(code: number, message: string, details?: unknown[]): { error: { code: number; message: string; status: string; details?: unknown[] } } {
  return { error: { code, message, status: statusName(code), ...(details ? { details } : {}) } };
}

function defaultErrorFor(status: number, message?: string) {
  if (message !== undefined) return googleError(status, message);
  if (status === 400) return googleError(400, 'Invalid JSON payload received. Unknown name "foo": Cannot find field.', [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ description: 'Invalid JSON payload received. Unknown name "foo": Cannot find field.' }] }]);
  if (status === 403) return googleError(403, 'Permission denied: Consumer has been suspended.');
  if (status === 404) return googleError(404, 'models/unknown is not found for API version v1beta, or is not supported for generateContent.');
  if (status === 429) return googleError(429, 'Resource has been exhausted (e.g. check quota).', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }]);
  if (status === 503) return googleError(503, 'The model is overloaded. Please try again later.');
  if (status >= 500) return googleError(status, 'Internal error encountered.');
  return googleError(status, `mock status ${status}`);
}

/**
 * Gemini 3's rule: in the current turn (every content after the last user
 * content that has a text part), the first functionCall part of each model
 * step must carry its thoughtSignature. Returns the offender, or null.
 */
function missingSignature(body: GeminiRequestBody): { name: string; position: number } | null {
  const contents = body.contents ?? [];
  let start = 0;
  contents.forEach((c, i) => {
    if (c.role !== 'model' && c.parts.some((p) => typeof p.text === 'string')) start = i + 1;
  });
  for (let i = start; i < contents.length; i++) {
    const c = contents[i]!;
    if (c.role !== 'model') continue;
    const first = c.parts.find((p) => p.functionCall);
    if (first && typeof first.thoughtSignature !== 'string') return { name: first.functionCall!.name, position: i + 1 };
  }
  return null;
}

export class MockGemini extends MockServerBase<GeminiMockMode, GeminiRequestBody> {
  reply: MockReply;
  usage: GeminiUsage;
  models: string[];
  requireApiKey: string | undefined;
  eol: '\r\n' | '\n';
  requireFunctionCallSignatures: boolean;

  constructor(opts: GeminiMockOptions = {}) {
    super({ name: opts.name ?? 'gemini-mock', mode: opts.mode ?? { kind: 'ok' }, prefixes: ['/v1beta', '/v1'] });
    this.reply = { ...opts.reply };
    this.usage = { ...DEFAULT_USAGE, ...opts.usage };
    this.models = opts.models ?? ['gemini-mock-1', 'gemini-mock-2'];
    this.requireApiKey = opts.requireApiKey;
    this.eol = opts.eol ?? '\r\n';
    this.requireFunctionCallSignatures = opts.requireFunctionCallSignatures ?? false;
  }

  /** `http://127.0.0.1:PORT/v1beta`: what a provider's base URL should be. */
  get baseUrl(): string {
    return `${this.url}/v1beta`;
  }

  replyText(model: string): string {
    return `Hello from ${this.name} via ${model}.`;
  }

  setReply(r: MockReply): void {
    this.reply = { ...r };
  }

  setUsage(u: Partial<GeminiUsage>): void {
    this.usage = { ...this.usage, ...u };
  }

  /** POST generateContent / streamGenerateContent requests. */
  generateRequests(): GeminiRecorded[] {
    return this.requests.filter((r) => r.method === 'POST' && GENERATE.test(r.route));
  }

  /** The model named in a generate request's path (URL-decoded), or null. */
  modelOf(rec: GeminiRecorded): string | null {
    const m = GENERATE.exec(rec.route);
    return m ? decodeURIComponent(m[1]!) : null;
  }

  /** True when the request was a streamGenerateContent call. */
  isStream(rec: GeminiRecorded): boolean {
    return GENERATE.exec(rec.route)?.[2] === 'streamGenerateContent';
  }

  /** What krouter's request log should record for one answer of this mock (completion = candidates + thoughts). */
  expectedLogUsage(): LogUsage {
    const u = this.usage;
    const completion = u.candidatesTokenCount + u.thoughtsTokenCount;
    return {
      promptTokens: u.promptTokenCount,
      completionTokens: completion,
      totalTokens: u.promptTokenCount + completion,
      cachedTokens: u.cachedContentTokenCount > 0 ? u.cachedContentTokenCount : null,
      reasoningTokens: u.thoughtsTokenCount > 0 ? u.thoughtsTokenCount : null,
    };
  }

  // ------------------------------------------------------------------ internals

  protected override drawsMode(method: string, route: string): boolean {
    return method === 'POST' && GENERATE.test(route);
  }

  protected override errorBodyFor(status: number, message?: string): unknown {
    return defaultErrorFor(status, message);
  }

  protected override responseHeaders(): Record<string, string> {
    return { server: 'scaffolding on HTTPServer2', vary: 'Origin, X-Origin, Referer' };
  }

  protected override dispatch(req: IncomingMessage, res: ServerResponse, rec: GeminiRecorded, mode: GeminiMockMode): void {
    const m = req.method;
    if (m === 'GET' && rec.route === '/models') {
      return this.json(res, 200, { models: this.models.map((id) => this.modelEntry(id)) }, {}, rec);
    }
    if (m === 'GET' && rec.route.startsWith('/models/')) {
      const id = decodeURIComponent(rec.route.slice('/models/'.length));
      if (!this.models.includes(id)) return this.json(res, 404, googleError(404, `models/${id} is not found for API version v1beta.`), {}, rec);
      return this.json(res, 200, this.modelEntry(id), {}, rec);
    }
    const g = GENERATE.exec(rec.route);
    if (m === 'POST' && g) {
      const key = req.headers['x-goog-api-key'] ?? rec.query.get('key');
      if (this.requireApiKey !== undefined && key !== this.requireApiKey) {
        return this.json(res, 400, googleError(400, 'API key not valid. Please pass a valid API key.', [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }]), {}, rec);
      }
      const body = rec.body;
      if (body === undefined) return this.json(res, 400, googleError(400, 'Invalid JSON payload received.'), {}, rec);
      if (!Array.isArray(body.contents) || body.contents.length === 0) {
        return this.json(res, 400, googleError(400, '* GenerateContentRequest.contents: contents is not specified'), {}, rec);
      }
      if (this.requireFunctionCallSignatures) {
        const missing = missingSignature(body);
        if (missing !== null) {
          return this.json(
            res,
            400,
            googleError(
              400,
              `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${missing.name}\` , position ${missing.position}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
            ),
            {},
            rec,
          );
        }
      }
      const model = decodeURIComponent(g[1]!);
      const stream = g[2] === 'streamGenerateContent';
      const sse = rec.query.get('alt') === 'sse';
      if (this.applyFault(res, rec, mode, stream)) return;
      if (!stream) return this.sendJsonReply(res, rec, this.whole(model, rec), mode);
      const chunks = this.chunks(model, rec, mode);
      if (!sse) return this.sendJsonReply(res, rec, chunks, mode);
      return this.sendSse(res, rec, chunks.map((c) => sseEvent(null, c, this.eol)), mode);
    }
    this.json(res, 404, googleError(404, `Method not found: ${m} ${rec.url}`), {}, rec);
  }

  private applyFault(res: ServerResponse, rec: GeminiRecorded, mode: GeminiMockMode, stream: boolean): boolean {
    if (this.applyCommonFault(res, rec, mode)) return true;
    if (mode.kind !== 'error-first-event') return false;
    const code = mode.error?.code ?? 500;
    const err = { error: { code, message: mode.error?.message ?? 'Internal error encountered.', status: mode.error?.status ?? statusName(code) } };
    if (stream) this.sendSse(res, rec, [sseEvent(null, err, this.eol)], { kind: 'ok' });
    else this.json(res, 200, err, {}, rec);
    return true;
  }

  private modelEntry(id: string) {
    return {
      name: `models/${id}`,
      version: '001',
      displayName: id,
      description: `Mock model ${id}`,
      inputTokenLimit: 1_048_576,
      outputTokenLimit: 65_536,
      supportedGenerationMethods: ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'],
      temperature: 1,
      topP: 0.95,
      topK: 64,
      maxTemperature: 2,
      thinking: true,
    };
  }

  private text(model: string): string | null {
    return this.reply.text === undefined ? this.replyText(model) : this.reply.text;
  }

  private functionCall(): GeminiPart | null {
    const tc = this.reply.toolCall;
    if (!tc) return null;
    return { functionCall: { ...(tc.id !== undefined ? { id: tc.id } : {}), name: tc.name, args: tc.input } };
  }

  private usageMetadata(final: boolean) {
    const u = this.usage;
    const prompt = { promptTokenCount: u.promptTokenCount };
    const details = { promptTokensDetails: [{ modality: 'TEXT', tokenCount: u.promptTokenCount }] };
    if (!final) return { ...prompt, totalTokenCount: u.promptTokenCount, ...details };
    return {
      ...prompt,
      candidatesTokenCount: u.candidatesTokenCount,
      totalTokenCount: u.promptTokenCount + u.candidatesTokenCount + u.thoughtsTokenCount,
      ...(u.cachedContentTokenCount > 0 ? { cachedContentTokenCount: u.cachedContentTokenCount } : {}),
      ...details,
      ...(u.thoughtsTokenCount > 0 ? { thoughtsTokenCount: u.thoughtsTokenCount } : {}),
    };
  }

  /** The parts of the answer, in order, with the thought signature placed. */
  private parts(model: string, pieces: boolean, mode: GeminiMockMode): GeminiPart[] {
    const out: GeminiPart[] = [];
    const th = this.reply.thinking;
    if (th) for (const p of pieces ? textPieces(th.text) : [th.text]) out.push({ text: p, thought: true });
    const text = this.text(model);
    const fc = this.functionCall();
    const first = out.length;
    if (text !== null) {
      const ps = pieces ? textPieces(text, mode.kind === 'slow-stream' ? mode.chunks : undefined) : [text];
      for (const p of ps) out.push({ text: p });
    }
    if (fc) out.push(fc);
    if (th) {
      // the signature rides on the function call when there is one, else on the first part after the thoughts
      const at = fc ? out.length - 1 : first;
      const target = out[at];
      if (target) target.thoughtSignature = th.signature;
      else out.push({ text: '', thoughtSignature: th.signature });
    }
    return out;
  }

  private responseId(rec: GeminiRecorded): string {
    return `mockResp${String(rec.seq).padStart(6, '0')}`;
  }

  private whole(model: string, rec: GeminiRecorded) {
    return {
      candidates: [{ content: { parts: this.parts(model, false, { kind: 'ok' }), role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: this.usageMetadata(true),
      modelVersion: model,
      responseId: this.responseId(rec),
    };
  }

  private chunks(model: string, rec: GeminiRecorded, mode: GeminiMockMode) {
    const parts = this.parts(model, true, mode);
    return parts.map((p, i) => {
      const last = i === parts.length - 1;
      return {
        candidates: [{ content: { parts: [p], role: 'model' }, ...(last ? { finishReason: 'STOP' } : {}), index: 0 }],
        usageMetadata: this.usageMetadata(last),
        modelVersion: model,
        responseId: this.responseId(rec),
      };
    });
  }
}

export async function startGeminiMock(opts: GeminiMockOptions = {}): Promise<MockGemini> {
  return new MockGemini(opts).start();
}
