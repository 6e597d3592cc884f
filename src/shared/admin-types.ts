/**
 * The admin API's contract: routes (all under /admin/v1, over the Unix socket)
 * and the JSON shapes they exchange. The daemon implements them; the CLI and
 * the TUI reach them only through ./admin-client.ts.
 *
 *   GET    /admin/v1/status                      -> StatusDto
 *   GET    /admin/v1/keys                        -> { keys: KeyDto[] }
 *   POST   /admin/v1/keys            {name}      -> KeySecretDto      (201)
 *   POST   /admin/v1/keys/:ref/rotate            -> KeySecretDto
 *   POST   /admin/v1/keys/:ref/revoke            -> { key: KeyDto }
 *   GET    /admin/v1/providers                   -> { providers: ProviderDto[] }
 *   PUT    /admin/v1/providers/:name ProviderInput -> { provider: ProviderDto, created: boolean }
 *   DELETE /admin/v1/providers/:name             -> { removed: string }
 *   GET    /admin/v1/combos                      -> { combos: ComboDto[] }
 *   PUT    /admin/v1/combos/:name    ComboInput  -> { combo: ComboDto, created: boolean }
 *   DELETE /admin/v1/combos/:name                -> { removed: string }
 *   GET    /admin/v1/route?model=M               -> RouteExplainDto
 *   GET    /admin/v1/usage?by=&since=&until=     -> UsageDto
 *   GET    /admin/v1/logs?limit=&before=         -> { entries: LogEntryDto[] }
 *   GET    /admin/v1/logs/stream                 -> NDJSON of LogEntryDto, one per line
 *                                                   (SSE `data:` lines with Accept: text/event-stream)
 *   GET    /admin/v1/logs/:id                    -> LogDetailDto
 *   GET    /admin/v1/health                      -> HealthDto
 *   GET    /admin/v1/lockouts                    -> { lockouts: LockoutDto[] }
 *   DELETE /admin/v1/lockouts                    -> { cleared: number }
 *   DELETE /admin/v1/lockouts/:ip                -> { cleared: number }   (:ip URL-encoded; an IPv6 /64 as shown in the list)
 *   GET    /admin/v1/debug                       -> DebugDto
 *   PUT    /admin/v1/debug      DebugInput       -> DebugDto
 *   GET    /admin/v1/audit?url=URL               -> AuditDto
 *
 * `:ref` is a key's id or its name. Timestamps are ISO-8601 strings (UTC).
 * While debug mode is on, every answer carries `x-krouter-debug: on; until=ISO`.
 * Failures: `{error: {code, message}}` with a matching HTTP status.
 */

export const ADMIN_PREFIX = '/admin/v1';

export interface StatusDto {
  version: string;
  pid: number;
  startedAt: string;
  uptimeSeconds: number;
  listen: { bind: string; port: number; url: string };
  home: string;
  socket: string;
  counts: { keys: number; providers: number; combos: number };
  requests: { total: number; inFlight: number };
  debug: { enabled: boolean; until: string | null };
}

export interface KeyDto {
  id: string;
  name: string;
  /** The first characters of the key, enough to recognise it, never enough to use it. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Returned once, at create and rotate: the only time the key's secret is ever shown. */
export interface KeySecretDto {
  key: KeyDto;
  secret: string;
}

export const PROVIDER_TYPES = ['openai', 'openai-responses', 'anthropic', 'gemini'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

export interface ProviderInput {
  type: ProviderType;
  baseUrl: string;
  /** Write-only. Omit to keep the stored key on update; `null` removes it. */
  apiKey?: string | null;
  /** Extra headers sent upstream (values are stored encrypted and never returned). */
  headers?: Record<string, string>;
  /** Known model ids; omitted = fetched from the provider's /models and cached. */
  models?: string[] | null;
}

export interface ProviderDto {
  name: string;
  type: ProviderType;
  baseUrl: string;
  hasApiKey: boolean;
  /**
   * Why the stored key or headers cannot be used (tampered with, database from
   * another machine, secret.key or security.bindSecretsToMachine changed), or
   * null. While set, the provider is skipped (state no_credentials) until its
   * key is re-added. (Always sent by this daemon; optional for older ones.)
   */
  credentialProblem?: string | null;
  /** Names only; values are secret-bearing and never leave the daemon. */
  headerNames: string[];
  models: string[] | null;
  modelsSource: 'configured' | 'fetched' | 'none';
  createdAt: string;
  updatedAt: string;
}

export type ComboStrategy = 'fallback' | 'round-robin';

export interface ComboInput {
  targets: string[];
  strategy?: ComboStrategy;
}

export interface ComboDto {
  name: string;
  strategy: ComboStrategy;
  targets: string[];
  createdAt: string;
  updatedAt: string;
}

export type TargetState = 'ok' | 'cooling_down' | 'locked' | 'no_credentials' | 'unknown_provider';

export interface RouteTargetDto {
  /** `provider/model` */
  target: string;
  provider: string;
  model: string;
  /** Combos walked to reach this target, outermost first. */
  via: string[];
  state: TargetState;
  until: string | null;
  reason: string | null;
}

export interface RouteExplainDto {
  model: string;
  kind: 'combo' | 'direct';
  strategy: ComboStrategy | null;
  targets: RouteTargetDto[];
}

export type UsageGroupBy = 'key' | 'model' | 'provider';

export interface UsageRowDto {
  group: string;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
}

export interface UsageDto {
  by: UsageGroupBy;
  since: string;
  until: string;
  rows: UsageRowDto[];
  totals: Omit<UsageRowDto, 'group'>;
}

export interface AttemptDto {
  target: string;
  status: number | null;
  /** Stable failure class: ok, client_error, target_fatal, transient. */
  outcome: 'ok' | 'client_error' | 'target_fatal' | 'transient';
  reason: string;
  latencyMs: number;
}

export interface LogEntryDto {
  id: number;
  time: string;
  keyId: string | null;
  keyName: string | null;
  clientIp: string;
  route: string;
  modelAsked: string | null;
  target: string | null;
  attempts: AttemptDto[];
  status: number;
  errorCode: string | null;
  stream: boolean;
  latencyMs: number;
  ttfbMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  cachedTokens: number | null;
  reasoningTokens: number | null;
}

export interface LogDetailDto {
  entry: LogEntryDto;
  /** Full request/response bodies, only when debug mode captured this request (secrets redacted). */
  capture: { request: unknown; response: unknown } | null;
}

export interface HealthTargetDto {
  /** `provider/model`, or a provider name for provider-wide marks. */
  key: string;
  scope: 'target' | 'provider';
  state: 'cooling_down' | 'locked';
  until: string;
  reason: string;
}

export interface HealthDto {
  /** Every live cooldown or lock; a target or provider not listed is ok. */
  marks: HealthTargetDto[];
}

export interface LockoutDto {
  /** A client IPv4 address, or an IPv6 /64 prefix (`2001:db8:1:2::/64`). */
  ip: string;
  failures: number;
  windowStartedAt: string;
  /** Set while the address is locked out. */
  lockedUntil: string | null;
}

/** The header on every admin answer while debug mode is on: `on; until=2025-01-31T12:00:00.000Z`. */
export const DEBUG_HEADER = 'x-krouter-debug';

export interface DebugInput {
  enabled: boolean;
  /** Auto-expiry; default 30 minutes, at most 24 hours. */
  forSeconds?: number;
}

export interface DebugDto {
  enabled: boolean;
  until: string | null;
  /** Folder of the capture files. */
  dir: string;
}

export interface AuditCheckDto {
  id: string;
  title: string;
  ok: boolean;
  /** What was found. */
  detail: string;
  /** How to fix it, when not ok. */
  fix: string | null;
}

export interface AuditDto {
  ok: boolean;
  checks: AuditCheckDto[];
}
