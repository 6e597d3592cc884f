import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { KeyHasher, generateApiKey, keyPrefix } from '../../src/daemon/security/key-hash.js';
import { SecretBox } from '../../src/daemon/security/secret-box.js';
import { MIGRATIONS, migrate } from '../../src/daemon/store/migrations.js';
import { openStore } from '../../src/daemon/store/sqlite.js';
import type { RequestLogRow, Store } from '../../src/daemon/store/types.js';
import { isKrouterError } from '../../src/shared/errors.js';

let dir: string;
let dbPath: string;
const opened: Store[] = [];

function open(): Store {
  const s = openStore(dbPath);
  opened.push(s);
  return s;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'krouter-store-'));
  dbPath = join(dir, 'db', 'data.sqlite');
});

afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function hash(n: number): Buffer {
  return Buffer.alloc(32, n);
}

function logRow(over: Partial<RequestLogRow> = {}): RequestLogRow {
  return {
    time: 1_000,
    keyId: null,
    clientIp: '127.0.0.1',
    route: '/v1/chat/completions',
    modelAsked: 'm',
    target: 'p/m',
    attempts: [],
    status: 200,
    errorCode: null,
    stream: false,
    latencyMs: 10,
    ttfbMs: null,
    promptTokens: null,
    completionTokens: null,
    totalTokens: null,
    cachedTokens: null,
    reasoningTokens: null,
    ...over,
  };
}

function assertCode(code: string, re?: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isKrouterError(e), `expected a KrouterError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (re) assert.match(e.message, re);
    return true;
  };
}

describe('openStore: files and pragmas', () => {
  it('creates the directory 0700 and the database, WAL and SHM files 0600', () => {
    const s = open();
    s.combos.upsert({ name: 'c', strategy: 'fallback', targets: ['p/m'], createdAt: 1, updatedAt: 1 });
    assert.equal(statSync(join(dir, 'db')).mode & 0o777, 0o700);
    assert.equal(statSync(dbPath).mode & 0o777, 0o600);
    assert.ok(existsSync(`${dbPath}-wal`), 'WAL mode keeps a -wal file while open');
    assert.equal(statSync(`${dbPath}-wal`).mode & 0o777, 0o600);
    assert.equal(statSync(`${dbPath}-shm`).mode & 0o777, 0o600);
  });

  it('tightens an existing database file that was left readable by others', () => {
    open().close();
    chmodSync(dbPath, 0o644);
    open();
    assert.equal(statSync(dbPath).mode & 0o777, 0o600);
  });

  it('leaves the database in WAL mode', () => {
    open().close();
    const raw = new Database(dbPath);
    try {
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      raw.close();
    }
  });

  it('close() is idempotent and truncates the WAL', () => {
    const s = openStore(dbPath);
    s.combos.upsert({ name: 'c', strategy: 'fallback', targets: ['p/m'], createdAt: 1, updatedAt: 1 });
    s.close();
    s.close();
    assert.ok(!existsSync(`${dbPath}-wal`) || statSync(`${dbPath}-wal`).size === 0);
  });

  it('wraps a file that is not a database in store_unavailable', () => {
    const notADb = join(dir, 'not-a-db.sqlite');
    writeFileSync(notADb, 'this is not a sqlite database, only text. '.repeat(50), { mode: 0o600 });
    assert.throws(() => openStore(notADb), assertCode('store_unavailable', /Cannot open the database/));
  });
});

describe('migrations', () => {
  it('are idempotent on reopen and keep the data', () => {
    const a = open();
    a.combos.upsert({ name: 'c', strategy: 'fallback', targets: ['p/m'], createdAt: 1, updatedAt: 1 });
    a.close();
    const b = open();
    assert.equal(b.combos.get('c')?.targets[0], 'p/m');
    b.close();
    const raw = new Database(dbPath, { readonly: true });
    try {
      const versions = raw.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>;
      assert.deepEqual(
        versions.map((v) => v.version),
        MIGRATIONS.map((m) => m.version),
      );
    } finally {
      raw.close();
    }
  });

  it('refuses a database written by a newer krouter', () => {
    open().close();
    const raw = new Database(dbPath);
    const newer = (MIGRATIONS.at(-1)?.version ?? 0) + 1;
    raw.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(newer, Date.now());
    raw.close();
    assert.throws(() => openStore(dbPath), assertCode('store_unavailable', /[Uu]pgrade krouter/));
  });

  it('rolls back a failing migration entirely and records nothing for it', () => {
    const db = new Database(':memory:');
    try {
      const migrations = [
        { version: 1, name: 'one', sql: 'CREATE TABLE a (x INTEGER)' },
        { version: 2, name: 'two', sql: 'CREATE TABLE b (x INTEGER); INSERT INTO missing VALUES (1);' },
      ];
      assert.throws(() => migrate(db, migrations), /missing/);
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name);
      assert.ok(tables.includes('a'));
      assert.ok(!tables.includes('b'), 'the failed migration left a table behind');
      assert.equal(db.prepare('SELECT MAX(version) AS v FROM schema_migrations').pluck().get(), 1);
      // Fixing the migration and running again applies only the missing one.
      assert.equal(migrate(db, [migrations[0]!, { version: 2, name: 'two', sql: 'CREATE TABLE b (x INTEGER)' }]), 2);
    } finally {
      db.close();
    }
  });

  it('rejects migrations that are not strictly increasing', () => {
    const db = new Database(':memory:');
    try {
      assert.throws(() =>
        migrate(db, [
          { version: 2, name: 'b', sql: 'SELECT 1' },
          { version: 1, name: 'a', sql: 'SELECT 1' },
        ]),
      );
    } finally {
      db.close();
    }
  });
});

describe('keys repo', () => {
  it('inserts and finds by id, name and hash', () => {
    const { keys } = open();
    keys.insert({ id: 'k1', name: 'alice', prefix: 'sk-krouter-aaaaa', hash: hash(1), createdAt: 10 });
    keys.insert({ id: 'k2', name: 'bob', prefix: 'sk-krouter-bbbbb', hash: hash(2), createdAt: 20 });
    assert.deepEqual(keys.byId('k1'), {
      id: 'k1',
      name: 'alice',
      prefix: 'sk-krouter-aaaaa',
      hash: hash(1),
      createdAt: 10,
      lastUsedAt: null,
      revokedAt: null,
      rotatedAt: null,
    });
    assert.equal(keys.byName('bob')?.id, 'k2');
    assert.equal(keys.byHash(hash(2))?.id, 'k2');
    assert.ok(Buffer.isBuffer(keys.byHash(hash(2))?.hash));
    assert.equal(keys.byHash(hash(3)), undefined);
    assert.equal(keys.byId('nope'), undefined);
    assert.deepEqual(
      keys.list().map((k) => k.id),
      ['k1', 'k2'],
    );
  });

  it('refuses a second active key with the same name, allows it after revoke', () => {
    const { keys } = open();
    keys.insert({ id: 'k1', name: 'ci', prefix: 'p', hash: hash(1), createdAt: 1 });
    assert.throws(() => keys.insert({ id: 'k2', name: 'ci', prefix: 'p', hash: hash(2), createdAt: 2 }), assertCode('name_taken'));
    keys.revoke('k1', 5);
    assert.equal(keys.byName('ci'), undefined, 'revoked keys are not found by name');
    keys.insert({ id: 'k2', name: 'ci', prefix: 'p', hash: hash(2), createdAt: 6 });
    assert.equal(keys.byName('ci')?.id, 'k2');
  });

  it('revoke keeps the first time, still resolvable by hash (callers check revokedAt)', () => {
    const { keys } = open();
    keys.insert({ id: 'k1', name: 'a', prefix: 'p', hash: hash(1), createdAt: 1 });
    keys.revoke('k1', 5);
    keys.revoke('k1', 9);
    assert.equal(keys.byId('k1')?.revokedAt, 5);
    assert.equal(keys.byHash(hash(1))?.revokedAt, 5);
    assert.throws(() => keys.revoke('missing', 1), assertCode('not_found'));
  });

  it('rotate replaces the hash and prefix in place; refuses revoked keys', () => {
    const { keys } = open();
    keys.insert({ id: 'k1', name: 'a', prefix: 'old', hash: hash(1), createdAt: 1 });
    keys.rotate('k1', hash(7), 'new', 50);
    assert.equal(keys.byHash(hash(1)), undefined);
    const row = keys.byHash(hash(7));
    assert.equal(row?.id, 'k1');
    assert.equal(row?.prefix, 'new');
    assert.equal(row?.createdAt, 1);
    keys.revoke('k1', 60);
    assert.throws(() => keys.rotate('k1', hash(8), 'x', 70), assertCode('not_found'));
  });

  it('touch applies a batch and never moves last-used backwards', () => {
    const { keys } = open();
    keys.insert({ id: 'k1', name: 'a', prefix: 'p', hash: hash(1), createdAt: 1 });
    keys.insert({ id: 'k2', name: 'b', prefix: 'p', hash: hash(2), createdAt: 1 });
    keys.touch([
      { id: 'k1', at: 100 },
      { id: 'k2', at: 200 },
      { id: 'k1', at: 50 },
      { id: 'gone', at: 10 },
    ]);
    assert.equal(keys.byId('k1')?.lastUsedAt, 100);
    assert.equal(keys.byId('k2')?.lastUsedAt, 200);
    keys.touch([]);
  });
});

describe('prepared statements', () => {
  it('byHash and insertMany do not prepare statements per call', () => {
    const s = open();
    s.keys.insert({ id: 'k1', name: 'a', prefix: 'p', hash: hash(1), createdAt: 1 });
    const proto = Database.prototype as unknown as { prepare: (sql: string) => unknown };
    const original = proto.prepare;
    let prepares = 0;
    proto.prepare = function (this: unknown, sql: string) {
      prepares++;
      return original.call(this, sql);
    };
    try {
      for (let i = 0; i < 50; i++) assert.equal(s.keys.byHash(hash(1))?.id, 'k1');
      // Every size exercises a different mix of the multi-row INSERT statements.
      for (let i = 0; i <= 70; i++) s.requestLog.insertMany(Array.from({ length: i }, () => logRow()));
      s.keys.touch([{ id: 'k1', at: 5 }]);
      s.requestLog.recent({ limit: 5 });
      s.requestLog.usage({ by: 'provider', since: 0, until: 10_000 });
      assert.equal(prepares, 0, 'a hot-path call prepared a statement');
      // Sanity: the spy does see prepare() calls when they happen.
      openStore(':memory:').close();
      assert.ok(prepares > 0, 'the spy does not see prepare() calls');
    } finally {
      proto.prepare = original;
    }
  });
});

describe('providers repo', () => {
  const base = {
    name: 'openai',
    type: 'openai' as const,
    baseUrl: 'https://api.openai.com/v1',
    apiKeyEnc: 'v1.a.b',
    headersEnc: null,
    headerNames: ['x-org'],
    models: null,
    fetchedModels: null,
    fetchedAt: null,
    createdAt: 100,
    updatedAt: 100,
  };

  it('upsert creates, then updates keeping createdAt', () => {
    const { providers } = open();
    assert.deepEqual(providers.upsert(base), { created: true });
    assert.deepEqual(providers.get('openai'), base);
    assert.deepEqual(
      providers.upsert({ ...base, baseUrl: 'http://localhost:1/v1', models: ['a', 'b'], apiKeyEnc: null, createdAt: 999, updatedAt: 200 }),
      { created: false },
    );
    const row = providers.get('openai');
    assert.equal(row?.baseUrl, 'http://localhost:1/v1');
    assert.deepEqual(row?.models, ['a', 'b']);
    assert.equal(row?.apiKeyEnc, null);
    assert.equal(row?.createdAt, 100);
    assert.equal(row?.updatedAt, 200);
  });

  it('lists by name, caches fetched models, removes', () => {
    const { providers } = open();
    providers.upsert({ ...base, name: 'zeta' });
    providers.upsert({ ...base, name: 'alpha', models: [] });
    assert.deepEqual(
      providers.list().map((p) => p.name),
      ['alpha', 'zeta'],
    );
    assert.deepEqual(providers.get('alpha')?.models, [], 'an empty configured list is not null');
    providers.setFetchedModels('zeta', ['m1', 'm2'], 300);
    const z = providers.get('zeta');
    assert.deepEqual(z?.fetchedModels, ['m1', 'm2']);
    assert.equal(z?.fetchedAt, 300);
    assert.equal(z?.updatedAt, 100, 'a fetch is not a config change');
    providers.setFetchedModels('missing', ['x'], 1);
    assert.equal(providers.remove('zeta'), true);
    assert.equal(providers.remove('zeta'), false);
    assert.equal(providers.get('zeta'), undefined);
  });
});

describe('combos repo', () => {
  it('upserts, lists, gets and removes', () => {
    const { combos } = open();
    assert.deepEqual(combos.upsert({ name: 'fast', strategy: 'fallback', targets: ['a/x', 'b/y'], createdAt: 1, updatedAt: 1 }), { created: true });
    assert.deepEqual(combos.upsert({ name: 'fast', strategy: 'round-robin', targets: ['b/y'], createdAt: 9, updatedAt: 5 }), { created: false });
    combos.upsert({ name: 'all', strategy: 'fallback', targets: ['fast'], createdAt: 2, updatedAt: 2 });
    assert.deepEqual(combos.get('fast'), { name: 'fast', strategy: 'round-robin', targets: ['b/y'], createdAt: 1, updatedAt: 5 });
    assert.deepEqual(
      combos.list().map((c) => c.name),
      ['all', 'fast'],
    );
    assert.equal(combos.remove('fast'), true);
    assert.equal(combos.remove('fast'), false);
    assert.equal(combos.get('fast'), undefined);
  });
});

describe('request log repo', () => {
  it('insertMany writes 1000 rows and returns their ids in order', () => {
    const { requestLog } = open();
    const rows = Array.from({ length: 1000 }, (_, i) => logRow({ time: i, latencyMs: i }));
    const ids = requestLog.insertMany(rows);
    assert.equal(ids.length, 1000);
    for (let i = 1; i < ids.length; i++) assert.equal(ids[i], ids[i - 1]! + 1);
    assert.equal(requestLog.count(), 1000);
    assert.deepEqual(requestLog.insertMany([]), []);
  });

  it('insertMany returns, for every batch size, the id each row is stored under', () => {
    const { requestLog } = open();
    // Sizes around the multi-row statement sizes (32, 16, 8, 4, 2, 1) and their sums.
    const sizes = [1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 256, 257];
    let n = 0;
    const expected = new Map<number, number>();
    for (const size of sizes) {
      const rows = Array.from({ length: size }, () => logRow({ latencyMs: n++, attempts: [{ target: 'p/m', status: 200, outcome: 'ok', reason: `r${n}`, latencyMs: n }] }));
      const ids = requestLog.insertMany(rows);
      assert.equal(ids.length, size);
      ids.forEach((id, i) => expected.set(id, rows[i]!.latencyMs));
      if (size === 17) {
        // AUTOINCREMENT never reuses the ids of deleted newest rows; later batches still map exactly.
        assert.equal(requestLog.deleteOlderThan(Number.MAX_SAFE_INTEGER), expected.size);
        expected.clear();
      }
    }
    const stored = requestLog.recent({ limit: 10_000 });
    assert.equal(stored.length, expected.size);
    for (const r of stored) {
      assert.equal(r.latencyMs, expected.get(r.id), `row ${r.id} holds another row's data`);
      assert.deepEqual(r.attempts, [{ target: 'p/m', status: 200, outcome: 'ok', reason: `r${r.latencyMs + 1}`, latencyMs: r.latencyMs + 1 }]);
    }
  });

  it('insertMany is one transaction: a bad row rolls back the whole batch', () => {
    const { requestLog } = open();
    requestLog.insertMany([logRow()]);
    const rows = Array.from({ length: 999 }, () => logRow());
    // client_ip is NOT NULL; the last row violates it.
    rows.push(logRow({ clientIp: null as unknown as string }));
    assert.throws(() => requestLog.insertMany(rows));
    assert.equal(requestLog.count(), 1);
  });

  it('recent is newest first, pages with beforeId, joins key names', () => {
    const { requestLog, keys } = open();
    keys.insert({ id: 'k1', name: 'alice', prefix: 'p', hash: hash(1), createdAt: 1 });
    const attempts = [{ target: 'p/m', status: 429, outcome: 'transient' as const, reason: 'rate limited', latencyMs: 3 }];
    const ids = requestLog.insertMany([
      logRow({ keyId: 'k1', attempts, stream: true, promptTokens: 5 }),
      logRow({ keyId: 'deleted-key' }),
      logRow({ keyId: null }),
    ]);
    const page = requestLog.recent({ limit: 2 });
    assert.deepEqual(
      page.map((r) => r.id),
      [ids[2], ids[1]],
    );
    assert.equal(page[0]?.keyName, null);
    assert.equal(page[1]?.keyName, null);
    assert.equal(page[1]?.keyId, 'deleted-key');
    const older = requestLog.recent({ limit: 10, beforeId: page[1]!.id });
    assert.equal(older.length, 1);
    assert.deepEqual(older[0], { ...logRow({ keyId: 'k1', attempts, stream: true, promptTokens: 5 }), id: ids[0], keyName: 'alice' });
  });

  it('attempts read back as written: a lone successful attempt is stored as its latency, anything else as JSON', () => {
    const { requestLog } = open();
    const served = [{ target: 'p/m', status: 200, outcome: 'ok' as const, reason: 'ok', latencyMs: 7 }];
    const fellBack = [{ target: 'p/x', status: 503, outcome: 'transient' as const, reason: 'HTTP 503', latencyMs: 2 }, { target: 'p/m', status: 200, outcome: 'ok' as const, reason: 'ok', latencyMs: 9 }];
    const otherTarget = [{ target: 'p/other', status: 200, outcome: 'ok' as const, reason: 'ok', latencyMs: 4 }];
    const rows = [logRow({ attempts: served }), logRow({ attempts: fellBack }), logRow({ attempts: otherTarget }), logRow({ attempts: [], target: null, status: 404 })];
    const ids = requestLog.insertMany(rows);
    const stored = new Database(dbPath, { readonly: true });
    try {
      const text = stored.prepare('SELECT attempts FROM request_log WHERE id = ?').pluck();
      assert.deepEqual(ids.map((id) => text.get(id)), ['7', JSON.stringify(fellBack), JSON.stringify(otherTarget), '[]']);
    } finally {
      stored.close();
    }
    const back = new Map(requestLog.recent({ limit: 10 }).map((r) => [r.id, r.attempts]));
    ids.forEach((id, i) => assert.deepEqual(back.get(id), rows[i]!.attempts));
  });

  it('usage groups by key, model and provider with the right sums', () => {
    const { requestLog, keys } = open();
    keys.insert({ id: 'k1', name: 'alice', prefix: 'p', hash: hash(1), createdAt: 1 });
    requestLog.insertMany([
      logRow({ time: 100, keyId: 'k1', modelAsked: 'gpt', target: 'openai/gpt-4o', promptTokens: 10, completionTokens: 5, totalTokens: 15 }),
      logRow({ time: 110, keyId: 'k1', modelAsked: 'gpt', target: 'groq/llama', status: 502, promptTokens: null, totalTokens: 7, cachedTokens: 3 }),
      logRow({ time: 120, keyId: 'gone', modelAsked: 'fast', target: 'openai/gpt-4o-mini', status: 400, reasoningTokens: 4 }),
      logRow({ time: 130, keyId: null, modelAsked: null, target: null, status: 401 }),
      logRow({ time: 140, keyId: null, modelAsked: 'fast', target: 'local', status: 399, promptTokens: 1 }),
      // Outside the window on each side.
      logRow({ time: 99, keyId: 'k1', promptTokens: 1000 }),
      logRow({ time: 200, keyId: 'k1', promptTokens: 1000 }),
    ]);
    const window = { since: 100, until: 200 };
    const zero = { promptTokens: 0, completionTokens: 0, totalTokens: 0, cachedTokens: 0, reasoningTokens: 0 };

    assert.deepEqual(requestLog.usage({ by: 'key', ...window }), [
      { group: '(none)', requests: 2, errors: 1, ...zero, promptTokens: 1 },
      { group: 'alice', requests: 2, errors: 1, ...zero, promptTokens: 10, completionTokens: 5, totalTokens: 22, cachedTokens: 3 },
      { group: 'gone', requests: 1, errors: 1, ...zero, reasoningTokens: 4 },
    ]);
    assert.deepEqual(requestLog.usage({ by: 'model', ...window }), [
      { group: 'fast', requests: 2, errors: 1, ...zero, promptTokens: 1, reasoningTokens: 4 },
      { group: 'gpt', requests: 2, errors: 1, ...zero, promptTokens: 10, completionTokens: 5, totalTokens: 22, cachedTokens: 3 },
      { group: '(none)', requests: 1, errors: 1, ...zero },
    ]);
    assert.deepEqual(requestLog.usage({ by: 'provider', ...window }), [
      { group: 'openai', requests: 2, errors: 1, ...zero, promptTokens: 10, completionTokens: 5, totalTokens: 15, reasoningTokens: 4 },
      { group: '(none)', requests: 1, errors: 1, ...zero },
      { group: 'groq', requests: 1, errors: 1, ...zero, totalTokens: 7, cachedTokens: 3 },
      { group: 'local', requests: 1, errors: 0, ...zero, promptTokens: 1 },
    ]);
    assert.deepEqual(requestLog.usage({ by: 'key', since: 500, until: 600 }), []);
  });

  it('deleteOlderThan removes only older rows', () => {
    const { requestLog } = open();
    requestLog.insertMany([logRow({ time: 1 }), logRow({ time: 2 }), logRow({ time: 3 })]);
    assert.equal(requestLog.deleteOlderThan(3), 2);
    assert.equal(requestLog.count(), 1);
    assert.equal(requestLog.recent({ limit: 5 })[0]?.time, 3);
  });
});

describe('secrets at rest', () => {
  it('the database and its WAL never contain a stored key or provider secret in clear', () => {
    const master = Buffer.alloc(32, 42);
    const hasher = new KeyHasher(master);
    const box = new SecretBox(master, 'machine-a');
    const apiKey = generateApiKey();
    const providerKey = 'sk-live-UPSTREAM-PLAINTEXT-0123456789';
    const headerValue = 'Bearer HEADER-PLAINTEXT-abcdef';

    const s = openStore(dbPath);
    s.keys.insert({ id: 'k1', name: 'alice', prefix: keyPrefix(apiKey), hash: hasher.hash(apiKey), createdAt: 1 });
    s.providers.upsert({
      name: 'upstream-visible-name',
      type: 'openai',
      baseUrl: 'https://example.test/v1',
      apiKeyEnc: box.seal(providerKey, 'providers:upstream-visible-name:api_key'),
      headersEnc: box.seal(JSON.stringify({ authorization: headerValue }), 'providers:upstream-visible-name:headers'),
      headerNames: ['authorization'],
      models: null,
      fetchedModels: null,
      fetchedAt: null,
      createdAt: 1,
      updatedAt: 1,
    });

    const secrets = [apiKey, apiKey.slice(keyPrefix(apiKey).length), providerKey, headerValue];
    const files = (): Buffer => Buffer.concat([dbPath, `${dbPath}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p)));

    const whileOpen = files();
    // The check can see data: the non-secret name is written in clear.
    assert.ok(whileOpen.includes('upstream-visible-name'), 'the raw bytes do not show the written rows');
    for (const secret of secrets) assert.ok(!whileOpen.includes(secret), 'a secret is stored in clear (open)');

    s.close();
    const afterClose = files();
    assert.ok(afterClose.includes('upstream-visible-name'));
    for (const secret of secrets) assert.ok(!afterClose.includes(secret), 'a secret is stored in clear (closed)');

    // And the envelopes still open after a reopen.
    const again = open();
    assert.equal(box.open(again.providers.get('upstream-visible-name')!.apiKeyEnc!, 'providers:upstream-visible-name:api_key'), providerKey);
    assert.equal(again.keys.byHash(hasher.hash(apiKey))?.id, 'k1');
  });
});
