import { OpenAIStreamUsage } from '../../formats/openai-chat/stream-usage.js';
import { parseEvent, SseFramer, splitEvents } from '../../formats/sse-framer.js';
import type { ProviderEntry } from '../../routing/catalog.js';
import type { PlannedTarget } from '../../routing/resolve.js';
import { openAIHeaders, openAIUrl } from '../../providers/openai.js';
import type { RequestContext } from '../context.js';
import type { AttemptOutcome } from './attempt-loop.js';
import { requestHeaders } from './openai-json.js';
import { badSuccess, handleErrorStatus, networkFailure } from './upstream-failure.js';
import { readCapped, writeChunk } from './write.js';

class FirstEventTimeout extends Error {
  readonly code = 'KROUTER_FIRST_EVENT_TIMEOUT';
}

type FirstLook = { kind: 'wait' } | { kind: 'ok' } | { kind: 'bad'; reason: string; body?: string };

/** Looks at the first event that carries data: JSON (or [DONE]) is a stream; an error event or junk is a failed target. */
function firstLook(events: Buffer): FirstLook {
  for (const raw of splitEvents(events)) {
    const { event, data } = parseEvent(raw);
    if (data === null) continue; // comments / keep-alives (e.g. OpenRouter's ": PROCESSING")
    if (data === '[DONE]') return { kind: 'ok' };
    let obj: unknown;
    try {
      obj = JSON.parse(data);
    } catch {
      return { kind: 'bad', reason: 'HTTP 200 but the stream is not valid SSE JSON (garbage)' };
    }
    if (event === 'error' || (obj !== null && typeof obj === 'object' && 'error' in obj && (obj as Record<string, unknown>)['error'])) {
      return { kind: 'bad', reason: 'HTTP 200 but the first stream event is an error', body: data };
    }
    return { kind: 'ok' };
  }
  return { kind: 'wait' };
}

/**
 * One streamed try against an OpenAI-compatible target. Nothing reaches the
 * client until the first data event has been seen and is not an error, so a
 * target failing that early still falls back. After that the bytes pass
 * through as they arrive (only krouter's own usage chunk may be removed).
 */
export async function openAISseAttempt(
  ctx: RequestContext,
  body: Record<string, unknown>,
  target: PlannedTarget,
  provider: ProviderEntry,
  signal: AbortSignal,
): Promise<AttemptOutcome> {
  const clientOpts = body['stream_options'];
  const clientWantsUsage = clientOpts !== null && typeof clientOpts === 'object' && (clientOpts as Record<string, unknown>)['include_usage'] === true;
  const payload = JSON.stringify({
    ...body,
    model: target.model,
    stream_options: { ...(clientOpts !== null && typeof clientOpts === 'object' ? clientOpts : {}), include_usage: true },
  });

  const local = new AbortController();
  const attemptSignal = AbortSignal.any([signal, local.signal]);
  const timer = setTimeout(() => local.abort(new FirstEventTimeout()), ctx.services.config.upstream.firstEventTimeoutMs);
  let up;
  try {
    up = await ctx.services.upstream.send(openAIUrl(provider, '/chat/completions'), {
      method: 'POST',
      headers: openAIHeaders(provider, requestHeaders(ctx, 'text/event-stream')),
      body: payload,
      signal: attemptSignal,
    });
  } catch (e) {
    clearTimeout(timer);
    return networkFailure(local.signal.aborted ? local.signal.reason : e);
  }
  if (up.statusCode < 200 || up.statusCode >= 300) {
    clearTimeout(timer);
    return handleErrorStatus(ctx, up, target.id);
  }
  const ct = String(up.headers['content-type'] ?? '');
  if (!ct.includes('text/event-stream')) {
    clearTimeout(timer);
    const { text } = await readCapped(up.body, 64 * 1024).catch(() => ({ text: '' }));
    return badSuccess(`HTTP 200 with content type "${ct}" instead of an event stream`, text);
  }

  const framer = new SseFramer();
  const usage = new OpenAIStreamUsage(!clientWantsUsage);
  const it = (up.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const held: Buffer[] = [];
  try {
    for (;;) {
      const { value, done } = await it.next();
      if (done) {
        const rest = framer.rest();
        return badSuccess(rest && rest.length > 0 ? 'HTTP 200 but the stream is not valid SSE (garbage)' : 'the stream ended before its first event');
      }
      const events = framer.push(value);
      if (events === null) continue;
      held.push(events);
      const look = firstLook(events);
      if (look.kind === 'wait') continue;
      if (look.kind === 'bad') {
        up.body.destroy();
        return badSuccess(look.reason, look.body);
      }
      break;
    }
  } catch (e) {
    up.body.destroy();
    return networkFailure(local.signal.aborted ? local.signal.reason : e);
  } finally {
    clearTimeout(timer);
  }

  // Commit point: from here on the client has bytes and there is no fallback.
  const ttfbMs = Date.now() - ctx.startedAt;
  const res = ctx.res;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    'x-krouter-target': target.id,
  });
  let errorCode: string | null = null;
  try {
    for (const events of held) {
      const out = usage.filter(events);
      if (out.length > 0) await writeChunk(res, out);
    }
    for (;;) {
      const { value, done } = await it.next();
      if (done) break;
      const events = framer.push(value);
      if (events === null) continue;
      const out = usage.filter(events);
      if (out.length > 0) await writeChunk(res, out);
      if (res.destroyed) break;
    }
    const rest = framer.rest();
    if (rest && rest.length > 0 && !res.destroyed) await writeChunk(res, rest);
  } catch (e) {
    if (signal.aborted) errorCode = 'client_closed';
    else {
      errorCode = 'upstream_stream_error';
      const msg = `The upstream ${target.id} broke off the stream mid-way (${(e as { code?: string }).code ?? (e as Error).message}); the answer above is incomplete. Retry the request.`;
      if (!res.destroyed) res.write(`data: ${JSON.stringify({ error: { message: msg, type: 'server_error', code: 'upstream_error', param: null } })}\n\n`);
    }
    up.body.destroy();
  }
  if (!res.destroyed) res.end();
  const status = errorCode === 'client_closed' ? 499 : 200;
  return { done: true, status, outcome: 'ok', reason: errorCode ?? 'ok', usage: usage.usage, ttfbMs, errorCode };
}
