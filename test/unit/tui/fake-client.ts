/**
 * An in-memory stand-in for the admin API, implementing the TUI's client
 * interface: fixtures to start from, every call recorded, failures on demand,
 * and a live log stream the test pushes entries into.
 */
import type { ClearedDto, ComboListDto, ComboPutDto, KeyListDto, KeyRevokedDto, LockoutListDto, LogListDto, ProviderListDto, RecentLogsQuery, RemovedDto, StreamLogsOptions, UsageQuery } from '../../../src/shared/admin-client.js';
import type {
  ComboDto,
  ComboInput,
  DebugDto,
  DebugInput,
  HealthDto,
  KeyDto,
  KeySecretDto,
  LockoutDto,
  LogDetailDto,
  LogEntryDto,
  ProviderDto,
  RouteExplainDto,
  StatusDto,
  UsageDto,
} from '../../../src/shared/admin-types.js';
import { KrouterError } from '../../../src/shared/errors.js';
import type { TuiClient } from '../../../src/tui/client.js';

export const NOW = Date.parse('2025-06-15T12:00:00.000Z');
const iso = (msAgo: number): string => new Date(NOW - msAgo).toISOString();

export const STATUS: StatusDto = {
  version: '0.1.0',
  pid: 4242,
  startedAt: iso(3_600_000),
  uptimeSeconds: 3600,
  listen: { bind: '127.0.0.1', port: 20128, url: 'http://127.0.0.1:20128' },
  home: '/home/u/.krouter',
  socket: '/home/u/.krouter/admin.sock',
  counts: { keys: 2, providers: 3, combos: 1 },
  requests: { total: 12, inFlight: 0 },
  debug: { enabled: false, until: null },
};

export function key(over: Partial<KeyDto> & { id: string; name: string }): KeyDto {
  return { prefix: `sk-krouter-${over.id.slice(0, 5)}`, createdAt: iso(86_400_000), lastUsedAt: null, revokedAt: null, ...over };
}

export function provider(over: Partial<ProviderDto> & { name: string }): ProviderDto {
  return {
    type: 'openai',
    baseUrl: `https://${over.name}.example/v1`,
    hasApiKey: true,
    headerNames: [],
    models: ['m1'],
    modelsSource: 'configured',
    createdAt: iso(86_400_000),
    updatedAt: iso(86_400_000),
    ...over,
  };
}

export function entry(id: number, over: Partial<LogEntryDto> = {}): LogEntryDto {
  return {
    id,
    time: iso(60_000 - id * 1000),
    keyId: 'key_1',
    keyName: 'laptop',
    clientIp: '127.0.0.1',
    route: '/v1/chat/completions',
    modelAsked: 'best',
    target: 'openai/gpt-4o',
    attempts: [{ target: 'openai/gpt-4o', status: 200, outcome: 'ok', reason: 'ok', latencyMs: 120 }],
    status: 200,
    errorCode: null,
    stream: false,
    latencyMs: 130,
    ttfbMs: 90,
    promptTokens: 10,
    completionTokens: 5,
    totalTokens: 15,
    cachedTokens: null,
    reasoningTokens: null,
    ...over,
  };
}

export const unreachable = (): KrouterError => new KrouterError('daemon_unreachable', 'krouter daemon is not running (no admin socket at /tmp/x.sock).');
export const notFound = (): KrouterError => new KrouterError('not_found', 'No route GET /admin/v1/lockouts.', { status: 404 });

export interface Call {
  method: string;
  args: unknown[];
}

const totals = (requests: number, tokens: number): UsageDto['totals'] => ({
  requests,
  errors: 1,
  promptTokens: tokens - 100,
  completionTokens: 100,
  totalTokens: tokens,
  cachedTokens: 0,
  reasoningTokens: 0,
});

export class FakeClient implements TuiClient {
  readonly socketPath = '/tmp/fake-krouter/admin.sock';
  status_: StatusDto = structuredClone(STATUS);
  keys: KeyDto[] = [key({ id: 'key_1', name: 'laptop' }), key({ id: 'key_2', name: 'ci-bot', createdAt: iso(120 * 86_400_000) })];
  providers: ProviderDto[] = [provider({ name: 'openai' }), provider({ name: 'anthropic', type: 'anthropic', hasApiKey: false }), provider({ name: 'groq' })];
  combos: ComboDto[] = [{ name: 'best', strategy: 'fallback', targets: ['openai/gpt-4o', 'groq/llama', 'anthropic/claude'], createdAt: iso(1000), updatedAt: iso(1000) }];
  lockouts: LockoutDto[] = [
    { ip: '203.0.113.9', failures: 12, windowStartedAt: iso(300_000), lockedUntil: new Date(NOW + 600_000).toISOString() },
    { ip: '2001:db8:1:2::/64', failures: 3, windowStartedAt: iso(60_000), lockedUntil: null },
  ];
  debug: DebugDto = { enabled: false, until: null, dir: '/home/u/.krouter/debug' };
  healthDto: HealthDto = {
    marks: [{ key: 'groq', scope: 'provider', state: 'cooling_down', until: new Date(NOW + 45_000).toISOString(), reason: '429 rate limited' }],
  };
  usageDto: UsageDto = { by: 'provider', since: iso(43_200_000), until: iso(0), rows: [], totals: totals(42, 12_345) };
  logs: LogEntryDto[] = [entry(1), entry(2, { status: 502, errorCode: 'all_targets_failed', target: null }), entry(3, { keyName: 'ci-bot', modelAsked: 'groq/llama', target: 'groq/llama' })];
  details = new Map<number, LogDetailDto>();
  calls: Call[] = [];
  /** Methods that fail with this error (by name), or every method when '*' is set. */
  failures = new Map<string, Error>();
  private secretSeq = 0;
  private streams: Array<{ onEntry: (e: LogEntryDto) => void; end: (err?: unknown) => void }> = [];

  private async call<T>(method: string, args: unknown[], fn: () => T): Promise<T> {
    this.calls.push({ method, args });
    await Promise.resolve();
    const err = this.failures.get(method) ?? this.failures.get('*');
    if (err !== undefined) throw err;
    return fn();
  }

  callsTo(method: string): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  status(): Promise<StatusDto> {
    return this.call('status', [], () => structuredClone(this.status_));
  }
  health(): Promise<HealthDto> {
    return this.call('health', [], () => structuredClone(this.healthDto));
  }
  listKeys(): Promise<KeyListDto> {
    return this.call('listKeys', [], () => ({ keys: structuredClone(this.keys) }));
  }
  createKey(name: string): Promise<KeySecretDto> {
    return this.call('createKey', [name], () => {
      const k = key({ id: `key_new${++this.secretSeq}`, name, createdAt: new Date(NOW).toISOString() });
      this.keys.push(k);
      return { key: k, secret: `sk-krouter-SECRET-${this.secretSeq}-abcdefghijklmnopqrstuvwxyz` };
    });
  }
  rotateKey(ref: string): Promise<KeySecretDto> {
    return this.call('rotateKey', [ref], () => {
      const k = this.keys.find((x) => x.id === ref || x.name === ref);
      if (!k) throw new KrouterError('not_found', `no key ${ref}`, { status: 404 });
      return { key: k, secret: `sk-krouter-ROTATED-${++this.secretSeq}-abcdefghijklmnopqrstuvwxyz` };
    });
  }
  revokeKey(ref: string): Promise<KeyRevokedDto> {
    return this.call('revokeKey', [ref], () => {
      const k = this.keys.find((x) => x.id === ref || x.name === ref);
      if (!k) throw new KrouterError('not_found', `no key ${ref}`, { status: 404 });
      k.revokedAt = new Date(NOW).toISOString();
      return { key: structuredClone(k) };
    });
  }
  listProviders(): Promise<ProviderListDto> {
    return this.call('listProviders', [], () => ({ providers: structuredClone(this.providers) }));
  }
  listCombos(): Promise<ComboListDto> {
    return this.call('listCombos', [], () => ({ combos: structuredClone(this.combos) }));
  }
  putCombo(name: string, input: ComboInput): Promise<ComboPutDto> {
    return this.call('putCombo', [name, input], () => {
      const at = this.combos.findIndex((c) => c.name === name);
      const combo: ComboDto = { name, strategy: input.strategy ?? this.combos[at]?.strategy ?? 'fallback', targets: [...input.targets], createdAt: iso(0), updatedAt: iso(0) };
      if (at >= 0) this.combos[at] = combo;
      else this.combos.push(combo);
      return { combo: structuredClone(combo), created: at < 0 };
    });
  }
  removeCombo(name: string): Promise<RemovedDto> {
    return this.call('removeCombo', [name], () => {
      this.combos = this.combos.filter((c) => c.name !== name);
      return { removed: name };
    });
  }
  explainRoute(model: string): Promise<RouteExplainDto> {
    return this.call('explainRoute', [model], () => {
      const [p = '', m = ''] = model.split('/');
      return { model, kind: 'direct', strategy: null, targets: [{ target: model, provider: p, model: m, via: [], state: 'ok', until: null, reason: null }] };
    });
  }
  usage(q: UsageQuery): Promise<UsageDto> {
    return this.call('usage', [q], () => structuredClone(this.usageDto));
  }
  recentLogs(q: RecentLogsQuery = {}): Promise<LogListDto> {
    return this.call('recentLogs', [q], () => ({ entries: [...this.logs].reverse().slice(0, q.limit ?? 100) }));
  }
  logDetail(id: number): Promise<LogDetailDto> {
    return this.call('logDetail', [id], () => {
      const d = this.details.get(id);
      if (d) return d;
      const e = this.logs.find((x) => x.id === id);
      if (!e) throw new KrouterError('not_found', `no log entry ${id}`, { status: 404 });
      return { entry: e, capture: null };
    });
  }
  listLockouts(): Promise<LockoutListDto> {
    return this.call('listLockouts', [], () => ({ lockouts: structuredClone(this.lockouts) }));
  }
  clearLockouts(ip?: string): Promise<ClearedDto> {
    return this.call('clearLockouts', [ip], () => {
      const before = this.lockouts.length;
      this.lockouts = ip === undefined ? [] : this.lockouts.filter((l) => l.ip !== ip);
      return { cleared: before - this.lockouts.length };
    });
  }
  getDebug(): Promise<DebugDto> {
    return this.call('getDebug', [], () => structuredClone(this.debug));
  }
  setDebug(input: DebugInput): Promise<DebugDto> {
    return this.call('setDebug', [input], () => {
      this.debug = { ...this.debug, enabled: input.enabled, until: input.enabled ? new Date(NOW + (input.forSeconds ?? 1800) * 1000).toISOString() : null };
      return structuredClone(this.debug);
    });
  }

  streamLogs(onEntry: (e: LogEntryDto) => void, signal: AbortSignal, opts: StreamLogsOptions = {}): Promise<void> {
    this.calls.push({ method: 'streamLogs', args: [] });
    const err = this.failures.get('streamLogs') ?? this.failures.get('*');
    if (err !== undefined) return Promise.reject(err);
    return new Promise<void>((resolve, reject) => {
      const s = {
        onEntry,
        end: (e?: unknown) => {
          this.streams = this.streams.filter((x) => x !== s);
          if (e === undefined) resolve();
          else reject(e);
        },
      };
      this.streams.push(s);
      signal.addEventListener('abort', () => s.end(), { once: true });
      opts.onOpen?.();
    });
  }

  /** A new request logged by the daemon: stored and sent to every open stream. */
  push(e: LogEntryDto): void {
    this.logs.push(e);
    for (const s of this.streams) s.onEntry(e);
  }

  get openStreams(): number {
    return this.streams.length;
  }

  /** The daemon goes away: open streams break, every call fails as unreachable. */
  goAway(): void {
    this.failures.set('*', unreachable());
    for (const s of [...this.streams]) s.end(unreachable());
  }

  comeBack(): void {
    this.failures.delete('*');
  }
}
