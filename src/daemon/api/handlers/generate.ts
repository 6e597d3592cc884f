import { KrouterError } from '../../../shared/errors.js';
import { InvalidRequest, UnsupportedContent, type FormatCodec, type PivotRequest } from '../../formats/pivot/types.js';
import { codecFor, loadedCodec } from '../../formats/registry.js';
import { adapterFor, type ProviderAdapter } from '../../providers/adapter.js';
import { baseOf } from '../../providers/provider-util.js';
import { resolvePlan } from '../../routing/resolve.js';
import type { ProviderEntry } from '../../routing/catalog.js';
import type { RequestLogRow } from '../../store/types.js';
import type { ClientAbort } from '../client-abort.js';
import type { RequestContext } from '../context.js';
import { sendError } from '../error-shapes.js';
import type { Inbound, Route } from '../inbound.js';
import type { JsonBody } from '../read-body.js';
import { PlanFailure, runPlan, type AttemptOutcome } from '../relay/attempt-loop.js';
import { passthroughAttempt } from '../relay/passthrough.js';
import { translateAttempt } from '../relay/translate.js';

/** Client headers that reach a provider of the same format (a translated request drops them: they mean nothing elsewhere). */
const PASS_HEADERS: Record<string, readonly string[]> = {
  anthropic: ['anthropic-version', 'anthropic-beta'],
  'openai-responses': ['openai-beta'],
  'openai-chat': [],
  gemini: [],
};

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

function passHeaders(ctx: RequestContext, format: string): Readonly<Record<string, string>> {
  const names = PASS_HEADERS[format] ?? [];
  if (names.length === 0) return NO_HEADERS;
  const out: Record<string, string> = {};
  for (const name of names) {
    const v = ctx.req.headers[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

/** Pivot decode/encode failures are the client's request: a 400 on its route, never a fallback. */
function asClientError(e: unknown): unknown {
  if (e instanceof UnsupportedContent) return new KrouterError('unsupported_content', e.message, { details: { where: e.where } });
  if (e instanceof InvalidRequest) return new KrouterError('invalid_request', e.message, { details: { where: e.where } });
  return e;
}

/**
 * Every generation route (and embeddings): resolve the model, walk the plan
 * with fallback — same format straight through, other formats via the pivot —
 * and log the metadata.
 */
export async function handleGenerate(ctx: RequestContext, route: Route, json: JsonBody): Promise<void> {
  const rawModel = route.model ?? json.model;
  const stream = route.op === 'generate' && (route.stream ?? json.stream === true);
  const row: RequestLogRow = {
    time: ctx.startedAt,
    keyId: ctx.key.id,
    clientIp: ctx.clientIp,
    route: ctx.route,
    modelAsked: typeof rawModel === 'string' ? rawModel.slice(0, 256) : null,
    target: null,
    attempts: [],
    status: 0,
    errorCode: null,
    stream,
    latencyMs: 0,
    ttfbMs: null,
    promptTokens: null,
    completionTokens: null,
    totalTokens: null,
    cachedTokens: null,
    reasoningTokens: null,
  };
  // Debug mode: tees the response and writes the pair once `row` gets its log id (the body was parsed whole for it).
  if (ctx.services.debug.on) ctx.services.debug.watch(ctx, json.value, row);
  try {
    if (typeof rawModel !== 'string' || rawModel.length === 0) {
      throw new KrouterError('invalid_request', 'The request has no "model": name a combo or provider/model (GET /v1/models lists them).');
    }
    const model = rawModel;
    const plan = resolvePlan(model, ctx.services.catalog, ctx.services.turns.next);
    if (plan === null) {
      throw new KrouterError(
        'model_not_found',
        `The model "${model.slice(0, 200)}" is neither a combo nor provider/model of a configured provider. GET /v1/models lists what this krouter serves; an operator adds providers with \`krouter providers add\` and combos with \`krouter combos set\`.`,
      );
    }
    let pivot: PivotRequest | Promise<PivotRequest> | null = null;
    const decode = (c: FormatCodec): PivotRequest => c.decodeRequest(route.format === 'gemini' ? { ...json.value, model, stream } : json.value);
    const streamOpts = json.streamOptions;
    const inbound: Inbound = {
      format: route.format,
      json,
      model,
      stream,
      clientWantsUsage: streamOpts !== null && typeof streamOpts === 'object' && (streamOpts as Record<string, unknown>)['include_usage'] === true,
      passHeaders: passHeaders(ctx, route.format),
      jsonArray: route.jsonArray === true,
      pivot: () => {
        if (pivot === null) {
          const codec = loadedCodec(route.format);
          pivot = codec ? decode(codec) : codecFor(route.format).then(decode);
        }
        return pivot;
      },
    };
    const result = await runPlan(ctx.services, plan, ctx.abort, (target, provider, abort) => {
      const adapter = adapterFor(provider.type);
      if (route.op === 'embeddings') return embeddingsAttempt(ctx, inbound, target, provider, adapter, abort);
      const url = adapter.generateUrl(provider, target.model, stream);
      return adapter.format === route.format
        ? passthroughAttempt(ctx, inbound, target, provider, adapter, url, abort)
        : translateAttempt(ctx, inbound, target, provider, adapter, url, abort);
    });
    row.attempts = result.attempts;
    const { served } = result;
    row.target = result.target;
    row.status = served.status;
    row.errorCode = served.errorCode;
    row.ttfbMs = served.ttfbMs;
    const usage = served.usage;
    if (usage !== null) {
      row.promptTokens = usage.promptTokens;
      row.completionTokens = usage.completionTokens;
      row.totalTokens = usage.totalTokens;
      row.cachedTokens = usage.cachedTokens;
      row.reasoningTokens = usage.reasoningTokens;
    }
  } catch (raw) {
    const e = asClientError(raw);
    if (e instanceof PlanFailure) row.attempts = e.attempts;
    const err = e instanceof KrouterError ? e : null;
    if (!err) ctx.services.log.error({ err: (e as Error).stack }, 'unexpected error in the /v1 relay');
    row.status = err?.status ?? 500;
    row.errorCode = err?.code ?? 'internal_error';
    if (!ctx.abort.aborted) {
      const retry = e instanceof PlanFailure && e.retryAfterSeconds !== null ? { 'retry-after': String(e.retryAfterSeconds) } : undefined;
      sendError(ctx.res, route.format, e, retry);
    }
  } finally {
    row.latencyMs = Date.now() - ctx.startedAt;
    ctx.services.writer.push(row);
  }
}

/** Embeddings exist only on OpenAI-compatible providers; other targets are skipped. */
function embeddingsAttempt(
  ctx: RequestContext,
  inbound: Inbound,
  target: Parameters<typeof passthroughAttempt>[2],
  provider: ProviderEntry,
  adapter: ProviderAdapter,
  abort: ClientAbort,
): Promise<AttemptOutcome> {
  if (provider.type !== 'openai') {
    return Promise.resolve({
      done: false,
      status: null,
      cls: { outcome: 'target_fatal', scope: 'target', reason: `provider type ${provider.type} has no embeddings endpoint (only type openai)` },
      retryAfterMs: null,
    });
  }
  return passthroughAttempt(ctx, inbound, target, provider, adapter, `${baseOf(provider)}/embeddings`, abort);
}
