/**
 * Provider and target health as the TUI shows it, from GET /admin/v1/health
 * (live cooldowns and locks), the provider list, and the route state of one of
 * each provider's targets (credentials). Pure.
 */
import type { HealthDto, HealthTargetDto, ProviderDto, RouteTargetDto } from '../shared/admin-types.js';
import { clock, relative } from './format.js';

export type HealthState = 'ok' | 'cooling_down' | 'locked' | 'no_credentials';

export interface ProviderHealth {
  state: HealthState;
  /** `ok`, `cooling down until 14:03:22 (in 45s): 429 rate limited`, … */
  text: string;
  /** Every live mark on the provider or one of its targets. */
  marks: HealthTargetDto[];
}

/** Provider types that cannot work without a stored key (an OpenAI-compatible local server can). */
const NEEDS_KEY = new Set(['anthropic', 'gemini', 'openai-responses']);

export function describeMark(m: Pick<HealthTargetDto, 'state' | 'until' | 'reason'>, now: number): string {
  const what = m.state === 'locked' ? 'locked' : 'cooling down';
  const reason = m.reason === '' ? '' : `: ${m.reason}`;
  return `${what} until ${clock(m.until)} (${relative(m.until, now)})${reason}`;
}

export function marksOf(providerName: string, health: HealthDto | null): HealthTargetDto[] {
  return (health?.marks ?? []).filter((m) => (m.scope === 'provider' ? m.key === providerName : m.key.startsWith(`${providerName}/`)));
}

export function providerHealth(p: ProviderDto, health: HealthDto | null, route: RouteTargetDto | undefined, now: number): ProviderHealth {
  const marks = marksOf(p.name, health);
  const own = marks.filter((m) => m.scope === 'provider');
  const lock = own.find((m) => m.state === 'locked') ?? own[0];
  if (lock !== undefined) return { state: lock.state, text: describeMark(lock, now), marks };
  if (route?.state === 'no_credentials') return { state: 'no_credentials', text: `no credentials${route.reason ? `: ${route.reason}` : ''}`, marks };
  if (!p.hasApiKey && NEEDS_KEY.has(p.type)) return { state: 'no_credentials', text: 'no credentials: no API key stored', marks };
  const targets = marks.filter((m) => m.scope === 'target');
  if (targets.length > 0) {
    const locked = targets.filter((m) => m.state === 'locked').length;
    const cooling = targets.length - locked;
    const n = (k: number): string => `${k} target${k === 1 ? '' : 's'}`;
    const text = locked === 0 ? `ok, ${n(cooling)} cooling down` : cooling === 0 ? `ok, ${n(locked)} locked` : `ok, targets: ${cooling} cooling down, ${locked} locked`;
    return { state: 'ok', text, marks };
  }
  return { state: 'ok', text: 'ok', marks };
}

/** A combo target's state: its own mark, else its provider's. */
export function targetHealth(target: string, health: HealthDto | null, now: number): { state: HealthState; text: string } {
  const marks = health?.marks ?? [];
  const provider = target.includes('/') ? target.slice(0, target.indexOf('/')) : null;
  const m = marks.find((x) => x.scope === 'target' && x.key === target) ?? marks.find((x) => x.scope === 'provider' && x.key === provider);
  if (m === undefined) return { state: 'ok', text: provider === null ? 'combo' : 'ok' };
  return { state: m.state, text: describeMark(m, now) };
}
