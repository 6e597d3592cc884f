/**
 * Bench load generator, run as a forked child (its own event loop, off the
 * servers' CPU as far as two processes can be). Takes one op at a time over
 * IPC and answers with exact percentiles over the raw samples.
 *
 * Every loop is bounded in count and in time; every request has timeouts.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Client, Pool, type Dispatcher } from 'undici';
import type { LatencyOp, LatencyResult, LoadReply, LoadRequest, LoadResult, StreamOp, StreamResult, ThroughputOp, ThroughputResult } from './protocol.js';
import { percentileSorted, sortedCopy } from './stats.js';

const REQ_TIMEOUT_MS = 30_000;
/** Samples kept for percentiles in one op (beyond that only counted). */
const MAX_SAMPLES = 2_000_000;

function now(): number {
  return performance.now();
}

function describe(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return `${err.code ?? ''} ${err.message ?? String(e)}`.trim().slice(0, 300);
}

/** One request: resolves with the status, the body fully read. */
async function once(d: Dispatcher, path: string, headers: Record<string, string>, body: string): Promise<number> {
  const res = await d.request({ path, method: 'POST', headers, body, headersTimeout: REQ_TIMEOUT_MS, bodyTimeout: REQ_TIMEOUT_MS });
  await res.body.arrayBuffer();
  return res.statusCode;
}

async function latency(op: LatencyOp): Promise<LatencyResult> {
  const u = new URL(op.target.url);
  const client = new Client(u.origin, { pipelining: 1, keepAliveTimeout: 60_000 });
  const samples = new Float64Array(op.count);
  let n = 0;
  let total = 0;
  let errors = 0;
  let firstError: string | null = null;
  const deadline = now() + op.maxMs;
  const path = u.pathname + u.search;
  try {
    for (let i = 0; i < op.warmup + op.count && now() < deadline; i++) {
      const t0 = now();
      let ok = false;
      try {
        const status = await once(client, path, op.target.headers, op.target.body);
        ok = status === 200;
        if (!ok) firstError ??= `HTTP ${status}`;
      } catch (e) {
        firstError ??= describe(e);
      }
      const dt = now() - t0;
      total++;
      if (i < op.warmup) continue;
      if (!ok) errors++;
      else samples[n++] = dt;
    }
  } finally {
    await client.close().catch(() => undefined);
  }
  const s = sortedCopy(samples, n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i]!;
  return {
    kind: 'latency',
    count: n,
    total,
    errors,
    firstError,
    p50Ms: percentileSorted(s, 50),
    p90Ms: percentileSorted(s, 90),
    p99Ms: percentileSorted(s, 99),
    meanMs: n > 0 ? sum / n : Number.NaN,
    maxMs: n > 0 ? s[n - 1]! : Number.NaN,
    ...(op.keepSamples ? { samplesMs: Array.from(samples.subarray(0, n)) } : {}),
  };
}

async function throughput(op: ThroughputOp): Promise<ThroughputResult> {
  const u = new URL(op.target.url);
  const path = u.pathname + u.search;
  const pool = new Pool(u.origin, { connections: op.concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const samples: number[] = [];
  let count = 0;
  let total = 0;
  let errors = 0;
  let firstError: string | null = null;
  const t0 = now();
  const measureFrom = t0 + op.warmupMs;
  const end = measureFrom + op.durationMs;
  const worker = async (): Promise<void> => {
    // bounded by time; a request started before `end` is allowed to finish (and counts if it does by then)
    while (now() < end) {
      const s = now();
      let ok = false;
      try {
        const status = await once(pool, path, op.target.headers, op.target.body);
        ok = status === 200;
        if (!ok) firstError ??= `HTTP ${status}`;
      } catch (e) {
        firstError ??= describe(e);
      }
      const e = now();
      total++;
      // completions inside the window count, whenever they started
      if (e < measureFrom || e > end) continue;
      if (!ok) {
        errors++;
        continue;
      }
      count++;
      if (samples.length < MAX_SAMPLES) samples.push(e - s);
    }
  };
  try {
    await Promise.all(Array.from({ length: op.concurrency }, worker));
  } finally {
    await pool.close().catch(() => undefined);
  }
  const s = sortedCopy(samples);
  return { kind: 'throughput', count, total, errors, firstError, elapsedMs: op.durationMs, rps: (count * 1000) / op.durationMs, p50Ms: percentileSorted(s, 50), p99Ms: percentileSorted(s, 99) };
}

/** Counts `marker` in a chunk, including one split across the previous chunk's end. */
class MarkerCounter {
  readonly #m: Buffer;
  #tail: Buffer = Buffer.alloc(0);

  constructor(marker: string) {
    this.#m = Buffer.from(marker, 'utf8');
  }

  count(chunk: Buffer): number {
    const m = this.#m;
    let n = 0;
    if (this.#tail.length > 0) {
      const seam = Buffer.concat([this.#tail, chunk.subarray(0, m.length - 1)]);
      for (let i = seam.indexOf(m); i !== -1; i = seam.indexOf(m, i + 1)) n++;
    }
    for (let i = chunk.indexOf(m); i !== -1; i = chunk.indexOf(m, i + m.length)) n++;
    this.#tail = m.length > 1 ? Buffer.from(chunk.subarray(Math.max(0, chunk.length - (m.length - 1)))) : Buffer.alloc(0);
    return n;
  }
}

interface OneStream {
  ok: boolean;
  error: string | null;
  frames: number;
  ttftMs: number;
  maxGapMs: number;
  /** Time from the first to the last read that carried frames. */
  spanMs: number;
}

async function streamOnce(pool: Pool, path: string, headers: Record<string, string>, body: string, marker: string, signal: AbortSignal): Promise<OneStream> {
  const t0 = now();
  const counter = new MarkerCounter(marker);
  let frames = 0;
  let first = Number.NaN;
  let last = Number.NaN;
  let maxGap = 0;
  try {
    const res = await pool.request({ path, method: 'POST', headers, body, signal, headersTimeout: REQ_TIMEOUT_MS, bodyTimeout: REQ_TIMEOUT_MS });
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      return { ok: false, error: `HTTP ${res.statusCode}: ${text.slice(0, 200)}`, frames, ttftMs: Number.NaN, maxGapMs: maxGap, spanMs: 0 };
    }
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      const k = counter.count(chunk);
      if (k === 0) continue;
      const t = now();
      if (Number.isNaN(first)) first = t;
      else maxGap = Math.max(maxGap, t - last);
      last = t;
      frames += k;
    }
    return { ok: true, error: null, frames, ttftMs: first - t0, maxGapMs: maxGap, spanMs: Number.isNaN(first) ? 0 : last - first };
  } catch (e) {
    return { ok: false, error: describe(e), frames, ttftMs: Number.isNaN(first) ? Number.NaN : first - t0, maxGapMs: maxGap, spanMs: Number.isNaN(first) ? 0 : last - first };
  }
}

async function streams(op: StreamOp): Promise<StreamResult> {
  const u = new URL(op.target.url);
  const path = u.pathname + u.search;
  const pool = new Pool(u.origin, { connections: op.streams, pipelining: 1, keepAliveTimeout: 60_000 });
  const ctl = new AbortController();
  setMaxListeners(op.streams + 16, ctl.signal);
  const timer = setTimeout(() => ctl.abort(new Error(`stream op exceeded ${op.maxMs} ms`)), op.maxMs);
  try {
    // open and warm every connection (and the server's upstream pool) with one whole request each
    await Promise.all(Array.from({ length: op.streams }, () => once(pool, path, op.target.headers, op.warmBody).catch(() => 0)));
    const t0 = now();
    const results = await Promise.all(Array.from({ length: op.streams }, () => streamOnce(pool, path, op.target.headers, op.target.body, op.marker, ctl.signal)));
    const elapsed = now() - t0;
    const ok = results.filter((r) => r.ok);
    const frames = results.reduce((a, r) => a + r.frames, 0);
    const ttft = sortedCopy(ok.map((r) => r.ttftMs).filter((x) => Number.isFinite(x)));
    const gaps = sortedCopy(ok.map((r) => r.maxGapMs));
    return {
      kind: 'stream',
      streams: op.streams,
      completed: ok.length,
      errors: results.length - ok.length,
      firstError: results.find((r) => !r.ok)?.error ?? null,
      framesReceived: frames,
      elapsedMs: elapsed,
      framesPerSec: (frames * 1000) / elapsed,
      steadyFramesPerSec: results.reduce((a, r) => (r.spanMs > 0 && r.frames > 1 ? a + ((r.frames - 1) * 1000) / r.spanMs : a), 0),
      ttftP50Ms: percentileSorted(ttft, 50),
      ttftP99Ms: percentileSorted(ttft, 99),
      ttftMaxMs: ttft.length > 0 ? ttft[ttft.length - 1]! : Number.NaN,
      maxGapMs: results.reduce((a, r) => Math.max(a, r.maxGapMs), 0),
      gapP99Ms: percentileSorted(gaps, 99),
    };
  } finally {
    clearTimeout(timer);
    await pool.close().catch(() => undefined);
  }
}

async function run(req: LoadRequest): Promise<LoadResult> {
  switch (req.op.op) {
    case 'latency':
      return latency(req.op);
    case 'throughput':
      return throughput(req.op);
    case 'stream':
      return streams(req.op);
  }
}

if (!process.send) {
  process.stderr.write('loadgen.js is started by run.js (child_process.fork), not by hand\n');
  process.exit(2);
}
process.on('message', (msg: LoadRequest) => {
  run(msg).then(
    (result) => process.send!({ id: msg.id, ok: true, result } satisfies LoadReply),
    (e: unknown) => process.send!({ id: msg.id, ok: false, error: describe(e) } satisfies LoadReply),
  );
});
process.on('disconnect', () => process.exit(0));
