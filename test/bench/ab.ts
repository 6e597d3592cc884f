/**
 * `node dist/test/bench/ab.js --base DIR`: this checkout's krouter against
 * another built checkout's (DIR: e.g. a git worktree of the previous commit,
 * with `npm run build` done in it), to tell whether a change makes a request
 * cheaper. Not the targets' bench (run.ts): a tool for one question.
 *
 * Both daemons run on the same CPU and are loaded at the same time, each by
 * its own load generator (closed loop, throughput op), for several rounds;
 * each round gives the ratio of their CPU per request and of their requests
 * per second. Measured one after the other, as run.ts does against the bare
 * proxy, the two would each meet a different moment of this KVM host's drift
 * (±10–20% between rounds on a noisy day); measured together they meet the
 * same one, and on a quiet host the ratio holds to ~±3% (an A/A run,
 * `--base .`, shows the spread on the day). When the host steals much of the
 * CPU (the report says how much) even this breaks down: A/A runs then came
 * out anywhere from 0.8 to 1.2.
 *
 *   node dist/test/bench/ab.js --base ../krouter-prev
 *   node dist/test/bench/ab.js --base ../krouter-prev --route translated --rounds 10
 *   node dist/test/bench/ab.js --base . --log off     # A/A, request log off on both
 *
 * Only 127.0.0.1; every process is killed at the end, also on error or Ctrl-C.
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMBO_PASS, COMBO_TRANSLATE, REPO_ROOT, startKrouter, type Krouter } from './krouter-setup.js';
import { LoadGen } from './loadgen-client.js';
import { cpuPlan, ForeignCpu, killAllSync, pin, procTicks, QUIET_CORES, spawnListening, TICKS_PER_SEC, type Proc } from './procs.js';
import { chatTarget } from './requests.js';
import type { ThroughputOp, ThroughputResult } from './protocol.js';
import { median } from './stats.js';

const HERE = dirname(fileURLToPath(import.meta.url));

interface Params {
  base: string;
  route: 'pass' | 'translated';
  rounds: number;
  durationMs: number;
  concurrency: number;
  log: boolean;
}

const HELP = `usage: node dist/test/bench/ab.js --base DIR [--route pass|translated] [--rounds N] [--duration MS] [--concurrency N] [--log on|off]
  --base DIR        another built checkout of krouter (its dist/ built); "." compares this one with itself
  --route           pass (OpenAI chat to an OpenAI-type provider, default) or translated (to an Anthropic-type one)
  --rounds N        rounds of concurrent load (default 8)
  --duration MS     length of a round (default 3000)
  --concurrency N   requests in flight per daemon (default 32)
  --log on|off      the request log of both daemons (default on)`;

function parseArgs(argv: string[]): Params {
  const p: Params = { base: '', route: 'pass', rounds: 8, durationMs: 3000, concurrency: 32, log: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${HELP}`);
      return v;
    };
    const count = (): number => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} needs a whole number of at least 1\n${HELP}`);
      return v;
    };
    if (a === '--base') p.base = resolve(value());
    else if (a === '--route') {
      const r = value();
      if (r !== 'pass' && r !== 'translated') throw new Error(`--route is pass or translated, not ${r}\n${HELP}`);
      p.route = r;
    } else if (a === '--rounds') p.rounds = count();
    else if (a === '--duration') p.durationMs = count();
    else if (a === '--concurrency') p.concurrency = count();
    else if (a === '--log') {
      const l = value();
      if (l !== 'on' && l !== 'off') throw new Error(`--log is on or off, not ${l}\n${HELP}`);
      p.log = l === 'on';
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(`${HELP}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${HELP}`);
  }
  if (p.base === '') throw new Error(`--base is required\n${HELP}`);
  if (!existsSync(join(p.base, 'bin', 'krouter.js')) || !existsSync(join(p.base, 'dist'))) {
    throw new Error(`${p.base} is not a built krouter checkout (no bin/krouter.js or dist/): run npm ci && npm run build there first`);
  }
  return p;
}

function op(k: Krouter, model: string, concurrency: number, warmupMs: number, durationMs: number): ThroughputOp {
  return { op: 'throughput', target: chatTarget(k.baseUrl, k.key, model, false), concurrency, warmupMs, durationMs };
}

function spreadOf(xs: number[]): string {
  return `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`;
}

async function main(): Promise<void> {
  const p = parseArgs(process.argv.slice(2));
  const plan = cpuPlan(true, cpus().length);
  if (plan === null) process.stderr.write('[ab] no taskset or fewer than 2 CPUs: the daemons are not pinned, and the ratio is less exact\n');
  const model = p.route === 'pass' ? COMBO_PASS : COMBO_TRANSLATE;
  const mock: Proc = await spawnListening('mock', join(HERE, 'mock-upstream.js'), {});
  pin(mock.pid, plan?.others);
  const mockUrl = `http://127.0.0.1:${mock.port}`;
  const sides: Array<{ name: string; k: Krouter; gen: LoadGen; cpu: number[]; rps: number[] }> = [];
  for (const [name, checkout] of [
    ['this', REPO_ROOT],
    ['base', p.base],
  ] as const) {
    const k = await startKrouter({ name, mockUrl, log: p.log, checkout });
    pin(k.pid, plan?.server);
    sides.push({ name, k, gen: new LoadGen(plan?.others), cpu: [], rps: [] });
  }
  process.stderr.write(`[ab] this checkout (${REPO_ROOT}) against ${p.base}: ${p.route} route, ${p.rounds} rounds of ${p.durationMs} ms at concurrency ${p.concurrency} each, request log ${p.log ? 'on' : 'off'}\n`);
  await Promise.all(sides.map((s) => s.gen.call<ThroughputResult>(op(s.k, model, p.concurrency, 500, 2000), 60_000)));
  const noise: number[] = [];
  for (let r = 0; r < p.rounds; r++) {
    // the side whose load starts first meets a busier core: the order alternates, so that falls on both alike
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    const t0 = order.map((s) => procTicks(s.k.pid));
    const foreign = new ForeignCpu();
    const out = await Promise.all(order.map((s) => s.gen.call<ThroughputResult>(op(s.k, model, p.concurrency, 0, p.durationMs), p.durationMs + 60_000)));
    noise.push(foreign.cores());
    order.forEach((s, i) => {
      const o = out[i]!;
      if (o.errors > 0) throw new Error(`${s.name}: ${o.errors} requests failed (${o.firstError ?? 'no detail'}): the comparison would mean nothing`);
      s.cpu.push((((procTicks(s.k.pid) - t0[i]!) / TICKS_PER_SEC) * 1e6) / o.total);
      s.rps.push((o.total * 1000) / p.durationMs);
    });
    process.stderr.write(`[ab] round ${r + 1}: CPU/request ${sides.map((s) => `${s.name} ${s.cpu.at(-1)!.toFixed(1)} µs`).join(', ')}; other processes and stolen time ${noise.at(-1)!.toFixed(2)} cores\n`);
  }
  const [mine, base] = sides as [(typeof sides)[0], (typeof sides)[0]];
  const cpuRatio = mine.cpu.map((x, i) => x / base.cpu[i]!);
  const rpsRatio = mine.rps.map((x, i) => x / base.rps[i]!);
  process.stdout.write(
    [
      `CPU per request: this ${median(mine.cpu).toFixed(1)} µs, base ${median(base.cpu).toFixed(1)} µs; this/base ${spreadOf(cpuRatio)} (median, min–max over rounds)`,
      `requests/s:      this ${median(mine.rps).toFixed(0)}, base ${median(base.rps).toFixed(0)}; this/base ${spreadOf(rpsRatio)}`,
      `other processes' CPU and time stolen by the host, per round: median ${median(noise).toFixed(2)} cores, worst ${Math.max(...noise).toFixed(2)}${median(noise) > QUIET_CORES ? ' — not quiet: the ratio is not to be trusted (an A/A run, --base ., shows how far off it is)' : ''}`,
      '',
    ].join('\n'),
  );
  for (const s of sides) {
    s.gen.stop();
    await s.k.stop();
  }
  await mock.stop();
}

process.on('SIGINT', () => {
  killAllSync();
  process.exit(130);
});
main().catch((e: unknown) => {
  process.stderr.write(`ab: ${(e as Error).message}\n`);
  killAllSync();
  process.exit(1);
});
