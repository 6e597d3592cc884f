/**
 * DebugCapture on its own: state (bounded duration, expiry, persistence),
 * the response tee, rotation with a bounded number of files, the lookup by
 * log id, and the redaction helpers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { redactHeaders, redactJson, redactPath, redactText } from '../../src/daemon/security/redact.js';
import { DebugCapture, MAX_DEBUG_SECONDS } from '../../src/daemon/telemetry/debug-capture.js';
import { parseDebugHeader } from '../../src/shared/admin-client.js';
import { isKrouterError } from '../../src/shared/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'krouter-dbg-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('debug state', () => {
  it('is off by default, on for a bounded time, and expires', () => {
    let now = 1_000_000;
    const cap = new DebugCapture({ dir: join(dir, 'debug'), now: () => now });
    assert.equal(cap.on, false);
    assert.equal(cap.headerValue(), null);
    const dto = cap.set(true);
    assert.equal(dto.enabled, true);
    assert.equal(Date.parse(dto.until!), now + 30 * 60_000);
    assert.match(cap.headerValue()!, /^on; until=/);
    now += 30 * 60_000 + 1;
    assert.equal(cap.on, false);
    assert.equal(cap.status().enabled, false);
  });

  it('refuses durations beyond 24 h or below 1 s', () => {
    const cap = new DebugCapture({ dir: join(dir, 'debug') });
    for (const bad of [0, -1, 1.5, MAX_DEBUG_SECONDS + 1]) {
      assert.throws(() => cap.set(true, bad), (e: unknown) => isKrouterError(e) && e.code === 'validation_failed');
    }
    assert.equal(cap.on, false);
  });

  it('is kept over a restart (0600 state file in a 0700 folder) until it expires', async () => {
    let now = 5_000_000;
    const a = new DebugCapture({ dir: join(dir, 'debug'), now: () => now });
    a.set(true, 600);
    await a.close();
    assert.equal(statSync(join(dir, 'debug')).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'debug', 'state.json')).mode & 0o777, 0o600);
    const b = new DebugCapture({ dir: join(dir, 'debug'), now: () => now });
    assert.equal(b.on, true);
    assert.equal(b.until, 5_000_000 + 600_000);
    await b.close();
    now += 600_001;
    const c = new DebugCapture({ dir: join(dir, 'debug'), now: () => now });
    assert.equal(c.on, false);
    await c.close();
  });
});

/** Serves each request with `handler` after letting `cap` watch it, then assigns the next log id. */
async function withServer(cap: DebugCapture, handler: (req: IncomingMessage, res: ServerResponse) => void, fn: (call: (path: string, body: string, headers?: Record<string, string>) => Promise<string>) => Promise<void>): Promise<void> {
  let nextId = 1;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const row = {};
      const text = Buffer.concat(chunks).toString('utf8');
      cap.watch({ req, res }, text.length > 0 ? (JSON.parse(text) as unknown) : null, row);
      res.once('finish', () => cap.assigned(row, nextId++));
      handler(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const call = (path: string, body: string, headers: Record<string, string> = {}): Promise<string> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        const out: Buffer[] = [];
        res.on('data', (c: Buffer) => out.push(c));
        res.on('end', () => resolve(Buffer.concat(out).toString('utf8')));
      });
      req.on('error', reject);
      req.end(body);
    });
  try {
    await fn(call);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

describe('captures', () => {
  it('tee the response (writeHead headers, streamed writes), bounded, and are found by log id', async () => {
    const cap = new DebugCapture({ dir: join(dir, 'debug'), bodyCapBytes: 64 });
    cap.set(true, 60);
    await withServer(
      cap,
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'set-cookie': 'sid=abc' });
        res.write('data: one\n\n');
        res.write(Buffer.from('data: two\n\n'));
        res.end('data: ' + 'x'.repeat(100) + '\n\n');
      },
      async (call) => {
        await call('/v1/chat/completions?key=sk-krouter-abcdefgh12345678&alt=sse', JSON.stringify({ model: 'm', api_key: 'zzz-secret-value', max_tokens: 5 }), { authorization: 'Bearer sk-krouter-abcdefgh12345678' });
      },
    );
    await cap.flush();
    const pair = await cap.find(1);
    assert.ok(pair);
    assert.equal(pair.request.path, '/v1/chat/completions?key=[redacted]&alt=sse');
    assert.equal(pair.request.headers['authorization'], '[redacted]');
    assert.deepEqual(pair.request.body, { model: 'm', api_key: '[redacted]', max_tokens: 5 });
    assert.equal(pair.response.status, 200);
    assert.equal(pair.response.headers['set-cookie'], '[redacted]');
    assert.equal(pair.response.headers['content-type'], 'text/event-stream');
    assert.equal(pair.response.truncated, true);
    assert.equal(String(pair.response.body).length, 64);
    assert.ok(String(pair.response.body).startsWith('data: one\n\ndata: two\n\n'));
    assert.equal(await cap.find(2), null);
    await cap.close();
  });

  it('watch is a no-op while off', async () => {
    const cap = new DebugCapture({ dir: join(dir, 'debug') });
    await withServer(
      cap,
      (_req, res) => res.end('{}'),
      async (call) => {
        await call('/v1/x', '{}');
      },
    );
    await cap.flush();
    assert.equal(await cap.find(1), null);
    assert.deepEqual(readdirSync(dir), []);
    await cap.close();
  });

  it('rotate at maxFileBytes, keep at most maxFiles (0600 each), and re-index after a restart', async () => {
    const opts = { dir: join(dir, 'debug'), maxFileBytes: 2_000, maxFiles: 3 };
    const cap = new DebugCapture(opts);
    cap.set(true, 60);
    await withServer(
      cap,
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ text: 'y'.repeat(600) }));
      },
      async (call) => {
        for (let i = 0; i < 20; i++) await call('/v1/chat/completions', JSON.stringify({ i }));
      },
    );
    await cap.flush();
    await cap.close();
    const files = readdirSync(opts.dir).filter((f) => f.startsWith('capture-'));
    assert.equal(files.length, 3, files.join(', '));
    let total = 0;
    for (const f of files) {
      const st = statSync(join(opts.dir, f));
      assert.equal(st.mode & 0o777, 0o600);
      assert.ok(st.size <= 2_000, `${f} is ${st.size} bytes`);
      total += st.size;
      for (const line of readFileSync(join(opts.dir, f), 'utf8').split('\n').filter(Boolean)) JSON.parse(line);
    }
    assert.ok(total <= 3 * 2_000);
    const again = new DebugCapture(opts);
    assert.equal(await again.find(1), null, 'the oldest rotated away');
    const last = await again.find(20);
    assert.deepEqual(last?.request.body, { i: 19 });
    await again.close();
  });

  it('drop captures instead of queueing without bound when the writer falls behind', async () => {
    const cap = new DebugCapture({ dir: join(dir, 'debug'), maxPendingBytes: 1 });
    cap.set(true, 60);
    await withServer(
      cap,
      (_req, res) => res.end('{}'),
      async (call) => {
        await call('/v1/x', '{}');
      },
    );
    await cap.flush();
    assert.equal(cap.dropped, 1);
    await cap.close();
  });
});

describe('redaction', () => {
  it('text: sk-…, Bearer …, long mixed tokens; ordinary words stay', () => {
    assert.equal(redactText('key sk-proj-abcdefgh1234 here'), 'key [redacted] here');
    assert.equal(redactText('Authorization: Bearer abc.def-ghi'), 'Authorization: Bearer [redacted]');
    assert.equal(redactText('tok ' + 'a1'.repeat(25)), 'tok [redacted]');
    assert.equal(redactText('AIzaSyA-1234567890abcdefgh'), '[redacted]');
    assert.equal(redactText('hello world, the quick brown fox'), 'hello world, the quick brown fox');
    assert.equal(redactText('x'.repeat(60)), 'x'.repeat(60), 'no digit: not a token');
  });
  it('is linear on adversarial input', () => {
    const t0 = Date.now();
    redactText('a-'.repeat(500_000));
    redactText('a'.repeat(1_000_000));
    assert.ok(Date.now() - t0 < 2_000);
  });
  it('headers, paths and JSON fields', () => {
    assert.deepEqual(redactHeaders({ Authorization: 'Bearer x', 'X-Goog-Api-Key': 'k', Cookie: 'a=b', 'X-Custom-Token': 't', Accept: 'application/json' }), {
      authorization: '[redacted]',
      'x-goog-api-key': '[redacted]',
      cookie: '[redacted]',
      'x-custom-token': '[redacted]',
      accept: 'application/json',
    });
    assert.equal(redactPath('/v1beta/models/g:generateContent?key=AIzaXYZ&alt=sse'), '/v1beta/models/g:generateContent?key=[redacted]&alt=sse');
    assert.deepEqual(redactJson({ password: 'p', token: 't', max_tokens: 3, nested: [{ apiKey: 'k', text: 'sk-live-12345678abc' }] }), {
      password: '[redacted]',
      token: '[redacted]',
      max_tokens: 3,
      nested: [{ apiKey: '[redacted]', text: '[redacted]' }],
    });
  });
});

describe('the x-krouter-debug header, as the admin client reads it', () => {
  it('on with until, absent = off', () => {
    assert.deepEqual(parseDebugHeader('on; until=2030-01-01T00:00:00.000Z'), { enabled: true, until: '2030-01-01T00:00:00.000Z' });
    assert.deepEqual(parseDebugHeader(undefined), { enabled: false, until: null });
    assert.deepEqual(parseDebugHeader('off'), { enabled: false, until: null });
    const cap = new DebugCapture({ dir: join(dir, 'debug') });
    cap.set(true, 60);
    assert.deepEqual(parseDebugHeader(cap.headerValue()!), { enabled: true, until: cap.status().until });
  });
});
