/**
 * krouter under test: real daemons (`node bin/krouter.js daemon`) in temporary
 * KROUTER_HOMEs, configured over the CLI like an operator would — one key, an
 * OpenAI-type provider and an Anthropic-type provider pointing at the mock,
 * and one combo for each.
 *
 * The bench starts the daemons itself (not through test/support's
 * startDaemon) so that it can put node flags such as --cpu-prof on the
 * daemon's command line: Node 20 refuses --cpu-prof in NODE_OPTIONS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeySecretDto, StatusDto } from '../../src/shared/admin-types.js';
import { adminRequest, KROUTER_BIN, REPO_ROOT, runCli } from '../support/daemon.js';
import { childEnv, removeDir, sleep, stopChild, trackDir, trackPid } from './procs.js';

/** Combo for the pass-through route (OpenAI chat in, OpenAI-type provider). */
export const COMBO_PASS = 'bench';
/** Combo for the translated route (OpenAI chat in, Anthropic-type provider). */
export const COMBO_TRANSLATE = 'bench-tr';

export { KROUTER_BIN, REPO_ROOT };

const READY_MS = 20_000;

export interface Krouter {
  name: string;
  home: string;
  socket: string;
  pid: number;
  baseUrl: string;
  key: string;
  output(): string;
  /** SIGTERM (graceful: flushes, and writes a CPU profile when profiling), then removes a home it owns. */
  stop(): Promise<void>;
}

function daemonEnv(home: string, socket: string, port: number): Record<string, string> {
  return { KROUTER_HOME: home, KROUTER_SOCKET: socket, KROUTER_PORT: String(port), KROUTER_BIND: '127.0.0.1' };
}

async function cli(socket: string, home: string, args: string[], stdin?: string): Promise<string> {
  const r = await runCli([...args, '--socket', socket], { env: childEnv({ KROUTER_HOME: home, KROUTER_SOCKET: socket }), ...(stdin === undefined ? {} : { stdin }) });
  if (r.code !== 0) throw new Error(`krouter ${args.join(' ')} failed (${r.code})\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function configure(socket: string, home: string, mockUrl: string): Promise<string> {
  const key = JSON.parse(await cli(socket, home, ['keys', 'create', '--name', 'bench', '--json'])) as KeySecretDto;
  await cli(socket, home, ['providers', 'add', 'mock', '--type', 'openai', '--base-url', `${mockUrl}/v1`, '--api-key', '-', '--model', 'gpt-bench', '--json'], 'sk-mock-openai\n');
  await cli(socket, home, ['providers', 'add', 'mocka', '--type', 'anthropic', '--base-url', `${mockUrl}/v1`, '--api-key', '-', '--model', 'claude-bench', '--json'], 'sk-mock-anthropic\n');
  await cli(socket, home, ['combos', 'set', COMBO_PASS, 'mock/gpt-bench', '--json']);
  await cli(socket, home, ['combos', 'set', COMBO_TRANSLATE, 'mocka/claude-bench', '--json']);
  return key.secret;
}

/** Spawns `node [nodeArgs] bin/krouter.js daemon` and waits (bounded) for its admin socket to report the /v1 port. */
async function spawnDaemon(home: string, socket: string, nodeArgs: string[], checkout = REPO_ROOT): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const bin = checkout === REPO_ROOT ? KROUTER_BIN : join(checkout, 'bin', 'krouter.js');
  const child = spawn(process.execPath, [...nodeArgs, bin, 'daemon'], { cwd: checkout, env: childEnv(daemonEnv(home, socket, 0)), stdio: ['ignore', 'pipe', 'pipe'] });
  trackPid(child.pid);
  let out = '';
  const keep = (d: string): void => {
    out = (out + d).slice(-20_000);
  };
  child.stdout!.setEncoding('utf8').on('data', keep);
  child.stderr!.setEncoding('utf8').on('data', keep);
  const deadline = Date.now() + READY_MS;
  let last = '';
  for (;;) {
    if (child.exitCode !== null) throw new Error(`krouter daemon exited (${child.exitCode}) before ready\n${out}`);
    if (Date.now() > deadline) {
      await stopChild(child, 1_000);
      throw new Error(`krouter daemon not ready within ${READY_MS} ms (${last})\n${out}`);
    }
    if (existsSync(socket)) {
      try {
        const s = await adminRequest<Partial<StatusDto> | undefined>(socket, 'GET', '/admin/v1/status', undefined, 2_000);
        const port = s.json?.listen?.port;
        if (s.status === 200 && typeof port === 'number' && port > 0) return { child, port, output: () => out };
        last = `status ${s.status}`;
      } catch (e) {
        last = String(e);
      }
    }
    await sleep(50);
  }
}

function newHome(config: unknown): { home: string; socket: string } {
  const home = mkdtempSync(join(tmpdir(), 'krouter-bench-'));
  trackDir(home);
  if (config !== undefined) writeFileSync(join(home, 'config.json'), JSON.stringify(config, null, 2));
  return { home, socket: join(home, 'admin.sock') };
}

export interface KrouterOptions {
  name: string;
  mockUrl: string;
  /** false writes {"log":{"enabled":false}} to config.json. */
  log: boolean;
  /** Node flags for the daemon (e.g. --cpu-prof in profiling mode). */
  nodeArgs?: string[];
  /** Extra config.json sections (bench --config); with `log: false` its {"enabled": false} wins over them. */
  config?: Record<string, Record<string, unknown>>;
  /** Another built checkout whose daemon runs instead of this one's (bench/ab.ts); configured by this checkout's CLI. */
  checkout?: string;
}

export async function startKrouter(o: KrouterOptions): Promise<Krouter> {
  const extra = o.config ?? {};
  const config = o.log ? extra : { ...extra, log: { ...extra['log'], enabled: false } };
  const { home, socket } = newHome(Object.keys(config).length === 0 ? undefined : config);
  let child: ChildProcess | null = null;
  try {
    const d = await spawnDaemon(home, socket, o.nodeArgs ?? [], o.checkout);
    child = d.child;
    const key = await configure(socket, home, o.mockUrl);
    const c = d.child;
    return {
      name: o.name,
      home,
      socket,
      pid: c.pid!,
      baseUrl: `http://127.0.0.1:${d.port}`,
      key,
      output: d.output,
      stop: async () => {
        try {
          await stopChild(c, 15_000);
        } finally {
          removeDir(home);
        }
      },
    };
  } catch (e) {
    if (child) await stopChild(child, 2_000);
    removeDir(home);
    throw e;
  }
}

/** A configured home left behind for cold starts (the daemon that configured it is stopped). */
export interface ColdHome {
  home: string;
  socket: string;
  key: string;
  remove(): void;
}

export async function prepareColdHome(mockUrl: string): Promise<ColdHome> {
  const { home, socket } = newHome(undefined);
  try {
    const d = await spawnDaemon(home, socket, []);
    try {
      const key = await configure(socket, home, mockUrl);
      return { home, socket, key, remove: () => removeDir(home) };
    } finally {
      await stopChild(d.child, 15_000);
    }
  } catch (e) {
    removeDir(home);
    throw e;
  }
}

/** argv and env that start a daemon on a cold home at a fixed port. */
export function coldDaemonCommand(c: ColdHome, port: number): { args: string[]; env: Record<string, string> } {
  return { args: [KROUTER_BIN, 'daemon'], env: daemonEnv(c.home, c.socket, port) };
}
