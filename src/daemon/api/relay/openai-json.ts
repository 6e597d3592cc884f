import { openAIUsage } from '../../formats/openai-chat/usage.js';
import type { ProviderEntry } from '../../routing/catalog.js';
import type { PlannedTarget } from '../../routing/resolve.js';
import { openAIHeaders, openAIUrl } from '../../providers/openai.js';
import type { RequestContext } from '../context.js';
import type { AttemptOutcome } from './attempt-loop.js';
import { badSuccess, handleErrorStatus, networkFailure } from './upstream-failure.js';
import { readCapped } from './write.js';

/** Largest non-streamed upstream response accepted (bigger is treated as a failed target). */
const RESPONSE_CAP = 256 * 1024 * 1024;

/**
 * One non-streamed try against an OpenAI-compatible target: the body goes up
 * with the target's model name, the answer comes back byte for byte.
 */
export async function openAIJsonAttempt(
  ctx: RequestContext,
  path: '/chat/completions' | '/embeddings',
  body: Record<string, unknown>,
  target: PlannedTarget,
  provider: ProviderEntry,
  signal: AbortSignal,
): Promise<AttemptOutcome> {
  const payload = JSON.stringify({ ...body, model: target.model });
  let up;
  try {
    up = await ctx.services.upstream.send(openAIUrl(provider, path), {
      method: 'POST',
      headers: openAIHeaders(provider, requestHeaders(ctx)),
      body: payload,
      signal,
    });
  } catch (e) {
    return networkFailure(e);
  }
  if (up.statusCode < 200 || up.statusCode >= 300) return handleErrorStatus(ctx, up, target.id);

  let text: string;
  try {
    const r = await readCapped(up.body, RESPONSE_CAP);
    if (r.truncated) return badSuccess(`response larger than ${RESPONSE_CAP} bytes`);
    text = r.text;
  } catch (e) {
    return networkFailure(e);
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return badSuccess('HTTP 200 with a body that is not JSON');
  }
  if (json === null || typeof json !== 'object' || ('error' in json && json['error'] && !('choices' in json) && !('data' in json))) {
    return badSuccess('HTTP 200 with an error body', text);
  }
  const out = Buffer.from(text, 'utf8');
  ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': out.length, 'x-krouter-target': target.id });
  ctx.res.end(out);
  return { done: true, status: 200, outcome: 'ok', reason: 'ok', usage: openAIUsage(json['usage']), ttfbMs: Date.now() - ctx.startedAt, errorCode: null };
}

/** Client headers worth forwarding upstream; everything else (cookies, the krouter key, hop-by-hop) stays here. */
export function requestHeaders(ctx: RequestContext, accept = 'application/json'): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json', accept, 'accept-encoding': 'identity' };
  const ua = ctx.req.headers['user-agent'];
  if (typeof ua === 'string') h['user-agent'] = ua;
  return h;
}
