import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import type { LogEntryDto } from '../../src/shared/admin-types.js';
import { openStore } from '../../src/daemon/store/sqlite.js';
import type { RequestLogRow, Store } from '../../src/daemon/store/types.js';
import { EventBus } from '../../src/daemon/telemetry/event-bus.js';
import { RequestLogWriter, type RequestLogWriterOptions } from '../../src/daemon/telemetry/request-log-writer.js';

let dir: string;
let store: Store;
let lines: Array<Record<string, unknown>>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'krouter-log-writer-'));
  store = openStore(join(dir, 'data.sqlite'));
  lines = [];
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function logger(): pino.Logger {
  return pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
}

/** latencyMs carries the row's push order, so a stored row can be matched to the row pushed. */
function row(n: number, over: Partial<RequestLogRow> = {}): RequestLogRow {
  return {
    time: 1_000 + n,
    keyId: n % 2 === 0 ? 'k1' : null,
    clientIp: '127.0.0.1',
    route: '/v1/chat/completions',
    modelAsked: 'm',
    target: 'p/m',
    attempts: n % 3 === 0 ? [] : [{ target: 'p/m', status: 200, outcome: 'ok', reason: `r${n}`, latencyMs: n }],
    status: 200,
    errorCode: null,
    stream: n % 2 === 1,
    latencyMs: n,
    ttfbMs: null,
    promptTokens: n,
    completionTokens: null,
    totalTokens: null,
    cachedTokens: null,
    reasoningTokens: null,
    ...over,
  };
}

function writer(bus: EventBus, opts: Partial<RequestLogWriterOptions> = {}, keyName: (id: string | null) => string | null = (id) => (id === 'k1' ? 'alice' : null)): RequestLogWriter {
  // A long interval: the tests flush explicitly or by row count (each test's synchronous part ends before any timer).
  return new RequestLogWriter(store.requestLog, bus, logger(), { flushIntervalMs: 60_000, flushRows: 256, persist: true, ...opts }, keyName);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls (bounded) until `n` rows are stored; false if they never are. */
async function storedWithin(n: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(10)) if (store.requestLog.count() >= n) return true;
  return store.requestLog.count() >= n;
}

describe('RequestLogWriter', () => {
  it('writes rows once traffic pauses, and lets them wait for company while rows keep coming', async () => {
    const w = writer(new EventBus(), { flushIntervalMs: 60_000, flushRows: 1_000 });
    for (let i = 0; i < 3; i++) w.push(row(i));
    assert.equal(store.requestLog.count(), 0, 'a push below flushRows never writes by itself');
    assert.ok(await storedWithin(3, 5_000), 'a pause (idleFlushMs, default 5 ms) writes the queue long before flushIntervalMs');

    // rows every ~10 ms, each well within idleFlushMs of the last: nothing is written while they keep coming
    const w2 = writer(new EventBus(), { flushIntervalMs: 60_000, flushRows: 1_000, idleFlushMs: 500 });
    for (let i = 3; i < 23; i++) {
      w2.push(row(i));
      await sleep(10);
    }
    assert.equal(store.requestLog.count(), 3, 'a steady trickle of rows is held for company');
    assert.ok(await storedWithin(23, 10_000), 'and written once it stops');
    w.close();
    w2.close();
  });

  it('writes a queue whose oldest row waited flushIntervalMs right after the push that finds it due (setImmediate)', async () => {
    const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));
    // due after 300 ms; rows every ~20 ms, so the pause timer (idleFlushMs, capped at flushIntervalMs) never writes
    const w = writer(new EventBus(), { flushIntervalMs: 300, flushRows: 1_000, idleFlushMs: 60_000 });
    const first = Date.now();
    let pushed = 0;
    for (;;) {
      const before = Date.now() - first;
      w.push(row(pushed++));
      assert.equal(store.requestLog.count(), 0, 'the push itself does not write: the answer goes out first');
      await nextTurn();
      const written = store.requestLog.count();
      if (written > 0) {
        assert.equal(written, pushed, 'the whole queue is written at once');
        assert.ok(Date.now() - first >= 300, 'and not before its oldest row waited flushIntervalMs');
        break;
      }
      assert.ok(before < 300, `a push ${before} ms after the first found the queue due, but nothing was written on the next turn`);
      assert.ok(pushed < 1_000, 'bounded');
      await sleep(20);
    }
    w.close();
  });

  it('gives every row the id it is stored under, in push order, across a size flush and an explicit one', () => {
    const w = writer(new EventBus());
    const assigned: Array<[RequestLogRow, number]> = [];
    w.onAssigned((r, id) => assigned.push([r, id]));
    const pushed = Array.from({ length: 300 }, (_, i) => row(i));
    for (const r of pushed) w.push(r);
    assert.equal(assigned.length, 256, 'reaching flushRows writes the batch at once');
    w.flush();
    assert.equal(assigned.length, 300);
    assigned.forEach(([r, id], i) => {
      assert.equal(r, pushed[i], 'listeners see the very row objects pushed, in order');
      if (i > 0) assert.equal(id, assigned[i - 1]![1] + 1);
    });
    const stored = new Map(store.requestLog.recent({ limit: 1000 }).map((s) => [s.id, s]));
    assert.equal(stored.size, 300);
    for (const [r, id] of assigned) assert.deepEqual({ ...stored.get(id), id: undefined, keyName: undefined }, { ...r, id: undefined, keyName: undefined });
  });

  it('flush() makes every pushed row visible to readers', () => {
    const w = writer(new EventBus());
    for (let i = 0; i < 5; i++) w.push(row(i));
    assert.equal(store.requestLog.count(), 0, 'rows wait for the batch');
    w.flush();
    assert.equal(store.requestLog.count(), 5);
    w.flush();
    assert.equal(store.requestLog.count(), 5, 'an empty flush writes nothing');
  });

  it('publishes request events with ids and key names when someone listens', () => {
    const bus = new EventBus();
    const w = writer(bus);
    const ids: number[] = [];
    w.onAssigned((_r, id) => ids.push(id));
    const seen: LogEntryDto[] = [];
    const off = bus.on('request', (e) => seen.push(e));
    w.push(row(0));
    w.push(row(1));
    w.flush();
    off();
    assert.deepEqual(
      seen.map((e) => [e.id, e.keyName, e.latencyMs, e.time]),
      [
        [ids[0], 'alice', 0, new Date(1_000).toISOString()],
        [ids[1], null, 1, new Date(1_001).toISOString()],
      ],
    );
  });

  it('does no per-row event work when nobody listens', () => {
    let lookups = 0;
    const w = writer(new EventBus(), {}, () => {
      lookups++;
      return null;
    });
    for (let i = 0; i < 10; i++) w.push(row(i));
    w.flush();
    assert.equal(lookups, 0);
    assert.equal(store.requestLog.count(), 10);
  });

  it('a failed write logs one error, drops the batch and keeps the writer usable', () => {
    const w = writer(new EventBus());
    const assigned: number[] = [];
    w.onAssigned((_r, id) => assigned.push(id));
    w.push(row(0));
    // client_ip is NOT NULL: the whole batch is refused by SQLite.
    w.push(row(1, { clientIp: null as unknown as string }));
    assert.doesNotThrow(() => w.flush());
    assert.equal(store.requestLog.count(), 0, 'one transaction: nothing of the batch is kept');
    assert.deepEqual(assigned, []);
    const errors = lines.filter((l) => l['level'] === 50);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]!['msg']), /request log write failed; rows dropped/);
    assert.equal(errors[0]!['rows'], 2);
    w.push(row(2));
    w.flush();
    assert.equal(store.requestLog.count(), 1);
    assert.equal(assigned.length, 1);
  });

  it('close() flushes what is queued and ignores later pushes', () => {
    const w = writer(new EventBus());
    w.push(row(0));
    w.push(row(1));
    w.close();
    assert.equal(store.requestLog.count(), 2);
    w.push(row(2));
    w.flush();
    assert.equal(store.requestLog.count(), 2);
  });

  it('with persist off, stores nothing and hands out distinct negative ids', () => {
    const w = writer(new EventBus(), { persist: false });
    const ids: number[] = [];
    w.onAssigned((_r, id) => ids.push(id));
    for (let i = 0; i < 3; i++) w.push(row(i));
    w.flush();
    w.push(row(3));
    w.flush();
    assert.deepEqual(ids, [-1, -2, -3, -4]);
    assert.equal(store.requestLog.count(), 0);
  });
});
