import type { ComboStrategy } from '../../shared/admin-types.js';
import type { Catalog } from './catalog.js';
import { parseTargetRef, type TargetRef } from './names.js';

export interface PlannedTarget extends TargetRef {
  /** Combos walked to reach this target, outermost first. */
  via: string[];
}

export interface Plan {
  model: string;
  kind: 'combo' | 'direct';
  strategy: ComboStrategy | null;
  targets: PlannedTarget[];
}

/** Nesting deeper than this is refused at write time; here it only guards against a corrupt store. */
const MAX_DEPTH = 16;

/**
 * Expands a model name into the ordered targets to try. A combo name wins
 * over `provider/model`; an unknown provider yields null (model_not_found).
 * Round-robin combos rotate their start on each call via `nextTurn`.
 */
export function resolvePlan(model: string, catalog: Catalog, nextTurn: (combo: string) => number): Plan | null {
  let cache = plans.get(catalog);
  if (cache === undefined || cache.generation !== catalog.generation) {
    cache = { generation: catalog.generation, plans: new Map() };
    plans.set(catalog, cache);
  }
  const known = cache.plans.get(model);
  if (known !== undefined) return known;
  const combo = catalog.combo(model);
  let plan: Plan;
  if (combo) {
    const targets: PlannedTarget[] = [];
    const seen = new Set<string>();
    const rotated = expand(combo.name, [], catalog, nextTurn, targets, seen);
    plan = { model, kind: 'combo', strategy: combo.strategy, targets };
    // a round-robin turn makes each plan different
    if (rotated) return plan;
  } else {
    const ref = parseTargetRef(model);
    if (ref === null || !catalog.provider(ref.provider)) return null;
    plan = { model, kind: 'direct', strategy: null, targets: [planned(ref, [])] };
  }
  if (cache.plans.size >= MAX_CACHED_PLANS) cache.plans.clear();
  cache.plans.set(model, plan);
  return plan;
}

/**
 * Plans of fixed combos and direct names, per catalog generation (a reload
 * changes the generation, which empties the cache). Bounded: clients can
 * name arbitrary provider/model ids. Shared: callers must not modify a plan.
 */
const plans = new WeakMap<Catalog, { generation: number; plans: Map<string, Plan> }>();
const MAX_CACHED_PLANS = 1_024;

/** A target of a plan, built member by member (a spread adding `via` measured far dearer on the /v1 path). */
function planned(ref: TargetRef, via: string[]): PlannedTarget {
  return { provider: ref.provider, model: ref.model, id: ref.id, via };
}

/** Appends the targets of combo `name` to `out`; true when a round-robin turn decided their order. */
function expand(name: string, via: string[], catalog: Catalog, nextTurn: (combo: string) => number, out: PlannedTarget[], seen: Set<string>): boolean {
  const combo = catalog.combo(name);
  if (!combo || via.length >= MAX_DEPTH || via.includes(name)) return false;
  const path = [...via, name];
  let order = combo.targets;
  let rotated = false;
  if (combo.strategy === 'round-robin' && order.length > 1) {
    const start = nextTurn(name) % order.length;
    order = [...order.slice(start), ...order.slice(0, start)];
    rotated = true;
  }
  for (const t of order) {
    if (catalog.combo(t)) {
      if (expand(t, path, catalog, nextTurn, out, seen)) rotated = true;
      continue;
    }
    const ref = parseTargetRef(t);
    if (ref === null || seen.has(ref.id)) continue;
    seen.add(ref.id);
    out.push(planned(ref, path));
  }
  return rotated;
}

/** Round-robin turn counters, one per combo. */
export class Turns {
  readonly #turns = new Map<string, number>();

  next = (combo: string): number => {
    const n = this.#turns.get(combo) ?? 0;
    this.#turns.set(combo, (n + 1) % Number.MAX_SAFE_INTEGER);
    return n;
  };

  /** Peek without advancing (for `krouter route`). */
  peek = (combo: string): number => this.#turns.get(combo) ?? 0;
}

/**
 * Returns the cycle a combo definition would create (as a path), or null.
 * `targets` is the proposed target list of `name`.
 */
export function findCycle(name: string, targets: readonly string[], catalog: Catalog): string[] | null {
  const visit = (current: string, list: readonly string[], path: string[]): string[] | null => {
    for (const t of list) {
      if (t === name) return [...path, t];
      const c = t === current ? undefined : catalog.combo(t);
      if (c && !path.includes(t)) {
        const found = visit(t, c.targets, [...path, t]);
        if (found) return found;
      }
    }
    return null;
  };
  return visit(name, targets, [name]);
}

export function comboDepth(name: string, targets: readonly string[], catalog: Catalog): number {
  let max = 0;
  for (const t of targets) {
    const c = t === name ? undefined : catalog.combo(t);
    if (c) max = Math.max(max, 1 + comboDepth(t, c.targets, catalog));
  }
  return max;
}

export { MAX_DEPTH as MAX_COMBO_DEPTH };
