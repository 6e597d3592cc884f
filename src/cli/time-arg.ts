/** `--since` / `--until` values: relative (`30m`, `24h`, `7d`, `2w`, `now`) or ISO-8601, turned into ISO-8601 UTC. */
import { UsageError } from './cli-errors.js';

const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

export function parseTimeArg(option: string, value: string, now: number = Date.now()): string {
  const v = value.trim();
  if (v === 'now') return new Date(now).toISOString();
  const rel = /^(\d+)\s*([smhdw])$/.exec(v);
  if (rel) {
    const n = Number(rel[1]);
    const unit = UNIT_MS[rel[2] ?? ''] ?? 0;
    return new Date(now - n * unit).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(v)) {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  throw new UsageError(
    `--${option} "${value}" is not a time: use a relative time before now (30m, 24h, 7d, 2w), \`now\`, or an ISO-8601 date such as 2025-01-31 or 2025-01-31T12:00:00Z.`,
  );
}
