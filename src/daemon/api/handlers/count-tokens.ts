import { KrouterError } from '../../../shared/errors.js';
import { adapterFor, upstreamHeaders } from '../../providers/adapter.js';
import { resolvePlan } from '../../routing/resolve.js';
import type { RequestContext } from '../context.js';
import { sendError } from '../error-shapes.js';
import { baseRequestHeaders } from '../relay/request-headers.js';

/**
 * POST /v1/messages/count_tokens (Anthropic). Asked of the first usable
 * Anthropic target when the model routes to one; otherwise (or if that fails)
 * an estimate of about four characters per token over system, messages and
 * tools — good enough for a client deciding when to compact, and said so in
 * the `x-krouter-estimate` header.
 */
export async function handleCountTokens(ctx: RequestContext, body: Record<string, unknown>, geminiModel?: string): Promise<void> {
  if (geminiModel !== undefined) {
    // Gemini :countTokens: estimated the same way (no provider is asked).
    const total = estimateTokens([body['systemInstruction'] ?? null, body['contents'] ?? null, body['tools'] ?? null]);
    const out = JSON.stringify({ totalTokens: total });
    ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out), 'x-krouter-estimate': 'chars/4' });
    ctx.res.end(out);
    return;
  }
  const model = body['model'];
  if (typeof model !== 'string' || model.length === 0) {
    return sendError(ctx.res, 'anthropic', new KrouterError('invalid_request', 'The request has no "model": name a combo or provider/model.'));
  }
  const plan = resolvePlan(model, ctx.services.catalog, ctx.services.turns.peek);
  if (plan === null) {
    return sendError(ctx.res, 'anthropic', new KrouterError('model_not_found', `The model "${model.slice(0, 200)}" is neither a combo nor provider/model of a configured provider.`));
  }
  for (const t of plan.targets) {
    const p = ctx.services.catalog.provider(t.provider);
    if (!p || p.type !== 'anthropic' || p.credentialProblem !== null || ctx.services.health.view(t).state !== 'ok') continue;
    const adapter = adapterFor(p.type);
    try {
      const up = await ctx.services.upstream.send(adapter.countTokensUrl!(p), {
        method: 'POST',
        headers: upstreamHeaders(p, adapter, baseRequestHeaders(ctx, 'application/json')),
        body: JSON.stringify({ ...body, model: t.model }),
        signal: ctx.abort.signal,
      });
      const text = await up.body.text();
      if (up.statusCode === 200) {
        ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-krouter-target': t.id });
        ctx.res.end(text);
        return;
      }
    } catch {
      // fall through to the estimate
    }
    break;
  }
  const out = JSON.stringify({ input_tokens: estimateTokens([body['system'] ?? null, body['messages'] ?? null, body['tools'] ?? null]) });
  ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out), 'x-krouter-estimate': 'chars/4' });
  ctx.res.end(out);
}

function estimateTokens(parts: unknown[]): number {
  return Math.max(1, Math.ceil(JSON.stringify(parts).length / 4));
}
