import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AdminClient } from '../../src/shared/admin-client.js';
import type { LogEntryDto } from '../../src/shared/admin-types.js';
import { KrouterError } from '../../src/shared/errors.js';
import { LineSplitter } from '../../src/shared/ndjson.js';
import { errorRoute, KEY, logEntry, ROUTE, SECRET, STATUS, startFakeAdmin, type FakeAdminServer } from './fake-admin-server.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rejectsWith(p: Promise<unknown>, code: string, status?: number): Promise<KrouterError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof KrouterError, `expected a KrouterError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (status !== undefined) assert.equal(err.status, status);
    return err;
  }
  assert.fail(`expected a rejection with ${code}`);
}

describe('AdminClient', () => {
  let fake: FakeAdminServer;
  let client: AdminClient;
  before(async () => {
    fake = await startFakeAdmin();
    client = new AdminClient(fake.socketPath);
  });
  after(() => fake.close());

  it('GETs JSON and returns the DTO as sent', async () => {
    assert.deepEqual(await client.status(), STATUS);
    const req = fake.requests.at(-1)!;
    assert.equal(req.method, 'GET');
    assert.equal(req.url, '/admin/v1/status');
    assert.equal(req.headers.origin, undefined, 'never an Origin header');
    assert.match(String(req.headers.accept), /application\/json/);
  });

  it('POSTs a JSON body and returns the one-time secret', async () => {
    const res = await client.createKey('ci runner');
    assert.deepEqual(res, { key: { ...KEY, name: 'ci runner' }, secret: SECRET });
    const req = fake.requests.at(-1)!;
    assert.equal(req.method, 'POST');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers.origin, undefined);
    assert.deepEqual(JSON.parse(req.body), { name: 'ci runner' });
  });

  it('URL-encodes path segments and query values', async () => {
    fake.routes.set('PUT /admin/v1/providers/a%2Fb%20c%3F', (req) => ({ body: { provider: { name: 'a/b c?' }, created: true, echo: JSON.parse(req.body) as unknown } }));
    const res = await client.putProvider('a/b c?', { type: 'openai', baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'sk-1', headers: { 'X-A': 'b' }, models: ['m1'] });
    assert.equal(res.created, true);
    assert.deepEqual(JSON.parse(fake.requests.at(-1)!.body), { type: 'openai', baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'sk-1', headers: { 'X-A': 'b' }, models: ['m1'] });

    fake.routes.set('POST /admin/v1/keys/k%2F1/rotate', () => ({ body: { key: KEY, secret: SECRET } }));
    await client.rotateKey('k/1');

    assert.deepEqual(await client.explainRoute('or/meta llama&x=1'), ROUTE);
    assert.equal(fake.requests.at(-1)!.url, '/admin/v1/route?model=or%2Fmeta+llama%26x%3D1');

    await client.usage({ by: 'model', since: '2025-01-01T00:00:00.000Z' });
    assert.equal(fake.requests.at(-1)!.url, '/admin/v1/usage?by=model&since=2025-01-01T00%3A00%3A00.000Z');

    await client.recentLogs({ limit: 5, before: 100 });
    assert.equal(fake.requests.at(-1)!.url, '/admin/v1/logs?limit=5&before=100');
    await client.recentLogs();
    assert.equal(fake.requests.at(-1)!.url, '/admin/v1/logs');
  });

  it('turns {error:{code,message}} into a KrouterError with that code, message and status', async () => {
    fake.routes.set('PUT /admin/v1/combos/best', errorRoute(409, 'name_taken', 'a provider is already called "best"'));
    const err = await rejectsWith(client.putCombo('best', { targets: ['openai/gpt-4o'] }), 'name_taken', 409);
    assert.equal(err.message, 'a provider is already called "best"');

    fake.routes.set('DELETE /admin/v1/combos/x', errorRoute(400, 'cycle_detected', 'x -> y -> x'));
    await rejectsWith(client.removeCombo('x'), 'cycle_detected', 400);

    // A code newer than this client is kept as sent.
    fake.routes.set('DELETE /admin/v1/providers/p', errorRoute(418, 'brand_new_code', 'teapot'));
    const newer = await rejectsWith(client.removeProvider('p'), 'brand_new_code', 418);
    assert.equal(newer.message, 'teapot');

    await rejectsWith(client.listCombos(), 'not_found', 404);
  });

  it('reports a non-JSON answer as internal_error, with the status', async () => {
    fake.routes.set('GET /admin/v1/combos', (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>bad gateway</html>');
      return undefined;
    });
    const err = await rejectsWith(client.listCombos(), 'internal_error', 502);
    assert.match(err.message, /bad gateway/);

    fake.routes.set('GET /admin/v1/combos', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"combos": [');
      return undefined;
    });
    await rejectsWith(client.listCombos(), 'internal_error', 200);
  });

  it('times out with daemon_unreachable when the daemon does not answer', async () => {
    fake.routes.set('GET /admin/v1/combos', () => undefined); // never answers
    const slow = new AdminClient(fake.socketPath, { timeoutMs: 100 });
    const err = await rejectsWith(slow.listCombos(), 'daemon_unreachable');
    assert.match(err.message, /did not answer/);
  });
});

describe('AdminClient without a daemon', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'krouter-nosock-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('no socket file (ENOENT) -> daemon_unreachable that says how to start it', async () => {
    const path = join(dir, 'admin.sock');
    const err = await rejectsWith(new AdminClient(path).status(), 'daemon_unreachable');
    assert.ok(err.message.includes(path), err.message);
    assert.match(err.message, /krouter daemon is not running/);
    assert.match(err.message, /KROUTER_SOCKET/);
  });

  it('a file that is not a listening socket (ECONNREFUSED) -> daemon_unreachable', async () => {
    const path = join(dir, 'stale.sock');
    writeFileSync(path, '');
    const err = await rejectsWith(new AdminClient(path).listKeys(), 'daemon_unreachable');
    assert.match(err.message, /not running/);
  });

  it('a socket of another user (EACCES) -> daemon_unreachable naming the owner rule', { skip: process.getuid?.() === 0 ? 'root ignores file permissions' : false }, async () => {
    const fake = await startFakeAdmin();
    try {
      chmodSync(fake.dir, 0o000);
      const err = await rejectsWith(new AdminClient(fake.socketPath).status(), 'daemon_unreachable');
      assert.match(err.message, /another user/);
    } finally {
      chmodSync(fake.dir, 0o700);
      await fake.close();
    }
  });
});

describe('AdminClient.streamLogs', () => {
  let fake: FakeAdminServer;
  before(async () => {
    fake = await startFakeAdmin({});
  });
  after(() => fake.close());

  it('parses NDJSON split across chunks, skips blank lines, stops on abort', async () => {
    let serverSawClose = false;
    const one = JSON.stringify(logEntry(1));
    const two = JSON.stringify(logEntry(2, { keyName: 'café ☕' })); // multi-byte characters
    const twoBytes = Buffer.from(`${two}\n`);
    const cut = twoBytes.indexOf(Buffer.from('☕')) + 1; // inside the 3-byte character
    fake.routes.set('GET /admin/v1/logs/stream', (req, res) => {
      assert.equal(req.headers.origin, undefined);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.on('close', () => (serverSawClose = true));
      void (async () => {
        res.write(one.slice(0, 10));
        await tick(20);
        res.write(`${one.slice(10)}\n\n`);
        await tick(20);
        res.write(twoBytes.subarray(0, cut));
        await tick(20);
        res.write(Buffer.concat([twoBytes.subarray(cut), Buffer.from(`${JSON.stringify(logEntry(3))}\r\n${JSON.stringify(logEntry(4))}\n`)]));
      })();
      return undefined;
    });

    const got: LogEntryDto[] = [];
    const ac = new AbortController();
    const done = new AdminClient(fake.socketPath).streamLogs((e) => {
      got.push(e);
      if (got.length === 3) ac.abort();
    }, ac.signal);
    await done; // resolves (not rejects) on abort
    // Entry 4 came in the same chunk as 3, after the abort: not delivered.
    assert.deepEqual(got, [logEntry(1), logEntry(2, { keyName: 'café ☕' }), logEntry(3)]);
    await tick(50);
    assert.ok(serverSawClose, 'the connection is closed after abort');
  });

  it('calls onOpen when the stream is accepted and resolves when the daemon ends it', async () => {
    fake.routes.set('GET /admin/v1/logs/stream', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      setTimeout(() => res.end(`${JSON.stringify(logEntry(7))}`), 30); // last line without newline
      return undefined;
    });
    const got: number[] = [];
    let opened = 0;
    await new AdminClient(fake.socketPath).streamLogs((e) => got.push(e.id), new AbortController().signal, { onOpen: () => opened++ });
    assert.equal(opened, 1);
    assert.deepEqual(got, [7]);
  });

  it('rejects with the error code when the daemon refuses the stream', async () => {
    fake.routes.set('GET /admin/v1/logs/stream', errorRoute(503, 'daemon_shutting_down', 'stopping'));
    await rejectsWith(new AdminClient(fake.socketPath).streamLogs(() => {}, new AbortController().signal), 'daemon_shutting_down', 503);
  });

  it('rejects on a line that is not JSON', async () => {
    fake.routes.set('GET /admin/v1/logs/stream', (_req, res) => {
      res.writeHead(200);
      res.write('not json\n');
      return undefined;
    });
    await rejectsWith(new AdminClient(fake.socketPath).streamLogs(() => {}, new AbortController().signal), 'internal_error');
  });

  it('resolves at once for an already aborted signal, and rejects daemon_unreachable without a socket', async () => {
    const ac = new AbortController();
    ac.abort();
    await new AdminClient(join(fake.dir, 'nope.sock')).streamLogs(() => assert.fail('no entries'), ac.signal);
    await rejectsWith(new AdminClient(join(fake.dir, 'nope.sock')).streamLogs(() => {}, new AbortController().signal), 'daemon_unreachable');
  });
});

describe('LineSplitter', () => {
  it('joins lines across chunks and keeps the unterminated tail for end()', () => {
    const s = new LineSplitter();
    assert.deepEqual(s.push('a'), []);
    assert.deepEqual(s.push('b\nc\r\nd'), ['ab', 'c']);
    assert.deepEqual(s.push(new Uint8Array([0xe2, 0x98])), []);
    assert.deepEqual(s.push(new Uint8Array([0x95, 0x0a])), ['d☕']);
    assert.deepEqual(s.end(), []);
    s.push('tail');
    assert.deepEqual(s.end(), ['tail']);
  });
});
