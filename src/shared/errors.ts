/**
 * Stable error codes shared by every surface (/v1, admin API, CLI).
 * A code never changes meaning once released; add new ones instead.
 */
export const ERROR_CODES = {
  // request parsing (/v1 and admin)
  invalid_json: 400,
  invalid_request: 400,
  unsupported_content_type: 415,
  body_too_large: 413,
  request_timeout: 408,
  not_found: 404,
  method_not_allowed: 405,
  // auth
  missing_api_key: 401,
  invalid_api_key: 401,
  ip_locked_out: 429,
  // routing
  model_not_found: 404,
  all_targets_failed: 502,
  all_targets_cooling_down: 429,
  unsupported_content: 400,
  client_closed: 499,
  upstream_error: 502,
  upstream_timeout: 504,
  daemon_shutting_down: 503,
  // admin writes
  validation_failed: 400,
  name_taken: 409,
  cycle_detected: 400,
  origin_refused: 403,
  // daemon start / local environment
  config_invalid: 1,
  socket_in_use: 1,
  daemon_unreachable: 1,
  secret_unavailable: 1,
  store_unavailable: 1,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The one error class of krouter: a stable code, an HTTP status, and a message that says what to do. */
export class KrouterError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: { status?: number; details?: Record<string, unknown>; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KrouterError';
    this.code = code;
    const fallback = ERROR_CODES[code];
    this.status = options?.status ?? (fallback >= 100 ? fallback : 500);
    this.details = options?.details;
  }
}

export function isKrouterError(e: unknown): e is KrouterError {
  return e instanceof KrouterError;
}

/** The admin API's error body: `{error: {code, message}}`. */
export interface AdminErrorBody {
  error: { code: ErrorCode | string; message: string; details?: Record<string, unknown> };
}
