import { KrouterError } from '../../../shared/errors.js';
import { NO_USAGE } from '../../formats/openai-chat/usage.js';
import { resolvePlan } from '../../routing/resolve.js';
import type { RequestLogRow } from '../../store/types.js';
import type { RequestContext } from '../context.js';
import { sendOpenAIError } from '../openai-error.js';
import { PlanFailure, runPlan } from '../relay/attempt-loop.js';
import { openAIJsonAttempt } from '../relay/openai-json.js';
import { openAISseAttempt } from '../relay/openai-sse.js';

/**
 * POST /v1/chat/completions and /v1/embeddings: resolve the model, walk the
 * plan with fallback, log the metadata. The body is OpenAI's format in and out.
 */
export async function handleOpenAIRelay(ctx: RequestContext, kind: 'chat' | 'embeddings', body: Record<string, unknown>): Promise<void> {
  const model = body['model'];
  const stream = kind === 'chat' && body['stream'] === true;
  const row: RequestLogRow = {
    time: ctx.startedAt,
    keyId: ctx.key.id,
    clientIp: ctx.clientIp,
    route: ctx.route,
    modelAsked: typeof model === 'string' ? model.slice(0, 256) : null,
    target: null,
    attempts: [],
    status: 0,
    errorCode: null,
    stream,
    latencyMs: 0,
    ttfbMs: null,
    ...NO_USAGE,
  };
  try {
    if (typeof model !== 'string' || model.length === 0) {
      throw new KrouterError('invalid_request', 'The request has no "model": name a combo or provider/model (GET /v1/models lists them).');
    }
    const plan = resolvePlan(model, ctx.services.catalog, ctx.services.turns.next);
    if (plan === null) {
      throw new KrouterError(
        'model_not_found',
        `The model "${model.slice(0, 200)}" is neither a combo nor provider/model of a configured provider. GET /v1/models lists what this krouter serves; an operator adds providers with \`krouter providers add\` and combos with \`krouter combos set\`.`,
      );
    }
    const path = kind === 'chat' ? '/chat/completions' : '/embeddings';
    const result = await runPlan(ctx.services, plan, ctx.signal, (target, provider, signal) =>
      stream ? openAISseAttempt(ctx, body, target, provider, signal) : openAIJsonAttempt(ctx, path, body, target, provider, signal),
    );
    row.attempts = result.attempts;
    row.target = result.served.target;
    row.status = result.served.status;
    row.errorCode = result.served.errorCode;
    row.ttfbMs = result.served.ttfbMs;
    if (result.served.usage) Object.assign(row, result.served.usage);
  } catch (e) {
    if (e instanceof PlanFailure) row.attempts = e.attempts;
    const err = e instanceof KrouterError ? e : null;
    if (!err) ctx.services.log.error({ err: (e as Error).stack }, 'unexpected error in the /v1 relay');
    row.status = err?.status ?? 500;
    row.errorCode = err?.code ?? 'internal_error';
    if (!ctx.signal.aborted) {
      const retry = e instanceof PlanFailure && e.retryAfterSeconds !== null ? { 'retry-after': String(e.retryAfterSeconds) } : undefined;
      sendOpenAIError(ctx.res, e, retry);
    }
  } finally {
    row.latencyMs = Date.now() - ctx.startedAt;
    ctx.services.writer.push(row);
  }
}
