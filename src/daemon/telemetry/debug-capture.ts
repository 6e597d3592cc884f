/**
 * Debug mode: while on, every /v1 generation request's pair (the client's
 * request and krouter's response to it, stream bodies as their concatenated
 * text) is written, secrets redacted, to JSON-lines files under
 * $KROUTER_HOME/logs/debug/ (folder 0700, files 0600).
 *
 * Off by default; turned on for a bounded time (default 30 min, at most 24 h)
 * and off again by itself. The state lives in memory and in a small 0600 file
 * beside the captures, so a restart keeps debug mode on until it expires.
 *
 * The hot path only tees the response's writes into a bounded buffer; the
 * capture is assembled when the request-log writer gives the request its log
 * id (after the response ended) and appended by one asynchronous writer.
 * Files rotate at maxFileBytes, at most maxFiles are kept; if the writer falls
 * behind by more than maxPendingBytes, captures are dropped (and counted),
 * never queued without bound.
 */
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { DebugDto } from '../../shared/admin-types.js';
import { KrouterError } from '../../shared/errors.js';
import { redactHeaders, redactJson, redactPath, redactText } from '../security/redact.js';

export const DEFAULT_DEBUG_SECONDS = 30 * 60;
export const MAX_DEBUG_SECONDS = 24 * 3600;
export { DEBUG_HEADER } from '../../shared/admin-types.js';

const MB = 1024 * 1024;
const STATE_FILE = 'state.json';
const FILE_RE = /^capture-(\d{6})\.jsonl$/;
const MAX_INDEX = 200_000;

export interface DebugLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DebugCaptureOptions {
  /** Folder of the capture files and the state file ($KROUTER_HOME/logs/debug). */
  dir: string;
  maxFileBytes?: number;
  maxFiles?: number;
  /** Most bytes kept of each body (request and response). */
  bodyCapBytes?: number;
  /** Most bytes waiting to be written; beyond it new captures are dropped. */
  maxPendingBytes?: number;
  now?: () => number;
  log?: DebugLog;
}

/** One captured pair as stored and as GET /admin/v1/logs/:id returns it. */
export interface CapturePair {
  request: { method: string; path: string; headers: Record<string, string>; body: unknown; truncated: boolean };
  response: { status: number; headers: Record<string, string>; body: unknown; truncated: boolean };
}

interface Pending {
  req: IncomingMessage;
  reqBody: unknown;
  res: ServerResponse;
  tee: Tee;
  time: number;
}

interface IndexEntry {
  file: string;
  offset: number;
  length: number;
}

/** What the response's writes carried, up to the cap. */
class Tee {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  truncated = false;
  headers: Record<string, string | string[] | number> = {};

  constructor(private readonly cap: number) {}

  add(chunk: unknown, encoding: unknown): void {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    let buf: Buffer;
    if (typeof chunk === 'string') buf = Buffer.from(chunk, typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8');
    else if (chunk instanceof Uint8Array) buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else return;
    const room = this.cap - this.bytes;
    if (room <= 0) {
      if (buf.length > 0) this.truncated = true;
      return;
    }
    if (buf.length > room) {
      this.truncated = true;
      buf = buf.subarray(0, room);
    }
    this.chunks.push(Buffer.from(buf));
    this.bytes += buf.length;
  }

  addHeaders(h: unknown): void {
    if (h === null || typeof h !== 'object') return;
    if (Array.isArray(h)) {
      // [[k, v], …] or [k, v, k, v …]
      if (h.every((x) => Array.isArray(x))) for (const [k, v] of h as Array<[unknown, unknown]>) this.headers[String(k).toLowerCase()] = String(v);
      else for (let i = 0; i + 1 < h.length; i += 2) this.headers[String(h[i]).toLowerCase()] = String(h[i + 1]);
      return;
    }
    for (const [k, v] of Object.entries(h as OutgoingHttpHeaders)) if (v !== undefined) this.headers[k.toLowerCase()] = v;
  }

  text(): string {
    return Buffer.concat(this.chunks, this.bytes).toString('utf8');
  }
}

function install(res: ServerResponse, tee: Tee): void {
  const writeHead = res.writeHead as unknown as (...a: unknown[]) => ServerResponse;
  const write = res.write as unknown as (...a: unknown[]) => boolean;
  const end = res.end as unknown as (...a: unknown[]) => ServerResponse;
  const patched = res as unknown as Record<'writeHead' | 'write' | 'end', (...a: unknown[]) => unknown>;
  patched.writeHead = function (this: ServerResponse, ...a: unknown[]) {
    for (let i = 1; i < a.length; i++) tee.addHeaders(a[i]);
    return writeHead.apply(this, a);
  };
  patched.write = function (this: ServerResponse, ...a: unknown[]) {
    tee.add(a[0], a[1]);
    return write.apply(this, a);
  };
  patched.end = function (this: ServerResponse, ...a: unknown[]) {
    if (!this.writableEnded) tee.add(a[0], a[1]);
    return end.apply(this, a);
  };
}

function bodyValue(text: string, truncated: boolean, contentType: string): unknown {
  if (!truncated && /json/i.test(contentType)) {
    try {
      return redactJson(JSON.parse(text));
    } catch {
      // not JSON after all: kept as text
    }
  }
  return redactText(text);
}

function requestBody(body: unknown, cap: number): { body: unknown; truncated: boolean } {
  let text: string;
  try {
    text = JSON.stringify(body) ?? '';
  } catch {
    return { body: null, truncated: true };
  }
  if (Buffer.byteLength(text) <= cap) return { body: redactJson(body), truncated: false };
  return { body: redactText(Buffer.from(text).subarray(0, cap).toString('utf8')), truncated: true };
}

export class DebugCapture {
  readonly dir: string;
  readonly #maxFileBytes: number;
  readonly #maxFiles: number;
  readonly #bodyCap: number;
  readonly #maxPending: number;
  readonly #now: () => number;
  readonly #log: DebugLog | undefined;

  #until: number | null = null;
  #timer: NodeJS.Timeout | null = null;
  readonly #pending = new WeakMap<object, Pending>();

  #queue: Array<{ logId: number; line: Buffer }> = [];
  #queuedBytes = 0;
  #draining: Promise<void> | null = null;
  #fh: FileHandle | null = null;
  #file = '';
  #size = 0;
  #seq = 0;
  #ready: Promise<void> | null = null;
  readonly #index = new Map<number, IndexEntry>();
  #dropped = 0;
  #closed = false;

  constructor(opts: DebugCaptureOptions) {
    this.dir = opts.dir;
    this.#maxFileBytes = opts.maxFileBytes ?? 100 * MB;
    this.#maxFiles = opts.maxFiles ?? 5;
    this.#bodyCap = opts.bodyCapBytes ?? MB;
    this.#maxPending = opts.maxPendingBytes ?? 16 * MB;
    this.#now = opts.now ?? Date.now;
    this.#log = opts.log;
    this.#loadState();
  }

  /** True while debug mode is on (expiry checked on every call, not only by the timer). */
  get on(): boolean {
    if (this.#until === null) return false;
    if (this.#until <= this.#now()) {
      this.#expire();
      return false;
    }
    return true;
  }

  get until(): number | null {
    return this.on ? this.#until : null;
  }

  /** Captures dropped because the writer fell behind (since start). */
  get dropped(): number {
    return this.#dropped;
  }

  status(): DebugDto {
    const until = this.until;
    return { enabled: until !== null, until: until === null ? null : new Date(until).toISOString(), dir: this.dir };
  }

  /** The value of the x-krouter-debug header on admin responses, or null while off. */
  headerValue(): string | null {
    const until = this.until;
    return until === null ? null : `on; until=${new Date(until).toISOString()}`;
  }

  /** Turns debug mode on for `forSeconds` (default 30 min, at most 24 h) or off. Persisted before it returns. */
  set(enabled: boolean, forSeconds?: number): DebugDto {
    if (enabled) {
      const secs = forSeconds ?? DEFAULT_DEBUG_SECONDS;
      if (!Number.isInteger(secs) || secs < 1 || secs > MAX_DEBUG_SECONDS) {
        throw new KrouterError('validation_failed', `forSeconds must be a whole number from 1 to ${MAX_DEBUG_SECONDS} (24 h); got ${String(forSeconds)}.`);
      }
      this.#until = this.#now() + secs * 1000;
      this.#schedule();
      this.#log?.warn({ until: new Date(this.#until).toISOString(), dir: this.dir }, 'debug mode on: request and response bodies are being captured');
    } else {
      const was = this.#until !== null;
      this.#until = null;
      this.#unschedule();
      if (was) this.#log?.info({}, 'debug mode off');
    }
    this.#saveState();
    return this.status();
  }

  /**
   * The relay's hook, called once per /v1 generation request before anything
   * is written to the client: while debug mode is on it tees the response and
   * remembers the request; the pair is written when `row` (the request-log
   * row, pushed after the response ended) gets its log id. A no-op while off.
   */
  watch(ctx: { req: IncomingMessage; res: ServerResponse }, body: unknown, row: object): void {
    if (!this.on) return;
    const tee = new Tee(this.#bodyCap);
    install(ctx.res, tee);
    this.#pending.set(row, { req: ctx.req, reqBody: body, res: ctx.res, tee, time: this.#now() });
  }

  /** Called by the request-log writer with each row's id (see RequestLogWriter.onAssigned). */
  assigned(row: object, logId: number): void {
    const p = this.#pending.get(row);
    if (p === undefined) return;
    this.#pending.delete(row);
    let line: Buffer;
    try {
      line = Buffer.from(JSON.stringify({ v: 1, logId, time: new Date(p.time).toISOString(), ...this.#pair(p) }));
    } catch (e) {
      this.#log?.warn({ err: (e as Error).message }, 'debug capture could not be serialised; dropped');
      return;
    }
    if (this.#closed || this.#queuedBytes + line.length > this.#maxPending) {
      this.#dropped++;
      return;
    }
    this.#queue.push({ logId, line });
    this.#queuedBytes += line.length;
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = null;
    });
  }

  /** The captured pair of log entry `logId`, or null when there is none (debug was off, or it rotated away). */
  async find(logId: number): Promise<CapturePair | null> {
    if (this.#ready === null && !existsSync(this.dir)) return null;
    try {
      await this.#ensureReady();
    } catch {
      return null;
    }
    await this.flush();
    const e = this.#index.get(logId);
    if (e === undefined) return null;
    let fh: FileHandle | null = null;
    try {
      fh = await open(join(this.dir, e.file), 'r');
      const buf = Buffer.alloc(e.length);
      const { bytesRead } = await fh.read(buf, 0, e.length, e.offset);
      const rec = JSON.parse(buf.subarray(0, bytesRead).toString('utf8')) as CapturePair & { logId?: number };
      if (rec.logId !== logId) return null;
      return { request: rec.request, response: rec.response };
    } catch {
      return null;
    } finally {
      await fh?.close();
    }
  }

  /** Resolves when every capture queued so far is written. */
  async flush(): Promise<void> {
    while (this.#draining !== null) await this.#draining;
  }

  async close(): Promise<void> {
    this.#unschedule();
    await this.flush();
    this.#closed = true;
    const fh = this.#fh;
    this.#fh = null;
    await fh?.close().catch(() => undefined);
  }

  #pair(p: Pending): CapturePair {
    const req = requestBody(p.reqBody, this.#bodyCap);
    const resHeaders = { ...p.tee.headers, ...p.res.getHeaders() } as Record<string, string | string[] | number | undefined>;
    const ct = String(resHeaders['content-type'] ?? '');
    return {
      request: {
        method: p.req.method ?? 'GET',
        path: redactPath(p.req.url ?? '/'),
        headers: redactHeaders(p.req.headers),
        body: req.body,
        truncated: req.truncated,
      },
      response: {
        status: p.res.statusCode,
        headers: redactHeaders(resHeaders),
        body: bodyValue(p.tee.text(), p.tee.truncated, ct),
        truncated: p.tee.truncated,
      },
    };
  }

  async #drain(): Promise<void> {
    try {
      await this.#ensureReady();
    } catch (e) {
      this.#log?.warn({ err: (e as Error).message, dir: this.dir }, 'debug capture folder unusable; captures dropped');
      this.#dropped += this.#queue.length;
      this.#queue = [];
      this.#queuedBytes = 0;
      return;
    }
    while (this.#queue.length > 0) {
      const item = this.#queue.shift()!;
      this.#queuedBytes -= item.line.length;
      try {
        await this.#append(item.logId, item.line);
      } catch (e) {
        this.#dropped++;
        this.#log?.warn({ err: (e as Error).message }, 'debug capture write failed; dropped');
        await this.#fh?.close().catch(() => undefined);
        this.#fh = null;
      }
    }
  }

  async #append(logId: number, line: Buffer): Promise<void> {
    const rec = Buffer.concat([line, Buffer.from('\n')]);
    if (this.#fh === null || (this.#size > 0 && this.#size + rec.length > this.#maxFileBytes)) await this.#rotate(this.#fh !== null);
    const offset = this.#size;
    await this.#fh!.write(rec, 0, rec.length, null);
    this.#size += rec.length;
    this.#indexSet(logId, { file: this.#file, offset, length: line.length });
  }

  /** Opens the current file (or, with `next`, starts a new one) and drops the oldest beyond maxFiles. */
  async #rotate(next: boolean): Promise<void> {
    if (this.#fh !== null) {
      await this.#fh.close().catch(() => undefined);
      this.#fh = null;
    }
    if (next || this.#seq === 0) this.#seq++;
    this.#file = `capture-${String(this.#seq).padStart(6, '0')}.jsonl`;
    const path = join(this.dir, this.#file);
    this.#fh = await open(path, 'a', 0o600);
    await this.#fh.chmod(0o600);
    this.#size = (await this.#fh.stat()).size;
    const files = (await readdir(this.dir)).filter((f) => FILE_RE.test(f)).sort();
    const excess = files.length - this.#maxFiles;
    for (const f of files.slice(0, Math.max(0, excess))) {
      await unlink(join(this.dir, f)).catch(() => undefined);
      for (const [id, e] of this.#index) if (e.file === f) this.#index.delete(id);
    }
  }

  #indexSet(logId: number, e: IndexEntry): void {
    this.#index.delete(logId);
    this.#index.set(logId, e);
    if (this.#index.size > MAX_INDEX) {
      const oldest = this.#index.keys().next();
      if (!oldest.done) this.#index.delete(oldest.value);
    }
  }

  /** Creates the folder (0700), continues the newest capture file, and indexes the captures already there. */
  #ensureReady(): Promise<void> {
    this.#ready ??= (async () => {
      this.#ensureDir();
      const files = (await readdir(this.dir)).filter((f) => FILE_RE.test(f)).sort();
      for (const f of files) await this.#indexFile(f);
      const last = files.at(-1);
      if (last !== undefined) {
        this.#seq = Number(FILE_RE.exec(last)?.[1] ?? 0);
        this.#file = last;
        this.#size = (await stat(join(this.dir, last))).size;
      }
    })();
    return this.#ready.catch((e: unknown) => {
      this.#ready = null;
      throw e;
    });
  }

  async #indexFile(file: string): Promise<void> {
    let fh: FileHandle | null = null;
    try {
      fh = await open(join(this.dir, file), 'r');
      let offset = 0;
      let carry = Buffer.alloc(0);
      const chunk = Buffer.alloc(MB);
      for (;;) {
        const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        let buf = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
        let nl: number;
        while ((nl = buf.indexOf(10)) >= 0) {
          const id = /^\{"v":1,"logId":(-?\d+),/.exec(buf.subarray(0, Math.min(nl, 64)).toString('latin1'))?.[1];
          if (id !== undefined) this.#indexSet(Number(id), { file, offset, length: nl });
          offset += nl + 1;
          buf = buf.subarray(nl + 1);
        }
        carry = Buffer.from(buf);
      }
    } catch (e) {
      this.#log?.warn({ err: (e as Error).message, file }, 'could not index a debug capture file');
    } finally {
      await fh?.close();
    }
  }

  #ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
  }

  #schedule(): void {
    this.#unschedule();
    if (this.#until === null) return;
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, this.#until - this.#now()) + 10);
    this.#timer.unref();
  }

  #unschedule(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #expire(): void {
    if (this.#until === null) return;
    if (this.#until > this.#now()) {
      this.#schedule();
      return;
    }
    this.#until = null;
    this.#unschedule();
    this.#log?.info({}, 'debug mode expired: captures stopped');
    this.#saveState();
  }

  #loadState(): void {
    let until: unknown;
    try {
      until = (JSON.parse(readFileSync(join(this.dir, STATE_FILE), 'utf8')) as { until?: unknown }).until;
    } catch {
      return; // absent or unreadable: off
    }
    if (typeof until === 'number' && Number.isFinite(until) && until > this.#now()) {
      // Never longer than the maximum from now, whatever the file says.
      this.#until = Math.min(until, this.#now() + MAX_DEBUG_SECONDS * 1000);
      this.#schedule();
      this.#log?.warn({ until: new Date(this.#until).toISOString(), dir: this.dir }, 'debug mode is on (kept over the restart): request and response bodies are being captured');
    }
  }

  #saveState(): void {
    try {
      this.#ensureDir();
      const path = join(this.dir, STATE_FILE);
      const tmp = `${path}.${process.pid}.tmp`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, `${JSON.stringify({ enabled: this.#until !== null, until: this.#until })}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      chmodSync(tmp, 0o600);
      renameSync(tmp, path);
    } catch (e) {
      this.#log?.warn({ err: (e as Error).message }, 'could not persist the debug-mode state; it will not survive a restart');
    }
  }
}
