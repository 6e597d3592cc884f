/**
 * UI actions: what a key press does, and all talking to the daemon. The
 * controller turns keys into commands (through the keymap), runs them, calls
 * the admin API, and reports back by dispatching actions to the store. It
 * keeps the connection alive: loads everything, follows the live log, polls,
 * and when the daemon goes away says so and reconnects with backoff.
 *
 * No React here: the App component only forwards keys and renders the state.
 */
import type { ComboDto, ComboStrategy, LogEntryDto, RouteTargetDto } from '../shared/admin-types.js';
import { isKrouterError } from '../shared/errors.js';
import type { TuiClient } from './client.js';
import { errorMessage, localMidnight } from './format.js';
import { commandForKey, isWrite, VIEW_IDS, type KeyCommand, type ViewId } from './keymap.js';
import { listRows } from './layout.js';
import {
  act,
  comboTargetIndex,
  currentMode,
  selectedCombo,
  selectedKey,
  selectedLockout,
  selectedLogIndex,
  visibleLogs,
  type Action,
  type ResourceName,
  type UiState,
} from './state.js';
import type { Store } from './store.js';

export interface ControllerOptions {
  /** Called by the quit command. */
  onQuit: () => void;
  /** Clock (tests pass a fixed one). */
  now?: () => number;
  /** How often everything is reloaded while connected. */
  pollMs?: number;
  /** How often the clock on screen advances (sparklines scroll, countdowns count). */
  tickMs?: number;
  /** First reconnection delay; doubles up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Recent log entries loaded at start and after each reconnection. */
  recentLimit?: number;
}

/** Ways to tell "the daemon is not there" from "the daemon said no". */
export function isUnreachable(err: unknown): boolean {
  return isKrouterError(err) && err.code === 'daemon_unreachable';
}

/** The daemon does not have this route (older daemon, or a feature not there yet). */
export function isMissingRoute(err: unknown): boolean {
  return isKrouterError(err) && (err.status === 404 || err.status === 405) && (err.code === 'not_found' || err.code === 'method_not_allowed' || err.code === 'internal_error');
}

const LOG_BATCH_MS = 40;
const FOLLOW_UP_REFRESH_MS = 800;
const NAME_RE = /^[^\s/]+$/;

export class Controller {
  private readonly client: TuiClient;
  private readonly store: Store;
  private readonly opts: Required<Omit<ControllerOptions, 'onQuit' | 'now'>> & Pick<ControllerOptions, 'onQuit'>;
  private readonly now: () => number;
  private stopped = false;
  private started = false;
  private timers: NodeJS.Timeout[] = [];
  /** Aborts the current connection (the log stream and the backoff wait). */
  private connection: AbortController | null = null;
  private wake: (() => void) | null = null;
  private batch: LogEntryDto[] = [];
  private batchTimer: NodeJS.Timeout | null = null;
  private followUp: NodeJS.Timeout | null = null;
  /** The daemon has no log stream: poll the recent entries instead. */
  private pollLogs = false;
  private readonly loop: Promise<void>[] = [];
  /** Writes run one after another, in the order their keys were pressed. */
  private writes: Promise<void> = Promise.resolve();

  constructor(client: TuiClient, store: Store, opts: ControllerOptions) {
    this.client = client;
    this.store = store;
    this.now = opts.now ?? Date.now;
    this.opts = {
      onQuit: opts.onQuit,
      pollMs: opts.pollMs ?? 3_000,
      tickMs: opts.tickMs ?? 1_000,
      backoffMs: opts.backoffMs ?? 250,
      maxBackoffMs: opts.maxBackoffMs ?? 5_000,
      recentLimit: opts.recentLimit ?? 500,
    };
  }

  private get state(): UiState {
    return this.store.getState();
  }

  private readonly dispatch = (a: Action): void => this.store.dispatch(a);

  /** Connects, follows the log, polls; returns at once. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.loop.push(this.connectLoop());
    this.timers.push(setInterval(() => this.dispatch(act.tick(this.now())), this.opts.tickMs));
    this.timers.push(
      setInterval(() => {
        if (this.state.conn.state === 'online') void this.poll();
      }, this.opts.pollMs),
    );
  }

  /** Stops every timer and the connection; resolves when the connection loop has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.batchTimer) clearTimeout(this.batchTimer);
    if (this.followUp) clearTimeout(this.followUp);
    this.connection?.abort();
    this.wake?.();
    await Promise.all(this.loop);
  }

  // ------------------------------------------------------------ connection

  private async connectLoop(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      const conn = new AbortController();
      this.connection = conn;
      try {
        await this.refreshAll({ strict: true });
        if (this.stopped) break;
        attempt = 0;
        this.dispatch(act.conn({ state: 'online', message: null, attempt: 0, retryAt: null }));
        await this.follow(conn.signal);
        if (this.stopped) break;
        throw new Error('the daemon closed the log stream (it stopped or restarted)');
      } catch (err) {
        if (this.stopped) break;
        conn.abort();
        attempt++;
        const delay = Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** Math.min(attempt - 1, 16));
        this.dispatch(act.conn({ state: 'offline', message: errorMessage(err), attempt, retryAt: this.now() + delay }));
        await this.sleep(delay);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  /** Follows the live log until the connection is aborted or the stream ends; seeds it with the recent entries. */
  private async follow(signal: AbortSignal): Promise<void> {
    let seeded = false;
    const early: LogEntryDto[] = [];
    let opened: () => void = () => {};
    const open = new Promise<void>((resolve) => (opened = resolve));
    const streaming = this.client.streamLogs((e) => (seeded ? this.queueEntry(e) : early.push(e)), signal, { onOpen: opened });
    const outcome = await Promise.race([open.then(() => 'open' as const), streaming.then(() => 'ended' as const, (err: unknown) => err)]);
    if (outcome !== 'open' && outcome !== 'ended') {
      if (!isMissingRoute(outcome)) throw outcome;
      // A daemon without the live stream: poll the recent entries while connected.
      this.pollLogs = true;
    }
    await this.loadRecentLogs();
    this.dispatch(act.mergeLogs(early));
    seeded = true;
    if (this.pollLogs) {
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
      return;
    }
    await streaming;
  }

  private async loadRecentLogs(): Promise<void> {
    const { entries } = await this.client.recentLogs({ limit: this.opts.recentLimit });
    this.dispatch(act.mergeLogs(entries));
  }

  private queueEntry(e: LogEntryDto): void {
    this.batch.push(e);
    if (this.batchTimer !== null) return;
    this.batchTimer = setTimeout(() => {
      this.batchTimer = null;
      const entries = this.batch;
      this.batch = [];
      this.dispatch(act.mergeLogs(entries));
      // New traffic moves the token counts and may have put targets in cooldown.
      this.scheduleFollowUp();
    }, LOG_BATCH_MS);
  }

  private scheduleFollowUp(): void {
    if (this.followUp !== null) return;
    this.followUp = setTimeout(() => {
      this.followUp = null;
      if (this.state.conn.state === 'online') void this.refresh(['usageToday', 'health', 'keys']);
    }, FOLLOW_UP_REFRESH_MS);
  }

  /** One reload while connected; losing the daemon here drops the connection (the loop reconnects). */
  async poll(): Promise<void> {
    try {
      await this.refreshAll({ strict: true });
      if (this.pollLogs) await this.loadRecentLogs();
    } catch (err) {
      if (isUnreachable(err)) this.connection?.abort();
    }
  }

  private loaders(): Record<ResourceName, () => Promise<void>> {
    const c = this.client;
    const d = this.dispatch;
    return {
      status: async () => d(act.loaded('status', await c.status())),
      health: async () => d(act.loaded('health', await c.health())),
      keys: async () => d(act.loaded('keys', (await c.listKeys()).keys)),
      providers: async () => {
        const { providers } = await c.listProviders();
        d(act.loaded('providers', providers));
        await this.loaders().providerRoutes();
      },
      combos: async () => d(act.loaded('combos', (await c.listCombos()).combos)),
      lockouts: async () => d(act.loaded('lockouts', (await c.listLockouts()).lockouts)),
      debug: async () => d(act.loaded('debug', await c.getDebug())),
      usageToday: async () => d(act.loaded('usageToday', await c.usage({ by: 'provider', since: localMidnight(this.now()) }))),
      providerRoutes: async () => {
        // A provider's credentials state shows in the route of any of its targets.
        const routes: Record<string, RouteTargetDto> = {};
        for (const p of this.state.res.providers.data ?? []) {
          const model = p.models?.[0];
          if (model === undefined) continue;
          try {
            const r = await c.explainRoute(`${p.name}/${model}`);
            const t = r.targets[0];
            if (t) routes[p.name] = t;
          } catch (err) {
            if (isUnreachable(err)) throw err;
          }
        }
        d(act.loaded('providerRoutes', routes));
      },
    };
  }

  /** Loads some resources; failures are recorded on each. Throws only when the daemon is unreachable. */
  async refresh(names: readonly ResourceName[]): Promise<void> {
    const loaders = this.loaders();
    const results = await Promise.allSettled(names.map((n) => loaders[n]()));
    let unreachable: unknown = null;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') return;
      const name = names[i] as ResourceName;
      if (isUnreachable(r.reason)) unreachable = r.reason;
      else this.dispatch(act.loadFailed(name, errorMessage(r.reason), isMissingRoute(r.reason)));
    });
    if (unreachable !== null) throw unreachable;
  }

  /** Everything; with `strict`, the status call must succeed first (it tells whether the daemon is there at all). */
  async refreshAll(opts: { strict: boolean } = { strict: false }): Promise<void> {
    if (opts.strict) await this.loaders().status();
    await this.refresh(['health', 'keys', 'providers', 'combos', 'lockouts', 'debug', 'usageToday', ...(opts.strict ? [] : (['status'] as const))]);
  }

  // ------------------------------------------------------------ keys

  /** Applies key presses in order, each against the state the previous one left. */
  async handleKeys(keys: readonly string[]): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const k of keys) pending.push(this.handleKey(k));
    await Promise.all(pending);
  }

  handleKey(key: string): Promise<void> {
    const s = this.state;
    const mode = currentMode(s);
    const cmd = commandForKey(key, s.view, mode);
    if (cmd === undefined) {
      if (mode === 'prompt') this.dispatch(act.promptKey(key));
      return Promise.resolve();
    }
    if (isWrite(cmd) && s.readOnly) {
      this.flash(`Refused in read-only mode: "${cmd.description}" changes the daemon. Restart krouter tui without --read-only to do it.`, 'error');
      return Promise.resolve();
    }
    return this.run(cmd);
  }

  private flash(text: string, level: 'info' | 'success' | 'error' = 'info'): void {
    this.dispatch(act.flash(text, level, this.now()));
  }

  /** Runs a named command (see ./keymap.ts). */
  async run(cmd: KeyCommand): Promise<void> {
    const s = this.state;
    const d = this.dispatch;
    const page = listRows(s.size);
    const viewCmd = /^view\.(.+)$/.exec(cmd.id);
    if (viewCmd !== null && (VIEW_IDS as readonly string[]).includes(viewCmd[1] ?? '')) {
      d(act.view(viewCmd[1] as ViewId));
      return;
    }
    switch (cmd.id) {
      case 'app.quit':
        this.opts.onQuit();
        return;
      case 'app.help':
      case 'help.close':
        d(act.toggleHelp());
        return;
      case 'app.refresh':
        try {
          await this.refreshAll({ strict: true });
          this.flash('Reloaded.', 'success');
        } catch (err) {
          this.flash(`Reload failed: ${errorMessage(err)}`, 'error');
        }
        return;
      case 'view.next':
        d(act.stepView(1));
        return;
      case 'view.prev':
        d(act.stepView(-1));
        return;
      case 'list.down':
        d(act.move(1));
        return;
      case 'list.up':
        d(act.move(-1));
        return;
      case 'list.pageDown':
        d(act.move(page));
        return;
      case 'list.pageUp':
        d(act.move(-page));
        return;
      case 'list.top':
        d(act.move('top'));
        return;
      case 'list.bottom':
        d(act.move('bottom'));
        return;

      case 'logs.pause':
        d(act.togglePause());
        this.flash(this.state.logs.pausedAtId === null ? 'Live tail resumed.' : 'Paused: new requests wait until you resume (p).');
        return;
      case 'logs.filter':
        d(act.openPrompt({ kind: 'logs.filter', label: 'Filter (key: model: provider: status:, or text; empty = all)', value: s.logs.filter }));
        return;
      case 'logs.clearFilter':
        if (s.logs.filter !== '') {
          d(act.setFilter(''));
          this.flash('Filter cleared.');
        }
        return;
      case 'logs.open':
        return this.openLogDetail();
      case 'logs.close':
        d(act.closeDetail());
        return;

      case 'combos.open':
        if (selectedCombo(s) !== undefined) d(act.comboMode('targets'));
        return;
      case 'combos.back':
        d(act.comboMode('list'));
        return;
      case 'combos.moveUp':
        return this.moveTarget(-1);
      case 'combos.moveDown':
        return this.moveTarget(1);
      case 'combos.strategy': {
        const combo = selectedCombo(s);
        if (combo === undefined) return;
        const strategy: ComboStrategy = combo.strategy === 'fallback' ? 'round-robin' : 'fallback';
        return this.saveCombo(combo.name, combo.targets, strategy, `Combo "${combo.name}" now uses ${strategy}.`);
      }
      case 'combos.edit': {
        const combo = selectedCombo(s);
        if (combo === undefined) return;
        d(act.openPrompt({ kind: 'combos.editTargets', label: `Targets of "${combo.name}" (space-separated, tried in order)`, value: combo.targets.join(' '), subject: combo.name }));
        return;
      }
      case 'combos.new':
        d(act.openPrompt({ kind: 'combos.newName', label: 'New combo name (what clients put in "model")' }));
        return;
      case 'combos.delete': {
        const combo = selectedCombo(s);
        if (combo === undefined) return;
        d(act.openConfirm({ commandId: cmd.id, subject: combo.name, message: `Delete combo "${combo.name}"? Requests for it will fail with model_not_found.` }));
        return;
      }

      case 'keys.new':
        d(act.openPrompt({ kind: 'keys.newName', label: 'New key name (the machine or app that will use it)' }));
        return;
      case 'keys.rotate': {
        const key = selectedKey(s);
        if (key === undefined) return;
        if (key.revokedAt !== null) {
          this.flash(`Key "${key.name}" is revoked; create a new one instead (n).`, 'error');
          return;
        }
        d(act.openConfirm({ commandId: cmd.id, subject: key.id, message: `Rotate key "${key.name}"? Its current secret stops working now; the new one is shown once.` }));
        return;
      }
      case 'keys.revoke': {
        const key = selectedKey(s);
        if (key === undefined) return;
        if (key.revokedAt !== null) {
          this.flash(`Key "${key.name}" is already revoked.`);
          return;
        }
        d(act.openConfirm({ commandId: cmd.id, subject: key.id, message: `Revoke key "${key.name}"? Clients using it get 401 from now on.` }));
        return;
      }

      case 'providers.add':
        d(act.showInfo(addProviderInfo()));
        return;

      case 'lockouts.clear': {
        const l = selectedLockout(s);
        if (l === undefined) return;
        d(act.openConfirm({ commandId: cmd.id, subject: l.ip, message: `Clear the lockout of ${l.ip}? It can try keys again at once.` }));
        return;
      }
      case 'lockouts.clearAll':
        if ((s.res.lockouts.data?.length ?? 0) === 0) return;
        d(act.openConfirm({ commandId: cmd.id, subject: '*', message: `Clear all ${s.res.lockouts.data?.length ?? 0} lockouts?` }));
        return;

      case 'debug.toggle':
        if (s.res.debug.data?.enabled === true) {
          return this.write('Turning debug mode off', () => this.client.setDebug({ enabled: false }), (dto) => {
            d(act.loaded('debug', dto));
            this.flash('Debug mode is off: request bodies are no longer captured.', 'success');
          });
        }
        d(act.openPrompt({ kind: 'debug.minutes', label: 'Capture request and response bodies for how many minutes? (1-1440)', value: '30' }));
        return;

      case 'prompt.submit':
        return this.submitPrompt();
      case 'prompt.cancel':
        d(act.closePrompt());
        return;
      case 'prompt.erase':
        d(act.promptKey('backspace'));
        return;
      case 'prompt.clear':
        d(act.promptKey('ctrl+u'));
        return;
      case 'confirm.yes':
        return this.confirmed();
      case 'confirm.no':
        d(act.closeConfirm());
        this.flash('Cancelled: nothing was changed.');
        return;
      case 'secret.dismiss':
        d(act.closeSecret());
        return;
      case 'info.close':
        d(act.closeInfo());
        return;
    }
  }

  private async openLogDetail(): Promise<void> {
    const s = this.state;
    const visible = visibleLogs(s);
    const entry = visible[selectedLogIndex(s, visible)];
    if (entry === undefined) return;
    this.dispatch(act.openDetail(entry.id));
    try {
      this.dispatch(act.detailLoaded(entry.id, await this.client.logDetail(entry.id), null));
    } catch (err) {
      this.dispatch(act.detailLoaded(entry.id, null, isMissingRoute(err) ? `This daemon cannot show one request (GET /admin/v1/logs/${entry.id}: ${errorMessage(err)}).` : errorMessage(err)));
    }
  }

  /**
   * Moves the selected target and saves the new order. The move shows at once
   * (so a burst like `jKK` acts on the order the previous key left); the saves
   * go out in order, and a failed one reloads the combos from the daemon.
   */
  private moveTarget(delta: -1 | 1): Promise<void> {
    const s = this.state;
    const combo = selectedCombo(s);
    if (combo === undefined) return Promise.resolve();
    const i = comboTargetIndex(s);
    const j = i + delta;
    if (j < 0 || j >= combo.targets.length) return Promise.resolve();
    const targets = [...combo.targets];
    const moved = targets[i] as string;
    targets[i] = targets[j] as string;
    targets[j] = moved;
    const other = targets[i] as string;
    this.dispatch(act.comboSaved({ ...combo, targets }, j));
    const msg = delta < 0 ? `${moved} is now tried before ${other}.` : `${moved} is now tried after ${other}.`;
    return this.write(
      `Saving combo "${combo.name}"`,
      () => this.client.putCombo(combo.name, { targets, strategy: combo.strategy }),
      () => this.flash(`Combo "${combo.name}": ${msg}`, 'success'),
      () => void this.refresh(['combos']).catch(() => undefined),
    );
  }

  private saveCombo(name: string, targets: string[], strategy: ComboStrategy | undefined, done: string): Promise<void> {
    return this.write(`Saving combo "${name}"`, () => this.client.putCombo(name, strategy === undefined ? { targets } : { targets, strategy }), (res: { combo: ComboDto }) => {
      this.dispatch(act.comboSaved(res.combo));
      this.flash(done, 'success');
    });
  }

  /**
   * Runs a write after the ones before it (in key order), showing it as busy;
   * a failure becomes an error message (and drops the connection when the daemon is gone).
   */
  private write<T>(what: string, call: () => Promise<T>, ok: (res: T) => void, failed?: () => void): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.state.readOnly) {
        this.flash('Refused in read-only mode.', 'error');
        return;
      }
      this.dispatch(act.busy(`${what}…`));
      try {
        ok(await call());
      } catch (err) {
        this.flash(`${what} failed: ${errorMessage(err)}`, 'error');
        failed?.();
        if (isUnreachable(err)) this.connection?.abort();
      } finally {
        this.dispatch(act.busy(null));
      }
    };
    const done = this.writes.then(run);
    this.writes = done.catch(() => undefined);
    return done;
  }

  private async submitPrompt(): Promise<void> {
    const p = this.state.prompt;
    if (p === null) return;
    const d = this.dispatch;
    const value = p.value.trim();
    d(act.closePrompt());
    switch (p.kind) {
      case 'logs.filter':
        d(act.setFilter(value));
        return;
      case 'combos.newName':
        if (!NAME_RE.test(value)) {
          this.flash(value === '' ? 'No name given: nothing was created.' : 'A combo name has no spaces or "/".', 'error');
          return;
        }
        if ((this.state.res.combos.data ?? []).some((c) => c.name === value)) {
          this.flash(`Combo "${value}" exists: select it and press e to edit its targets.`, 'error');
          return;
        }
        d(act.openPrompt({ kind: 'combos.newTargets', label: `Targets of "${value}" (provider/model or combo names, space-separated, in order)`, subject: value }));
        return;
      case 'combos.newTargets':
      case 'combos.editTargets': {
        const name = p.subject ?? '';
        const targets = value.split(/[\s,]+/).filter((t) => t !== '');
        if (targets.length === 0) {
          this.flash('No targets given: nothing was changed.', 'error');
          return;
        }
        const existing = (this.state.res.combos.data ?? []).find((c) => c.name === name);
        return this.saveCombo(name, targets, existing?.strategy, p.kind === 'combos.newTargets' ? `Created combo "${name}" -> ${targets.join(', ')}.` : `Combo "${name}" -> ${targets.join(', ')}.`);
      }
      case 'keys.newName':
        if (value === '') {
          this.flash('No name given: no key was created.', 'error');
          return;
        }
        return this.write(`Creating key "${value}"`, () => this.client.createKey(value), (res) => {
          d(act.showSecret({ title: `Key "${res.key.name}" created (id ${res.key.id}).`, secret: res.secret }));
          this.afterKeyChange(res.key.id);
        });
      case 'debug.minutes': {
        const minutes = value === '' ? 30 : Number(value);
        if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
          this.flash(`"${value}" is not a whole number of minutes from 1 to 1440: debug mode stays off.`, 'error');
          return;
        }
        return this.write('Turning debug mode on', () => this.client.setDebug({ enabled: true, forSeconds: minutes * 60 }), (dto) => {
          d(act.loaded('debug', dto));
          this.flash(`Debug mode is on for ${minutes} min: request and response bodies are captured (secrets redacted).`, 'success');
          void this.refresh(['status']).catch(() => undefined);
        });
      }
    }
  }

  private afterKeyChange(selectId?: string): void {
    void this.refresh(['keys'])
      .then(() => {
        if (selectId === undefined) return;
        const i = (this.state.res.keys.data ?? []).findIndex((k) => k.id === selectId);
        if (i >= 0) this.dispatch(act.select('keys', i));
      })
      .catch(() => undefined);
  }

  private async confirmed(): Promise<void> {
    const c = this.state.confirm;
    if (c === null) return;
    const d = this.dispatch;
    d(act.closeConfirm());
    switch (c.commandId) {
      case 'combos.delete':
        return this.write(`Deleting combo "${c.subject}"`, () => this.client.removeCombo(c.subject), () => {
          d(act.comboRemoved(c.subject));
          this.flash(`Deleted combo "${c.subject}".`, 'success');
        });
      case 'keys.rotate':
        return this.write('Rotating the key', () => this.client.rotateKey(c.subject), (res) => {
          d(act.showSecret({ title: `Key "${res.key.name}" rotated: the old secret no longer works.`, secret: res.secret }));
          this.afterKeyChange(res.key.id);
        });
      case 'keys.revoke':
        return this.write('Revoking the key', () => this.client.revokeKey(c.subject), (res) => {
          this.flash(`Revoked key "${res.key.name}": clients using it now get 401.`, 'success');
          this.afterKeyChange();
        });
      case 'lockouts.clear':
      case 'lockouts.clearAll':
        return this.write(c.subject === '*' ? 'Clearing every lockout' : `Clearing the lockout of ${c.subject}`, () => this.client.clearLockouts(c.subject === '*' ? undefined : c.subject), (res) => {
          this.flash(`Cleared ${res.cleared} lockout${res.cleared === 1 ? '' : 's'}.`, 'success');
          void this.refresh(['lockouts']).catch(() => undefined);
        });
    }
  }
}

/** The Providers view's "how to add one": secrets go through stdin, never argv, so the TUI hands over a command line. */
export function addProviderInfo(): { title: string; lines: string[] } {
  return {
    title: 'Add a provider',
    lines: [
      'Providers are added from a shell, because the API key must come from stdin (never from',
      'the command line, where `ps` and shell history would show it). Copy one of these:',
      '',
      '  printf %s "$OPENAI_API_KEY" | krouter providers add openai --type openai \\',
      '      --base-url https://api.openai.com/v1 --api-key -',
      '',
      '  printf %s "$ANTHROPIC_API_KEY" | krouter providers add anthropic --type anthropic \\',
      '      --base-url https://api.anthropic.com --api-key -',
      '',
      '  krouter providers add ollama --type openai --base-url http://127.0.0.1:11434/v1 --model llama3.2',
      '',
      'Types: openai (any OpenAI-compatible server), openai-responses, anthropic, gemini.',
      'It shows up here within a few seconds.',
    ],
  };
}
