/**
 * `krouter tui` end to end: the real CLI in a real terminal (tmux, 120×40),
 * driven one key at a time and read back with `capture-pane`, against a real
 * daemon with two mock upstreams. What the TUI does must show on /v1.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addProvider, createKey, KROUTER_BIN, REPO_ROOT, runCli, setCombo, sleep, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { startMock, type MockOpenAI } from '../support/mock-openai.js';
import { chat } from '../support/v1.js';

const HAS_TMUX = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
const SCREEN_TIMEOUT_MS = 15_000;
/** The tmux server sockets live here (not in /tmp/tmux-UID), removed at the end. */
const TMUX_DIR = HAS_TMUX ? mkdtempSync(join(tmpdir(), 'krouter-tui-e2e-')) : '';
let servers = 0;

/** Quotes one word for sh. */
const sh = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('KROUTER_')) delete env[k];
  delete env['NODE_OPTIONS'];
  delete env['NODE_TEST_CONTEXT'];
  delete env['TMUX'];
  return env;
}

/** One krouter tui in its own tmux server (never the user's). */
class TuiTerminal {
  private readonly server = join(TMUX_DIR, `tmux-${++servers}`);

  private tmux(args: string[]): string {
    const r = spawnSync('tmux', ['-u', '-S', this.server, '-f', '/dev/null', ...args], { env: cleanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  }

  /** Runs `krouter tui ARGS`; when it exits the pane stays, showing `[exit CODE]`. */
  start(args: string[]): void {
    const cmd = `cd ${sh(REPO_ROOT)} && ${sh(process.execPath)} ${sh(KROUTER_BIN)} tui ${args.map(sh).join(' ')}; echo "[exit $?]"; sleep 600`;
    this.tmux(['new-session', '-d', '-s', 'tui', '-x', '120', '-y', '40', cmd]);
  }

  screen(): string {
    return this.tmux(['capture-pane', '-p', '-t', 'tui']);
  }

  /** One key: a character (sent literally) or a tmux key name (Enter, Escape, Tab, BTab). */
  async key(k: string): Promise<void> {
    const named = ['Enter', 'Escape', 'Tab', 'BTab', 'Up', 'Down', 'BSpace'];
    this.tmux(named.includes(k) ? ['send-keys', '-t', 'tui', k] : ['send-keys', '-t', 'tui', '-l', k]);
    await sleep(k === 'Escape' ? 80 : 40);
  }

  async type(text: string): Promise<void> {
    for (const ch of text) await this.key(ch);
  }

  async waitFor(what: string | RegExp | ((screen: string) => boolean), timeoutMs = SCREEN_TIMEOUT_MS): Promise<string> {
    const test = typeof what === 'string' ? (s: string) => s.includes(what) : what instanceof RegExp ? (s: string) => what.test(s) : what;
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      last = this.screen();
      if (test(last)) return last;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${String(what)}; the screen:\n${last}`);
      await sleep(50);
    }
  }

  /** Presses `k` until the selected row (marked `>`) contains `text`. */
  async select(text: string, k = 'j', max = 20): Promise<void> {
    for (let i = 0; i < max; i++) {
      if (this.screen().split('\n').some((l) => l.startsWith('>') && l.includes(text))) return;
      await this.key(k);
      await sleep(60);
    }
    throw new Error(`could not select "${text}"; the screen:\n${this.screen()}`);
  }

  close(): void {
    try {
      this.tmux(['kill-server']);
    } catch {
      // already gone
    }
  }
}

describe('krouter tui (tmux, real daemon)', { skip: HAS_TMUX ? false : 'tmux is not installed (apt-get install -y tmux)', timeout: 180_000 }, () => {
  let d: DaemonHandle;
  let alpha: MockOpenAI;
  let beta: MockOpenAI;
  let key: CreatedKey;
  const terms: TuiTerminal[] = [];

  const open = async (args: string[] = []): Promise<TuiTerminal> => {
    const t = new TuiTerminal();
    terms.push(t);
    t.start(['--socket', d.socket, ...args]);
    await t.waitFor(/1 Overview .* 7 Settings/);
    await t.waitFor(/krouter \d+\.\d+\.\d+ · pid \d+/);
    return t;
  };

  before(async () => {
    alpha = await startMock({ name: 'alpha' });
    beta = await startMock({ name: 'beta' });
    d = await startDaemon();
    await addProvider(d, 'a', { baseUrl: alpha.baseUrl, apiKey: 'sk-alpha-upstream', models: ['m'] });
    await addProvider(d, 'b', { baseUrl: beta.baseUrl, apiKey: 'sk-beta-upstream', models: ['m'] });
    await setCombo(d, 'best', ['a/m', 'b/m']);
    key = await createKey(d, 'cli-key');
  });

  after(async () => {
    for (const t of terms) t.close();
    rmSync(TMUX_DIR, { recursive: true, force: true });
    await d?.cleanup();
    await alpha?.close();
    await beta?.close();
  });

  it('shows traffic sent through /v1 in Logs, live', async () => {
    const t = await open();
    await t.key('2');
    await t.waitFor('Live tail');
    const r = await chat(d, key.secret, 'best', { prompt: 'hello from the e2e test' });
    assert.equal(r.status, 200, r.text);
    const screen = await t.waitFor(/cli-key\s+best → a\/m\s+1\s+200\s+\d+ ms/);
    assert.match(screen, /TIME\s+KEY\s+MODEL → TARGET\s+TRY\s+STATUS\s+LATENCY\s+TTFB\s+TOKENS/);
    assert.match(screen, /cli-key\s+best → a\/m\s+1\s+200\s+\S+ m?s\s+\S+( m?s)?\s+20/, 'tokens from the mock usage (13 + 7)');
    await t.key('1');
    await t.waitFor(/req\/s\s+[▁▂▃▄▅▆▇█ ]*[▂▃▄▅▆▇█]/);
    await t.key('q');
    await t.waitFor('[exit 0]');
  });

  it('creates a key that works on /v1, and revokes it so it stops working', async () => {
    const t = await open();
    await t.key('4');
    await t.waitFor('Keys (');
    await t.key('n');
    await t.waitFor('New key name');
    await t.type('tui-key');
    await t.key('Enter');
    const screen = await t.waitFor('shown this once');
    const secret = /^\s+(sk-krouter-[A-Za-z0-9_-]{20,})\s*$/m.exec(screen)?.[1];
    assert.ok(secret, `no secret on screen:\n${screen}`);
    assert.equal((await chat(d, secret, 'best')).status, 200, 'the new key works at once');

    await t.key('Enter');
    await t.waitFor((s) => !s.includes('shown this once') && s.includes('tui-key'));
    await t.select('tui-key');
    await t.key('d');
    await t.waitFor('Revoke key "tui-key"? Clients using it get 401 from now on. [y/N]');
    await t.key('y');
    await t.waitFor('Revoked key "tui-key"');
    assert.equal((await chat(d, secret, 'best')).status, 401, 'the revoked key is refused');
    assert.equal((await chat(d, key.secret, 'best')).status, 200, 'other keys still work');
    await t.key('q');
    await t.waitFor('[exit 0]');
  });

  it('reorders a combo so the next request goes to the other target', async () => {
    const before = await chat(d, key.secret, 'best');
    assert.equal(before.target, 'a/m');
    const t = await open();
    await t.key('3');
    await t.waitFor('Combos (1)');
    await t.key('Enter');
    await t.waitFor(/^> +1\. a\/m/m);
    await t.key('j');
    await t.waitFor(/^> +2\. b\/m/m);
    await t.key('K');
    await t.waitFor('b/m is now tried before a/m');
    await t.waitFor(/^> +1\. b\/m/m);
    const served = alpha.requests.length;
    const r = await chat(d, key.secret, 'best');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.target, 'b/m');
    assert.match(r.content, /beta/);
    assert.equal(alpha.requests.length, served, 'the first target is no longer asked first');
    await t.key('q');
    await t.waitFor('[exit 0]');
  });

  it('survives a daemon restart: says it is reconnecting, then carries on', async () => {
    const t = await open();
    await t.key('2');
    await t.waitFor('Live tail');
    const oldPid = d.pid;
    const restarting = d.restart();
    await t.waitFor('daemon unreachable — reconnecting');
    await restarting;
    await t.waitFor((s) => !s.includes('unreachable') && s.includes(`pid ${d.pid}`));
    assert.notEqual(d.pid, oldPid);
    const r = await chat(d, key.secret, 'best', { prompt: 'after the restart' });
    assert.equal(r.status, 200, r.text);
    const rows = (await t.waitFor((s) => (s.match(/cli-key\s+best → b\/m/g) ?? []).length >= 2)).match(/cli-key\s+best → b\/m/g);
    assert.ok(rows && rows.length >= 2, 'the live tail resumed after reconnecting');
    await t.key('q');
    await t.waitFor('[exit 0]');
  });

  it('hides and refuses dangerous commands with --read-only', async () => {
    const t = await open(['--read-only']);
    await t.key('4');
    const screen = await t.waitFor('Keys (');
    assert.match(screen, /\[read-only\]/);
    const hint = screen.trimEnd().split('\n').at(-1) ?? '';
    assert.doesNotMatch(hint, /revoke|rotate/);
    await t.select('cli-key');
    await t.key('d');
    await t.waitFor('Refused in read-only mode');
    assert.equal((await chat(d, key.secret, 'best')).status, 200, 'the key was not revoked');
    await t.key('q');
    await t.waitFor('[exit 0]');
  });

  it('exits 1 with a clear message when the socket cannot be opened', async () => {
    const missing = new TuiTerminal();
    terms.push(missing);
    missing.start(['--socket', join(d.home, 'no-such-dir', 'admin.sock')]);
    let screen = await missing.waitFor('[exit 1]');
    assert.match(screen, /krouter: krouter daemon is not running \(no admin socket at .*no-such-dir\/admin\.sock\)/);

    const notSocket = join(d.home, 'not-a-socket');
    writeFileSync(notSocket, 'x');
    const refused = new TuiTerminal();
    terms.push(refused);
    refused.start(['--socket', notSocket]);
    screen = await refused.waitFor('[exit 1]');
    assert.match(screen, /krouter: .*not-a-socket/);
  });

  it('refuses to run without a terminal', async () => {
    const r = await runCli(['tui', '--socket', d.socket], { env: cleanEnv() });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /needs an interactive terminal/);
    assert.equal(r.stdout, '');
  });
});
