/**
 * Small /v1 and admin helpers shared by the integration tests.
 */
import { request as httpRequest } from 'node:http';
import type { AttemptDto, LogEntryDto, RouteExplainDto, UsageDto, UsageGroupBy } from '../../src/shared/admin-types.js';
import { waitFor, type DaemonHandle } from './daemon.js';
import { parseSseData } from './mock-openai.js';

/** An OpenAI-shaped error as krouter sends it (attempts only on all_targets_failed). */
export interface OpenAiError {
  message: string;
  type: string;
  code: string | null;
  param: string | null;
  attempts?: AttemptDto[];
}

/** A /v1 JSON body: a completion, a list, or an error; only what the tests read is typed. */
export interface V1Json {
  object?: string;
  choices?: Array<{ message?: { content?: string | null }; delta?: { content?: string | null } }>;
  data?: Array<{ id?: string; object?: string }>;
  usage?: Record<string, unknown> | null;
  error?: OpenAiError;
  [key: string]: unknown;
}

/** JSON.parse that answers undefined instead of throwing. */
export function parseJson<T = V1Json>(text: string): T | undefined {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

export interface ChatResult {
  status: number;
  headers: Headers;
  text: string;
  /** Non-stream: the parsed JSON body. Stream: undefined (see events). */
  json: V1Json | undefined;
  /** Stream: the parsed `data:` payloads, `[DONE]` kept as the string. */
  events: Array<V1Json | '[DONE]'>;
  /** Stream: concatenated delta contents; non-stream: message content. */
  content: string;
  target: string | null;
}

export async function chat(
  d: DaemonHandle,
  key: string,
  model: string,
  opts: { stream?: boolean; includeUsage?: boolean; prompt?: string; timeoutMs?: number; extra?: Record<string, unknown> } = {},
): Promise<ChatResult> {
  const body: Record<string, unknown> = { model, messages: [{ role: 'user', content: opts.prompt ?? 'Say hello.' }], ...opts.extra };
  if (opts.stream) body['stream'] = true;
  if (opts.includeUsage) body['stream_options'] = { include_usage: true };
  const res = await fetch(`${d.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 20_000),
  });
  const text = await res.text();
  let json: V1Json | undefined;
  let events: Array<V1Json | '[DONE]'> = [];
  let content = '';
  const ct = res.headers.get('content-type') ?? '';
  if (ct.includes('text/event-stream')) {
    events = parseSseData(text).map((s) => {
      if (s === '[DONE]') return s;
      try {
        return JSON.parse(s) as V1Json;
      } catch {
        return { __unparsable: s };
      }
    });
    for (const e of events) if (typeof e === 'object') content += e.choices?.[0]?.delta?.content ?? '';
  } else {
    json = parseJson(text);
    content = json?.choices?.[0]?.message?.content ?? '';
  }
  return { status: res.status, headers: res.headers, text, json, events, content, target: res.headers.get('x-krouter-target') };
}

/** Log entries (newest first) straight from the admin API. */
export async function adminLogs(d: DaemonHandle, limit = 100): Promise<LogEntryDto[]> {
  const r = await d.admin<{ entries: LogEntryDto[] }>('GET', `/admin/v1/logs?limit=${limit}`);
  if (r.status !== 200) throw new Error(`GET /admin/v1/logs: ${r.status} ${r.text}`);
  return r.json.entries;
}

/** Waits until the request log holds at least `n` entries matching `pred`. */
export async function waitForLogs(d: DaemonHandle, n: number, pred: (e: LogEntryDto) => boolean = () => true, timeoutMs = 5_000): Promise<LogEntryDto[]> {
  return waitFor(`${n} log entries`, async () => {
    const all = (await adminLogs(d, 500)).filter(pred);
    return all.length >= n ? all : undefined;
  }, timeoutMs);
}

function entriesOf(j: unknown): LogEntryDto[] {
  if (Array.isArray(j)) return j as LogEntryDto[];
  const entries = (j as { entries?: unknown } | null)?.entries;
  if (Array.isArray(entries)) return entries as LogEntryDto[];
  throw new Error('logs --json: unexpected shape ' + JSON.stringify(j).slice(0, 300));
}

export async function cliLogs(d: DaemonHandle, limit = 100): Promise<{ entries: LogEntryDto[]; stdout: string }> {
  const r = await d.cli(['logs', '--limit', String(limit), '--json']);
  if (r.code !== 0) throw new Error(`krouter logs failed (${r.code}): ${r.stderr}`);
  return { entries: entriesOf(r.json()), stdout: r.stdout };
}

export async function cliUsage(d: DaemonHandle, by: UsageGroupBy): Promise<UsageDto> {
  const r = await d.cli(['usage', '--by', by, '--json']);
  if (r.code !== 0) throw new Error(`krouter usage --by ${by} failed (${r.code}): ${r.stdout}${r.stderr}`);
  return r.json<UsageDto>();
}

export async function cliRoute(d: DaemonHandle, model: string): Promise<RouteExplainDto> {
  const r = await d.cli(['route', model, '--json']);
  if (r.code !== 0) throw new Error(`krouter route ${model} failed (${r.code}): ${r.stdout}${r.stderr}`);
  return r.json<RouteExplainDto>();
}

/** The keys of an OpenAI error body, checked. */
export function assertOpenAiError(body: unknown, code: string): asserts body is { error: OpenAiError } {
  const e = (body as { error?: unknown } | null | undefined)?.error as Record<string, unknown> | undefined;
  if (!e || typeof e !== 'object') {
    throw new Error(`not an OpenAI error body: ${JSON.stringify(body)}`);
  }
  const problems: string[] = [];
  if (e.code !== code) problems.push(`code ${JSON.stringify(e.code)} != ${JSON.stringify(code)}`);
  if (typeof e.message !== 'string' || e.message.length === 0) problems.push('message missing');
  if (typeof e.type !== 'string' || e.type.length === 0) problems.push('type missing');
  if (!('param' in e)) problems.push('param missing');
  if (problems.length) throw new Error(`OpenAI error body: ${problems.join('; ')}: ${JSON.stringify(body)}`);
}

/**
 * A streamed chat request over node:http that the caller can cut: resolves once
 * the first non-empty content delta arrived, with `destroy()` to drop the connection.
 */
export function openStream(d: DaemonHandle, key: string, model: string): Promise<{ status: number; firstChunk: string; destroy: () => void; received: () => string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'stream please' }] });
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: d.port,
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) },
        agent: false,
      },
      (res) => {
        let got = '';
        let resolved = false;
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          got += c;
          if (!resolved && /"content":"[^"]/.test(got)) {
            resolved = true;
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, firstChunk: got, destroy: () => req.destroy(), received: () => got });
          }
        });
        res.on('error', () => undefined);
        res.on('end', () => {
          if (!resolved) {
            clearTimeout(timer);
            reject(new Error(`stream ended before any content (status ${res.statusCode}): ${got}`));
          }
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error('no stream content within 10 s'));
    }, 10_000);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(payload);
  });
}
