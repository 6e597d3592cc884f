/** Text helpers for the TUI: times, durations, counts, fixed-width cells. Pure. */

export const NONE = '-';

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `14:03:22` local time; `-` for null or unparsable. */
export function clock(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return NONE;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return NONE;
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** `2025-01-31 14:03` local time. */
export function dateTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return NONE;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return NONE;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** `45s`, `12m`, `3h 5m`, `4d 2h`. */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d ${h % 24}h`;
}

/** `3m ago` / `in 12m` relative to `now`; `never` for null. */
export function relative(iso: string | null | undefined, now: number, never = 'never'): string {
  if (iso === null || iso === undefined) return never;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return NONE;
  const d = t - now;
  if (Math.abs(d) < 1000) return 'now';
  return d > 0 ? `in ${span(d)}` : `${span(-d)} ago`;
}

/** Whole days between `iso` and `now`. */
export function ageDays(iso: string, now: number): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : Math.floor((now - t) / 86_400_000);
}

/** `120 ms`, `3.4 s`; `-` for null. */
export function millis(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return NONE;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** `950`, `12.3k`, `4.5M`; `-` for null. */
export function count(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return NONE;
  if (Math.abs(n) < 1000) return String(Math.round(n));
  if (Math.abs(n) < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)}k`;
  return `${(n / 1_000_000).toFixed(n < 10_000_000 ? 2 : 1)}M`;
}

export function percent(part: number, whole: number): string {
  if (whole === 0) return NONE;
  const p = (part / whole) * 100;
  return `${p < 10 && p > 0 ? p.toFixed(1) : Math.round(p)}%`;
}

/** Display width: one column per code point (the TUI prints no wide characters of its own). */
export function width(text: string): number {
  return [...text].length;
}

/** Cut to `max` columns with `…`. */
export function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  const chars = [...text];
  if (chars.length <= max) return text;
  return max === 1 ? '…' : `${chars.slice(0, max - 1).join('')}…`;
}

/** Exactly `w` columns: cut or padded (right-aligned with `right`). */
export function cell(text: string, w: number, right = false): string {
  const t = truncate(text, w);
  const padLen = Math.max(0, w - width(t));
  return right ? ' '.repeat(padLen) + t : t + ' '.repeat(padLen);
}

/** The local midnight before `now`, as ISO-8601 (for "today"). */
export function localMidnight(now: number): string {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}

/** The message of anything thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
