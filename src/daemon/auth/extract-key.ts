import type { IncomingHttpHeaders } from 'node:http';

/**
 * The one place a /v1 credential is read from: `Authorization: Bearer`,
 * `x-api-key` (Anthropic clients), `x-goog-api-key` (Gemini clients) or the
 * `?key=` query parameter (Gemini REST). First present wins, in that order.
 */
export function extractApiKey(headers: IncomingHttpHeaders, query: URLSearchParams | null): string | null {
  const auth = headers['authorization'];
  if (typeof auth === 'string' && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') {
    const v = auth.slice(7).trim();
    if (v.length > 0) return v;
  }
  const x = headers['x-api-key'];
  if (typeof x === 'string' && x.length > 0) return x.trim();
  const g = headers['x-goog-api-key'];
  if (typeof g === 'string' && g.length > 0) return g.trim();
  const q = query?.get('key');
  return q !== null && q !== undefined && q.length > 0 ? q : null;
}
