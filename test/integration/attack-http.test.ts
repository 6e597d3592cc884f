/**
 * Attacks on the /v1 listener's HTTP handling, over raw sockets: request
 * smuggling shapes, oversized and slow headers, deeply nested JSON. Each gets
 * a 4xx (or a closed connection), never a 500, and the daemon goes on
 * serving. Also: the start-up warning when /v1 listens beyond loopback.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createKey, startDaemon, waitFor, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { httpCall, rawExchange, type RawResult } from '../support/raw-http.js';

const HEADERS_TIMEOUT_MS = 1000;

describe('attack: HTTP framing, sizes and timing', () => {
  let d: DaemonHandle;
  let key: CreatedKey;
  let auth: string;

  before(async () => {
    // Keyless junk (an HTTP/0.9 request line gets a 401) counts toward the lockout; that is tested in attack-auth.
    d = await startDaemon({ config: { server: { headersTimeoutMs: HEADERS_TIMEOUT_MS }, security: { bruteForceLockout: { maxAttempts: 1000 } } } });
    key = await createKey(d, 'attack-http');
    auth = `Authorization: Bearer ${key.secret}\r\n`;
  });
  after(async () => d?.cleanup());

  async function assertServing(): Promise<void> {
    const r = await httpCall(d.port, { path: '/v1/models', headers: { authorization: `Bearer ${key.secret}` } });
    assert.equal(r.status, 200, `the daemon no longer serves: ${r.status} ${r.text}`);
  }

  function assert4xx(r: RawResult, what: string, allowed: number[] = []): void {
    assert.ok(r.status !== null, `${what}: no HTTP answer (${r.ended}) ${r.text.slice(0, 200)}`);
    assert.ok((r.status >= 400 && r.status < 500) || allowed.includes(r.status), `${what}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  }

  /** Responses in `text` (a smuggled second request would add one). */
  const answers = (text: string): number => (text.match(/HTTP\/1\.1 \d{3} /g) ?? []).length;

  const post = (headers: string, body: string): string => `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\n${headers}\r\n${body}`;
  const smuggled = `GET /v1/models HTTP/1.1\r\nHost: x\r\n${'Authorization: Bearer '}SMUGGLED\r\n\r\n`;

  it('Transfer-Encoding and Content-Length together: 400, the smuggled request never runs', async () => {
    for (const [what, h] of [
      ['CL then TE', 'Content-Length: 4\r\nTransfer-Encoding: chunked\r\n'],
      ['TE then CL', 'Transfer-Encoding: chunked\r\nContent-Length: 4\r\n'],
    ] as const) {
      const r = await rawExchange(d.port, post(h, `0\r\n\r\n${smuggled}`));
      assert4xx(r, what);
      assert.equal(r.status, 400, what);
      assert.equal(answers(r.text), 1, `${what}: exactly one answer: ${r.text}`);
      assert.notEqual(r.ended, 'timeout', what);
    }
    await assertServing();
  });

  it('obfuscated Transfer-Encoding: 400', async () => {
    for (const [what, h] of [
      ['chunked then identity', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n'],
      ['space before colon', 'Transfer-Encoding : chunked\r\n'],
      ['unknown coding', 'Transfer-Encoding: xchunked\r\n'],
      ['chunked not last', 'Transfer-Encoding: chunked, gzip\r\n'],
    ] as const) {
      const r = await rawExchange(d.port, post(h, '0\r\n\r\n'));
      assert4xx(r, what);
    }
    await assertServing();
  });

  it('duplicate Content-Length with different values, negative or junk Content-Length: 400', async () => {
    for (const [what, h, body] of [
      ['5 and 6', 'Content-Length: 5\r\nContent-Length: 6\r\n', 'abcdef'],
      ['"5, 6" in one', 'Content-Length: 5, 6\r\n', 'abcdef'],
      ['negative', 'Content-Length: -1\r\n', ''],
      ['hex', 'Content-Length: 0x10\r\n', ''],
      ['plus sign', 'Content-Length: +5\r\n', 'abcde'],
    ] as const) {
      const r = await rawExchange(d.port, post(h, body));
      assert4xx(r, what);
      assert.equal(r.status, 400, `${what}: ${r.text.slice(0, 200)}`);
    }
    await assertServing();
  });

  it('bad chunk sizes: 400 (with a valid key, so the body is actually read)', async () => {
    for (const [what, body] of [
      ['not hex', 'zz\r\nabc\r\n0\r\n\r\n'],
      ['overflowing', 'fffffffffffffffffff\r\nabc\r\n0\r\n\r\n'],
      ['negative', '-5\r\nabcde\r\n0\r\n\r\n'],
      ['size larger than the data, then garbage', '10\r\nabc\r\nGET / HTTP/1.1\r\n\r\n'],
      ['no CRLF after the data', '3\r\nabcXX0\r\n\r\n'],
    ] as const) {
      const r = await rawExchange(d.port, post('Transfer-Encoding: chunked\r\n', body), { timeoutMs: 5_000 });
      if (what === 'size larger than the data, then garbage') {
        // The body is incomplete: the server waits for more (bounded by requestTimeout), or rejects it. Never a 5xx.
        assert.ok(r.status === null || (r.status >= 400 && r.status < 500), `${what}: ${r.status} ${r.text.slice(0, 200)}`);
      } else {
        assert4xx(r, what);
      }
    }
    await assertServing();
  });

  it('oversized headers: 431 (or 400), connection closed', async () => {
    const one = await rawExchange(d.port, `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(1024 * 1024)}\r\n\r\n`);
    assert.ok(one.status === 431 || one.status === 400, `one 1 MB header: ${one.status}`);
    const many = Array.from({ length: 2000 }, (_, i) => `X-H${i}: ${'b'.repeat(60)}\r\n`).join('');
    const m = await rawExchange(d.port, `GET /v1/models HTTP/1.1\r\nHost: x\r\n${many}\r\n`);
    assert.ok(m.status === 431 || m.status === 400, `2000 headers: ${m.status}`);
    const url = await rawExchange(d.port, `GET /v1/models?x=${'c'.repeat(200 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert4xx(url, '200 KB request target', []);
    await assertServing();
  });

  it('slow headers (one byte a second): the connection is closed with 408 or reset, within bounds', async () => {
    const start = 'GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Slow: ';
    const drip = Array.from({ length: 30 }, () => 'a');
    const r = await rawExchange(d.port, [start, ...drip], { gapMs: 1000, timeoutMs: 15_000 });
    assert.notEqual(r.ended, 'timeout', `still open after ${r.elapsedMs} ms`);
    assert.ok(r.status === 408 || r.status === null, `status ${r.status}: ${r.text}`);
    assert.ok(r.elapsedMs < HEADERS_TIMEOUT_MS + 5_000, `closed after ${r.elapsedMs} ms (headersTimeoutMs ${HEADERS_TIMEOUT_MS})`);
    await assertServing();
  });

  it('many slow connections at once do not stop normal service', async () => {
    const slow = Array.from({ length: 20 }, () => rawExchange(d.port, ['GET /v1/models HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n'], { gapMs: 700, timeoutMs: 10_000 }));
    await assertServing();
    for (const r of await Promise.all(slow)) assert.ok(r.status === 408 || r.status === null, `status ${r.status}`);
    await assertServing();
  });

  it('deeply nested JSON (100k brackets): 400 invalid_json, no stack overflow', async () => {
    const cases: Array<[string, string]> = [
      ['100k [ unclosed', '['.repeat(100_000)],
      ['100k [ closed', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
      ['inside messages', `{"model":"x","messages":${'['.repeat(100_000)}${']'.repeat(100_000)}}`],
      ['100k nested objects', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`],
    ];
    for (const [what, body] of cases) {
      const r = await httpCall(d.port, { method: 'POST', path: '/v1/chat/completions', headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' }, body });
      assert.equal(r.status, 400, `${what}: ${r.status} ${r.text.slice(0, 200)}`);
      assert.equal((r.json as { error?: { code?: string } }).error?.code, 'invalid_json', what);
    }
    await assertServing();
  });

  it('garbage request lines and a burst of junk connections: 4xx or closed, then normal service', async () => {
    const junk = [
      'GARBAGE\r\n\r\n',
      'GET /v1/models HTTP/9.9\r\nHost: x\r\n\r\n',
      'GET /v1/models\r\n\r\n', // HTTP/0.9 style: no headers, so 401
      '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', // a TLS ClientHello on the plain-HTTP port
      'GET /v1/models HTTP/1.1\r\n\r\n', // no Host
      `GET /v1/models HTTP/1.1\r\nHost: x\r\n${auth}X-Bad\r\n\r\n`, // header without a colon
      `GET /v1/models HTTP/1.1\r\nHost: x\r\n${auth} folded: line\r\n\r\n`, // obsolete line folding
    ];
    const results = await Promise.all(Array.from({ length: 70 }, (_, i) => rawExchange(d.port, junk[i % junk.length]!, { timeoutMs: 5_000 })));
    for (const [i, r] of results.entries()) {
      assert.ok(r.status === null || (r.status >= 400 && r.status < 500), `junk ${i % junk.length}: ${r.status} ${r.text.slice(0, 120)}`);
    }
    await assertServing();
  });
});

describe('exposure warning at start', () => {
  it('binding a non-loopback address prints a warning naming the checklist and what to do', async () => {
    const d = await startDaemon({ env: { KROUTER_BIND: '0.0.0.0' } });
    try {
      // The plain line and the JSON log line (pino writes asynchronously).
      const text = await waitFor('the warning on stderr', () => (/WARNING/.test(d.stderr()) && /"level":40/.test(d.stderr()) ? d.stderr() : undefined));
      assert.match(text, /WARNING: \/v1 listens on 0\.0\.0\.0:\d+/);
      assert.match(text, /KROUTER_BIND to 127\.0\.0\.1/);
      assert.match(text, /"level":40.*Security checklist/, 'also in the JSON log');
    } finally {
      await d.cleanup();
    }
  });

  it('loopback binds start quietly', async () => {
    const d = await startDaemon();
    try {
      assert.equal((await httpCall(d.port, { path: '/healthz' })).status, 200);
      assert.ok(!d.stderr().includes('WARNING'), d.stderr());
    } finally {
      await d.cleanup();
    }
  });
});
