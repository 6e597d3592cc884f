import type { MediaSource, PivotUsage, ReasoningEffort } from './types.js';

/** `data:<type>;base64,<data>` → base64 source; any other URL stays a URL source. */
export function mediaFromUrl(url: string): MediaSource {
  const m = /^data:([^;,]+)?(?:;[^;,=]+=[^;,]*)*;base64,(.*)$/s.exec(url);
  if (m) return { kind: 'base64', mediaType: m[1] ?? 'application/octet-stream', data: m[2]! };
  return { kind: 'url', url };
}

export function mediaToUrl(src: MediaSource): string {
  return src.kind === 'url' ? src.url : `data:${src.mediaType};base64,${src.data}`;
}

/** Tool-call arguments as an object, for formats that carry objects (Anthropic `input`, Gemini `args`). Invalid JSON becomes `{}` only when empty. */
export function argsToObject(args: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  const v: unknown = JSON.parse(args);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : null;
}

/** Fills totalTokens from input+output when the format does not give it. */
export function completeUsage(u: PivotUsage): PivotUsage {
  if (u.totalTokens !== null || (u.inputTokens === null && u.outputTokens === null)) return u;
  // one literal with every member (no spread: on the /v1 path spreads measured far dearer than their size, see README)
  return {
    inputTokens: u.inputTokens,
    outputTokens: u.outputTokens,
    totalTokens: (u.inputTokens ?? 0) + (u.outputTokens ?? 0),
    cachedTokens: u.cachedTokens,
    cacheWriteTokens: u.cacheWriteTokens,
    reasoningTokens: u.reasoningTokens,
  };
}

/** One SSE event as bytes: `event: NAME\n` (if named) and `data: JSON\n\n`. */
export function sseEvent(name: string | null, data: unknown): string {
  const json = typeof data === 'string' ? data : JSON.stringify(data);
  return name === null ? `data: ${json}\n\n` : `event: ${name}\ndata: ${json}\n\n`;
}

/** Later non-null counts win (formats that report usage in several events, or in parts). */
export function mergePivotUsage(a: PivotUsage | null, b: PivotUsage): PivotUsage {
  if (!a) return b;
  return {
    inputTokens: b.inputTokens ?? a.inputTokens,
    outputTokens: b.outputTokens ?? a.outputTokens,
    totalTokens: b.totalTokens ?? a.totalTokens,
    cachedTokens: b.cachedTokens ?? a.cachedTokens,
    cacheWriteTokens: b.cacheWriteTokens ?? a.cacheWriteTokens,
    reasoningTokens: b.reasoningTokens ?? a.reasoningTokens,
  };
}

/** A thinking budget on the effort scale, for targets that take an effort only (≤2048 low, ≤8192 medium, else high). */
export function effortForBudget(budget: number): Exclude<ReasoningEffort, 'minimal'> {
  if (budget <= 2048) return 'low';
  if (budget <= 8192) return 'medium';
  return 'high';
}
