import type { AttemptDto } from '../../shared/admin-types.js';

export type Outcome = AttemptDto['outcome'];

export interface Classification {
  outcome: Exclude<Outcome, 'ok'>;
  /** Whose fault: this model on this provider, or the whole provider (credentials, host). */
  scope: 'target' | 'provider';
  reason: string;
}

const MODEL_MISSING = /model[^.]{0,80}\b(not found|does not exist|not exist|unknown|not available|not supported|invalid)\b|\bunknown model\b|\bno such model\b/i;

/**
 * Sorts an upstream HTTP failure into the three classes the fallback policy
 * knows. `body` is (the start of) the error body, used only to spot "model not
 * found" errors that some providers return as 400 or 422.
 */
export function classifyStatus(status: number, body: string): Classification {
  const detail = errorDetail(body);
  const reason = `HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 401 || status === 403) return { outcome: 'target_fatal', scope: 'provider', reason };
  if (status === 404) return { outcome: 'target_fatal', scope: 'target', reason };
  if (status === 408 || status === 425 || status === 429 || status >= 500) return { outcome: 'transient', scope: 'target', reason };
  // Gemini answers a bad API key with 400 INVALID_ARGUMENT / API_KEY_INVALID: the provider's credentials, not the client's request.
  if (status === 400 && /API_KEY_INVALID|API key not valid|API key expired/i.test(body)) return { outcome: 'target_fatal', scope: 'provider', reason };
  if (status === 400 || status === 422) {
    if (/model_not_found/.test(body) || MODEL_MISSING.test(detail ?? body.slice(0, 500))) return { outcome: 'target_fatal', scope: 'target', reason };
    return { outcome: 'client_error', scope: 'target', reason };
  }
  if (status === 409 || status === 413 || status === 415) return { outcome: 'client_error', scope: 'target', reason };
  // 402 payment required and other 4xx: this account cannot serve it now.
  return { outcome: 'target_fatal', scope: 'provider', reason };
}

/** Network-level failures (undici / node error codes) before any response byte. */
export function classifyNetworkError(err: unknown): Classification {
  const code = (err as { code?: unknown } | null)?.code;
  const name = typeof code === 'string' ? code : (err as Error | null)?.name ?? 'Error';
  // The SSRF guard refused the address the provider's host resolved to: no retry helps; the message names the rule.
  if (name === 'KROUTER_SSRF_REFUSED') return { outcome: 'target_fatal', scope: 'provider', reason: (err as Error).message };
  const scope = name === 'ECONNREFUSED' || name === 'ENOTFOUND' || name === 'EAI_AGAIN' || name === 'UND_ERR_CONNECT_TIMEOUT' ? 'provider' : 'target';
  return { outcome: 'transient', scope, reason: networkReason(name) };
}

function networkReason(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED)';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `connection reset before the response (${code})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host name did not resolve (${code})`;
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect timed out (UND_ERR_CONNECT_TIMEOUT)';
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'no response headers in time (UND_ERR_HEADERS_TIMEOUT)';
    case 'UND_ERR_BODY_TIMEOUT':
      return 'response body stalled (UND_ERR_BODY_TIMEOUT)';
    case 'KROUTER_FIRST_EVENT_TIMEOUT':
      return 'no first stream event in time';
    default:
      return `network error (${code})`;
  }
}

/** A short, secret-free description from a provider error body (`error.message` or `message`), at most 200 chars. */
export function errorDetail(body: string): string | null {
  if (body.length === 0) return null;
  let msg: unknown = null;
  try {
    const j = JSON.parse(body) as Record<string, unknown>;
    const e = j['error'];
    msg = e && typeof e === 'object' ? (e as Record<string, unknown>)['message'] : typeof e === 'string' ? e : j['message'];
  } catch {
    return null;
  }
  if (typeof msg !== 'string' || msg.length === 0) return null;
  return redactSecrets(msg).slice(0, 200);
}

/** Providers sometimes echo part of the key they were given ("Incorrect API key provided: sk-abc…"). */
export function redactSecrets(s: string): string {
  return s
    .replace(/\b(sk|pk|rk|gsk|xai|key|AIza|hf|pplx|fw|r8|nvapi|ghp|gho|glpat|ya29)[-_A-Za-z0-9]{8,}/g, '[redacted]')
    .replace(/\b[A-Fa-f0-9]{32,}\b/g, '[redacted]')
    .replace(/\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{40,}\b/g, '[redacted]').replace(/Bearer\s+\S+/gi, 'Bearer [redacted]');
}

/** IMF-fixdate, the one date form HTTP senders must use (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`. */
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** Retry-After (seconds or HTTP date) in ms, bounded, or null. */
export function retryAfterMs(value: string | string[] | undefined, now: number, maxMs: number): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.length === 0) return null;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(v.trim())) ms = Math.ceil(Number(v) * 1000);
  else if (!HTTP_DATE.test(v.trim())) return null;
  else {
    const t = Date.parse(v);
    if (Number.isNaN(t)) return null;
    ms = t - now;
  }
  if (!(ms > 0)) return null;
  return Math.min(ms, maxMs);
}
