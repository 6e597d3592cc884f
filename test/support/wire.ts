/**
 * Client-side helpers for the multi-format integration tests: adding a
 * provider of any type, calling krouter on each inbound route in that route's
 * own wire format (raw fetch, stream or not) and reading the answer text and
 * error back out of it, and reading what an upstream mock received.
 */
import type { LogEntryDto, ProviderDto, ProviderType } from '../../src/shared/admin-types.js';
import type { DaemonHandle } from './daemon.js';
import { parseSseEvents, type LogUsage } from './mock-base.js';
import type { MockOpenAI } from './mock-openai.js';

export type Inbound = 'openai-chat' | 'openai-responses' | 'anthropic' | 'gemini';
export const INBOUNDS: readonly Inbound[] = ['openai-chat', 'openai-responses', 'anthropic', 'gemini'];
export const PROVIDER_TYPES: readonly ProviderType[] = ['openai', 'openai-responses', 'anthropic', 'gemini'];

export interface TypedProviderSpec {
  baseUrl: string;
  apiKey?: string;
  models?: string[];
}

/** `krouter providers add NAME --type TYPE --base-url URL [--api-key -] [--model M…]`. */
export async function addTypedProvider(d: DaemonHandle, name: string, type: ProviderType, spec: TypedProviderSpec): Promise<ProviderDto> {
  const args = ['providers', 'add', name, '--type', type, '--base-url', spec.baseUrl, '--json'];
  if (spec.apiKey !== undefined) args.push('--api-key', '-');
  for (const m of spec.models ?? []) args.push('--model', m);
  const r = await d.cli(args, spec.apiKey !== undefined ? { stdin: spec.apiKey + '\n' } : {});
  if (r.code !== 0) throw new Error(`providers add ${name} --type ${type} failed (exit ${r.code})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.json<{ provider: ProviderDto }>().provider;
}

/** What krouter's log should record for one answer of mock-openai (its usage is in OpenAI's own terms). */
export function openAIMockLogUsage(m: MockOpenAI): LogUsage {
  const u = m.usage;
  return {
    promptTokens: u.prompt_tokens,
    completionTokens: u.completion_tokens,
    totalTokens: u.prompt_tokens + u.completion_tokens,
    cachedTokens: u.cached_tokens,
    reasoningTokens: u.reasoning_tokens,
  };
}

/** The usage columns of a log entry. */
export function logUsageOf(e: LogEntryDto): LogUsage {
  return { promptTokens: e.promptTokens, completionTokens: e.completionTokens, totalTokens: e.totalTokens, cachedTokens: e.cachedTokens, reasoningTokens: e.reasoningTokens };
}

// ------------------------------------------------------------------ calling krouter

export interface CallOptions {
  stream?: boolean;
  prompt?: string;
  system?: string;
  /** Extra top-level body fields (merged last). */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface CallResult {
  inbound: Inbound;
  status: number;
  headers: Headers;
  contentType: string;
  raw: string;
  /** Non-stream (or error) JSON body. */
  json: Record<string, unknown> | undefined;
  /** Stream: the SSE events (name and data text). */
  events: Array<{ event: string | null; data: string }>;
  /** Stream: parsed data objects (unparsable and `[DONE]` left out). */
  eventData: Array<Record<string, unknown>>;
  /** The answer text, read the way a client of this format reads it. */
  text: string;
  target: string | null;
}

/** The URL path a request of `inbound` for `model` goes to. */
export function routeFor(inbound: Inbound, model: string, stream: boolean): string {
  switch (inbound) {
    case 'openai-chat':
      return '/v1/chat/completions';
    case 'openai-responses':
      return '/v1/responses';
    case 'anthropic':
      return '/v1/messages';
    case 'gemini':
      return `/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;
  }
}

/** A plain text request (optional system text) in `inbound`'s own format. */
export function requestBody(inbound: Inbound, model: string, o: CallOptions): Record<string, unknown> {
  const prompt = o.prompt ?? 'Say hello.';
  const stream = o.stream === true;
  let body: Record<string, unknown>;
  switch (inbound) {
    case 'openai-chat':
      body = { model, messages: [...(o.system !== undefined ? [{ role: 'system', content: o.system }] : []), { role: 'user', content: prompt }], ...(stream ? { stream: true } : {}) };
      break;
    case 'openai-responses':
      body = { model, ...(o.system !== undefined ? { instructions: o.system } : {}), input: [{ role: 'user', content: prompt }], ...(stream ? { stream: true } : {}) };
      break;
    case 'anthropic':
      body = { model, max_tokens: 256, ...(o.system !== undefined ? { system: o.system } : {}), messages: [{ role: 'user', content: prompt }], ...(stream ? { stream: true } : {}) };
      break;
    case 'gemini':
      body = {
        contents: [{ role: 'user', parts: [{ text: prompt }] }],
        ...(o.system !== undefined ? { systemInstruction: { parts: [{ text: o.system }] } } : {}),
      };
      break;
  }
  return { ...body, ...o.extra };
}

function authHeaders(inbound: Inbound, key: string): Record<string, string> {
  if (inbound === 'anthropic') return { 'x-api-key': key, 'anthropic-version': '2023-06-01' };
  if (inbound === 'gemini') return { 'x-goog-api-key': key };
  return { authorization: `Bearer ${key}` };
}

/** Sends a raw body to an inbound route with that route's usual credentials header. */
export async function rawCall(d: DaemonHandle, key: string, inbound: Inbound, path: string, body: unknown, o: { stream?: boolean; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<CallResult> {
  const res = await fetch(`${d.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(inbound, key), ...o.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(o.timeoutMs ?? 20_000),
  });
  const raw = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  let json: Record<string, unknown> | undefined;
  let events: Array<{ event: string | null; data: string }> = [];
  const eventData: Array<Record<string, unknown>> = [];
  if (contentType.includes('text/event-stream')) {
    events = parseSseEvents(raw);
    for (const e of events) {
      try {
        const v: unknown = JSON.parse(e.data);
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) eventData.push(v as Record<string, unknown>);
      } catch {
        /* [DONE] or junk */
      }
    }
  } else {
    try {
      const v: unknown = JSON.parse(raw);
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) json = v as Record<string, unknown>;
    } catch {
      json = undefined;
    }
  }
  const r: CallResult = { inbound, status: res.status, headers: res.headers, contentType, raw, json, events, eventData, text: '', target: res.headers.get('x-krouter-target') };
  r.text = answerText(r);
  return r;
}

/** A plain text request to krouter on `inbound`'s route for `model`. */
export function call(d: DaemonHandle, key: string, inbound: Inbound, model: string, o: CallOptions = {}): Promise<CallResult> {
  const stream = o.stream === true;
  return rawCall(d, key, inbound, routeFor(inbound, model, stream), requestBody(inbound, model, o), { stream, headers: o.headers, timeoutMs: o.timeoutMs });
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function geminiText(chunk: Obj | undefined): string {
  const parts = arr(obj(obj(arr(chunk?.['candidates'])[0])?.['content'])?.['parts']);
  return parts.map((p) => (obj(p)?.['thought'] === true ? '' : str(obj(p)?.['text']))).join('');
}

/** The answer text of a result, read as a client of its format reads it (thinking excluded). */
export function answerText(r: CallResult): string {
  const streamed = r.contentType.includes('text/event-stream');
  switch (r.inbound) {
    case 'openai-chat':
      if (!streamed) return str(obj(obj(arr(r.json?.['choices'])[0])?.['message'])?.['content']);
      return r.eventData.map((e) => str(obj(obj(arr(e['choices'])[0])?.['delta'])?.['content'])).join('');
    case 'openai-responses':
      if (!streamed) {
        return arr(r.json?.['output'])
          .filter((i) => obj(i)?.['type'] === 'message')
          .flatMap((i) => arr(obj(i)?.['content']))
          .map((c) => (obj(c)?.['type'] === 'output_text' ? str(obj(c)?.['text']) : ''))
          .join('');
      }
      return r.eventData.map((e) => (e['type'] === 'response.output_text.delta' ? str(e['delta']) : '')).join('');
    case 'anthropic':
      if (!streamed) return arr(r.json?.['content']).map((b) => (obj(b)?.['type'] === 'text' ? str(obj(b)?.['text']) : '')).join('');
      return r.eventData
        .map((e) => {
          const delta = obj(e['delta']);
          return e['type'] === 'content_block_delta' && delta?.['type'] === 'text_delta' ? str(delta['text']) : '';
        })
        .join('');
    case 'gemini':
      if (!streamed) return geminiText(r.json);
      return r.eventData.map((e) => geminiText(e)).join('');
  }
}

/** Problems with an error body not in `inbound`'s own error shape ([] when it is). */
export function errorShapeProblems(inbound: Inbound, body: unknown): string[] {
  const b = obj(body);
  const e = obj(b?.['error']);
  if (!b || !e) return [`no error object: ${JSON.stringify(body)?.slice(0, 300)}`];
  const p: string[] = [];
  switch (inbound) {
    case 'openai-chat':
    case 'openai-responses':
      if (typeof e['message'] !== 'string' || e['message'].length === 0) p.push('error.message missing');
      if (typeof e['type'] !== 'string') p.push('error.type missing');
      if (!('code' in e)) p.push('error.code missing');
      if (!('param' in e)) p.push('error.param missing');
      break;
    case 'anthropic':
      if (b['type'] !== 'error') p.push(`type is ${JSON.stringify(b['type'])}, not "error"`);
      if (typeof e['type'] !== 'string') p.push('error.type missing');
      if (typeof e['message'] !== 'string' || e['message'].length === 0) p.push('error.message missing');
      break;
    case 'gemini':
      if (typeof e['code'] !== 'number') p.push('error.code is not the HTTP status number');
      if (typeof e['message'] !== 'string' || e['message'].length === 0) p.push('error.message missing');
      if (typeof e['status'] !== 'string') p.push('error.status missing');
      break;
  }
  return p;
}

/** The message of an error body of any of the four shapes. */
export function errorMessage(body: unknown): string {
  return str(obj(obj(body)?.['error'])?.['message']);
}

// ------------------------------------------------------------------ what an upstream received

export interface UpstreamView {
  model: string | null;
  system: string;
  user: string;
}

/** The text of a message's content: a string, or the concatenated text parts of an array. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return arr(content)
    .map((p) => {
      const o = obj(p);
      return str(o?.['text']);
    })
    .join('');
}

/** Model, system text and user text of a request body in `type`'s format (Gemini's model comes from the URL). */
export function upstreamView(type: ProviderType, body: Obj | undefined, urlModel: string | null = null): UpstreamView {
  switch (type) {
    case 'openai': {
      const msgs = arr(body?.['messages']).map(obj);
      return {
        model: typeof body?.['model'] === 'string' ? body['model'] : null,
        system: msgs.filter((m) => m?.['role'] === 'system' || m?.['role'] === 'developer').map((m) => textOf(m?.['content'])).join(''),
        user: msgs.filter((m) => m?.['role'] === 'user').map((m) => textOf(m?.['content'])).join(''),
      };
    }
    case 'openai-responses': {
      const input = body?.['input'];
      const items = typeof input === 'string' ? [{ role: 'user', content: input }] : arr(input).map(obj);
      return {
        model: typeof body?.['model'] === 'string' ? body['model'] : null,
        system:
          str(body?.['instructions']) +
          items
            .filter((m) => m?.['role'] === 'system' || m?.['role'] === 'developer')
            .map((m) => textOf(m?.['content']))
            .join(''),
        user: items.filter((m) => m?.['role'] === 'user').map((m) => textOf(m?.['content'])).join(''),
      };
    }
    case 'anthropic': {
      const msgs = arr(body?.['messages']).map(obj);
      return {
        model: typeof body?.['model'] === 'string' ? body['model'] : null,
        system: textOf(body?.['system']),
        user: msgs.filter((m) => m?.['role'] === 'user').map((m) => textOf(m?.['content'])).join(''),
      };
    }
    case 'gemini': {
      const contents = arr(body?.['contents']).map(obj);
      return {
        model: urlModel,
        system: textOf(obj(body?.['systemInstruction'])?.['parts']),
        user: contents.filter((c) => c?.['role'] === 'user' || c?.['role'] === undefined).map((c) => textOf(c?.['parts'])).join(''),
      };
    }
  }
}

// ------------------------------------------------------------------ tool calls

export interface ToolDefSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** A tool definition in `inbound`'s own format. */
export function toolsFor(inbound: Inbound, t: ToolDefSpec): unknown[] {
  switch (inbound) {
    case 'openai-chat':
      return [{ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }];
    case 'openai-responses':
      return [{ type: 'function', name: t.name, description: t.description, parameters: t.parameters }];
    case 'anthropic':
      return [{ name: t.name, description: t.description, input_schema: t.parameters }];
    case 'gemini':
      return [{ functionDeclarations: [{ name: t.name, description: t.description, parameters: t.parameters }] }];
  }
}

export interface SeenToolCall {
  id: string | null;
  name: string;
  /** Parsed arguments (the raw text when it is not JSON). */
  args: unknown;
}

function parseArgs(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The tool calls of an answer, read the way a client of its format reads them (streamed ones reassembled). */
export function toolCallsOf(r: CallResult): SeenToolCall[] {
  const streamed = r.contentType.includes('text/event-stream');
  switch (r.inbound) {
    case 'openai-chat': {
      if (!streamed) {
        const calls = arr(obj(obj(arr(r.json?.['choices'])[0])?.['message'])?.['tool_calls']).map(obj);
        return calls.map((c) => ({ id: str(c?.['id']) || null, name: str(obj(c?.['function'])?.['name']), args: parseArgs(str(obj(c?.['function'])?.['arguments'])) }));
      }
      const acc = new Map<number, { id: string; name: string; args: string }>();
      for (const e of r.eventData) {
        for (const tc of arr(obj(obj(arr(e['choices'])[0])?.['delta'])?.['tool_calls']).map(obj)) {
          const i = typeof tc?.['index'] === 'number' ? tc['index'] : 0;
          const cur = acc.get(i) ?? { id: '', name: '', args: '' };
          cur.id += str(tc?.['id']);
          cur.name += str(obj(tc?.['function'])?.['name']);
          cur.args += str(obj(tc?.['function'])?.['arguments']);
          acc.set(i, cur);
        }
      }
      return [...acc.values()].map((c) => ({ id: c.id || null, name: c.name, args: parseArgs(c.args) }));
    }
    case 'openai-responses': {
      const items = streamed ? r.eventData.filter((e) => e['type'] === 'response.output_item.done').map((e) => obj(e['item'])) : arr(r.json?.['output']).map(obj);
      return items.filter((i) => i?.['type'] === 'function_call').map((i) => ({ id: str(i?.['call_id']) || null, name: str(i?.['name']), args: parseArgs(str(i?.['arguments'])) }));
    }
    case 'anthropic': {
      if (!streamed) {
        return arr(r.json?.['content'])
          .map(obj)
          .filter((b) => b?.['type'] === 'tool_use')
          .map((b) => ({ id: str(b?.['id']) || null, name: str(b?.['name']), args: b?.['input'] }));
      }
      const blocks = new Map<number, { id: string; name: string; json: string }>();
      for (const e of r.eventData) {
        const i = typeof e['index'] === 'number' ? e['index'] : -1;
        const cb = obj(e['content_block']);
        if (e['type'] === 'content_block_start' && cb?.['type'] === 'tool_use') blocks.set(i, { id: str(cb['id']), name: str(cb['name']), json: '' });
        const d = obj(e['delta']);
        if (e['type'] === 'content_block_delta' && d?.['type'] === 'input_json_delta') {
          const b = blocks.get(i);
          if (b) b.json += str(d['partial_json']);
        }
      }
      return [...blocks.values()].map((b) => ({ id: b.id || null, name: b.name, args: b.json === '' ? {} : parseArgs(b.json) }));
    }
    case 'gemini': {
      const chunks = streamed ? r.eventData : r.json ? [r.json] : [];
      const out: SeenToolCall[] = [];
      for (const c of chunks) {
        for (const p of arr(obj(obj(arr(c['candidates'])[0])?.['content'])?.['parts']).map(obj)) {
          const fc = obj(p?.['functionCall']);
          if (fc) out.push({ id: str(fc['id']) || null, name: str(fc['name']), args: fc['args'] ?? {} });
        }
      }
      return out;
    }
  }
}

/** The stop reason an answer reports, in its format's own words (the last one seen for streams). */
export function stopReasonOf(r: CallResult): string | null {
  const streamed = r.contentType.includes('text/event-stream');
  const pick = (vals: unknown[]): string | null => {
    const s = vals.filter((v): v is string => typeof v === 'string');
    return s.at(-1) ?? null;
  };
  switch (r.inbound) {
    case 'openai-chat':
      if (!streamed) return pick([obj(arr(r.json?.['choices'])[0])?.['finish_reason']]);
      return pick(r.eventData.map((e) => obj(arr(e['choices'])[0])?.['finish_reason']));
    case 'openai-responses':
      if (!streamed) return pick([r.json?.['status']]);
      return pick(r.eventData.filter((e) => e['type'] === 'response.completed' || e['type'] === 'response.incomplete').map((e) => obj(e['response'])?.['status']));
    case 'anthropic':
      if (!streamed) return pick([r.json?.['stop_reason']]);
      return pick(r.eventData.map((e) => obj(e['delta'])?.['stop_reason']));
    case 'gemini':
      if (!streamed) return pick([obj(arr(r.json?.['candidates'])[0])?.['finishReason']]);
      return pick(r.eventData.map((e) => obj(arr(e['candidates'])[0])?.['finishReason']));
  }
}

// ------------------------------------------------------------------ usage as the client sees it

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const add = (...vs: Array<number | null>): number | null => (vs.every((v) => v === null) ? null : vs.reduce<number>((a, v) => a + (v ?? 0), 0));

/**
 * The usage an answer reports to its client, converted to the log's meaning
 * (prompt counts cached reads and cache writes; completion counts reasoning).
 * Streams: the last usage-carrying event wins, field by field. null when the
 * answer carries no usage at all.
 */
export function clientUsageOf(r: CallResult): LogUsage | null {
  const streamed = r.contentType.includes('text/event-stream');
  const objs: Obj[] = streamed ? r.eventData : r.json ? [r.json] : [];
  let seen = false;
  const u: LogUsage = { promptTokens: null, completionTokens: null, totalTokens: null, cachedTokens: null, reasoningTokens: null };
  const set = (k: keyof LogUsage, v: number | null) => {
    if (v !== null) u[k] = v;
  };
  const an: { input: number | null; read: number | null; write: number | null } = { input: null, read: null, write: null };
  for (const o of objs) {
    switch (r.inbound) {
      case 'openai-chat': {
        const x = obj(o['usage']);
        if (!x) break;
        seen = true;
        set('promptTokens', num(x['prompt_tokens']));
        set('completionTokens', num(x['completion_tokens']));
        set('totalTokens', num(x['total_tokens']));
        set('cachedTokens', num(obj(x['prompt_tokens_details'])?.['cached_tokens']));
        set('reasoningTokens', num(obj(x['completion_tokens_details'])?.['reasoning_tokens']));
        break;
      }
      case 'openai-responses': {
        const x = obj(obj(o['response'])?.['usage']) ?? (streamed ? undefined : obj(o['usage']));
        if (!x) break;
        seen = true;
        set('promptTokens', num(x['input_tokens']));
        set('completionTokens', num(x['output_tokens']));
        set('totalTokens', num(x['total_tokens']));
        set('cachedTokens', num(obj(x['input_tokens_details'])?.['cached_tokens']));
        set('reasoningTokens', num(obj(x['output_tokens_details'])?.['reasoning_tokens']));
        break;
      }
      case 'anthropic': {
        const x = obj(obj(o['message'])?.['usage']) ?? obj(o['usage']);
        if (!x) break;
        seen = true;
        // message_delta may restate only some counts: each count keeps its last stated value
        an.input = num(x['input_tokens']) ?? an.input;
        an.read = num(x['cache_read_input_tokens']) ?? an.read;
        an.write = num(x['cache_creation_input_tokens']) ?? an.write;
        set('completionTokens', num(x['output_tokens']));
        break;
      }
      case 'gemini': {
        const x = obj(o['usageMetadata']);
        if (!x) break;
        seen = true;
        set('promptTokens', num(x['promptTokenCount']));
        const cand = num(x['candidatesTokenCount']);
        const thoughts = num(x['thoughtsTokenCount']);
        if (cand !== null || thoughts !== null) set('completionTokens', add(cand, thoughts));
        set('totalTokens', num(x['totalTokenCount']));
        set('cachedTokens', num(x['cachedContentTokenCount']));
        set('reasoningTokens', thoughts);
        break;
      }
    }
  }
  if (!seen) return null;
  if (r.inbound === 'anthropic') {
    u.promptTokens = add(an.input, an.read, an.write);
    u.cachedTokens = an.read;
    u.totalTokens = add(u.promptTokens, u.completionTokens);
  }
  return u;
}
