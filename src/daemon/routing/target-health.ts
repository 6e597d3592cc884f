import type { TargetState } from '../../shared/admin-types.js';
import type { TargetRef } from './names.js';

interface Mark {
  until: number;
  reason: string;
  kind: 'cooling_down' | 'locked';
}

export interface HealthView {
  state: Extract<TargetState, 'ok' | 'cooling_down' | 'locked'>;
  until: number | null;
  reason: string | null;
}

const OK_VIEW: Readonly<HealthView> = Object.freeze({ state: 'ok', until: null, reason: null });

/** Entries beyond this are pruned (expired first): clients can name arbitrary `provider/model` ids. */
const MAX_MARKS = 10_000;

/**
 * Cooldowns and locks, in memory. A target's own mark (rate limit on one
 * model, unknown model) and its provider's mark (bad credentials, host down)
 * both keep it out of rotation until they expire.
 */
export class TargetHealth {
  readonly #targets = new Map<string, Mark>();
  readonly #providers = new Map<string, Mark>();

  constructor(private readonly now: () => number = Date.now) {}

  view(t: TargetRef): HealthView {
    const now = this.now();
    const a = this.#live(this.#providers, t.provider, now);
    const b = this.#live(this.#targets, t.id, now);
    const m = a && b ? (a.kind === 'locked' || a.until >= b.until ? a : b) : (a ?? b);
    return m ? { state: m.kind, until: m.until, reason: m.reason } : OK_VIEW;
  }

  mark(scope: 'target' | 'provider', t: TargetRef, kind: Mark['kind'], ms: number, reason: string): void {
    const map = scope === 'provider' ? this.#providers : this.#targets;
    const key = scope === 'provider' ? t.provider : t.id;
    const until = this.now() + ms;
    const prev = map.get(key);
    if (prev && prev.until > until) return;
    if (map.size >= MAX_MARKS) this.#prune(map);
    map.set(key, { until, reason, kind });
  }

  /** A success clears the target's own marks (its provider answered, so a provider mark goes too). */
  ok(t: TargetRef): void {
    this.#targets.delete(t.id);
    this.#providers.delete(t.provider);
  }

  /** Every live mark, soonest-expiring first. */
  list(): Array<{ key: string; scope: 'target' | 'provider'; state: Mark['kind']; until: number; reason: string }> {
    const now = this.now();
    const out: Array<{ key: string; scope: 'target' | 'provider'; state: Mark['kind']; until: number; reason: string }> = [];
    for (const [scope, map] of [['provider', this.#providers], ['target', this.#targets]] as const) {
      for (const [key, m] of map) if (m.until > now) out.push({ key, scope, state: m.kind, until: m.until, reason: m.reason });
    }
    return out.sort((a, b) => a.until - b.until);
  }

  forgetProvider(name: string): void {
    this.#providers.delete(name);
    for (const key of this.#targets.keys()) if (key.startsWith(`${name}/`)) this.#targets.delete(key);
  }

  #live(map: Map<string, Mark>, key: string, now: number): Mark | undefined {
    const m = map.get(key);
    if (m === undefined) return undefined;
    if (m.until <= now) {
      map.delete(key);
      return undefined;
    }
    return m;
  }

  #prune(map: Map<string, Mark>): void {
    const now = this.now();
    for (const [k, m] of map) if (m.until <= now) map.delete(k);
    // Still (nearly) full: drop the oldest insertions down to 90%, so the scan is paid once per many inserts.
    for (const k of map.keys()) {
      if (map.size < MAX_MARKS * 0.9) break;
      map.delete(k);
    }
  }
}
