/**
 * Redaction of secrets in what krouter writes down about a request (debug
 * captures): credential headers, credential query parameters, credential
 * fields of JSON bodies, and anything in text that looks like a secret
 * (sk-…, Bearer …, long mixed letter-and-digit tokens). Every pattern here is
 * linear in the input: captures are bounded, but they are redacted on the
 * daemon's event loop.
 */

export const REDACTED = '[redacted]';

/** Header names whose values are credentials, whatever they look like. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'x-goog-api-key', 'api-key', 'cookie', 'set-cookie', 'x-auth-token', 'x-csrf-token']);
const SECRET_HEADER_PART = /auth|token|secret|passw|cookie|session|api-?key|credential/i;

/** Query parameters whose values are credentials (`?key=` is how Gemini clients send theirs). */
const SECRET_PARAM = /^(key|api[-_]?key|apikey|token|access[-_]?token|auth|secret|password|sig|signature|x-goog-api-key)$/i;

/** JSON fields whose string values are credentials (not `max_tokens` and other counts: only strings are redacted). */
const SECRET_FIELD = /^(api[-_]?key|apikey|x-api-key|secret|client[-_]?secret|password|passwd|access[-_]?token|refresh[-_]?token|id[-_]?token|token|auth|authorization|cookie|credentials?|private[-_]?key)$/i;

const BEARER = /\b(Bearer|Basic)\s+[^\s"',;]+/gi;
const PREFIXED = /\b(sk|pk|rk|gsk|xai|AIza|hf|pplx|fw|r8|nvapi|ghp|gho|ghs|ghu|github_pat|glpat|ya29|xox[abpr])[-_A-Za-z0-9]{8,}/g;
const LONG_RUN = /[A-Za-z0-9_\-+/=]{40,}/g;

/** Secret-looking values in free text replaced by `[redacted]`. */
export function redactText(text: string): string {
  return text
    .replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(PREFIXED, REDACTED)
    .replace(LONG_RUN, (run) => (/\d/.test(run) && /[A-Za-z]/.test(run) ? REDACTED : run));
}

export function isSecretHeader(name: string): boolean {
  const n = name.toLowerCase();
  return SECRET_HEADERS.has(n) || SECRET_HEADER_PART.test(n);
}

type HeaderValue = string | string[] | number | undefined;

/** Headers as a plain object of strings, credentials replaced. */
export function redactHeaders(headers: Readonly<Record<string, HeaderValue>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(', ') : String(raw);
    out[name.toLowerCase()] = isSecretHeader(name) ? REDACTED : redactText(value);
  }
  return out;
}

/** A request target (`/v1/x?key=…`) with credential query values replaced. */
export function redactPath(pathAndQuery: string): string {
  const q = pathAndQuery.indexOf('?');
  if (q < 0) return redactText(pathAndQuery);
  const params = new URLSearchParams(pathAndQuery.slice(q + 1));
  const out: string[] = [];
  for (const [k, v] of params) out.push(`${encodeURIComponent(k)}=${SECRET_PARAM.test(k) ? REDACTED : encodeURIComponent(redactText(v))}`);
  return `${redactText(pathAndQuery.slice(0, q))}?${out.join('&')}`;
}

/** A deep copy of a JSON value with credential fields and secret-looking strings replaced. */
export function redactJson(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 64) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redactJson(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = typeof v === 'string' && SECRET_FIELD.test(k) ? REDACTED : redactJson(v, depth + 1);
  }
  return out;
}
