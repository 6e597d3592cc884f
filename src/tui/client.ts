/**
 * What the TUI needs from the admin API: the subset of the shared client it
 * calls. The app takes this interface, so component tests run against a fake
 * object and the real thing is src/shared/admin-client.ts, adapted below.
 */
import type {
  AdminClient,
  ClearedDto,
  ComboListDto,
  ComboPutDto,
  KeyListDto,
  KeyRevokedDto,
  LockoutListDto,
  LogListDto,
  ProviderListDto,
  RecentLogsQuery,
  RemovedDto,
  StreamLogsOptions,
  UsageQuery,
} from '../shared/admin-client.js';
import type { ComboInput, DebugDto, DebugInput, HealthDto, KeySecretDto, LogDetailDto, LogEntryDto, RouteExplainDto, StatusDto, UsageDto } from '../shared/admin-types.js';

export interface TuiClient {
  readonly socketPath: string;
  status(): Promise<StatusDto>;
  health(): Promise<HealthDto>;
  listKeys(): Promise<KeyListDto>;
  createKey(name: string): Promise<KeySecretDto>;
  rotateKey(ref: string): Promise<KeySecretDto>;
  revokeKey(ref: string): Promise<KeyRevokedDto>;
  listProviders(): Promise<ProviderListDto>;
  listCombos(): Promise<ComboListDto>;
  putCombo(name: string, input: ComboInput): Promise<ComboPutDto>;
  removeCombo(name: string): Promise<RemovedDto>;
  explainRoute(model: string): Promise<RouteExplainDto>;
  usage(q: UsageQuery): Promise<UsageDto>;
  recentLogs(q?: RecentLogsQuery): Promise<LogListDto>;
  streamLogs(onEntry: (e: LogEntryDto) => void, signal: AbortSignal, opts?: StreamLogsOptions): Promise<void>;
  logDetail(id: number): Promise<LogDetailDto>;
  listLockouts(): Promise<LockoutListDto>;
  /** One address (as listed), or every lockout when `ip` is omitted. */
  clearLockouts(ip?: string): Promise<ClearedDto>;
  getDebug(): Promise<DebugDto>;
  setDebug(input: DebugInput): Promise<DebugDto>;
}

/** The shared admin client, seen through the TUI's interface. */
export function tuiClient(admin: AdminClient): TuiClient {
  return {
    socketPath: admin.socketPath,
    status: () => admin.status(),
    health: () => admin.health(),
    listKeys: () => admin.listKeys(),
    createKey: (name) => admin.createKey(name),
    rotateKey: (ref) => admin.rotateKey(ref),
    revokeKey: (ref) => admin.revokeKey(ref),
    listProviders: () => admin.listProviders(),
    listCombos: () => admin.listCombos(),
    putCombo: (name, input) => admin.putCombo(name, input),
    removeCombo: (name) => admin.removeCombo(name),
    explainRoute: (model) => admin.explainRoute(model),
    usage: (q) => admin.usage(q),
    recentLogs: (q) => admin.recentLogs(q),
    streamLogs: (onEntry, signal, opts) => admin.streamLogs(onEntry, signal, opts),
    logDetail: (id) => admin.logDetail(id),
    listLockouts: () => admin.listLockouts(),
    clearLockouts: (ip) => admin.clearLockouts(ip),
    getDebug: () => admin.getDebug(),
    setDebug: (input) => admin.setDebug(input),
  };
}
