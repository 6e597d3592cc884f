/**
 * Integration-test harness: runs the real `krouter daemon` (bin/krouter.js) in a
 * temporary KROUTER_HOME with KROUTER_PORT=0, waits until its admin socket
 * answers, and drives it over the CLI and the admin socket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComboDto, KeySecretDto, ProviderDto, StatusDto } from '../../src/shared/admin-types.js';

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'krouter') return dir;
      } catch {
        /* keep walking */
      }
    }
    dir = dirname(dir);
  }
  throw new Error('krouter repo root not found from ' + fileURLToPath(import.meta.url));
}

export const REPO_ROOT = findRepoRoot();
export const KROUTER_BIN = join(REPO_ROOT, 'bin', 'krouter.js');

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const CLI_TIMEOUT_MS = 15_000;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON; throws with the full output when it isn't. */
  json<T = unknown>(): T;
}

export interface AdminResult<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: T;
}

export interface StartOptions {
  /** Written to KROUTER_HOME/config.json: an object (JSON-encoded) or a raw string. */
  config?: unknown;
  /** Extra environment for the daemon. */
  env?: Record<string, string>;
  /** Reuse an existing home (restart across handles); default: a fresh temp dir. */
  home?: string;
}

export interface DaemonHandle {
  readonly home: string;
  readonly socket: string;
  /** Real /v1 port (changes on restart, since KROUTER_PORT=0). */
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly baseUrl: string;
  readonly pid: number | undefined;
  stdout(): string;
  stderr(): string;
  /** Runs `node bin/krouter.js ...args --socket SOCKET`. */
  cli(args: string[], opts?: { stdin?: string; timeoutMs?: number }): Promise<CliResult>;
  /** Raw admin API call over the Unix socket. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<AdminResult<T>>;
  /** Sends `signal`, waits for exit (bounded), returns the exit code (null if killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** stop() then start again on the same home. */
  restart(): Promise<void>;
  /** stop (if running) and remove the temp home. */
  cleanup(): Promise<void>;
}

function baseEnv(home: string, socket: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // never leak the developer's real settings into a test daemon
  for (const k of Object.keys(env)) if (k.startsWith('KROUTER_')) delete env[k];
  delete env['NODE_OPTIONS'];
  delete env['NODE_TEST_CONTEXT'];
  return { ...env, KROUTER_HOME: home, KROUTER_SOCKET: socket, KROUTER_PORT: '0', KROUTER_BIND: '127.0.0.1', NO_COLOR: '1', ...extra };
}

export function adminRequest<T = unknown>(socket: string, method: string, path: string, body?: unknown, timeoutMs = 5_000): Promise<AdminResult<T>> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = httpRequest(
      {
        socketPath: socket,
        method,
        path,
        headers: { host: 'localhost', accept: 'application/json', ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text.length ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: json as T });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`admin ${method} ${path}: timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KROUTER_BIN, ...args], { cwd: REPO_ROOT, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timeoutMs = opts.timeoutMs ?? CLI_TIMEOUT_MS;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`krouter ${args.join(' ')}: no exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        json<T>() {
          try {
            return JSON.parse(stdout) as T;
          } catch {
            throw new Error(`krouter ${args.join(' ')}: stdout is not JSON (exit ${code})\nstdout: ${stdout}\nstderr: ${stderr}`);
          }
        },
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** `p`, or null after ms; the timer is cleared either way so it never holds the process open. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

interface Running {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
  stdout: string;
  stderr: string;
}

function spawnDaemon(home: string, socket: string, env: Record<string, string> = {}, extraArgs: string[] = []): Running {
  const child = spawn(process.execPath, [KROUTER_BIN, 'daemon', ...extraArgs], { cwd: REPO_ROOT, env: baseEnv(home, socket, env), stdio: ['ignore', 'pipe', 'pipe'] });
  const run: Running = { child, exited: undefined as never, exit: null, stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (run.stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (run.stderr += d));
  run.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      run.exit = { code, signal };
      resolve(run.exit);
    });
    child.on('error', (e) => {
      run.stderr += `\n[spawn error] ${String(e)}`;
      run.exit = { code: -1, signal: null };
      resolve(run.exit);
    });
  });
  return run;
}

export function makeHome(): { home: string; socket: string } {
  const home = mkdtempSync(join(tmpdir(), 'krouter-it-'));
  return { home, socket: join(home, 'admin.sock') };
}

/**
 * Runs `krouter daemon` expecting it to exit by itself (e.g. bad config).
 * Kills it and reports `stillRunning` if it reports ready or is still running after timeoutMs.
 */
export async function runDaemonToExit(opts: StartOptions & { timeoutMs?: number } = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; stillRunning: boolean }> {
  const { home, socket } = opts.home ? { home: opts.home, socket: join(opts.home, 'admin.sock') } : makeHome();
  try {
    if (opts.config !== undefined) writeFileSync(join(home, 'config.json'), typeof opts.config === 'string' ? opts.config : JSON.stringify(opts.config, null, 2));
    const run = spawnDaemon(home, socket, opts.env);
    const timeoutMs = opts.timeoutMs ?? READY_TIMEOUT_MS;
    // done when it exits, or as soon as it says it is serving (it accepted the config)
    let poll: NodeJS.Timeout | undefined;
    const served = new Promise<null>((resolve) => {
      poll = setInterval(() => {
        if (run.stdout.includes('krouter listening')) resolve(null);
      }, 50);
    });
    const res = await within(Promise.race([run.exited, served]), timeoutMs);
    clearInterval(poll);
    if (res === null) {
      run.child.kill('SIGKILL');
      await run.exited;
      return { code: null, signal: null, stdout: run.stdout, stderr: run.stderr, stillRunning: true };
    }
    return { ...res, stdout: run.stdout, stderr: run.stderr, stillRunning: false };
  } finally {
    if (!opts.home) rmSync(home, { recursive: true, force: true });
  }
}

export async function startDaemon(opts: StartOptions = {}): Promise<DaemonHandle> {
  const ownsHome = !opts.home;
  const { home, socket } = opts.home ? { home: opts.home, socket: join(opts.home, 'admin.sock') } : makeHome();
  if (opts.config !== undefined) writeFileSync(join(home, 'config.json'), typeof opts.config === 'string' ? opts.config : JSON.stringify(opts.config, null, 2));

  let run: Running | null = null;
  let port = 0;
  let allStderr = '';
  let allStdout = '';

  const boot = async () => {
    const r = spawnDaemon(home, socket, opts.env);
    run = r;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastErr = '';
    for (;;) {
      if (r.exit) {
        throw new Error(`krouter daemon exited before ready (code ${r.exit.code}, signal ${r.exit.signal})\nstderr:\n${r.stderr}\nstdout:\n${r.stdout}`);
      }
      if (Date.now() > deadline) {
        r.child.kill('SIGKILL');
        await r.exited;
        throw new Error(`krouter daemon not ready within ${READY_TIMEOUT_MS} ms (last: ${lastErr})\nstderr:\n${r.stderr}\nstdout:\n${r.stdout}`);
      }
      if (existsSync(socket)) {
        try {
          const s = await adminRequest<Partial<StatusDto> | undefined>(socket, 'GET', '/admin/v1/status', undefined, 2_000);
          const p = s.json?.listen?.port;
          if (s.status === 200 && typeof p === 'number' && p > 0) {
            port = p;
            return;
          }
          lastErr = `status ${s.status}: ${s.text.slice(0, 200)}`;
        } catch (e) {
          lastErr = String(e);
        }
      }
      await delay(50);
    }
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    const r = run as Running | null;
    if (!r) return null;
    if (!r.exit) {
      r.child.kill(signal);
      const res = await within(r.exited, STOP_TIMEOUT_MS);
      if (res === null) {
        r.child.kill('SIGKILL');
        await r.exited;
        allStderr += r.stderr;
        allStdout += r.stdout;
        run = null;
        throw new Error(`krouter daemon did not exit within ${STOP_TIMEOUT_MS} ms of ${signal}\nstderr:\n${r.stderr}`);
      }
    }
    allStderr += r.stderr;
    allStdout += r.stdout;
    run = null;
    return r.exit!.code;
  };

  try {
    await boot();
  } catch (e) {
    if (ownsHome) rmSync(home, { recursive: true, force: true });
    throw e;
  }

  const handle: DaemonHandle = {
    home,
    socket,
    get port() {
      return port;
    },
    get baseUrl() {
      return `http://127.0.0.1:${port}`;
    },
    get pid() {
      return (run as Running | null)?.child.pid;
    },
    stdout: () => allStdout + ((run as Running | null)?.stdout ?? ''),
    stderr: () => allStderr + ((run as Running | null)?.stderr ?? ''),
    cli: (args, o = {}) => runCli([...args, '--socket', socket], { env: baseEnv(home, socket), ...o }),
    admin: (method, path, body) => adminRequest(socket, method, path, body),
    stop,
    restart: async () => {
      await stop('SIGTERM');
      await boot();
    },
    cleanup: async () => {
      try {
        await stop('SIGTERM');
      } finally {
        // diagnostics: KROUTER_IT_LOG_DIR=/some/dir keeps each test daemon's stdout+stderr there
        const logDir = process.env['KROUTER_IT_LOG_DIR'];
        if (logDir) {
          try {
            writeFileSync(join(logDir, `daemon-${basename(home)}.log`), `${allStdout}\n--- stderr ---\n${allStderr}`);
          } catch {
            /* diagnostics only */
          }
        }
        if (ownsHome) rmSync(home, { recursive: true, force: true });
      }
    },
  };
  return handle;
}

// ------------------------------------------------------------------ CLI helpers

export interface CreatedKey {
  id: string;
  name: string;
  prefix: string;
  secret: string;
}

function must(r: CliResult, what: string): CliResult {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

export async function createKey(d: DaemonHandle, name: string): Promise<CreatedKey> {
  const r = must(await d.cli(['keys', 'create', '--name', name, '--json']), `keys create ${name}`);
  const j = r.json<KeySecretDto>();
  return { id: j.key.id, name: j.key.name, prefix: j.key.prefix, secret: j.secret };
}

export interface ProviderSpec {
  baseUrl: string;
  apiKey?: string;
  models?: string[];
  headers?: Record<string, string>;
}

export async function addProvider(d: DaemonHandle, name: string, spec: ProviderSpec): Promise<{ provider: ProviderDto; created: boolean }> {
  const args = ['providers', 'add', name, '--type', 'openai', '--base-url', spec.baseUrl, '--json'];
  if (spec.apiKey !== undefined) args.push('--api-key', '-');
  for (const [k, v] of Object.entries(spec.headers ?? {})) args.push('--header', `${k}: ${v}`);
  for (const m of spec.models ?? []) args.push('--model', m);
  const r = must(await d.cli(args, spec.apiKey !== undefined ? { stdin: spec.apiKey + '\n' } : {}), `providers add ${name}`);
  return r.json<{ provider: ProviderDto; created: boolean }>();
}

export async function setCombo(d: DaemonHandle, name: string, targets: string[], strategy?: 'fallback' | 'round-robin'): Promise<{ combo: ComboDto; created: boolean }> {
  const args = ['combos', 'set', name, ...targets, '--json'];
  if (strategy) args.push('--strategy', strategy);
  return must(await d.cli(args), `combos set ${name}`).json<{ combo: ComboDto; created: boolean }>();
}

/** Polls `fn` every 50 ms until it returns a truthy value; throws with `what` after timeoutMs. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await delay(50);
  }
}

export const sleep = delay;
