/**
 * The lockout's counting (SQLite, one statement per failure) and its
 * in-memory view of locked buckets, on a fake clock.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LockoutGuard, lockedOutError, type LockoutConfig } from '../../src/daemon/security/lockout.js';
import { openStore } from '../../src/daemon/store/sqlite.js';
import type { Store } from '../../src/daemon/store/types.js';

const CFG: LockoutConfig = { enabled: true, maxAttempts: 3, windowSeconds: 60, lockoutSeconds: 900 };

let store: Store;
let now: number;
const clock = (): number => now;
const guards: LockoutGuard[] = [];
const guard = (cfg: Partial<LockoutConfig> = {}, maxRows?: number): LockoutGuard => {
  const g = new LockoutGuard(store.authFailures, { ...CFG, ...cfg }, { now: clock, pruneIntervalMs: 0, ...(maxRows === undefined ? {} : { maxRows }) });
  guards.push(g);
  return g;
};

beforeEach(() => {
  store = openStore(':memory:');
  now = 1_700_000_000_000;
});

afterEach(() => {
  for (const g of guards.splice(0)) g.close();
  store.close();
});

describe('LockoutGuard', () => {
  it('locks after exactly maxAttempts failures, for lockoutSeconds', () => {
    const g = guard();
    assert.equal(g.recordFailure('1.2.3.4')!.failures, 1);
    assert.equal(g.lockedFor('1.2.3.4'), 0);
    g.recordFailure('1.2.3.4');
    assert.equal(g.lockedFor('1.2.3.4'), 0, 'two of three: not yet');
    const third = g.recordFailure('1.2.3.4')!;
    assert.equal(third.failures, 3);
    assert.equal(third.lockedUntil, now + 900_000);
    assert.equal(g.lockedFor('1.2.3.4'), 900);
    assert.equal(g.lockedFor('1.2.3.5'), 0, 'other addresses are not affected');
    now += 899_001;
    assert.equal(g.lockedFor('1.2.3.4'), 1, 'Retry-After rounds up');
    now += 1_000;
    assert.equal(g.lockedFor('1.2.3.4'), 0, 'the lock expires');
    assert.equal(g.recordFailure('1.2.3.4')!.failures, 1, 'a failure after the lock starts a new window');
    assert.equal(g.lockedFor('1.2.3.4'), 0);
  });

  it('failures outside the window start over', () => {
    const g = guard();
    g.recordFailure('a');
    g.recordFailure('a');
    now += 60_000;
    const r = g.recordFailure('a')!;
    assert.equal(r.failures, 1);
    assert.equal(r.windowStart, now);
    assert.equal(g.lockedFor('a'), 0);
  });

  it('maxAttempts 1 locks on the first failure', () => {
    const g = guard({ maxAttempts: 1 });
    g.recordFailure('a');
    assert.equal(g.lockedFor('a'), 900);
  });

  it('counts every failure exactly, however many arrive', () => {
    const g = guard({ maxAttempts: 1000 });
    for (let i = 0; i < 50; i++) g.recordFailure('x');
    assert.deepEqual(g.list().map((r) => [r.ip, r.failures]), [['x', 50]]);
  });

  it('disabled: never counts, never locks', () => {
    const g = guard({ enabled: false, maxAttempts: 1 });
    assert.equal(g.recordFailure('a'), null);
    assert.equal(g.lockedFor('a'), 0);
    assert.equal(store.authFailures.count(), 0);
  });

  it('list: live windows and locks only, locked first; clear one or all', () => {
    const g = guard();
    for (let i = 0; i < 3; i++) g.recordFailure('locked');
    g.recordFailure('counting');
    now += 30_000;
    g.recordFailure('counting2');
    now += 31_000; // 'counting' window (61 s old) expired; 'counting2' (31 s) live
    assert.deepEqual(g.list().map((r) => r.ip), ['locked', 'counting2']);
    assert.equal(g.clear('locked'), 1);
    assert.equal(g.lockedFor('locked'), 0);
    assert.equal(g.clear('nobody'), 0);
    assert.equal(g.clear(), 2, "the expired row not yet pruned goes too");
    assert.deepEqual(g.list(), []);
  });

  it('prune deletes expired rows and keeps live ones', () => {
    const g = guard();
    for (let i = 0; i < 3; i++) g.recordFailure('locked');
    g.recordFailure('old');
    now += 120_000;
    g.recordFailure('new');
    g.prune();
    assert.deepEqual(
      store.authFailures.live(now, 60_000).map((r) => r.ip),
      ['locked', 'new'],
    );
    assert.equal(store.authFailures.count(), 2);
  });

  it('the table is capped: the oldest unlocked rows go first, locks survive', () => {
    const g = guard({}, 100);
    for (let i = 0; i < 3; i++) g.recordFailure('locked');
    for (let i = 0; i < 150; i++) {
      now += 10;
      g.recordFailure(`10.0.0.${i}`);
    }
    const n = store.authFailures.count();
    assert.ok(n <= 100, `rows ${n}`);
    assert.equal(g.lockedFor('locked'), 899, 'the lock is still in force');
    const live = g.list().map((r) => r.ip);
    assert.ok(live.includes('10.0.0.149'), 'the newest stay');
    assert.ok(!live.includes('10.0.0.0'), 'the oldest went');
  });

  it('locks and counts survive a restart (a new guard on the same database)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'krouter-lockout-'));
    try {
      const db = join(dir, 'data.sqlite');
      let s = openStore(db);
      let g = new LockoutGuard(s.authFailures, CFG, { now: clock, pruneIntervalMs: 0 });
      for (let i = 0; i < 3; i++) g.recordFailure('locked');
      g.recordFailure('counting');
      g.close();
      s.close();
      now += 5_000;
      s = openStore(db);
      g = new LockoutGuard(s.authFailures, CFG, { now: clock, pruneIntervalMs: 0 });
      assert.equal(g.lockedFor('locked'), 895, 'the lock is loaded at start');
      assert.equal(g.recordFailure('counting')!.failures, 2, 'the count goes on');
      g.close();
      s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a store failure is logged, never thrown into the request', () => {
    const warnings: unknown[] = [];
    const broken = { ...store.authFailures, recordFailure: () => { throw new Error('disk I/O error'); } };
    const g = new LockoutGuard(broken, CFG, { now: clock, pruneIntervalMs: 0, log: { warn: (o: object) => void warnings.push(o) } });
    assert.equal(g.recordFailure('a'), null);
    assert.equal(warnings.length, 1);
  });

  it('the 429 error: ip_locked_out, no hint of the key format', () => {
    const e = lockedOutError(42);
    assert.equal(e.status, 429);
    assert.equal(e.code, 'ip_locked_out');
    assert.match(e.message, /42/);
    assert.doesNotMatch(e.message, /sk-krouter/);
  });
});
