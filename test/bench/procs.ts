/** Child processes of the bench: spawning, readiness, RSS, cold start, and killing every one of them at the end. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** Every pid the bench started and has not seen exit; killed with SIGKILL if the bench exits any other way. */
const livePids = new Set<number>();

export function trackPid(pid: number | undefined): void {
  if (pid !== undefined) livePids.add(pid);
}

export function untrackPid(pid: number | undefined): void {
  if (pid !== undefined) livePids.delete(pid);
}

/** Temporary folders (krouter homes) to remove if the bench exits any other way. */
const liveDirs = new Set<string>();

export function trackDir(dir: string): void {
  liveDirs.add(dir);
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
}

/** Last resort (error, Ctrl-C, exit): SIGKILL every process the bench started, remove its temporary folders. */
export function killAllSync(): void {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  livePids.clear();
  for (const dir of liveDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
  liveDirs.clear();
}

/**
 * CPU placement: the process under test (bare proxy or krouter) gets the last
 * CPU to itself; the mock and the load generator share the others. On a small
 * machine this keeps the generator from stealing the proxy's CPU, so the proxy
 * (not the generator) is what saturates. Null when pinning is off or impossible.
 */
export interface CpuPlan {
  server: string;
  others: string;
}

export function cpuPlan(wanted: boolean, cores: number): CpuPlan | null {
  if (!wanted || cores < 2 || process.platform !== 'linux') return null;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return { server: String(cores - 1), others: cores === 2 ? '0' : `0-${cores - 2}` };
}

/** Pins every thread of a running process to `cpus` (taskset list syntax); threads it starts later inherit it. */
export function pin(pid: number | undefined, cpus: string | undefined): void {
  if (pid === undefined || cpus === undefined) return;
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A clean environment for children: no KROUTER_* of the developer's, no NODE_OPTIONS unless asked. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('KROUTER_')) delete env[k];
  delete env['NODE_OPTIONS'];
  delete env['NODE_TEST_CONTEXT'];
  return { ...env, NO_COLOR: '1', ...extra };
}

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  port: number;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  const exited = exitOf(child);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
  }
  untrackPid(child.pid);
}

/** Spawns `node script` and waits (bounded) for it to print `LISTENING <port>`. */
export async function spawnListening(name: string, script: string, env: Record<string, string>, nodeArgs: string[] = [], timeoutMs = 10_000): Promise<Proc> {
  const child = spawn(process.execPath, [...nodeArgs, script], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  trackPid(child.pid);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-20_000)));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-20_000)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`${name}: not listening within ${timeoutMs} ms\n${out}`));
    }, timeoutMs);
    const poll = setInterval(() => {
      const m = /LISTENING (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(Number(m[1]));
      } else if (child.exitCode !== null) {
        clearTimeout(timer);
        clearInterval(poll);
        reject(new Error(`${name}: exited (${child.exitCode}) before listening\n${out}`));
      }
    }, 10);
  });
  return { name, child, pid: child.pid!, port, output: () => out, stop: (g) => stopChild(child, g) };
}

/** VmRSS of a process in KiB, or null when it cannot be read. */
export function rssKb(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Samples the RSS of some processes every `intervalMs` until stopped; reports the largest seen and every sample. */
export class RssSampler {
  readonly #pids: Record<string, number>;
  readonly #max: Record<string, number> = {};
  readonly #samples: Array<{ t: number; name: string; kb: number }> = [];
  readonly #timer: NodeJS.Timeout;
  readonly #t0 = performance.now();

  constructor(pids: Record<string, number>, intervalMs = 100) {
    this.#pids = pids;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), intervalMs);
  }

  #sample(): void {
    const t = performance.now() - this.#t0;
    for (const [name, pid] of Object.entries(this.#pids)) {
      const kb = rssKb(pid);
      if (kb === null) continue;
      this.#max[name] = Math.max(this.#max[name] ?? 0, kb);
      if (this.#samples.length < 100_000) this.#samples.push({ t, name, kb });
    }
  }

  stop(): { max: Record<string, number>; samples: Array<{ t: number; name: string; kb: number }> } {
    clearInterval(this.#timer);
    this.#sample();
    return { max: { ...this.#max }, samples: this.#samples };
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** One POST on a fresh connection; resolves with the status (0 on any error). */
export function postOnce(url: string, headers: Record<string, string>, body: string, timeoutMs = 2_000): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = httpRequest(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST', agent: false, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** What a cold start measured: spawn → first 200, and the RSS once it has served a few requests and idled. */
export interface ColdStartResult {
  ms: number;
  /** VmRSS (KiB) after IDLE_REQUESTS requests and IDLE_SETTLE_MS of idling; null when it could not be read. */
  idleKb: number | null;
}

/** Requests a freshly started process serves before its idle RSS is read (the first 200 included). */
const IDLE_REQUESTS = 3;
const IDLE_SETTLE_MS = 2_000;

/**
 * Cold start: spawns the process and polls `url` every `pollMs` until it
 * answers 200; the milliseconds from spawn to that 200. Then the same request
 * twice more and two seconds of idling, and its RSS: the idle footprint of a
 * fresh process. The process is stopped before this returns.
 */
export async function coldStart(
  name: string,
  args: string[],
  env: Record<string, string>,
  probe: { url: string; headers: Record<string, string>; body: string },
  cpus: string | undefined,
  timeoutMs = 20_000,
  pollMs = 5,
): Promise<ColdStartResult> {
  const t0 = performance.now();
  // taskset execs node in place: same pid, pinned from its first instruction
  const child =
    cpus === undefined
      ? spawn(process.execPath, args, { env: childEnv(env), stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn('taskset', ['-c', cpus, process.execPath, ...args], { env: childEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
  trackPid(child.pid);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4_000)));
  try {
    let ms: number;
    for (;;) {
      const status = await postOnce(probe.url, probe.headers, probe.body, 2_000);
      if (status === 200) {
        ms = performance.now() - t0;
        break;
      }
      if (child.exitCode !== null) throw new Error(`${name}: exited (${child.exitCode}) before answering 200\n${err}`);
      if (performance.now() - t0 > timeoutMs) throw new Error(`${name}: no 200 within ${timeoutMs} ms (last status ${status})\n${err}`);
      await sleep(pollMs);
    }
    for (let i = 1; i < IDLE_REQUESTS; i++) await postOnce(probe.url, probe.headers, probe.body, 2_000);
    await sleep(IDLE_SETTLE_MS);
    return { ms, idleKb: child.pid === undefined ? null : rssKb(child.pid) };
  } finally {
    await stopChild(child, 5_000);
  }
}

/** JSON over plain fetch (the bench's own control calls: mock config and stats). */
export async function fetchJson<T>(url: string, method: 'GET' | 'POST' = 'GET', body?: unknown): Promise<T> {
  const r = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(5_000) });
  if (!r.ok) throw new Error(`${method} ${url}: HTTP ${r.status}`);
  return (await r.json()) as T;
}

/** Jiffies (USER_HZ ticks) the whole machine spent busy, from /proc/stat; null off Linux. */
function machineBusyTicks(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** utime + stime of a process (all its threads), in ticks (USER_HZ, 100 per second); 0 when unreadable. */
export function procTicks(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // fields after the command: state is f[0]; utime is field 14 overall → f[11], stime f[12]
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

export const TICKS_PER_SEC = 100;

/**
 * Measures how much CPU processes other than the bench's own used over a
 * span: the machine's busy time minus that of every tracked bench process
 * and of the bench itself. In cores (1.0 = one CPU fully busy).
 */
export class ForeignCpu {
  readonly #t0 = performance.now();
  readonly #m0 = machineBusyTicks();
  readonly #pids: number[];
  readonly #p0: number;
  readonly #self0 = process.cpuUsage();

  constructor(pids: number[] = [...livePids]) {
    this.#pids = pids;
    this.#p0 = pids.reduce((a, p) => a + procTicks(p), 0);
  }

  cores(): number {
    const m1 = machineBusyTicks();
    if (!this.#m0 || !m1) return Number.NaN;
    const secs = (performance.now() - this.#t0) / 1000;
    if (secs <= 0) return 0;
    const mine = (this.#pids.reduce((a, p) => a + procTicks(p), 0) - this.#p0) / TICKS_PER_SEC;
    const self = process.cpuUsage(this.#self0);
    const selfSec = (self.user + self.system) / 1e6;
    const busySec = (m1.busy - this.#m0.busy) / TICKS_PER_SEC;
    return Math.max(0, (busySec - mine - selfSec) / secs);
  }
}

/** Foreign CPU and steal (cores) above which a measurement is noise: the bench waits for less (bounded), ab.ts warns. */
export const QUIET_CORES = 0.15;

/** Waits (bounded) until processes outside the bench use less than `maxCores`; returns what it saw last. */
export async function waitQuiet(maxCores: number, maxWaitMs: number, windowMs = 300): Promise<number> {
  const deadline = performance.now() + maxWaitMs;
  for (;;) {
    const f = new ForeignCpu();
    await sleep(windowMs);
    const c = f.cores();
    if (!(c > maxCores) || performance.now() > deadline) return c;
  }
}
