/**
 * The one typed client of the admin API (see ./admin-types.ts for the routes).
 * HTTP/1.1 over the daemon's Unix socket, JSON in and out. Used by the CLI and
 * the TUI; it never sends an Origin header (the daemon refuses requests that
 * carry one, so a browser can never drive it).
 *
 * Methods return the response bodies exactly as the API sends them, so that
 * `--json` output is the wire document and envelopes can grow without breaking.
 */
import http from 'node:http';
import {
  ADMIN_PREFIX,
  DEBUG_HEADER,
  type AuditDto,
  type DebugDto,
  type DebugInput,
  type ComboDto,
  type ComboInput,
  type HealthDto,
  type KeyDto,
  type KeySecretDto,
  type LockoutDto,
  type LogDetailDto,
  type LogEntryDto,
  type ProviderDto,
  type ProviderInput,
  type RouteExplainDto,
  type StatusDto,
  type UsageDto,
  type UsageGroupBy,
} from './admin-types.js';
import { KrouterError, type AdminErrorBody, type ErrorCode } from './errors.js';
import { LineSplitter, parseNdjsonLine } from './ndjson.js';

export interface AdminClientOptions {
  /** Longest wait for a complete answer (for streamLogs: for the response headers). Default 10 s. */
  timeoutMs?: number;
  /**
   * Called with the daemon's debug-mode state after every answer (read from
   * the `x-krouter-debug` header the daemon puts on each one), so a CLI can
   * print its banner and the TUI its indicator without an extra call.
   */
  onDebugState?: (state: DebugState) => void;
}

/** Debug mode as announced on every admin answer (`x-krouter-debug: on; until=ISO`, absent while off). */
export interface DebugState {
  enabled: boolean;
  until: string | null;
}

/** Parses the x-krouter-debug header value (`on; until=2025-01-31T12:00:00.000Z`); absent = off. */
export function parseDebugHeader(value: string | string[] | undefined): DebugState {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || !/^\s*on\b/i.test(v)) return { enabled: false, until: null };
  const until = /until=([^;\s]+)/.exec(v)?.[1] ?? null;
  return { enabled: true, until };
}

/** `krouter audit` runs network probes against /v1: give it longer than the ordinary calls. */
const AUDIT_TIMEOUT_MS = 120_000;

export interface KeyListDto { keys: KeyDto[] }
export interface KeyRevokedDto { key: KeyDto }
export interface ProviderListDto { providers: ProviderDto[] }
export interface ProviderPutDto { provider: ProviderDto; created: boolean }
export interface ComboListDto { combos: ComboDto[] }
export interface ComboPutDto { combo: ComboDto; created: boolean }
export interface RemovedDto { removed: string }
export interface LogListDto { entries: LogEntryDto[] }
export interface LockoutListDto { lockouts: LockoutDto[] }
export interface ClearedDto { cleared: number }

export interface UsageQuery {
  by: UsageGroupBy;
  /** ISO-8601 timestamp. */
  since?: string;
  /** ISO-8601 timestamp. */
  until?: string;
}

export interface RecentLogsQuery {
  limit?: number;
  /** A log entry id: only entries older than it (for paging back). */
  before?: number;
}

export interface StreamLogsOptions {
  /** Called once the daemon has accepted the stream (2xx headers received), before any entry. */
  onOpen?: () => void;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Query = Record<string, string | number | undefined>;

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_ERROR_SNIPPET = 200;

export class AdminClient {
  readonly socketPath: string;
  private readonly timeoutMs: number;
  private readonly onDebugState: ((state: DebugState) => void) | undefined;
  private debugSeen: DebugState | null = null;

  constructor(socketPath: string, opts: AdminClientOptions = {}) {
    this.socketPath = socketPath;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.onDebugState = opts.onDebugState;
  }

  /** Debug mode as the last answer announced it; null before the first answer. */
  get debugState(): DebugState | null {
    return this.debugSeen;
  }

  status(): Promise<StatusDto> {
    return this.request('GET', '/status');
  }

  listKeys(): Promise<KeyListDto> {
    return this.request('GET', '/keys');
  }

  createKey(name: string): Promise<KeySecretDto> {
    return this.request('POST', '/keys', { body: { name } });
  }

  rotateKey(ref: string): Promise<KeySecretDto> {
    return this.request('POST', `/keys/${seg(ref)}/rotate`);
  }

  revokeKey(ref: string): Promise<KeyRevokedDto> {
    return this.request('POST', `/keys/${seg(ref)}/revoke`);
  }

  listProviders(): Promise<ProviderListDto> {
    return this.request('GET', '/providers');
  }

  putProvider(name: string, input: ProviderInput): Promise<ProviderPutDto> {
    return this.request('PUT', `/providers/${seg(name)}`, { body: input });
  }

  removeProvider(name: string): Promise<RemovedDto> {
    return this.request('DELETE', `/providers/${seg(name)}`);
  }

  listCombos(): Promise<ComboListDto> {
    return this.request('GET', '/combos');
  }

  putCombo(name: string, input: ComboInput): Promise<ComboPutDto> {
    return this.request('PUT', `/combos/${seg(name)}`, { body: input });
  }

  removeCombo(name: string): Promise<RemovedDto> {
    return this.request('DELETE', `/combos/${seg(name)}`);
  }

  explainRoute(model: string): Promise<RouteExplainDto> {
    return this.request('GET', '/route', { query: { model } });
  }

  usage(q: UsageQuery): Promise<UsageDto> {
    return this.request('GET', '/usage', { query: { by: q.by, since: q.since, until: q.until } });
  }

  /** Newest first, as the daemon sends them. */
  recentLogs(q: RecentLogsQuery = {}): Promise<LogListDto> {
    return this.request('GET', '/logs', { query: { limit: q.limit, before: q.before } });
  }

  /** One request's log entry, with its bodies when debug mode captured them. */
  logDetail(id: number): Promise<LogDetailDto> {
    return this.request('GET', `/logs/${seg(String(id))}`);
  }

  /** Live cooldowns and locks of targets and providers (anything not listed is ok). */
  health(): Promise<HealthDto> {
    return this.request('GET', '/health');
  }

  /** Current failed-authentication windows and lockouts per client address, locked first. */
  listLockouts(): Promise<LockoutListDto> {
    return this.request('GET', '/lockouts');
  }

  /** Lifts the lockout and forgets the failures of one address (an IPv6 one: its /64), or of all. */
  clearLockouts(ip?: string): Promise<ClearedDto> {
    return this.request('DELETE', ip === undefined ? '/lockouts' : `/lockouts/${seg(ip)}`);
  }

  /** Debug mode: on or off, until when, and where captures are written. */
  getDebug(): Promise<DebugDto> {
    return this.request('GET', '/debug');
  }

  /** Turns debug mode on (for `forSeconds`, default 30 min, at most 24 h) or off. */
  setDebug(input: DebugInput): Promise<DebugDto> {
    return this.request('PUT', '/debug', { body: input });
  }

  /** Runs the security checklist against the running daemon; `url`: the public /v1 URL to probe (default: its own listener). */
  audit(q: { url?: string } = {}): Promise<AuditDto> {
    return this.request('GET', '/audit', { query: { url: q.url }, timeoutMs: Math.max(this.timeoutMs, AUDIT_TIMEOUT_MS) });
  }

  /**
   * Follows the live request log (NDJSON on a long-lived GET): calls `onEntry`
   * for each new entry. Resolves when `signal` aborts or the daemon ends the
   * stream; rejects if the daemon cannot be reached, answers with an error, the
   * connection breaks, a line is not JSON, or `onEntry` throws.
   */
  streamLogs(onEntry: (e: LogEntryDto) => void, signal: AbortSignal, opts: StreamLogsOptions = {}): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const req = this.open('GET', '/logs/stream', undefined, 'application/x-ndjson');
      let settled = false;
      const finish = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        req.destroy();
        if (err === undefined) resolve();
        else reject(err);
      };
      const onAbort = (): void => finish();
      signal.addEventListener('abort', onAbort, { once: true });

      req.setTimeout(this.timeoutMs, () => finish(this.timeoutError()));
      // After finish() the destroy above may emit 'error' (socket hang up): settled, so ignored.
      req.on('error', (err) => finish(this.transportError(err)));
      req.on('response', (res) => {
        this.noteDebug(res);
        // Headers are in: from here on the stream may stay silent for as long as there is no traffic.
        req.setTimeout(0);
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          readAll(res)
            .then((text) => finish(this.httpError(status, text)))
            .catch((err: unknown) => finish(this.transportError(err)));
          return;
        }
        try {
          opts.onOpen?.();
        } catch (err) {
          finish(err);
          return;
        }
        const splitter = new LineSplitter();
        const deliver = (lines: string[]): boolean => {
          for (const line of lines) {
            if (settled) return false; // e.g. onEntry aborted the signal
            let value: unknown;
            try {
              value = parseNdjsonLine(line);
            } catch {
              finish(new KrouterError('internal_error', `the daemon sent a log stream line that is not JSON: ${snippet(line)}`));
              return false;
            }
            if (value === undefined) continue;
            try {
              onEntry(value as LogEntryDto);
            } catch (err) {
              finish(err);
              return false;
            }
          }
          return true;
        };
        res.on('data', (chunk: Buffer) => {
          if (!settled) deliver(splitter.push(chunk));
        });
        res.on('end', () => {
          if (settled) return;
          if (deliver(splitter.end())) finish();
        });
        res.on('aborted', () => {
          finish(new KrouterError('daemon_unreachable', `the krouter daemon closed the log stream on ${this.socketPath} (it stopped or restarted).`));
        });
        res.on('error', (err) => finish(this.transportError(err)));
      });
      req.end();
    });
  }

  private request<T>(method: Method, path: string, opts: { query?: Query; body?: unknown; timeoutMs?: number } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
      const req = this.open(method, path + queryString(opts.query), payload, 'application/json');
      const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
      req.setTimeout(timeoutMs, () => {
        req.destroy(this.timeoutError(timeoutMs));
      });
      req.on('error', (err) => reject(err instanceof KrouterError ? err : this.transportError(err)));
      req.on('response', (res) => {
        this.noteDebug(res);
        const status = res.statusCode ?? 0;
        readAll(res)
          .then((text) => {
            if (status < 200 || status > 299) {
              reject(this.httpError(status, text));
              return;
            }
            if (text.length === 0) {
              reject(new KrouterError('internal_error', `the daemon answered ${method} ${ADMIN_PREFIX}${path} with HTTP ${status} and an empty body; expected JSON.`, { status }));
              return;
            }
            try {
              resolve(JSON.parse(text) as T);
            } catch {
              reject(new KrouterError('internal_error', `the daemon answered ${method} ${ADMIN_PREFIX}${path} with a body that is not JSON: ${snippet(text)}`, { status }));
            }
          })
          .catch((err: unknown) => reject(err instanceof KrouterError ? err : this.transportError(err)));
      });
      req.end(payload);
    });
  }

  private open(method: Method, pathAndQuery: string, payload: string | undefined, accept: string): http.ClientRequest {
    const headers: http.OutgoingHttpHeaders = { host: 'localhost', accept };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    // agent: false -> a fresh connection per request and no pooled socket that
    // could keep a short-lived CLI process alive.
    return http.request({ socketPath: this.socketPath, method, path: ADMIN_PREFIX + pathAndQuery, headers, agent: false });
  }

  private httpError(status: number, text: string): KrouterError {
    const body = tryParse(text);
    if (isErrorBody(body)) {
      // The daemon may know codes newer than this client; keep its code as sent.
      return new KrouterError(body.error.code as ErrorCode, body.error.message, { status, details: body.error.details });
    }
    return new KrouterError('internal_error', `the daemon answered HTTP ${status} without an error body${text.length > 0 ? `: ${snippet(text)}` : ''}. Is ${this.socketPath} really a krouter admin socket?`, { status });
  }

  private noteDebug(res: http.IncomingMessage): void {
    const state = parseDebugHeader(res.headers[DEBUG_HEADER]);
    this.debugSeen = state;
    try {
      this.onDebugState?.(state);
    } catch {
      // an observer's failure is not the request's
    }
  }

  private timeoutError(timeoutMs: number = this.timeoutMs): KrouterError {
    return new KrouterError('daemon_unreachable', `the krouter daemon did not answer on ${this.socketPath} within ${timeoutMs} ms. Check that it is running and not stuck (its log is in $KROUTER_HOME/logs).`);
  }

  private transportError(err: unknown): KrouterError {
    if (err instanceof KrouterError) return err;
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const message = err instanceof Error ? err.message : String(err);
    switch (code) {
      case 'ENOENT':
      case 'ECONNREFUSED':
        return new KrouterError(
          'daemon_unreachable',
          `krouter daemon is not running (no admin socket at ${this.socketPath}). Start it with \`krouter daemon\` or \`npm start\`, or pass --socket PATH / set KROUTER_SOCKET.`,
          { cause: err },
        );
      case 'EACCES':
      case 'EPERM':
        return new KrouterError(
          'daemon_unreachable',
          `permission denied on the admin socket ${this.socketPath}: it belongs to another user, and only the user who runs the krouter daemon can administer it. Run this command as that user.`,
          { cause: err },
        );
      default:
        return new KrouterError('daemon_unreachable', `cannot talk to the krouter daemon on ${this.socketPath}: ${message}`, { cause: err });
    }
  }
}

/** One path segment, percent-encoded (names may hold `/`, spaces, `?`…). */
function seg(value: string): string {
  return encodeURIComponent(value);
}

function queryString(query: Query | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s.length > 0 ? `?${s}` : '';
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('aborted', () => reject(Object.assign(new Error('the daemon closed the connection mid-answer'), { code: 'ECONNRESET' })));
    res.on('error', reject);
  });
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isErrorBody(v: unknown): v is AdminErrorBody {
  if (typeof v !== 'object' || v === null) return false;
  const e = (v as { error?: unknown }).error;
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' && typeof (e as { message?: unknown }).message === 'string';
}

function snippet(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > MAX_ERROR_SNIPPET ? `${one.slice(0, MAX_ERROR_SNIPPET)}…` : one;
}
