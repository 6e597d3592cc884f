/** Plain-text output helpers: aligned tables, local times, durations, counts. */

export type Align = 'left' | 'right';

export interface Column {
  header: string;
  align?: Align;
  /**
   * Fixed width (cells are cut with … beyond it): for rows printed one by one,
   * as in `logs --follow`. `Infinity` for a last column that is never cut.
   */
  width?: number;
}

const GAP = '  ';
export const NONE = '-';

/** An aligned table: a header line, then one line per row. Columns are separated by two spaces. */
export function table(columns: readonly Column[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = columns.map((c, i) => c.width ?? Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const lines = [formatRow(columns, columns.map((c) => c.header), widths), ...rows.map((r) => formatRow(columns, r, widths))];
  return lines.join('\n');
}

/** One line of a table whose column widths are already known. */
export function formatRow(columns: readonly Column[], cells: readonly string[], widths: readonly number[]): string {
  const parts = columns.map((c, i) => {
    const w = widths[i] ?? 0;
    if (!Number.isFinite(w)) return cells[i] ?? ''; // unbounded (last) column
    const text = truncate(cells[i] ?? '', w);
    return c.align === 'right' ? text.padStart(w) : text.padEnd(w);
  });
  return parts.join(GAP).trimEnd();
}

/** Fixed widths for `formatRow`: each column's `width`, or its header's length. */
export function fixedWidths(columns: readonly Column[]): number[] {
  return columns.map((c) => Math.max(c.width ?? 0, c.header.length));
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : max <= 1 ? text.slice(0, max) : `${text.slice(0, max - 1)}…`;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `2025-01-31 14:03:22` in the local time zone; `-` for null. */
export function localTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return NONE;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** `3d 4h`, `2h 5m`, `4m 10s`, `12s`. */
export function duration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${sec}s`;
  return `${sec}s`;
}

/** `850ms`, `1.25s`; `-` for null. */
export function millis(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return NONE;
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(2)}s`;
}

/** `1,234,567`; `-` for null. */
export function count(n: number | null | undefined): string {
  if (n === null || n === undefined) return NONE;
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
