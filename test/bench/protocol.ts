/**
 * Messages between the bench orchestrator (run.ts) and its load generator
 * (loadgen.ts, a forked child so it never shares an event loop with the
 * servers under test).
 */

/** One HTTP request the generator repeats. */
export interface LoadTarget {
  /** Absolute URL, always http://127.0.0.1:PORT/... */
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface LatencyOp {
  op: 'latency';
  target: LoadTarget;
  /** Measured requests (after `warmup` unmeasured ones), one at a time on one keep-alive connection. */
  count: number;
  warmup: number;
  /** Hard stop for the whole op. */
  maxMs: number;
  /** Return the measured samples too (to merge slices into one distribution). */
  keepSamples?: boolean;
}

export interface ThroughputOp {
  op: 'throughput';
  target: LoadTarget;
  /** Closed loop: this many requests in flight, each on its own keep-alive connection. */
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface StreamOp {
  op: 'stream';
  target: LoadTarget;
  /** Concurrent streams, one connection each, all started together. */
  streams: number;
  /** Bytes that occur once per content frame sent by the mock (counted in the raw bytes received). */
  marker: string;
  /** A non-streaming body sent once per connection first, to open and warm the connections. */
  warmBody: string;
  maxMs: number;
}

export type LoadOp = LatencyOp | ThroughputOp | StreamOp;

export interface LoadRequest {
  id: number;
  op: LoadOp;
}

export interface LatencyResult {
  kind: 'latency';
  count: number;
  /** Every request sent, warm-up included (for CPU per request). */
  total: number;
  errors: number;
  firstError: string | null;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** Every measured sample, ms, in order (only when the op asked for them). */
  samplesMs?: number[];
}

export interface ThroughputResult {
  kind: 'throughput';
  count: number;
  /** Every request completed, warm-up and edges of the window included (for CPU per request). */
  total: number;
  errors: number;
  firstError: string | null;
  elapsedMs: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

export interface StreamResult {
  kind: 'stream';
  streams: number;
  completed: number;
  errors: number;
  firstError: string | null;
  framesReceived: number;
  /** From the first request sent to the last stream ended. */
  elapsedMs: number;
  /** Wall rate: frames received ÷ elapsedMs (includes the start-up burst, i.e. time to first token). */
  framesPerSec: number;
  /** Delivery rate once streams run: Σ over streams of (frames − 1) ÷ (last frame − first frame). */
  steadyFramesPerSec: number;
  ttftP50Ms: number;
  ttftP99Ms: number;
  ttftMaxMs: number;
  /** Largest gap between two consecutive reads that carried frames, over all streams. */
  maxGapMs: number;
  /** p99 over streams of each stream's largest gap. */
  gapP99Ms: number;
}

export type LoadResult = LatencyResult | ThroughputResult | StreamResult;

export type LoadReply = { id: number; ok: true; result: LoadResult } | { id: number; ok: false; error: string };

// ------------------------------------------------------------------ the mock upstream's control API

export interface MockConfig {
  /** Wait before answering (whole answers) or before the first frame (streams). */
  delayMs: number;
  /** Content frames per stream. */
  chunks: number;
  /** Time between two frames of a stream. */
  intervalMs: number;
}

export interface MockStats {
  requests: number;
  streamsStarted: number;
  streamsFinished: number;
  /** Streams whose connection closed before the last frame was written. */
  streamsCut: number;
  /** Content frames written (each carries one marker). */
  framesSent: number;
  config: MockConfig;
}

export const FRAME_MARKER = '~t';
