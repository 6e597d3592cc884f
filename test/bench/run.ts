/**
 * `npm run bench`: krouter against a bare Node pass-through proxy, both in
 * front of the same fast mock upstream, measured in interleaved order over
 * several trials. Prints a table of targets (each a ratio to the bare proxy
 * in the same run) with PASS/FAIL and writes bench-results/<timestamp>.json.
 *
 *   npm run bench                  # default: 5 trials, a 60 s soak (~9 min)
 *   npm run bench -- --quick       # 3 short trials, a 15 s soak (~3 min)
 *   npm run bench -- --soak 600    # the 10-minute memory soak
 *   npm run bench -- --profile     # also CPU-profile the krouter daemon and the bare proxy, and summarise their hot spots
 *   npm run bench -- --only throughput,stream --trials 2
 *   npm run bench -- --config '{"log":{"flushRows":256}}'   # config.json sections for the daemons under test
 *
 * Processes: the mock, the bare proxy, krouter (log on; every phase but
 * log), and for the log phase a twin pair krouter (log on) / krouter (log off)
 * and the load generator each run in their own process; only 127.0.0.1;
 * everything is killed at the end, also on error or Ctrl-C. Not a test: it
 * asserts nothing and never runs in `npm test`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { LoadGen } from './loadgen-client.js';
import { chatBody, chatTarget } from './requests.js';
import { coldDaemonCommand, COMBO_PASS, COMBO_TRANSLATE, prepareColdHome, REPO_ROOT, startKrouter, type ColdHome, type Krouter } from './krouter-setup.js';
import { coldStart, cpuPlan, fetchJson, ForeignCpu, freePort, killAllSync, pin, procTicks, RssSampler, rssKb, sleep, spawnListening, TICKS_PER_SEC, QUIET_CORES, waitQuiet, type CpuPlan, type Proc } from './procs.js';
import { formatProfile, summarizeProfile, type ProfileSummary } from './profile-summary.js';
import { FRAME_MARKER, type LatencyOp, type LatencyResult, type LoadOp, type LoadResult, type LoadTarget, type MockStats, type StreamResult, type ThroughputOp, type ThroughputResult } from './protocol.js';
import { mean, median, percentileSorted, slope, sortedCopy, spread, type Spread } from './stats.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PHASES = ['latency', 'throughput', 'stream', 'cold', 'log'] as const;
/**
 * Fresh starts of each process per trial in the cold phase (alternating bare,
 * krouter). Their idle RSS is two-state (see the idle rows in summarize): one
 * start per trial is too few to weigh the states, three per trial give 15 a side.
 */
const FRESH_STARTS = 3;
type Phase = (typeof PHASES)[number];

interface Params {
  mode: 'quick' | 'default';
  trials: number;
  latencyCount: number;
  latencyWarmup: number;
  concurrency: number;
  tpWarmupMs: number;
  tpDurationMs: number;
  streams: number;
  chunks: number;
  intervalMs: number;
  soakSec: number;
  profile: boolean;
  pin: boolean;
  /** Throw away and re-run measurements that met others' load (see `quietly`); --no-redo keeps every first run. */
  redo: boolean;
  /** Extra node flags for the krouter daemons under test (experiments: `--node-args "--max-semi-space-size=4"`). */
  nodeArgs: string[];
  /** Extra config.json sections for the krouter daemons under test (experiments: `--config '{"log":{"flushRows":1024}}'`). */
  config: Record<string, Record<string, unknown>>;
  only: Phase[];
}

function parseArgs(argv: string[]): Params {
  const quick = argv.includes('--quick');
  const p: Params = quick
    ? { mode: 'quick', trials: 3, latencyCount: 3000, latencyWarmup: 200, concurrency: 32, tpWarmupMs: 500, tpDurationMs: 2000, streams: 256, chunks: 50, intervalMs: 20, soakSec: 15, profile: false, pin: true, redo: true, nodeArgs: [], config: {}, only: [...PHASES] }
    : { mode: 'default', trials: 5, latencyCount: 10000, latencyWarmup: 500, concurrency: 32, tpWarmupMs: 1000, tpDurationMs: 4000, streams: 256, chunks: 150, intervalMs: 20, soakSec: 60, profile: false, pin: true, redo: true, nodeArgs: [], config: {}, only: [...PHASES] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a non-negative number`);
      return v;
    };
    if (a === '--quick') continue;
    else if (a === '--soak') p.soakSec = num();
    else if (a === '--trials') p.trials = Math.max(1, Math.floor(num()));
    else if (a === '--profile') p.profile = true;
    else if (a === '--no-pin') p.pin = false;
    else if (a === '--no-redo') p.redo = false;
    else if (a === '--node-args') p.nodeArgs = (argv[++i] ?? '').split(/\s+/).filter((x) => x.length > 0);
    else if (a === '--config') p.config = configArg(argv[++i] ?? '');
    else if (a === '--only') {
      // `--only none`: no trial at all (e.g. with --soak 600 for the soak alone)
      const list = (argv[++i] ?? '').split(',').filter((x) => x.length > 0 && x !== 'none');
      for (const x of list) if (!(PHASES as readonly string[]).includes(x)) throw new Error(`--only: unknown phase "${x}" (phases: ${PHASES.join(', ')})`);
      p.only = list as Phase[];
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run bench -- [--quick] [--trials N] [--soak SECONDS] [--profile] [--no-pin] [--no-redo] [--node-args "FLAGS"] [--config JSON] [--only latency,throughput,stream,cold,log|none]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  return p;
}

/** `--config`: a JSON object of config.json sections, each an object (merged into the sections the bench writes). */
function configArg(text: string): Record<string, Record<string, unknown>> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`--config needs JSON, e.g. '{"log":{"flushRows":1024}}' (${(e as Error).message})`);
  }
  const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (!isObject(v) || !Object.values(v).every(isObject)) throw new Error('--config needs an object of config sections, e.g. \'{"log":{"flushRows":1024}}\'');
  return v as Record<string, Record<string, unknown>>;
}

// ------------------------------------------------------------------ requests

interface Endpoint {
  name: string;
  base: string;
  key: string;
  model: string;
  pid: number | null;
}

function target(e: Endpoint, stream: boolean): LoadTarget {
  return chatTarget(e.base, e.key, e.model, stream);
}

async function sanityCheck(e: Endpoint): Promise<void> {
  for (const stream of [false, true]) {
    const t = target(e, stream);
    const r = await fetch(t.url, { method: 'POST', headers: t.headers, body: t.body, signal: AbortSignal.timeout(10_000) });
    const text = await r.text();
    if (r.status !== 200 || !text.includes(stream ? FRAME_MARKER : 'Hello from the bench mock')) {
      throw new Error(`sanity check ${e.name} (stream ${stream}): HTTP ${r.status}\n${text.slice(0, 500)}`);
    }
  }
}

// ------------------------------------------------------------------ per-trial measurements

/** What `measured` adds to a load generator result: the CPU the process under test used meanwhile. */
interface ServerCpu {
  /** CPU time (all threads) of the process under test during the op (throughput: its measured window), ms; null for the mock measured directly. */
  serverCpuMs: number | null;
  /** Requests that CPU time served (throughput: those completed in the window; else all, warm-up included). */
  cpuRequests: number;
  /** Wall time of the op as seen by the bench, ms. */
  wallMs: number;
}

interface StreamMeasure extends StreamResult, ServerCpu {
  framesSent: number;
  lost: number;
  streamsCut: number;
}

/** A measurement (`what`, e.g. "throughput krouter") and the CPU, in cores, other processes and the host took during it. */
interface NoiseSeen {
  what: string;
  cores: number;
}

interface Trial {
  trial: number;
  latency?: Record<'direct' | 'bare' | 'kr' | 'krTr', LatencyResult & ServerCpu>;
  throughput?: Record<'bare' | 'kr' | 'krTr', ThroughputResult & ServerCpu>;
  log?: Record<'on' | 'off', ThroughputResult & ServerCpu>;
  stream?: Record<'bare' | 'kr' | 'krTr', StreamMeasure>;
  rssLoadKb?: Record<'bare' | 'kr', number>;
  /** Peak RSS per kind of load op (`throughput:bare`, `stream:kr`…). */
  rssByPhaseKb?: Record<string, number>;
  /** Cold start: spawn → first 200 of each fresh start (ms) and its idle RSS (KiB) once it served 3 requests and idled 2 s. */
  cold?: { bareMs: number[]; krMs: number[]; bareIdleKb: number[]; krIdleKb: number[] };
  /** CPU (in cores) used by processes outside the bench during each measured op. */
  noise: NoiseSeen[];
  /** Measurements thrown away and run again because others took more than QUIET_CORES during them. */
  redone: NoiseSeen[];
}

interface Ctx {
  p: Params;
  gen: LoadGen;
  mockUrl: string;
  direct: Endpoint;
  bare: Endpoint;
  kr: Endpoint;
  krTr: Endpoint;
  /** The log phase's pair: two daemons that differ only in log.enabled and see the same requests. */
  krOn: Endpoint;
  krOff: Endpoint;
  cold: ColdHome;
  cpu: CpuPlan | null;
  bareScript: string;
  rssLoad: { bare: number; kr: number };
  rssByPhase: Record<string, number>;
  /** What the current trial saw of other processes' CPU use. */
  noise: NoiseSeen[];
  /** Time still allowed for waiting until the machine is quiet (other people's test runs), in ms. */
  quietBudgetMs: number;
  /** What the current trial threw away and ran again (see `quietly`). */
  redone: NoiseSeen[];
  /** Time still allowed for measurements thrown away, in ms. */
  redoBudgetMs: number;
}

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}


/** At most this many re-runs of one measurement during which others took more than QUIET_CORES. */
const MAX_REDOS = 2;

/** The report's account of the measurements thrown away (empty when none was). */
function redoLine(trials: readonly Trial[]): string {
  const redone = trials.flatMap((t) => t.redone);
  if (redone.length === 0) return '';
  const kept = trials.flatMap((t) => t.noise);
  const stillNoisy = kept.filter((n) => n.cores > QUIET_CORES).length;
  return `; ${redone.length} measurements were thrown away and run again (others took ${median(redone.map((r) => r.cores)).toFixed(2)} cores, median, during them; > ${QUIET_CORES} cores, at most ${MAX_REDOS} re-runs each), ${kept.length} kept, of which ${stillNoisy} still above ${QUIET_CORES} cores`;
}

/**
 * Runs one measurement (`what`, e.g. "throughput krouter"): first waits
 * (bounded) for other processes on the machine to go quiet, then measures
 * while reading what CPU other processes and the host took meanwhile. A
 * measurement during which they took more than QUIET_CORES is thrown away
 * and run again, at most MAX_REDOS times and within the run's redo budget:
 * on this KVM host the neighbours' load comes in bursts of seconds, and a
 * slice that met one says more about them than about the proxy. Every
 * endpoint is under the same rule; what was thrown away is counted in the
 * report. A run that `failed` (an error, a lost frame) is always kept: a
 * failure is a finding whatever the load.
 */
async function quietly<T>(c: Ctx, what: string, measure: () => Promise<T>, failed: (r: T) => boolean): Promise<T> {
  for (let redo = 0; ; redo++) {
    if (c.quietBudgetMs > 0) {
      const t0 = performance.now();
      await waitQuiet(QUIET_CORES, c.quietBudgetMs);
      c.quietBudgetMs -= performance.now() - t0;
    }
    const foreign = new ForeignCpu();
    const t0 = performance.now();
    const r = await measure();
    const cores = foreign.cores();
    if (cores > QUIET_CORES && redo < MAX_REDOS && c.redoBudgetMs > 0 && !failed(r)) {
      c.redoBudgetMs -= performance.now() - t0;
      c.redone.push({ what, cores });
      continue;
    }
    c.noise.push({ what, cores });
    return r;
  }
}

/** One op, measured quietly (above), sampling the RSS of the process under test (keeping the largest seen, thrown-away runs included). */
function measured<R extends LoadResult>(c: Ctx, e: Endpoint, op: LoadOp, timeoutMs: number): Promise<R & ServerCpu> {
  return quietly(c, `${op.op} ${e.name}`, () => measureOnce<R>(c, e, op, timeoutMs), (r) => r.errors > 0);
}

async function measureOnce<R extends LoadResult>(c: Ctx, e: Endpoint, op: LoadOp, timeoutMs: number): Promise<R & ServerCpu> {
  const sampler = e.pid === null ? null : new RssSampler({ [e.name]: e.pid }, 100);
  const pid = e.pid;
  let ticksFrom = pid === null ? 0 : procTicks(pid);
  const t0 = performance.now();
  // throughput: count CPU from the end of the generator's warm-up, to match its measured window
  const windowed = pid !== null && op.op === 'throughput' && op.warmupMs > 0;
  const warmTimer = windowed ? setTimeout(() => (ticksFrom = procTicks(pid)), op.warmupMs) : null;
  try {
    const r = await c.gen.call<R>(op, timeoutMs);
    const serverCpuMs = pid === null ? null : ((procTicks(pid) - ticksFrom) * 1000) / TICKS_PER_SEC;
    const cpuRequests = r.kind === 'throughput' ? (windowed ? r.count : r.total) : r.kind === 'latency' ? r.total : r.streams * 2;
    return { ...r, serverCpuMs, cpuRequests, wallMs: performance.now() - t0 };
  } finally {
    if (warmTimer) clearTimeout(warmTimer);
    const got = sampler?.stop();
    const kb = got?.max[e.name];
    if (kb !== undefined) {
      const who = e.name === 'bare' ? 'bare' : e.name === 'krouter' || e.name === 'krouter-translated' ? 'kr' : null;
      if (who !== null && op.op !== 'latency') {
        c.rssLoad[who] = Math.max(c.rssLoad[who], kb);
        const k = `${op.op}:${who}`;
        c.rssByPhase[k] = Math.max(c.rssByPhase[k] ?? 0, kb);
      }
    }
  }
}

function latencyOp(c: Ctx, e: Endpoint): LatencyOp {
  return { op: 'latency', target: target(e, false), count: c.p.latencyCount, warmup: c.p.latencyWarmup, maxMs: 120_000 };
}

/**
 * Latency, throughput and the request-log pair are measured in SLICES
 * slices per endpoint, in an order that rotates every round (A B C, B C A,
 * C A B …; for two: A B, B A …), so that a drift of the machine's speed
 * during a trial (this KVM host's moves throughput by several percent within
 * seconds) weighs on every endpoint alike instead of on whichever ran then.
 */
const SLICES = 4;

/** Runs `run(e, slice)` SLICES times for each endpoint, in rotating order; the results per endpoint, in slice order. */
async function interleaved<R>(ends: readonly Endpoint[], run: (e: Endpoint, slice: number) => Promise<R>): Promise<R[][]> {
  const out: R[][] = ends.map(() => []);
  for (let s = 0; s < SLICES; s++) {
    for (let k = 0; k < ends.length; k++) {
      const at = (s + k) % ends.length;
      out[at]!.push(await run(ends[at]!, s));
    }
  }
  return out;
}

/** A throughput slice: the whole warm-up before the first, a short one (connections only) before the others; half a window each. */
function sliceOp(c: Ctx, e: Endpoint, s: number): ThroughputOp {
  return { ...throughputOp(c, e), warmupMs: s === 0 ? c.p.tpWarmupMs : Math.min(c.p.tpWarmupMs, 300), durationMs: Math.max(500, Math.round(c.p.tpDurationMs / 2)) };
}

type ThroughputMeasure = ThroughputResult & ServerCpu;
type LatencyMeasure = LatencyResult & ServerCpu;

/** Slices of one endpoint's throughput as one result: counts, time and CPU summed; the percentiles are the slices' medians. */
function mergeThroughput(parts: readonly ThroughputMeasure[]): ThroughputMeasure {
  const sum = (f: (r: ThroughputMeasure) => number): number => parts.reduce((acc, r) => acc + f(r), 0);
  const count = sum((r) => r.count);
  const elapsedMs = sum((r) => r.elapsedMs);
  return {
    kind: 'throughput',
    count,
    total: sum((r) => r.total),
    errors: sum((r) => r.errors),
    firstError: parts.find((r) => r.firstError !== null)?.firstError ?? null,
    elapsedMs,
    rps: elapsedMs > 0 ? (count * 1000) / elapsedMs : 0,
    p50Ms: median(parts.map((r) => r.p50Ms)),
    p99Ms: median(parts.map((r) => r.p99Ms)),
    serverCpuMs: parts.every((r) => r.serverCpuMs !== null) ? sum((r) => r.serverCpuMs!) : null,
    cpuRequests: sum((r) => r.cpuRequests),
    wallMs: sum((r) => r.wallMs),
  };
}

/** Slices of one endpoint's latency as one result: percentiles over all their samples (which are then dropped). */
function mergeLatency(parts: readonly LatencyMeasure[]): LatencyMeasure {
  const all = parts.flatMap((r) => r.samplesMs ?? []);
  const s = sortedCopy(all);
  const sum = (f: (r: LatencyMeasure) => number): number => parts.reduce((acc, r) => acc + f(r), 0);
  return {
    kind: 'latency',
    count: s.length,
    total: sum((r) => r.total),
    errors: sum((r) => r.errors),
    firstError: parts.find((r) => r.firstError !== null)?.firstError ?? null,
    p50Ms: percentileSorted(s, 50),
    p90Ms: percentileSorted(s, 90),
    p99Ms: percentileSorted(s, 99),
    meanMs: mean(all),
    maxMs: s.length > 0 ? s[s.length - 1]! : Number.NaN,
    serverCpuMs: parts.every((r) => r.serverCpuMs !== null) ? sum((r) => r.serverCpuMs!) : null,
    cpuRequests: sum((r) => r.cpuRequests),
    wallMs: sum((r) => r.wallMs),
  };
}

function throughputOp(c: Ctx, e: Endpoint): ThroughputOp {
  return { op: 'throughput', target: target(e, false), concurrency: c.p.concurrency, warmupMs: c.p.tpWarmupMs, durationMs: c.p.tpDurationMs };
}

function streamMeasure(c: Ctx, e: Endpoint): Promise<StreamMeasure> {
  const expectedMs = c.p.chunks * c.p.intervalMs;
  // the mock's frame count is reset per run, so a run thrown away does not count in the lost frames
  return quietly(c, `stream ${e.name}`, async () => {
    await fetchJson(`${c.mockUrl}/_bench/reset`, 'POST', {});
    const r = await measureOnce<StreamResult>(c, e, { op: 'stream', target: target(e, true), streams: c.p.streams, marker: FRAME_MARKER, warmBody: chatBody(e.model, false), maxMs: expectedMs * 4 + 30_000 }, expectedMs * 4 + 60_000);
    const s = await fetchJson<MockStats>(`${c.mockUrl}/_bench/stats`);
    return { ...r, framesSent: s.framesSent, lost: s.framesSent - r.framesReceived, streamsCut: s.streamsCut };
  }, (r) => r.errors > 0 || r.lost !== 0 || r.streamsCut > 0);
}

async function runTrial(c: Ctx, i: number): Promise<Trial> {
  const t: Trial = { trial: i, noise: [], redone: [] };
  c.noise = t.noise;
  c.redone = t.redone;
  const on = (ph: Phase): boolean => c.p.only.includes(ph);
  const tpTimeout = c.p.tpWarmupMs + c.p.tpDurationMs + 60_000;
  c.rssLoad = { bare: 0, kr: 0 };
  c.rssByPhase = {};

  if (on('latency')) {
    log(`trial ${i}: latency at concurrency 1 (direct, bare, krouter, krouter translated; ${SLICES} interleaved slices each)`);
    const ends = [c.direct, c.bare, c.kr, c.krTr];
    const parts = await interleaved(ends, (e, s) => {
      const op: LatencyOp = { ...latencyOp(c, e), count: Math.ceil(c.p.latencyCount / SLICES), warmup: s === 0 ? c.p.latencyWarmup : Math.min(c.p.latencyWarmup, 100), keepSamples: true };
      return measured<LatencyResult>(c, e, op, 180_000);
    });
    const [direct, bare, kr, krTr] = parts.map(mergeLatency) as [LatencyMeasure, LatencyMeasure, LatencyMeasure, LatencyMeasure];
    t.latency = { direct, bare, kr, krTr };
  }
  if (on('throughput')) {
    log(`trial ${i}: throughput at concurrency ${c.p.concurrency} (bare, krouter, krouter translated; ${SLICES} interleaved slices each)`);
    const parts = await interleaved([c.bare, c.kr, c.krTr], (e, s) => measured<ThroughputResult>(c, e, sliceOp(c, e, s), tpTimeout));
    const [bare, kr, krTr] = parts.map(mergeThroughput) as [ThroughputMeasure, ThroughputMeasure, ThroughputMeasure];
    t.throughput = { bare, kr, krTr };
  }
  if (on('log')) {
    // two krouters of the same build and the same history (start, warm-up, this phase only); which goes first alternates
    log(`trial ${i}: request log on vs off (throughput at concurrency ${c.p.concurrency}; ${SLICES} interleaved slices each)`);
    const offFirst = i % 2 === 1;
    const [first, second] = (await interleaved(offFirst ? [c.krOff, c.krOn] : [c.krOn, c.krOff], (e, s) => measured<ThroughputResult>(c, e, sliceOp(c, e, s), tpTimeout))).map(mergeThroughput) as [
      ThroughputMeasure,
      ThroughputMeasure,
    ];
    t.log = offFirst ? { on: second, off: first } : { on: first, off: second };
  }
  if (on('stream')) {
    log(`trial ${i}: ${c.p.streams} concurrent streams × ${c.p.chunks} frames every ${c.p.intervalMs} ms (bare, krouter, krouter translated)`);
    const bare = await streamMeasure(c, c.bare);
    const kr = await streamMeasure(c, c.kr);
    const krTr = await streamMeasure(c, c.krTr);
    t.stream = { bare, kr, krTr };
  }
  if (on('throughput') || on('stream')) {
    t.rssLoadKb = { ...c.rssLoad };
    t.rssByPhaseKb = { ...c.rssByPhase };
  }
  if (on('cold')) {
    log(`trial ${i}: cold start (bare, krouter; ${FRESH_STARTS} fresh starts each, alternating)`);
    const probeBody = chatBody(COMBO_PASS, false);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${c.cold.key}` };
    const cold = { bareMs: [] as number[], krMs: [] as number[], bareIdleKb: [] as number[], krIdleKb: [] as number[] };
    for (let k = 0; k < FRESH_STARTS; k++) {
      const bp = await freePort();
      const bareCold = await coldStart('bare proxy', [c.bareScript], { BENCH_UPSTREAM: c.mockUrl, BENCH_PORT: String(bp) }, { url: `http://127.0.0.1:${bp}/v1/chat/completions`, headers, body: probeBody }, c.cpu?.server);
      const kp = await freePort();
      const cmd = coldDaemonCommand(c.cold, kp);
      const krCold = await coldStart('krouter', cmd.args, cmd.env, { url: `http://127.0.0.1:${kp}/v1/chat/completions`, headers, body: probeBody }, c.cpu?.server);
      cold.bareMs.push(bareCold.ms);
      cold.krMs.push(krCold.ms);
      if (bareCold.idleKb !== null) cold.bareIdleKb.push(bareCold.idleKb);
      if (krCold.idleKb !== null) cold.krIdleKb.push(krCold.idleKb);
    }
    t.cold = cold;
  }
  return t;
}

// ------------------------------------------------------------------ soak

interface Soak {
  seconds: number;
  samples: Array<{ t: number; kb: number }>;
  baselineKb: number;
  endKb: number;
  growthPct: number;
  slopeMbPerMin: number;
  requests: number;
  streams: number;
  errors: number;
}

async function runSoak(c: Ctx): Promise<Soak> {
  log(`soak: ${c.p.soakSec} s of mixed load on krouter (pass-through, translated, streams), RSS every second`);
  const sampler = new RssSampler({ kr: c.kr.pid! }, 1000);
  const deadline = performance.now() + c.p.soakSec * 1000;
  let requests = 0;
  let streams = 0;
  let errors = 0;
  const left = (): number => deadline - performance.now();
  while (left() > 500) {
    const tp = await c.gen.call<ThroughputResult>(
      { op: 'throughput', target: target(c.kr, false), concurrency: c.p.concurrency, warmupMs: 0, durationMs: Math.max(200, Math.min(4000, left())) },
      70_000,
    );
    requests += tp.count;
    errors += tp.errors;
    if (left() < 500) break;
    const tr = await c.gen.call<ThroughputResult>({ op: 'throughput', target: target(c.krTr, false), concurrency: 16, warmupMs: 0, durationMs: Math.max(200, Math.min(2000, left())) }, 70_000);
    requests += tr.count;
    errors += tr.errors;
    if (left() < c.p.chunks * c.p.intervalMs + 500) continue;
    const st = await c.gen.call<StreamResult>(
      { op: 'stream', target: target(c.kr, true), streams: 64, marker: FRAME_MARKER, warmBody: chatBody(COMBO_PASS, false), maxMs: 60_000 },
      90_000,
    );
    streams += st.completed;
    errors += st.errors;
  }
  const samples = sampler.stop().samples.map((s) => ({ t: s.t / 1000, kb: s.kb }));
  const T = samples.length > 0 ? samples[samples.length - 1]!.t : 0;
  const win = (a: number, b: number): number[] => samples.filter((s) => s.t >= a * T && s.t <= b * T).map((s) => s.kb);
  // RSS saw-tooths with the GC: compare the floors (lowest RSS) of an early and a late window, after a warm-up quarter
  const floor = (xs: number[]): number => (xs.length === 0 ? Number.NaN : Math.min(...xs));
  const baselineKb = floor(win(0.25, 0.55));
  const endKb = floor(win(0.7, 1));
  const after = samples.filter((s) => s.t >= 0.25 * T).map((s) => ({ x: s.t / 60, y: s.kb / 1024 }));
  return { seconds: c.p.soakSec, samples, baselineKb, endKb, growthPct: (100 * (endKb - baselineKb)) / baselineKb, slopeMbPerMin: slope(after), requests, streams, errors };
}

// ------------------------------------------------------------------ summary

interface Row {
  metric: string;
  unit: string;
  baseline: Spread | null;
  baselineName: string;
  krouter: Spread;
  ratio: Spread | null;
  target: string;
  pass: boolean | null;
  note?: string;
}

function col<T>(trials: Trial[], f: (t: Trial) => T | undefined): T[] {
  return trials.map(f).filter((x): x is T => x !== undefined);
}

/**
 * A krouter-vs-baseline row. The ratio is the median of the per-trial ratios
 * (the trials are interleaved, so each ratio compares neighbours in time);
 * with `ofMedians` it is median(krouter) / median(baseline) instead — for small
 * differences (added latency) whose per-trial baseline can come out near zero.
 */
function ratioRow(metric: string, unit: string, pairs: Array<[number, number]>, cmp: 'le' | 'ge' | null, limit: number, baselineName = 'bare', ofMedians = false): Row {
  const ratios = pairs.filter(([b]) => b > 0).map(([b, k]) => k / b);
  const per = spread(ratios);
  const r = ofMedians ? { ...per, median: median(pairs.map(([, k]) => k)) / median(pairs.map(([b]) => b)) } : per;
  return {
    metric,
    unit,
    baseline: spread(pairs.map(([b]) => b)),
    baselineName,
    krouter: spread(pairs.map(([, k]) => k)),
    ratio: r,
    target: cmp === null ? '(info)' : `${cmp === 'le' ? '≤' : '≥'} ${limit}× ${baselineName}`,
    pass: cmp === null || r.n === 0 ? null : cmp === 'le' ? r.median <= limit : r.median >= limit,
  };
}

function streamRows(trials: Trial[], which: 'kr' | 'krTr', label: string): Row[] {
  const rows: Row[] = [];
  const st = col(trials, (t) => t.stream);
  if (st.length === 0) return rows;
  rows.push(ratioRow(`streaming ${label}: frames/s (steady delivery)`, 'frames/s', st.map((s) => [s.bare.steadyFramesPerSec, s[which].steadyFramesPerSec]), 'ge', 0.95));
  rows.push(ratioRow(`streaming ${label}: frames/s (wall, incl. start-up)`, 'frames/s', st.map((s) => [s.bare.framesPerSec, s[which].framesPerSec]), null, 0));
  const lostK = st.reduce((a, s) => a + s[which].lost, 0);
  const errK = st.reduce((a, s) => a + s[which].errors, 0);
  rows.push({
    metric: `streaming ${label}: lost frames (sum)`,
    unit: 'frames',
    baseline: spread([st.reduce((a, s) => a + s.bare.lost, 0)]),
    baselineName: 'bare',
    krouter: spread([lostK]),
    ratio: null,
    target: '= 0',
    pass: lostK === 0 && errK === 0,
    ...(errK > 0 ? { note: `${errK} streams failed: ${st.map((s) => s[which].firstError).find((x) => x) ?? ''}` } : {}),
  });
  const gapB = st.map((s) => s.bare.maxGapMs);
  const gapK = st.map((s) => s[which].maxGapMs);
  rows.push({
    metric: `streaming ${label}: largest inter-chunk gap`,
    unit: 'ms',
    baseline: spread(gapB),
    baselineName: 'bare',
    krouter: spread(gapK),
    ratio: null,
    target: '≤ 200 ms (worst trial)',
    pass: Math.max(...gapK) <= 200,
  });
  rows.push(ratioRow(`streaming ${label}: time to first token p50`, 'ms', st.map((s) => [s.bare.ttftP50Ms, s[which].ttftP50Ms]), null, 0));
  rows.push(ratioRow(`streaming ${label}: time to first token p99`, 'ms', st.map((s) => [s.bare.ttftP99Ms, s[which].ttftP99Ms]), null, 0));
  return rows;
}

function summarize(trials: Trial[], idle: { bare: number[]; kr: number[] } | null, idleAfter: { bare: number[]; kr: number[] } | null, soak: Soak | null): Row[] {
  const rows: Row[] = [];
  const lat = col(trials, (t) => t.latency);
  if (lat.length > 0) {
    rows.push(ratioRow('added latency p50 (c=1, vs mock direct)', 'ms', lat.map((l) => [l.bare.p50Ms - l.direct.p50Ms, l.kr.p50Ms - l.direct.p50Ms]), 'le', 1.35, 'bare', true));
    rows.push(ratioRow('added latency p99 (c=1, vs mock direct)', 'ms', lat.map((l) => [l.bare.p99Ms - l.direct.p99Ms, l.kr.p99Ms - l.direct.p99Ms]), 'le', 1.35, 'bare', true));
    rows.push(ratioRow('added latency p50, translated route', 'ms', lat.map((l) => [l.bare.p50Ms - l.direct.p50Ms, l.krTr.p50Ms - l.direct.p50Ms]), null, 0, 'bare', true));
    rows.push(ratioRow('mock direct latency p50 (reference)', 'ms', lat.map((l) => [l.direct.p50Ms, l.direct.p50Ms]), null, 0));
  }
  const tp = col(trials, (t) => t.throughput);
  if (tp.length > 0) {
    rows.push(ratioRow(`throughput c=32, pass-through`, 'req/s', tp.map((x) => [x.bare.rps, x.kr.rps]), 'ge', 0.75));
    rows.push(ratioRow(`throughput c=32, translated (OpenAI→Anthropic)`, 'req/s', tp.map((x) => [x.bare.rps, x.krTr.rps]), 'ge', 0.6));
  }
  if (tp.length > 0) {
    // CPU per request of the process under test: independent of who saturated first (generator or proxy)
    const perReq = (r: ThroughputResult & ServerCpu): number => (r.serverCpuMs === null || r.cpuRequests === 0 ? Number.NaN : (r.serverCpuMs * 1000) / r.cpuRequests);
    const util = (r: ThroughputResult & ServerCpu): number => (r.serverCpuMs === null ? Number.NaN : r.serverCpuMs / r.elapsedMs);
    rows.push(ratioRow('CPU per request c=32, pass-through', 'µs', tp.map((x) => [perReq(x.bare), perReq(x.kr)]), null, 0));
    rows.push(ratioRow('CPU per request c=32, translated', 'µs', tp.map((x) => [perReq(x.bare), perReq(x.krTr)]), null, 0));
    rows.push(ratioRow('CPU busy during c=32 (1 = a full core)', 'cores', tp.map((x) => [util(x.bare), util(x.kr)]), null, 0));
  }
  const st = col(trials, (t) => t.stream);
  if (st.length > 0) {
    const cpu = (r: StreamMeasure): number => (r.serverCpuMs === null ? Number.NaN : r.serverCpuMs);
    rows.push(ratioRow('CPU used by the 256-stream phase, pass-through', 'ms', st.map((x) => [cpu(x.bare), cpu(x.kr)]), null, 0));
    rows.push(ratioRow('CPU used by the 256-stream phase, translated', 'ms', st.map((x) => [cpu(x.bare), cpu(x.krTr)]), null, 0));
  }
  rows.push(...streamRows(trials, 'kr', 'pass-through'));
  rows.push(...streamRows(trials, 'krTr', 'translated'));
  // Idle RSS is judged on the fresh processes of the cold-start runs (each after three requests and two seconds idle).
  // A fresh process's idle RSS is two-state, in the bare proxy and in krouter alike: ~10 MiB more when glibc keeps the
  // memory V8 used to optimise undici's WebAssembly HTTP parser (~30 MiB of compiler zone, freed at once; malloc_trim
  // gives most of it back, and with --liftoff-only the high state never occurs). Which state a start lands in is
  // decided by thread timing, not by the code under test, and the median of a two-state sample jumps between the
  // states; the mean over all starts (the expected footprint) does not, so the mean is judged.
  const fresh = col(trials, (t) => t.cold);
  const idleB = fresh.flatMap((x) => x.bareIdleKb.map((kb) => kb / 1024));
  const idleK = fresh.flatMap((x) => x.krIdleKb.map((kb) => kb / 1024));
  const freshJudged = idleB.length > 0 && idleK.length > 0;
  if (freshJudged) {
    const [meanB, meanK, minB, minK] = [mean(idleB), mean(idleK), Math.min(...idleB), Math.min(...idleK)];
    // a start counts as high when it sits 5 MiB or more above the smallest start of its side (the states are ~10 MiB apart)
    const high = (xs: number[], min: number): number => xs.filter((x) => x >= min + 5).length;
    const r = meanK / meanB;
    rows.push({
      metric: 'RSS idle (fresh starts, 3 requests, 2 s idle): mean',
      unit: 'MiB',
      baseline: spread(idleB),
      baselineName: 'bare',
      krouter: spread(idleK),
      ratio: spread([r]),
      target: '≤ 1.15× bare',
      pass: r <= 1.15,
      note: `mean ${meanK.toFixed(1)} MiB (krouter) vs ${meanB.toFixed(1)} MiB (bare) over ${idleK.length} and ${idleB.length} fresh starts; in the high state (≥ 5 MiB above the side's smallest start): krouter ${high(idleK, minK)}, bare ${high(idleB, minB)}`,
    });
    rows.push({
      metric: 'RSS idle (fresh starts): smallest vs smallest',
      unit: 'MiB',
      baseline: spread([minB]),
      baselineName: 'bare',
      krouter: spread([minK]),
      ratio: spread([minK / minB]),
      target: '(info)',
      pass: null,
    });
  }
  if (idle) {
    const b = median(idle.bare);
    const k = median(idle.kr);
    // one process a side, so one draw of the two states: information only (the target needs the cold phase's fresh starts)
    rows.push({
      metric: 'RSS idle (processes under test, after set-up)',
      unit: 'MiB',
      baseline: spread(idle.bare.map((x) => x / 1024)),
      baselineName: 'bare',
      krouter: spread(idle.kr.map((x) => x / 1024)),
      ratio: spread([k / b]),
      target: freshJudged ? '(info)' : '(info: judged with the cold phase)',
      pass: null,
    });
  }
  if (idleAfter) {
    const b = median(idleAfter.bare);
    const k = median(idleAfter.kr);
    rows.push({ metric: 'RSS idle (after the trials)', unit: 'MiB', baseline: spread(idleAfter.bare.map((x) => x / 1024)), baselineName: 'bare', krouter: spread(idleAfter.kr.map((x) => x / 1024)), ratio: spread([k / b]), target: '(info)', pass: null });
  }
  const load = col(trials, (t) => t.rssLoadKb);
  if (load.length > 0) {
    rows.push(ratioRow('RSS under load (peak)', 'MiB', load.map((x) => [x.bare / 1024, x.kr / 1024]), 'le', 1.3));
    const ph = col(trials, (t) => t.rssByPhaseKb);
    for (const kind of ['throughput', 'stream']) {
      const pairs = ph.filter((x) => x[`${kind}:bare`] !== undefined && x[`${kind}:kr`] !== undefined).map((x): [number, number] => [x[`${kind}:bare`]! / 1024, x[`${kind}:kr`]! / 1024]);
      if (pairs.length > 0) rows.push(ratioRow(`RSS peak during ${kind === 'stream' ? '256 streams' : 'c=32 requests'}`, 'MiB', pairs, null, 0));
    }
  }
  if (soak) {
    rows.push({
      metric: `RSS growth over a ${soak.seconds} s soak`,
      unit: '%',
      baseline: null,
      baselineName: 'bare',
      krouter: spread([soak.growthPct]),
      ratio: null,
      target: soak.seconds >= 60 ? '≤ 5% (no growth)' : '(info: < 60 s, run --soak 600)',
      pass: soak.seconds >= 60 ? soak.growthPct <= 5 && soak.errors === 0 : null,
      note: `RSS floor ${(soak.baselineKb / 1024).toFixed(1)} MiB (25–55% of the soak) → ${(soak.endKb / 1024).toFixed(1)} MiB (70–100%), slope after warm-up ${soak.slopeMbPerMin.toFixed(2)} MiB/min, ${soak.requests} requests + ${soak.streams} streams, ${soak.errors} errors`,
    });
  }
  if (fresh.length > 0) rows.push(ratioRow('cold start (spawn → first 200 on /v1; per trial the median start)', 'ms', fresh.map((x) => [median(x.bareMs), median(x.krMs)]), 'le', 1.3));
  const lg = col(trials, (t) => t.log);
  if (lg.length > 0) {
    rows.push(ratioRow('request log on vs off (throughput c=32)', 'req/s', lg.map((x) => [x.off.rps, x.on.rps]), 'ge', 0.95, 'log off'));
    const perReq = (r: ThroughputResult & ServerCpu): number => (r.serverCpuMs === null || r.cpuRequests === 0 ? Number.NaN : (r.serverCpuMs * 1000) / r.cpuRequests);
    rows.push(ratioRow('request log on vs off: CPU per request', 'µs', lg.map((x) => [perReq(x.off), perReq(x.on)]), null, 0, 'log off'));
  }
  // errors anywhere are worth a note
  for (const t of trials) {
    const all: Array<[string, { errors: number; firstError: string | null } | undefined]> = [
      ['latency bare', t.latency?.bare],
      ['latency krouter', t.latency?.kr],
      ['latency translated', t.latency?.krTr],
      ['throughput bare', t.throughput?.bare],
      ['throughput krouter', t.throughput?.kr],
      ['throughput translated', t.throughput?.krTr],
      ['log on', t.log?.on],
      ['log off', t.log?.off],
    ];
    for (const [name, r] of all) if (r && r.errors > 0) log(`trial ${t.trial}: ${name}: ${r.errors} errors (first: ${r.firstError})`);
  }
  return rows;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

function fmtSpread(s: Spread | null): string {
  if (s === null || s.n === 0) return '—';
  if (s.n === 1) return fmt(s.median);
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

export function renderTable(rows: Row[]): string {
  const head = ['metric', 'unit', 'baseline', 'krouter', 'ratio', 'target', 'result'];
  const body = rows.map((r) => [r.metric, r.unit, fmtSpread(r.baseline), fmtSpread(r.krouter), r.ratio ? fmtSpread(r.ratio) : '—', r.target, r.pass === null ? '' : r.pass ? 'PASS' : 'FAIL']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)];
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.metric}: ${r.note}`);
  return out.join('\n') + (notes.length > 0 ? `\n\n${notes.join('\n')}` : '');
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function machine(): { cpu: string; cores: number; node: string; memGiB: number; kernel: string } {
  const c = cpus();
  return { cpu: c[0]?.model.trim() ?? 'unknown', cores: c.length, node: process.version, memGiB: Math.round(totalmem() / 2 ** 30), kernel: release() };
}

// ------------------------------------------------------------------ main

async function main(): Promise<number> {
  const p = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const m = machine();
  // BENCH_COMMIT: set when measuring an exported snapshot (git archive) that is not a work tree
  const commit = process.env['BENCH_COMMIT'] || git(['rev-parse', '--short', 'HEAD']) || 'unknown';
  const dirty = process.env['BENCH_COMMIT'] ? false : git(['status', '--porcelain', '--untracked-files=no', '--', 'src', 'bin']).length > 0;
  const outDir = join(REPO_ROOT, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const profDir = join(outDir, `profile-${stamp}`);
  const cpu = cpuPlan(p.pin, m.cores);
  const placement = cpu ? `proxy under test pinned to CPU ${cpu.server}, mock + load generator to CPU ${cpu.others}` : 'no CPU pinning';
  log(`machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, Node ${m.node}; commit ${commit}${dirty ? ' (src modified)' : ''}; mode ${p.mode}, ${p.trials} trials${p.profile ? ', profiling krouter' : ''}; ${placement}`);

  const stops: Array<() => Promise<void> | void> = [];
  const onSignal = (sig: NodeJS.Signals): void => {
    log(`${sig}: killing every bench process`);
    killAllSync();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', killAllSync);

  let kr: Krouter | null = null;
  let profile: ProfileSummary | null = null;
  let coldProfile: ProfileSummary | null = null;
  let bareProfile: ProfileSummary | null = null;
  try {
    const mock: Proc = await spawnListening('mock', join(HERE, 'mock-upstream.js'), {});
    stops.push(() => mock.stop());
    pin(mock.pid, cpu?.others);
    const mockUrl = `http://127.0.0.1:${mock.port}`;
    await fetchJson(`${mockUrl}/_bench/config`, 'POST', { delayMs: 0, chunks: p.chunks, intervalMs: p.intervalMs });
    const bareScript = join(HERE, 'bare-proxy.js');
    const bareProfDir = join(profDir, 'bare');
    if (p.profile) mkdirSync(bareProfDir, { recursive: true });
    const bare = await spawnListening('bare', bareScript, { BENCH_UPSTREAM: mockUrl }, p.profile ? ['--cpu-prof', `--cpu-prof-dir=${bareProfDir}`] : []);
    stops.push(() => bare.stop());
    pin(bare.pid, cpu?.server);

    log('starting krouter daemons (main, and the log on/off pair) and configuring them over the CLI');
    if (p.profile) mkdirSync(profDir, { recursive: true });
    kr = await startKrouter({ name: 'krouter', mockUrl, log: true, config: p.config, nodeArgs: [...p.nodeArgs, ...(p.profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])] });
    const krMain = kr;
    stops.push(() => krMain.stop());
    pin(krMain.pid, cpu?.server);
    // The log phase compares its own pair, not krMain against a log-off daemon: krMain also serves translated
    // requests and streams (warm-up, other phases), so the two would differ in JIT state and heap, not only in the log.
    const pair = p.only.includes('log');
    const krOnD = pair ? await startKrouter({ name: 'krouter-log-on', mockUrl, log: true, config: p.config, nodeArgs: p.nodeArgs }) : null;
    if (krOnD) stops.push(() => krOnD.stop());
    const krOffD = pair ? await startKrouter({ name: 'krouter-log-off', mockUrl, log: false, config: p.config, nodeArgs: p.nodeArgs }) : null;
    if (krOffD) stops.push(() => krOffD.stop());
    for (const d of [krOnD, krOffD]) if (d) pin(d.pid, cpu?.server);
    const unused: Endpoint = { name: 'unused', base: '', key: '', model: '', pid: null };
    const cold = p.only.includes('cold') ? await prepareColdHome(mockUrl) : null;
    if (cold) stops.push(() => cold.remove());

    const gen = new LoadGen(cpu?.others);
    stops.push(() => gen.stop());

    const c: Ctx = {
      p,
      gen,
      mockUrl,
      direct: { name: 'direct', base: mockUrl, key: 'none', model: 'gpt-bench', pid: null },
      bare: { name: 'bare', base: `http://127.0.0.1:${bare.port}`, key: kr.key, model: 'gpt-bench', pid: bare.pid },
      kr: { name: 'krouter', base: kr.baseUrl, key: kr.key, model: COMBO_PASS, pid: kr.pid },
      krTr: { name: 'krouter-translated', base: kr.baseUrl, key: kr.key, model: COMBO_TRANSLATE, pid: kr.pid },
      krOn: krOnD ? { name: 'krouter-log-on', base: krOnD.baseUrl, key: krOnD.key, model: COMBO_PASS, pid: krOnD.pid } : unused,
      krOff: krOffD ? { name: 'krouter-log-off', base: krOffD.baseUrl, key: krOffD.key, model: COMBO_PASS, pid: krOffD.pid } : unused,
      cold: cold ?? { home: '', socket: '', key: '', remove: () => undefined },
      cpu,
      bareScript,
      rssLoad: { bare: 0, kr: 0 },
      rssByPhase: {},
      noise: [],
      quietBudgetMs: p.mode === 'quick' ? 20_000 : 120_000,
      redone: [],
      redoBudgetMs: !p.redo ? 0 : p.mode === 'quick' ? 60_000 : 300_000,
    };
    const logPair = pair ? [c.krOn, c.krOff] : [];
    for (const e of [c.direct, c.bare, c.kr, c.krTr, ...logPair]) await sanityCheck(e);
    const idleRss = async (): Promise<{ bare: number[]; kr: number[] }> => {
      await sleep(2000);
      const r = { bare: [] as number[], kr: [] as number[] };
      for (let i = 0; i < 5; i++) {
        r.bare.push(rssKb(bare.pid) ?? Number.NaN);
        r.kr.push(rssKb(krMain.pid) ?? Number.NaN);
        await sleep(200);
      }
      return r;
    };
    // idle: started, configured, one request of each kind served
    const idle = await idleRss();

    // warm every route (JIT, connection pools), streams too
    log('warm-up');
    const warmMs = p.mode === 'quick' ? 1500 : 3000;
    for (const e of [c.bare, c.kr, c.krTr, ...logPair]) await gen.call({ op: 'throughput', target: target(e, false), concurrency: p.concurrency, warmupMs: 0, durationMs: warmMs }, 60_000);
    for (const e of [c.bare, c.kr, c.krTr]) {
      await gen.call({ op: 'stream', target: target(e, true), streams: 64, marker: FRAME_MARKER, warmBody: chatBody(e.model, false), maxMs: 60_000 }, 90_000);
    }

    const trials: Trial[] = [];
    for (let i = 1; i <= p.trials; i++) trials.push(await runTrial(c, i));
    const idleAfter = await idleRss();
    const soak = p.soakSec > 0 ? await runSoak(c) : null;

    if (p.profile) {
      log('stopping krouter to write its CPU profile');
      await krMain.stop();
      kr = null;
      const files = readdirSync(profDir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(profDir, f))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
      if (files[0]) profile = summarizeProfile(files[0], REPO_ROOT, 30);
      else log(`no .cpuprofile in ${profDir}`);
      // the yardstick's profile too: what a request costs when nothing but forwarding happens
      await bare.stop();
      const bf = readdirSync(bareProfDir).find((f) => f.endsWith('.cpuprofile'));
      if (bf) bareProfile = summarizeProfile(join(bareProfDir, bf), REPO_ROOT, 30);
      if (cold) {
        // one more cold start, profiled: where the daemon's start-up time goes
        log('profiling one krouter cold start');
        const coldDir = join(profDir, 'cold-start');
        mkdirSync(coldDir, { recursive: true });
        const port = await freePort();
        const cmd = coldDaemonCommand(cold, port);
        const headers = { 'content-type': 'application/json', authorization: `Bearer ${cold.key}` };
        await coldStart('krouter (profiled)', ['--cpu-prof', `--cpu-prof-dir=${coldDir}`, ...cmd.args], cmd.env, { url: `http://127.0.0.1:${port}/v1/chat/completions`, headers, body: chatBody(COMBO_PASS, false) }, cpu?.server);
        const cf = readdirSync(coldDir).find((f) => f.endsWith('.cpuprofile'));
        if (cf) coldProfile = summarizeProfile(join(coldDir, cf), REPO_ROOT, 20);
      }
    }

    const rows = summarize(trials, idle, idleAfter, soak);
    const noise = trials.flatMap((t) => t.noise).map((n) => n.cores).filter((x) => Number.isFinite(x));
    const noiseLine = noise.length === 0 ? '' : `\nother processes' CPU during measurements: median ${median(noise).toFixed(2)} cores, worst op ${Math.max(...noise).toFixed(2)} cores${Math.max(...noise) > 0.25 ? ' — the machine was not quiet: expect noise' : ''}${redoLine(trials)}`;
    const header = `krouter bench ${startedAt.toISOString().slice(0, 10)}, commit ${commit}${dirty ? ' (src modified)' : ''}, mode ${p.mode} (${p.trials} trials)\nmachine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB RAM, Linux ${m.kernel}, Node ${m.node}; ${placement}\nvalues: median (min–max) over trials; ratio = median of per-trial krouter / baseline (added latency: ratio of the medians)${noiseLine}${p.profile ? '\nNOTE: krouter ran under --cpu-prof; its numbers are slower than normal' : ''}${p.nodeArgs.length > 0 ? `\nNOTE: krouter ran with node ${p.nodeArgs.join(' ')}` : ''}${Object.keys(p.config).length > 0 ? `\nNOTE: krouter ran with config ${JSON.stringify(p.config)}` : ''}`;
    const table = renderTable(rows);
    process.stdout.write(`\n${header}\n\n${table}\n`);
    if (profile) process.stdout.write(`\n${formatProfile(profile, 30)}\n`);
    if (bareProfile) process.stdout.write(`\nbare proxy (the yardstick):\n${formatProfile(bareProfile, 30)}\n`);
    if (coldProfile) process.stdout.write(`\ncold start (spawn → first 200, then SIGTERM):\n${formatProfile(coldProfile, 20)}\n`);
    const failed = rows.filter((r) => r.pass === false);
    process.stdout.write(`\n${rows.filter((r) => r.pass === true).length} targets PASS, ${failed.length} FAIL${failed.length > 0 ? `: ${failed.map((r) => r.metric).join('; ')}` : ''}\n`);

    const file = join(outDir, `${stamp}.json`);
    writeFileSync(
      file,
      JSON.stringify({ startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), commit, srcModified: dirty, machine: m, cpuPlacement: cpu, params: p, idleRssKb: idle, idleAfterRssKb: idleAfter, rows, trials, soak, profile, bareProfile, coldProfile }, null, 2),
    );
    process.stdout.write(`results: ${file}\n`);
    return 0;
  } finally {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (e) {
        log(`cleanup: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    killAllSync();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
    killAllSync();
    process.exit(1);
  },
);
