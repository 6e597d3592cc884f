import type { AttemptDto } from '../../../shared/admin-types.js';
import { KrouterError } from '../../../shared/errors.js';
import type { ProviderEntry } from '../../routing/catalog.js';
import type { Classification } from '../../routing/classify.js';
import type { Plan, PlannedTarget } from '../../routing/resolve.js';
import type { Usage } from '../../formats/openai-chat/usage.js';
import type { ClientAbort } from '../client-abort.js';
import type { ApiServices } from '../context.js';

/** What one try at one target ended in. */
export type AttemptOutcome =
  /** A response was written to the client (success, or the upstream's own client error passed through). */
  | { done: true; status: number; outcome: 'ok' | 'client_error'; reason: string; usage: Usage | null; ttfbMs: number | null; errorCode: string | null }
  /** Nothing was written; the next target may be tried. */
  | { done: false; status: number | null; cls: Classification; retryAfterMs: number | null };

export type AttemptFn = (target: PlannedTarget, provider: ProviderEntry, abort: ClientAbort) => Promise<AttemptOutcome>;

export interface PlanResult {
  /** The attempt that answered (when every target failed an error was thrown instead). */
  served: Extract<AttemptOutcome, { done: true }>;
  /** The id of the target that answered. */
  target: string;
  attempts: AttemptDto[];
}

export class PlanFailure extends KrouterError {
  constructor(
    err: KrouterError,
    readonly attempts: AttemptDto[],
    readonly retryAfterSeconds: number | null,
  ) {
    super(err.code, err.message, { status: err.status, details: err.details });
  }
}

/**
 * The fallback policy: targets in plan order, skipping those cooling down or
 * locked; transient failures cool a target down (Retry-After honoured, bounded),
 * target-fatal ones lock it; a client error stops the walk. Fallback happens
 * only before the first byte reaches the client: an attempt that wrote
 * anything returns done.
 */
export async function runPlan(services: ApiServices, plan: Plan, abort: ClientAbort, attempt: AttemptFn): Promise<PlanResult> {
  const { health, catalog, config } = services;
  const attempts: AttemptDto[] = [];
  const skipped: string[] = [];
  let soonest: number | null = null;

  for (const target of plan.targets) {
    if (attempts.length >= config.routing.maxAttempts || abort.aborted) break;
    const provider = catalog.provider(target.provider);
    if (!provider) {
      skipped.push(`${target.id} → provider "${target.provider}" is not configured`);
      continue;
    }
    if (provider.credentialProblem !== null) {
      skipped.push(`${target.id} → no usable credentials (${provider.credentialProblem})`);
      continue;
    }
    const view = health.view(target);
    if (view.state !== 'ok') {
      const until = view.until ?? Date.now();
      soonest = soonest === null ? until : Math.min(soonest, until);
      skipped.push(`${target.id} → ${view.state === 'locked' ? 'locked' : 'cooling down'} until ${new Date(until).toISOString()} (${view.reason ?? 'earlier failure'})`);
      continue;
    }
    const started = Date.now();
    const out = await attempt(target, provider, abort);
    const latencyMs = Date.now() - started;
    if (out.done) {
      attempts.push({ target: target.id, status: out.status, outcome: out.outcome, reason: out.reason, latencyMs });
      if (out.outcome === 'ok') health.ok(target);
      return { served: out, target: target.id, attempts };
    }
    attempts.push({ target: target.id, status: out.status, outcome: out.cls.outcome, reason: out.cls.reason, latencyMs });
    if (abort.aborted) break;
    if (out.cls.outcome === 'transient') {
      const ms = out.retryAfterMs ?? config.routing.cooldownSeconds * 1000;
      health.mark(out.cls.scope, target, 'cooling_down', ms, out.cls.reason);
    } else if (out.cls.outcome === 'target_fatal') {
      health.mark(out.cls.scope, target, 'locked', config.routing.lockSeconds * 1000, out.cls.reason);
    }
  }

  if (abort.aborted) {
    throw new PlanFailure(new KrouterError('client_closed', 'The client closed the connection before a response was ready.'), attempts, null);
  }
  const label = plan.kind === 'combo' ? `combo "${plan.model}"` : `"${plan.model}"`;
  if (attempts.length === 0) {
    const retry = soonest === null ? null : Math.max(1, Math.ceil((soonest - Date.now()) / 1000));
    const err =
      retry === null
        ? new KrouterError('all_targets_failed', `No target of ${label} can be used: ${skipped.join('; ')}. Fix the provider with \`krouter providers add\`, then retry.`, { status: 503 })
        : new KrouterError('all_targets_cooling_down', `Every target of ${label} is resting after earlier failures: ${skipped.join('; ')}. Retry after ${retry}s${plan.kind === 'combo' ? ', or add another target to the combo' : ', or use a combo with a fallback target'}.`);
    throw new PlanFailure(err, attempts, retry);
  }
  const tried = attempts.map((a) => `${a.target} → ${a.reason}`);
  const err = new KrouterError(
    'all_targets_failed',
    `All targets of ${label} failed: ${[...tried, ...skipped].join('; ')}. See \`krouter route ${plan.model}\` for their state; check the providers' keys and status, or retry later.`,
    { details: { attempts } },
  );
  throw new PlanFailure(err, attempts, null);
}
