/**
 * UI state and the reducer that changes it. Everything the screen shows comes
 * from `UiState`; the only way to change it is an `Action` (made by the action
 * creators in `act`). Talking to the daemon is the controller's job
 * (./controller.ts): it dispatches actions with what it learned. Views are
 * functions of the state.
 */
import type { ComboDto, DebugDto, HealthDto, KeyDto, LockoutDto, LogDetailDto, LogEntryDto, ProviderDto, RouteTargetDto, StatusDto, UsageDto } from '../shared/admin-types.js';
import { VIEW_IDS, type ViewId } from './keymap.js';
import { keyText } from './keys.js';

/** How many log entries the TUI keeps (the newest). */
export const MAX_LOG_ENTRIES = 2000;

export interface Size {
  columns: number;
  rows: number;
}

/** Something loaded from the daemon: the last good data, and the last error (data is kept across errors). */
export interface Resource<T> {
  data: T | null;
  error: string | null;
  /** The daemon does not have this route (an older daemon, or a feature not built yet). */
  unavailable: boolean;
}

export interface Resources {
  status: Resource<StatusDto>;
  health: Resource<HealthDto>;
  keys: Resource<KeyDto[]>;
  providers: Resource<ProviderDto[]>;
  combos: Resource<ComboDto[]>;
  lockouts: Resource<LockoutDto[]>;
  debug: Resource<DebugDto>;
  usageToday: Resource<UsageDto>;
  /** Per provider: the route state of one of its targets (credentials problems show up there). */
  providerRoutes: Resource<Record<string, RouteTargetDto>>;
}
export type ResourceName = keyof Resources;
type ResourceData<N extends ResourceName> = Resources[N] extends Resource<infer T> ? T : never;

export interface Connection {
  state: 'connecting' | 'online' | 'offline';
  /** Why it is offline. */
  message: string | null;
  /** Reconnection attempts since it went offline. */
  attempt: number;
  /** When the next attempt is due (epoch ms). */
  retryAt: number | null;
}

export type PromptKind = 'logs.filter' | 'combos.newName' | 'combos.newTargets' | 'combos.editTargets' | 'keys.newName' | 'debug.minutes';

export interface Prompt {
  kind: PromptKind;
  label: string;
  value: string;
  /** What the prompt is about (e.g. the combo being created). */
  subject?: string;
}

export interface Confirm {
  /** The dangerous command being confirmed. */
  commandId: string;
  message: string;
  /** What it applies to: a key id, combo name, address, or `*` for all. */
  subject: string;
}

export interface Secret {
  title: string;
  secret: string;
}

export interface Info {
  title: string;
  lines: string[];
}

export interface Flash {
  text: string;
  level: 'info' | 'success' | 'error';
  at: number;
}

export interface LogDetailState {
  id: number;
  data: LogDetailDto | null;
  error: string | null;
  scroll: number;
}

export interface LogsState {
  /** Oldest first, unique by id, at most MAX_LOG_ENTRIES. */
  entries: LogEntryDto[];
  /** While paused: the newest id shown; newer entries wait. */
  pausedAtId: number | null;
  filter: string;
  /** The selected entry, when not following the newest. */
  selectedId: number | null;
  /** The selection stays on the newest entry as new ones arrive. */
  follow: boolean;
  detail: LogDetailState | null;
}

export type ListView = 'combos' | 'keys' | 'providers' | 'lockouts';

export interface UiState {
  readOnly: boolean;
  size: Size;
  /** The clock the screen is drawn for (ticks every second). */
  now: number;
  view: ViewId;
  conn: Connection;
  res: Resources;
  logs: LogsState;
  cursor: Record<ListView, number>;
  combos: { mode: 'list' | 'targets'; target: number };
  prompt: Prompt | null;
  confirm: Confirm | null;
  secret: Secret | null;
  info: Info | null;
  help: boolean;
  flash: Flash | null;
  /** A write in flight ("Saving combo best…"). */
  busy: string | null;
}

const emptyResource = <T>(): Resource<T> => ({ data: null, error: null, unavailable: false });

export function initialState(opts: { readOnly: boolean; size: Size; now: number; view?: ViewId }): UiState {
  return {
    readOnly: opts.readOnly,
    size: opts.size,
    now: opts.now,
    view: opts.view ?? 'overview',
    conn: { state: 'connecting', message: null, attempt: 0, retryAt: null },
    res: {
      status: emptyResource(),
      health: emptyResource(),
      keys: emptyResource(),
      providers: emptyResource(),
      combos: emptyResource(),
      lockouts: emptyResource(),
      debug: emptyResource(),
      usageToday: emptyResource(),
      providerRoutes: emptyResource(),
    },
    logs: { entries: [], pausedAtId: null, filter: '', selectedId: null, follow: true, detail: null },
    cursor: { combos: 0, keys: 0, providers: 0, lockouts: 0 },
    combos: { mode: 'list', target: 0 },
    prompt: null,
    confirm: null,
    secret: null,
    info: null,
    help: false,
    flash: null,
    busy: null,
  };
}

// ---------------------------------------------------------------- actions

export type Action =
  | { type: 'resize'; size: Size }
  | { type: 'tick'; now: number }
  | { type: 'view'; view: ViewId }
  | { type: 'view/step'; delta: 1 | -1 }
  | { type: 'conn'; conn: Partial<Connection> }
  | { type: 'loaded'; name: ResourceName; data: unknown }
  | { type: 'loadFailed'; name: ResourceName; error: string; unavailable: boolean }
  | { type: 'logs/merge'; entries: LogEntryDto[] }
  | { type: 'logs/pause' }
  | { type: 'logs/filter'; filter: string }
  | { type: 'logs/openDetail'; id: number }
  | { type: 'logs/detail'; id: number; data: LogDetailDto | null; error: string | null }
  | { type: 'logs/closeDetail' }
  | { type: 'move'; delta: number | 'top' | 'bottom' }
  | { type: 'select'; view: ListView; index: number }
  | { type: 'combos/mode'; mode: 'list' | 'targets' }
  | { type: 'combos/saved'; combo: ComboDto; targetIndex?: number }
  | { type: 'combos/removed'; name: string }
  | { type: 'prompt/open'; prompt: Prompt }
  | { type: 'prompt/key'; key: string }
  | { type: 'prompt/close' }
  | { type: 'confirm/open'; confirm: Confirm }
  | { type: 'confirm/close' }
  | { type: 'secret/show'; secret: Secret }
  | { type: 'secret/close' }
  | { type: 'info/show'; info: Info }
  | { type: 'info/close' }
  | { type: 'help/toggle' }
  | { type: 'flash'; flash: Flash | null }
  | { type: 'busy'; busy: string | null }
  | { type: 'debug/state'; enabled: boolean; until: string | null };

/** Action creators: the vocabulary the controller and the tests speak. */
export const act = {
  resize: (size: Size): Action => ({ type: 'resize', size }),
  tick: (now: number): Action => ({ type: 'tick', now }),
  view: (view: ViewId): Action => ({ type: 'view', view }),
  stepView: (delta: 1 | -1): Action => ({ type: 'view/step', delta }),
  conn: (conn: Partial<Connection>): Action => ({ type: 'conn', conn }),
  loaded: <N extends ResourceName>(name: N, data: ResourceData<N>): Action => ({ type: 'loaded', name, data }),
  loadFailed: (name: ResourceName, error: string, unavailable = false): Action => ({ type: 'loadFailed', name, error, unavailable }),
  mergeLogs: (entries: LogEntryDto[]): Action => ({ type: 'logs/merge', entries }),
  togglePause: (): Action => ({ type: 'logs/pause' }),
  setFilter: (filter: string): Action => ({ type: 'logs/filter', filter }),
  openDetail: (id: number): Action => ({ type: 'logs/openDetail', id }),
  detailLoaded: (id: number, data: LogDetailDto | null, error: string | null): Action => ({ type: 'logs/detail', id, data, error }),
  closeDetail: (): Action => ({ type: 'logs/closeDetail' }),
  move: (delta: number | 'top' | 'bottom'): Action => ({ type: 'move', delta }),
  select: (view: ListView, index: number): Action => ({ type: 'select', view, index }),
  comboMode: (mode: 'list' | 'targets'): Action => ({ type: 'combos/mode', mode }),
  comboSaved: (combo: ComboDto, targetIndex?: number): Action => ({ type: 'combos/saved', combo, targetIndex }),
  comboRemoved: (name: string): Action => ({ type: 'combos/removed', name }),
  openPrompt: (prompt: Omit<Prompt, 'value'> & { value?: string }): Action => ({ type: 'prompt/open', prompt: { ...prompt, value: prompt.value ?? '' } }),
  promptKey: (key: string): Action => ({ type: 'prompt/key', key }),
  closePrompt: (): Action => ({ type: 'prompt/close' }),
  openConfirm: (confirm: Confirm): Action => ({ type: 'confirm/open', confirm }),
  closeConfirm: (): Action => ({ type: 'confirm/close' }),
  showSecret: (secret: Secret): Action => ({ type: 'secret/show', secret }),
  closeSecret: (): Action => ({ type: 'secret/close' }),
  showInfo: (info: Info): Action => ({ type: 'info/show', info }),
  closeInfo: (): Action => ({ type: 'info/close' }),
  toggleHelp: (): Action => ({ type: 'help/toggle' }),
  flash: (text: string, level: Flash['level'], at: number): Action => ({ type: 'flash', flash: { text, level, at } }),
  clearFlash: (): Action => ({ type: 'flash', flash: null }),
  busy: (busy: string | null): Action => ({ type: 'busy', busy }),
  /** Debug mode as the daemon announces it on every admin answer. */
  debugState: (enabled: boolean, until: string | null): Action => ({ type: 'debug/state', enabled, until }),
};

// ---------------------------------------------------------------- selectors

export interface FilterTerm {
  field: 'key' | 'model' | 'provider' | 'status' | 'any';
  value: string;
}

const FILTER_FIELDS = new Set(['key', 'model', 'provider', 'status']);

/** `key:laptop status:5xx gpt` -> terms, all of which must match. */
export function parseFilter(text: string): FilterTerm[] {
  const terms: FilterTerm[] = [];
  for (const token of text.trim().split(/\s+/)) {
    if (token === '') continue;
    const colon = token.indexOf(':');
    const field = colon > 0 ? token.slice(0, colon).toLowerCase() : '';
    if (FILTER_FIELDS.has(field) && colon < token.length - 1) terms.push({ field: field as FilterTerm['field'], value: token.slice(colon + 1).toLowerCase() });
    else terms.push({ field: 'any', value: token.toLowerCase() });
  }
  return terms;
}

const has = (text: string | null | undefined, value: string): boolean => (text ?? '').toLowerCase().includes(value);

function statusMatches(status: number, value: string): boolean {
  if (/^[1-5]xx$/.test(value)) return Math.floor(status / 100) === Number(value[0]);
  if (value === 'error' || value === 'err' || value === 'fail' || value === 'failed') return status >= 400;
  if (value === 'ok') return status < 400;
  return String(status).startsWith(value);
}

export function entryMatches(e: LogEntryDto, terms: readonly FilterTerm[]): boolean {
  return terms.every((t) => {
    switch (t.field) {
      case 'key':
        return has(e.keyName, t.value) || has(e.keyId, t.value);
      case 'model':
        return has(e.modelAsked, t.value) || has(e.target, t.value);
      case 'provider':
        return has(e.target?.split('/')[0], t.value) || e.attempts.some((a) => has(a.target.split('/')[0], t.value));
      case 'status':
        return statusMatches(e.status, t.value);
      case 'any':
        return [e.keyName, e.keyId, e.modelAsked, e.target, String(e.status), e.errorCode, e.route, e.clientIp].some((f) => has(f, t.value));
    }
  });
}

/** The entries the Logs view shows: filtered, and cut at the pause point while paused. Oldest first. */
export function visibleLogs(s: UiState): LogEntryDto[] {
  const terms = parseFilter(s.logs.filter);
  const paused = s.logs.pausedAtId;
  return s.logs.entries.filter((e) => (paused === null || e.id <= paused) && entryMatches(e, terms));
}

/** Entries that arrived since the pause. */
export function pendingCount(s: UiState): number {
  const paused = s.logs.pausedAtId;
  return paused === null ? 0 : s.logs.entries.filter((e) => e.id > paused).length;
}

/** Index of the selected entry in `visible` (-1 when there is none). */
export function selectedLogIndex(s: UiState, visible: readonly LogEntryDto[]): number {
  if (visible.length === 0) return -1;
  if (s.logs.follow || s.logs.selectedId === null) return visible.length - 1;
  const id = s.logs.selectedId;
  const exact = visible.findIndex((e) => e.id === id);
  if (exact >= 0) return exact;
  // Filtered away: the nearest older one still shown.
  let best = 0;
  visible.forEach((e, i) => {
    if (e.id < id) best = i;
  });
  return best;
}

/** Where keys go: the mode of the current view, or the modal layer on top of it. */
export function currentMode(s: UiState): 'list' | 'detail' | 'targets' | 'prompt' | 'confirm' | 'secret' | 'help' | 'info' {
  if (s.secret !== null) return 'secret';
  if (s.confirm !== null) return 'confirm';
  if (s.prompt !== null) return 'prompt';
  if (s.help) return 'help';
  if (s.info !== null) return 'info';
  return viewMode(s);
}

/** The current view's own mode, under any modal layer (what `?` describes). */
export function viewMode(s: UiState): 'list' | 'detail' | 'targets' {
  if (s.view === 'logs' && s.logs.detail !== null) return 'detail';
  if (s.view === 'combos' && s.combos.mode === 'targets') return 'targets';
  return 'list';
}

function listLength(s: UiState, view: ListView): number {
  switch (view) {
    case 'combos':
      return s.res.combos.data?.length ?? 0;
    case 'keys':
      return s.res.keys.data?.length ?? 0;
    case 'providers':
      return s.res.providers.data?.length ?? 0;
    case 'lockouts':
      return s.res.lockouts.data?.length ?? 0;
  }
}

/** The cursor of a list view, kept inside the list (lists change under it). */
export function cursorOf(s: UiState, view: ListView): number {
  const n = listLength(s, view);
  return n === 0 ? 0 : Math.min(Math.max(0, s.cursor[view]), n - 1);
}

export function selectedCombo(s: UiState): ComboDto | undefined {
  return s.res.combos.data?.[cursorOf(s, 'combos')];
}

export function selectedKey(s: UiState): KeyDto | undefined {
  return s.res.keys.data?.[cursorOf(s, 'keys')];
}

export function selectedProvider(s: UiState): ProviderDto | undefined {
  return s.res.providers.data?.[cursorOf(s, 'providers')];
}

export function selectedLockout(s: UiState): LockoutDto | undefined {
  return s.res.lockouts.data?.[cursorOf(s, 'lockouts')];
}

export function comboTargetIndex(s: UiState): number {
  const n = selectedCombo(s)?.targets.length ?? 0;
  return n === 0 ? 0 : Math.min(Math.max(0, s.combos.target), n - 1);
}

/** Flash messages fade after this long. */
export const FLASH_MS = 6_000;

export function visibleFlash(s: UiState): Flash | null {
  return s.flash !== null && s.now - s.flash.at < FLASH_MS ? s.flash : null;
}

// ---------------------------------------------------------------- reducer

const clamp = (n: number, lo: number, hi: number): number => Math.min(Math.max(n, lo), hi);

function step(index: number, delta: number | 'top' | 'bottom', length: number): number {
  if (length === 0) return 0;
  if (delta === 'top') return 0;
  if (delta === 'bottom') return length - 1;
  return clamp(index + delta, 0, length - 1);
}

function mergeEntries(current: LogEntryDto[], incoming: LogEntryDto[]): LogEntryDto[] {
  if (incoming.length === 0) return current;
  const byId = new Map<number, LogEntryDto>();
  for (const e of current) byId.set(e.id, e);
  for (const e of incoming) byId.set(e.id, e);
  const all = [...byId.values()].sort((a, b) => a.id - b.id);
  return all.length > MAX_LOG_ENTRIES ? all.slice(all.length - MAX_LOG_ENTRIES) : all;
}

function moveLogs(s: UiState, delta: number | 'top' | 'bottom'): UiState {
  if (s.logs.detail !== null) {
    const d = s.logs.detail;
    const scroll = delta === 'top' ? 0 : delta === 'bottom' ? Number.MAX_SAFE_INTEGER : Math.max(0, d.scroll + delta);
    return { ...s, logs: { ...s.logs, detail: { ...d, scroll } } };
  }
  const visible = visibleLogs(s);
  if (visible.length === 0) return s;
  const i = step(selectedLogIndex(s, visible), delta, visible.length);
  const follow = i === visible.length - 1;
  return { ...s, logs: { ...s.logs, follow, selectedId: follow ? null : (visible[i]?.id ?? null) } };
}

function moveList(s: UiState, view: ListView, delta: number | 'top' | 'bottom'): UiState {
  if (view === 'combos' && s.combos.mode === 'targets') {
    const n = selectedCombo(s)?.targets.length ?? 0;
    return { ...s, combos: { ...s.combos, target: step(comboTargetIndex(s), delta, n) } };
  }
  return { ...s, cursor: { ...s.cursor, [view]: step(cursorOf(s, view), delta, listLength(s, view)) } };
}

function editPrompt(p: Prompt, key: string): Prompt {
  if (key === 'backspace') return { ...p, value: [...p.value].slice(0, -1).join('') };
  if (key === 'ctrl+u') return { ...p, value: '' };
  const text = keyText(key);
  return text === undefined ? p : { ...p, value: p.value + text };
}

export function reducer(s: UiState, a: Action): UiState {
  switch (a.type) {
    case 'resize':
      return s.size.columns === a.size.columns && s.size.rows === a.size.rows ? s : { ...s, size: a.size };
    case 'tick':
      return { ...s, now: a.now };
    case 'view':
      return { ...s, view: a.view, help: false, info: null };
    case 'view/step': {
      const i = VIEW_IDS.indexOf(s.view);
      const next = VIEW_IDS[(i + a.delta + VIEW_IDS.length) % VIEW_IDS.length] ?? 'overview';
      return { ...s, view: next, help: false, info: null };
    }
    case 'conn':
      return { ...s, conn: { ...s.conn, ...a.conn } };
    case 'loaded':
      return { ...s, res: { ...s.res, [a.name]: { data: a.data, error: null, unavailable: false } } };
    case 'loadFailed':
      return { ...s, res: { ...s.res, [a.name]: { ...s.res[a.name], error: a.error, unavailable: a.unavailable } } };
    case 'logs/merge':
      return { ...s, logs: { ...s.logs, entries: mergeEntries(s.logs.entries, a.entries) } };
    case 'logs/pause': {
      if (s.logs.pausedAtId !== null) return { ...s, logs: { ...s.logs, pausedAtId: null } };
      const last = s.logs.entries[s.logs.entries.length - 1];
      return { ...s, logs: { ...s.logs, pausedAtId: last?.id ?? 0 } };
    }
    case 'logs/filter':
      return { ...s, logs: { ...s.logs, filter: a.filter, follow: true, selectedId: null } };
    case 'logs/openDetail':
      return { ...s, logs: { ...s.logs, detail: { id: a.id, data: null, error: null, scroll: 0 } } };
    case 'logs/detail':
      if (s.logs.detail?.id !== a.id) return s;
      return { ...s, logs: { ...s.logs, detail: { ...s.logs.detail, data: a.data, error: a.error } } };
    case 'logs/closeDetail':
      return { ...s, logs: { ...s.logs, detail: null } };
    case 'move':
      if (s.view === 'logs') return moveLogs(s, a.delta);
      if (s.view === 'overview' || s.view === 'settings') return s;
      return moveList(s, s.view, a.delta);
    case 'select':
      return { ...s, cursor: { ...s.cursor, [a.view]: Math.max(0, a.index) } };
    case 'combos/mode':
      return { ...s, combos: { mode: a.mode, target: a.mode === 'targets' ? 0 : s.combos.target } };
    case 'combos/saved': {
      const list = s.res.combos.data ?? [];
      const at = list.findIndex((c) => c.name === a.combo.name);
      const combos = at >= 0 ? list.map((c, i) => (i === at ? a.combo : c)) : [...list, a.combo];
      const cursor = at >= 0 ? at : combos.length - 1;
      return {
        ...s,
        res: { ...s.res, combos: { data: combos, error: null, unavailable: false } },
        cursor: { ...s.cursor, combos: cursor },
        combos: a.targetIndex === undefined ? s.combos : { ...s.combos, target: a.targetIndex },
      };
    }
    case 'combos/removed': {
      const combos = (s.res.combos.data ?? []).filter((c) => c.name !== a.name);
      return { ...s, res: { ...s.res, combos: { data: combos, error: null, unavailable: false } }, combos: { mode: 'list', target: 0 } };
    }
    case 'prompt/open':
      return { ...s, prompt: a.prompt };
    case 'prompt/key':
      return s.prompt === null ? s : { ...s, prompt: editPrompt(s.prompt, a.key) };
    case 'prompt/close':
      return { ...s, prompt: null };
    case 'confirm/open':
      return { ...s, confirm: a.confirm };
    case 'confirm/close':
      return { ...s, confirm: null };
    case 'secret/show':
      return { ...s, secret: a.secret };
    case 'secret/close':
      return { ...s, secret: null };
    case 'info/show':
      return { ...s, info: a.info };
    case 'info/close':
      return { ...s, info: null };
    case 'help/toggle':
      return { ...s, help: !s.help };
    case 'flash':
      return { ...s, flash: a.flash };
    case 'busy':
      return { ...s, busy: a.busy };
    case 'debug/state': {
      const d = s.res.debug.data;
      const st = s.res.status.data;
      if (d !== null) {
        if (d.enabled === a.enabled && d.until === a.until) return s;
        return { ...s, res: { ...s.res, debug: { ...s.res.debug, data: { ...d, enabled: a.enabled, until: a.until } } } };
      }
      if (st === null || (st.debug.enabled === a.enabled && st.debug.until === a.until)) return s;
      return { ...s, res: { ...s.res, status: { ...s.res.status, data: { ...st, debug: { enabled: a.enabled, until: a.until } } } } };
    }
  }
}
