/**
 * Attacks on /v1 authentication against a real daemon: missing, wrong, huge
 * and oddly encoded keys; brute force and the per-address lockout (exact
 * counting, persistence, spoofed headers, trusted proxies, IPv6 /64s).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LockoutDto, LogEntryDto } from '../../src/shared/admin-types.js';
import { addProvider, createKey, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { startMock, type MockOpenAI } from '../support/mock-openai.js';
import { httpCall, ipv6LoopbackWorks, rawExchange, type HttpResult } from '../support/raw-http.js';
import { waitForLogs } from '../support/v1.js';

const CHAT = '/v1/chat/completions';
const CHAT_BODY = JSON.stringify({ model: 'up/m', messages: [{ role: 'user', content: 'hi' }] });

/** GET /v1/models with these headers (and query). */
function models(d: DaemonHandle, headers: Record<string, string> = {}, query = '', host?: string): Promise<HttpResult> {
  return httpCall(d.port, { path: `/v1/models${query}`, headers, ...(host === undefined ? {} : { host }) });
}

const bearer = (k: string): Record<string, string> => ({ authorization: `Bearer ${k}` });

async function lockouts(d: DaemonHandle): Promise<LockoutDto[]> {
  const r = await d.cli(['lockouts', 'list', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return r.json<{ lockouts: LockoutDto[] }>().lockouts;
}

/** A 401 that names no key format and echoes nothing of what was sent. */
function assert401(r: { status: number | null; text: string }, what: string, sent?: string): void {
  assert.equal(r.status, 401, `${what}: ${r.text.slice(0, 300)}`);
  assert.ok(!r.text.includes('sk-krouter'), `${what}: the error hints at the key format: ${r.text.slice(0, 300)}`);
  if (sent !== undefined && sent.length >= 8) assert.ok(!r.text.includes(sent), `${what}: the error echoes the presented key`);
}

function errorCode(r: HttpResult): string | undefined {
  const e = (r.json as { error?: { code?: unknown; details?: Array<{ reason?: unknown }> } } | undefined)?.error;
  if (typeof e?.code === 'string') return e.code;
  const reason = e?.details?.[0]?.reason;
  return typeof reason === 'string' ? reason : undefined;
}

describe('attack: malformed and wrong keys', () => {
  let d: DaemonHandle;
  let key: CreatedKey;

  before(async () => {
    // Counting is tested below; here the lockout must not get in the way.
    d = await startDaemon({ config: { security: { bruteForceLockout: { maxAttempts: 100_000 } } } });
    key = await createKey(d, 'attack-keys');
  });
  after(async () => d?.cleanup());

  async function assertServing(): Promise<void> {
    const r = await models(d, bearer(key.secret));
    assert.equal(r.status, 200, `the daemon no longer serves: ${r.status} ${r.text}`);
  }

  it('missing key: 401 missing_api_key in every route format, no hint of the key format', async () => {
    const routes: Array<[string, string]> = [
      [CHAT, 'openai'],
      ['/v1/responses', 'responses'],
      ['/v1/messages', 'anthropic'],
      ['/v1beta/models/m:generateContent', 'gemini'],
      ['/v1/embeddings', 'openai'],
    ];
    for (const [path, fmt] of routes) {
      const r = await httpCall(d.port, { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: '{}' });
      assert401(r, path);
      assert.equal(errorCode(r), 'missing_api_key', `${path}: ${r.text}`);
      if (fmt === 'anthropic') assert.equal((r.json as { type?: string }).type, 'error');
      if (fmt === 'gemini') assert.equal((r.json as { error: { status: string } }).error.status, 'UNAUTHENTICATED');
    }
    const g = await models(d);
    assert401(g, 'GET /v1/models');
  });

  it('wrong keys, however encoded, are a plain 401 (never 500, never a hint)', async () => {
    const k = key.secret;
    const cases: Array<[string, Record<string, string>, string]> = [
      ['short garbage', bearer('wrong'), ''],
      ['right format, wrong key', bearer(`sk-krouter-${'A'.repeat(43)}`), ''],
      ['one character off', bearer(`${k.slice(0, -1)}${k.endsWith('x') ? 'y' : 'x'}`), ''],
      ['upper-cased', bearer(k.toUpperCase()), ''],
      ['truncated', bearer(k.slice(0, -4)), ''],
      ['the key twice', bearer(`${k}${k}`), ''],
      ['the key, a space, the key', bearer(`${k} ${k}`), ''],
      ['base64 of the key', bearer(Buffer.from(k).toString('base64')), ''],
      ['base64url of the key', bearer(Buffer.from(k).toString('base64url')), ''],
      ['Basic with the key', { authorization: `Basic ${Buffer.from(`user:${k}`).toString('base64')}` }, ''],
      ['Bearer without a space', { authorization: `Bearer${k}` }, ''],
      ['Bearer and spaces only', { authorization: 'Bearer      ' }, ''],
      ['Bearer alone', { authorization: 'Bearer' }, ''],
      ['empty Authorization', { authorization: '' }, ''],
      ['empty x-api-key', { 'x-api-key': '' }, ''],
      ['x-api-key with Bearer prefix', { 'x-api-key': `Bearer wrong-${'z'.repeat(20)}` }, ''],
      ['600-char key', bearer('k'.repeat(600)), ''],
      ['60 KB key', bearer('k'.repeat(60 * 1024)), ''],
      ['latin-1 bytes', bearer('sk-kr\u00e9\u00ff-\u00a0x'), ''],
      ['empty ?key=', {}, '?key='],
      ['?key=%00', {}, '?key=%00'],
      ['?key= key + NUL', {}, `?key=${encodeURIComponent(k)}%00`],
      ['?key= invalid UTF-8', {}, '?key=%FF%FE%FD'],
      ['?key= emoji', {}, `?key=${encodeURIComponent('sk-krouter-\u{1F511}')}`],
      ['?key= percent garbage', {}, '?key=%zz%'],
    ];
    for (const [what, headers, query] of cases) {
      const sent = headers['authorization']?.replace(/^Bearer /, '') ?? headers['x-api-key'];
      assert401(await models(d, headers, query), what, sent);
    }
    await assertServing();
  });

  it('raw bytes: UTF-8 and control characters in the key header are 401 or 400, never 500', async () => {
    const req = (auth: string): string => `GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${auth}\r\n\r\n`;
    const utf8 = Buffer.from('sk-krouter-\u00fc\u4e2d\u{1F511}', 'utf8').toString('latin1');
    const r1 = await rawExchange(d.port, req(utf8));
    assert401(r1, 'UTF-8 key');
    for (const [what, v] of [
      ['NUL', 'sk-krouter-a\x00b'],
      ['SOH', 'sk-krouter-a\x01b'],
      ['DEL', 'sk-krouter-a\x7fb'],
      ['bare CR', 'sk-krouter-a\rb'],
    ] as const) {
      const r = await rawExchange(d.port, req(v));
      assert.ok(r.status === 400 || r.status === 401, `${what}: ${r.status} ${r.text.slice(0, 200)}`);
      assert.ok(!r.text.includes('sk-krouter'), what);
    }
    await assertServing();
  });

  it('a 1 MB key header: 431 (or 400), never 500, and the daemon goes on', async () => {
    const r = await rawExchange(d.port, `GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(1024 * 1024)}\r\n\r\n`);
    assert.ok(r.status === 431 || r.status === 400, `status ${r.status}: ${r.text.slice(0, 200)}`);
    const x = await rawExchange(d.port, `GET /v1/models HTTP/1.1\r\nHost: x\r\nx-api-key: ${'b'.repeat(1024 * 1024)}\r\n\r\n`);
    assert.ok(x.status === 431 || x.status === 400, `status ${x.status}`);
    await assertServing();
  });

  it('key creation can never be given a key value (API and CLI)', async () => {
    const chosen = `sk-krouter-${'c'.repeat(43)}`;
    for (const body of [{ name: 'chosen', secret: chosen }, { name: 'chosen', key: chosen }, { name: 'chosen', hash: 'x' }, { name: 'chosen', prefix: 'sk-krouter-cc' }]) {
      const r = await d.admin<{ error: { code: string } }>('POST', '/admin/v1/keys', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.error.code, 'validation_failed');
    }
    for (const extra of [['--key', chosen], ['--secret', chosen], ['--from-stdin']]) {
      const r = await d.cli(['keys', 'create', '--name', 'chosen', ...extra], { stdin: chosen });
      assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stdout}${r.stderr}`);
    }
    assert401(await models(d, bearer(chosen)), 'the would-be key');
    const list = await d.cli(['keys', 'list', '--json']);
    assert.ok(!list.stdout.includes('"chosen"'), 'no key was created');
  });

  it('the valid key still works, in every accepted form', async () => {
    assert.equal((await models(d, bearer(key.secret))).status, 200);
    assert.equal((await models(d, { authorization: `bearer ${key.secret}` })).status, 200);
    assert.equal((await models(d, { 'x-api-key': key.secret })).status, 200);
    assert.equal((await models(d, {}, `?key=${encodeURIComponent(key.secret)}`)).status, 200);
  });
});

describe('attack: brute force and the lockout (defaults: 10 failures in 60 s lock for 15 min)', () => {
  let d: DaemonHandle;
  let key: CreatedKey;

  before(async () => {
    d = await startDaemon();
    key = await createKey(d, 'attack-lockout');
  });
  after(async () => d?.cleanup());

  const bad = (i: number): Promise<HttpResult> =>
    // Every kind of failure counts: wrong bearer, missing key, wrong x-api-key, wrong ?key=.
    i % 4 === 0 ? models(d, bearer(`wrong-${i}`)) : i % 4 === 1 ? models(d) : i % 4 === 2 ? models(d, { 'x-api-key': `wrong-${i}` }) : models(d, {}, `?key=wrong-${i}`);

  it('the lock falls after exactly maxAttempts failures: attempt 11 is 429 even with a valid key', async () => {
    for (let i = 0; i < 9; i++) assert401(await bad(i), `failure ${i + 1}`);
    assert.equal((await models(d, bearer(key.secret))).status, 200, 'nine failures: not locked yet');
    assert401(await bad(9), 'failure 10');
    const r = await models(d, bearer(key.secret));
    assert.equal(r.status, 429, r.text);
    assert.equal(errorCode(r), 'ip_locked_out');
    assert.equal((r.json as { error: { type: string } }).error.type, 'rate_limit_error');
    const retry = Number(r.headers['retry-after']);
    assert.ok(retry > 890 && retry <= 900, `Retry-After ${String(r.headers['retry-after'])}`);
    assert.ok(!r.text.includes('sk-krouter'));
  });

  it('while locked: every /v1 route answers 429 in its own error shape; /healthz still 200', async () => {
    const a = await httpCall(d.port, { method: 'POST', path: '/v1/messages', headers: { 'x-api-key': key.secret, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(a.status, 429);
    assert.deepEqual([(a.json as { type: string }).type, (a.json as { error: { type: string } }).error.type], ['error', 'rate_limit_error']);
    assert.equal(errorCode(a), 'ip_locked_out');
    const g = await httpCall(d.port, { method: 'POST', path: '/v1beta/models/m:generateContent', headers: { 'x-goog-api-key': key.secret }, body: '{}' });
    assert.equal(g.status, 429);
    assert.equal((g.json as { error: { status: string } }).error.status, 'RESOURCE_EXHAUSTED');
    assert.equal(errorCode(g), 'ip_locked_out');
    assert.ok(Number(g.headers['retry-after']) > 0);
    const c = await httpCall(d.port, { method: 'POST', path: CHAT, headers: { ...bearer(key.secret), 'content-type': 'application/json' }, body: CHAT_BODY });
    assert.equal(c.status, 429);
    assert.equal((await httpCall(d.port, { path: '/healthz' })).status, 200);
  });

  it('lockouts list shows the address, its count and the lock (text and --json)', async () => {
    const list = await lockouts(d);
    assert.equal(list.length, 1, JSON.stringify(list));
    assert.equal(list[0]!.ip, '127.0.0.1');
    assert.equal(list[0]!.failures, 10);
    assert.ok(list[0]!.lockedUntil !== null && Date.parse(list[0]!.lockedUntil) > Date.now() + 800_000);
    assert.ok(!Number.isNaN(Date.parse(list[0]!.windowStartedAt)));
    const t = await d.cli(['lockouts', 'list']);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /ADDRESS/);
    assert.match(t.stdout, /127\.0\.0\.1\s+10\s/);
  });

  it('spoofed X-Forwarded-For, X-Real-IP, Forwarded, x-request-source and Host: localhost do not bypass the lock', async () => {
    const spoofs: Array<Record<string, string>> = [
      { 'x-forwarded-for': '203.0.113.50' },
      { 'x-forwarded-for': '127.0.0.2, 203.0.113.50' },
      { 'x-real-ip': '203.0.113.51' },
      { forwarded: 'for=203.0.113.52' },
      { 'x-request-source': 'local' },
      { 'x-client-ip': '203.0.113.53', 'true-client-ip': '203.0.113.54', 'cf-connecting-ip': '203.0.113.55' },
      { 'x-forwarded-for': '::1', 'x-real-ip': '::1', 'x-request-source': 'local' },
    ];
    for (const h of spoofs) {
      const r = await models(d, { ...bearer(key.secret), ...h });
      assert.equal(r.status, 429, `${JSON.stringify(h)}: ${r.text}`);
    }
    const host = await rawExchange(d.port, `GET /v1/models HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer ${key.secret}\r\nX-Forwarded-For: 10.9.9.9\r\n\r\n`);
    assert.equal(host.status, 429, host.text.slice(0, 200));
  });

  it('the lock survives a restart', async () => {
    await d.restart();
    const r = await models(d, bearer(key.secret));
    assert.equal(r.status, 429, r.text);
    assert.ok(Number(r.headers['retry-after']) > 800);
    assert.equal((await lockouts(d))[0]?.failures, 10);
  });

  it('lockouts clear IP unlocks at once', async () => {
    const bogus = await d.cli(['lockouts', 'clear', 'not-an-ip', '--json']);
    assert.equal(bogus.code, 1);
    assert.match(bogus.stderr, /not an IP address/);
    const r = await d.cli(['lockouts', 'clear', '127.0.0.1', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json(), { cleared: 1 });
    assert.equal((await models(d, bearer(key.secret))).status, 200);
    assert.deepEqual(await lockouts(d), []);
    const again = await d.cli(['lockouts', 'clear', '127.0.0.1']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Nothing to clear/);
  });

  it('spoofed headers do not shift the count to another address either', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await models(d, { ...bearer(`wrong-${i}`), 'x-forwarded-for': `198.51.100.${i}`, 'x-real-ip': `198.51.100.${100 + i}`, 'x-request-source': 'local' });
      assert401(r, `spoofed failure ${i + 1}`);
    }
    const list = await lockouts(d);
    assert.deepEqual(
      list.map((l) => [l.ip, l.failures, l.lockedUntil !== null]),
      [['127.0.0.1', 10, true]],
    );
    assert.equal((await models(d, bearer(key.secret))).status, 429);
    const all = await d.cli(['lockouts', 'clear']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /Cleared 1 entry/);
    assert.equal((await models(d, bearer(key.secret))).status, 200);
  });

  it('a failure count survives a restart too (6 before, 4 after: locked)', async () => {
    for (let i = 0; i < 6; i++) assert401(await bad(i), `failure ${i + 1}`);
    await d.restart();
    assert.equal((await lockouts(d))[0]?.failures, 6);
    for (let i = 6; i < 10; i++) assert401(await bad(i), `failure ${i + 1}`);
    assert.equal((await models(d, bearer(key.secret))).status, 429);
    assert.deepEqual((await d.cli(['lockouts', 'clear', '--json'])).json(), { cleared: 1 });
  });
});

describe('attack: concurrent failures are counted exactly', () => {
  let d: DaemonHandle;

  before(async () => {
    d = await startDaemon({ config: { security: { bruteForceLockout: { maxAttempts: 1000 } } } });
  });
  after(async () => d?.cleanup());

  it('50 concurrent bad requests count exactly 50', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => httpCall(d.port, { method: 'POST', path: CHAT, headers: { ...bearer(`wrong-${i}`), 'content-type': 'application/json' }, body: CHAT_BODY })),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      Array.from({ length: 50 }, () => 401),
    );
    const list = await lockouts(d);
    assert.deepEqual(
      list.map((l) => [l.ip, l.failures, l.lockedUntil]),
      [['127.0.0.1', 50, null]],
    );
  });
});

describe('attack: behind a trusted proxy', () => {
  let d: DaemonHandle;
  let key: CreatedKey;
  let mock: MockOpenAI;

  before(async () => {
    mock = await startMock({ name: 'proxy-up' });
    d = await startDaemon({ config: { security: { trustedProxies: ['127.0.0.1'], bruteForceLockout: { maxAttempts: 3 } } } });
    key = await createKey(d, 'behind-proxy');
    await addProvider(d, 'up', { baseUrl: mock.baseUrl, apiKey: 'sk-proxy-up', models: ['m'] });
  });
  after(async () => {
    await d?.cleanup();
    await mock?.close();
  });

  const xff = (k: string, chain: string, extra: Record<string, string> = {}): Promise<HttpResult> => models(d, { ...bearer(k), 'x-forwarded-for': chain, ...extra });

  it('X-Forwarded-For from the trusted proxy names the client: its failures lock it, not the proxy', async () => {
    for (let i = 0; i < 3; i++) assert401(await xff(`wrong-${i}`, '203.0.113.9'), `failure ${i + 1}`);
    const list = await lockouts(d);
    assert.deepEqual(
      list.map((l) => [l.ip, l.failures, l.lockedUntil !== null]),
      [['203.0.113.9', 3, true]],
    );
    assert.equal((await xff(key.secret, '203.0.113.9')).status, 429);
    assert.equal((await xff(key.secret, '::ffff:203.0.113.9')).status, 429, 'IPv4-mapped form is the same client');
    assert.equal((await xff(key.secret, '1.1.1.1, 203.0.113.9')).status, 429, 'a client-written left part is ignored');
    assert.equal((await xff(key.secret, '203.0.113.9, 127.0.0.1')).status, 429, 'trusted hops are skipped');
    assert.equal((await xff(key.secret, '203.0.113.9', { 'x-real-ip': '203.0.113.10' })).status, 429, 'X-Real-IP changes nothing');
    assert.equal((await xff(key.secret, '203.0.113.10')).status, 200, 'another client is not locked');
    assert.equal((await models(d, bearer(key.secret))).status, 200, 'the proxy itself (no XFF) is not locked');
  });

  it('the request log records the client behind the proxy', async () => {
    const r = await httpCall(d.port, { method: 'POST', path: CHAT, headers: { ...bearer(key.secret), 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.20' }, body: CHAT_BODY });
    assert.equal(r.status, 200, r.text);
    const entries = await waitForLogs(d, 1, (e: LogEntryDto) => e.modelAsked === 'up/m');
    assert.equal(entries[0]!.clientIp, '198.51.100.20');
  });

  it('IPv6 clients are counted per /64: rotating addresses inside it does not help', async () => {
    for (const [i, a] of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:ffff:ffff:ffff:fffe'].entries()) {
      assert401(await xff(`wrong-v6-${i}`, a), a);
    }
    const v6 = (await lockouts(d)).find((l) => l.ip === '2001:db8:1:2::/64');
    assert.ok(v6 && v6.failures === 3 && v6.lockedUntil !== null, JSON.stringify(await lockouts(d)));
    assert.equal((await xff(key.secret, '2001:db8:1:2::abcd')).status, 429);
    assert.equal((await xff(key.secret, '[2001:db8:1:2::abcd]:4431')).status, 429);
    assert.equal((await xff(key.secret, '2001:db8:1:3::1')).status, 200, 'the next /64 is another client');
    const c = await d.cli(['lockouts', 'clear', '2001:db8:1:2::77', '--json']);
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(c.json(), { cleared: 1 });
    assert.equal((await xff(key.secret, '2001:db8:1:2::1')).status, 200);
  });

  it('admin API: the proxy address was never counted; clear all; a bad address is refused', async () => {
    const r = await d.admin<{ lockouts: LockoutDto[] }>('GET', '/admin/v1/lockouts');
    assert.equal(r.status, 200);
    assert.ok(r.json.lockouts.every((l) => l.ip !== '127.0.0.1'), 'the proxy address was never counted');
    const del = await d.admin<{ cleared: number }>('DELETE', '/admin/v1/lockouts');
    assert.equal(del.status, 200);
    assert.equal(typeof del.json.cleared, 'number');
    const bad = await d.admin<{ error: { code: string } }>('DELETE', `/admin/v1/lockouts/${encodeURIComponent('10.0.0.0/8')}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'validation_failed');
  });
});

describe('attack: IPv6 loopback', () => {
  let v6 = false;
  let d: DaemonHandle | undefined;
  let key: CreatedKey;

  before(async () => {
    v6 = await ipv6LoopbackWorks();
    if (!v6) return;
    d = await startDaemon({ env: { KROUTER_BIND: '::1' }, config: { security: { bruteForceLockout: { maxAttempts: 3 } } } });
    key = await createKey(d, 'v6');
  });
  after(async () => d?.cleanup());

  it('a client on ::1 is counted as ::/64 and locked; clearing by address unlocks it', async (t) => {
    if (!v6 || d === undefined) {
      t.skip('no IPv6 loopback on this machine (the /64 grouping is covered through a trusted proxy above and in client-ip.test)');
      return;
    }
    const v6d = d;
    const v6models = (h: Record<string, string>): Promise<HttpResult> => models(v6d, h, '', '::1');
    assert.equal((await v6models(bearer(key.secret))).status, 200);
    for (let i = 0; i < 3; i++) assert401(await v6models(bearer(`wrong-${i}`)), `failure ${i + 1}`);
    assert.equal((await v6models(bearer(key.secret))).status, 429);
    assert.deepEqual(
      (await lockouts(v6d)).map((l) => [l.ip, l.failures]),
      [['::/64', 3]],
    );
    assert.ok(!v6d.stderr().includes('WARNING'), '::1 is loopback: no exposure warning');
    const c = await v6d.cli(['lockouts', 'clear', '::1', '--json']);
    assert.deepEqual(c.json(), { cleared: 1 });
    assert.equal((await v6models(bearer(key.secret))).status, 200);
  });
});
