/**
 * Live traffic series for the Overview sparklines, computed from the request
 * log entries the TUI holds (the recent ones loaded at start, then the live
 * stream). Pure: the caller passes the time.
 */
import type { LogEntryDto } from '../shared/admin-types.js';

export const SPARK_GLYPHS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/**
 * One glyph per value, scaled to the series' maximum (or `max`); `null` (no
 * data in that bucket) is a blank, so a gap reads as "nothing happened".
 */
export function sparkline(values: ReadonlyArray<number | null>, max?: number): string {
  const top = max ?? Math.max(0, ...values.map((v) => v ?? 0));
  return values
    .map((v) => {
      if (v === null) return ' ';
      if (top <= 0 || v <= 0) return SPARK_GLYPHS[0];
      const i = Math.min(SPARK_GLYPHS.length - 1, Math.max(0, Math.ceil((v / top) * SPARK_GLYPHS.length) - 1));
      return SPARK_GLYPHS[i];
    })
    .join('');
}

export interface TrafficSeries {
  /** Requests per second in each bucket (0 when idle). */
  rate: number[];
  /** Share of failed requests (status >= 400), 0..1; null for a bucket without requests. */
  errorRate: Array<number | null>;
  /** Median latency in ms; null for a bucket without requests. */
  latency: Array<number | null>;
  /** Totals over the whole window. */
  requests: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  /** Requests per second over the last bucket that is complete. */
  currentRate: number;
}

/** Buckets of `bucketMs` ending at `now` (the last one is the current, partial bucket), oldest first. */
export function trafficSeries(entries: readonly LogEntryDto[], now: number, buckets: number, bucketMs: number): TrafficSeries {
  const n = Math.max(1, buckets);
  const start = now - n * bucketMs;
  const counts = new Array<number>(n).fill(0);
  const errors = new Array<number>(n).fill(0);
  const lat: number[][] = Array.from({ length: n }, () => []);
  const all: number[] = [];
  for (const e of entries) {
    const t = Date.parse(e.time);
    if (Number.isNaN(t) || t <= start || t > now) continue;
    const i = Math.min(n - 1, Math.floor((t - start) / bucketMs));
    counts[i] = (counts[i] ?? 0) + 1;
    if (e.status >= 400) errors[i] = (errors[i] ?? 0) + 1;
    lat[i]?.push(e.latencyMs);
    all.push(e.latencyMs);
  }
  const secs = bucketMs / 1000;
  const total = counts.reduce((a, b) => a + b, 0);
  const lastFull = n >= 2 ? (counts[n - 2] ?? 0) : (counts[0] ?? 0);
  return {
    rate: counts.map((c) => c / secs),
    errorRate: counts.map((c, i) => (c === 0 ? null : (errors[i] ?? 0) / c)),
    latency: lat.map((l) => (l.length === 0 ? null : quantile(l, 0.5))),
    requests: total,
    errors: errors.reduce((a, b) => a + b, 0),
    p50: all.length === 0 ? null : quantile(all, 0.5),
    p95: all.length === 0 ? null : quantile(all, 0.95),
    currentRate: lastFull / secs,
  };
}

/** Nearest-rank quantile of a non-empty list. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? 0;
}
