/**
 * SSRF through provider base URLs, against a real daemon:
 *  - save time: every bad base URL (metadata in every spelling, private
 *    ranges, non-http schemes, credentials in the URL) is refused over the
 *    CLI with the rule named, and nothing is stored;
 *  - connect time: a provider stored while a LAN address was allowed, then
 *    the allow list removed (restart), is refused on the dial: target_fatal,
 *    provider-scope, the rule in the reason, the daemon keeps serving;
 *  - a provider answering 302 to the metadata address is an upstream error,
 *    the redirect is never followed.
 * (Name resolution to refused addresses is covered with an injected resolver
 * in test/unit/ssrf.test.ts; no test-only hook exists in the daemon.)
 */
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ProviderDto } from '../../src/shared/admin-types.js';
import { addProvider, createKey, setCombo, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { startMock, type MockOpenAI } from '../support/mock-openai.js';
import { assertOpenAiError, chat, cliRoute, waitForLogs } from '../support/v1.js';

const BAD_URLS: Array<[string, string]> = [
  ['http://169.254.169.254/latest/meta-data', 'metadata'],
  ['http://2852039166/v1', 'metadata'],
  ['http://0251.0376.0251.0376/v1', 'metadata'],
  ['http://0xa9fea9fe/v1', 'metadata'],
  ['http://169.254.43518/v1', 'metadata'],
  ['http://[::ffff:169.254.169.254]/v1', 'metadata'],
  ['http://[::ffff:a9fe:a9fe]/v1', 'metadata'],
  ['http://[64:ff9b::a9fe:a9fe]/v1', 'metadata'],
  ['http://[fd00:ec2::254]/v1', 'metadata'],
  ['http://metadata.google.internal/computeMetadata/v1', 'metadata'],
  ['http://168.63.129.16/v1', 'metadata'],
  ['http://100.100.100.200/v1', 'metadata'],
  ['http://0.0.0.0:11434/v1', 'unspecified'],
  ['http://224.0.0.1/v1', 'multicast'],
  ['http://255.255.255.255/v1', 'broadcast'],
  ['http://10.0.0.1:8000/v1', 'private'],
  ['http://172.16.5.4/v1', 'private'],
  ['http://192.168.1.20:8000/v1', 'private'],
  ['http://100.64.0.1/v1', 'cgnat'],
  ['http://[fd12:3456::1]/v1', 'unique-local'],
  ['http://[fe80::1]/v1', 'link-local'],
];

describe('attack: SSRF through provider base URLs', () => {
  let d: DaemonHandle;
  let key: CreatedKey;
  let ok: MockOpenAI;
  let redirector: MockOpenAI;
  let witness: MockOpenAI;

  before(async () => {
    ok = await startMock({ name: 'ok' });
    witness = await startMock({ name: 'witness' });
    redirector = await startMock({ name: 'redirector', mode: { kind: 'status', status: 302, body: {}, headers: { location: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' } } });
    d = await startDaemon({ config: { security: { ssrf: { allow: ['192.168.1.20/32'] } } } });
    key = await createKey(d, 'ssrf');
  });

  after(async () => {
    await d?.cleanup();
    await Promise.all([ok?.close(), redirector?.close(), witness?.close()]);
  });

  it('refuses every bad base URL at save time, naming the rule, and stores nothing', async () => {
    for (const [url, rule] of BAD_URLS) {
      if (url.startsWith('http://192.168.1.20')) continue; // allowed in this daemon's config
      const r = await d.cli(['providers', 'add', 'bad', '--type', 'openai', '--base-url', url, '--json']);
      assert.equal(r.code, 1, `${url}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, new RegExp(`SSRF rule "${rule}"`), url);
      assert.equal(r.json<{ error: { code: string } }>().error.code, 'validation_failed', url);
    }
    const list = await d.cli(['providers', 'list', '--json']);
    assert.deepEqual(list.json<{ providers: ProviderDto[] }>().providers, []);
  });

  it('tells how to allow a LAN host', async () => {
    const r = await d.cli(['providers', 'add', 'nas', '--type', 'openai', '--base-url', 'http://192.168.1.21:8000/v1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /"security": \{"ssrf": \{"allow": \["192\.168\.1\.21\/32"\]\}\}/);
    assert.match(r.stderr, /config\.json/);
  });

  it('refuses non-http schemes and credentials in the URL over the admin API with 400 validation_failed', async () => {
    for (const baseUrl of ['file:///etc/passwd', 'gopher://127.0.0.1:6379/_', 'ftp://example.com/', 'http://user:pw@127.0.0.1:1/v1']) {
      const r = await d.admin<{ error: { code: string } }>('PUT', '/admin/v1/providers/bad', { type: 'openai', baseUrl });
      assert.equal(r.status, 400, `${baseUrl}: ${r.text}`);
      assert.equal(r.json.error.code, 'validation_failed');
    }
  });

  it('accepts loopback (localhost and 127.0.0.1) and serves through it', async () => {
    await addProvider(d, 'loop', { baseUrl: ok.baseUrl.replace('127.0.0.1', 'localhost'), apiKey: 'sk-loop-provider-key-123456', models: ['m'] });
    const r = await chat(d, key.secret, 'loop/m');
    assert.equal(r.status, 200, r.text);
  });

  it('a 302 to the metadata address is an upstream error: not followed, not passed on', async () => {
    await addProvider(d, 'redir', { baseUrl: redirector.baseUrl, apiKey: 'sk-redir-provider-key-123456', models: ['m'] });
    const r = await chat(d, key.secret, 'redir/m');
    assert.equal(r.status, 502, r.text);
    assertOpenAiError(r.json, 'all_targets_failed');
    const attempt = r.json.error.attempts?.[0];
    assert.equal(attempt?.status, 302);
    assert.equal(attempt?.outcome, 'target_fatal');
    assert.equal(r.headers.get('location'), null);
    assert.equal(redirector.requestsTo('/chat/completions').length, 1);
  });

  it('a 302 to another host is not followed either (the witness sees nothing)', async () => {
    const hop = await startMock({ name: 'hop', mode: { kind: 'status', status: 302, body: {}, headers: { location: `${witness.baseUrl}/chat/completions` } } });
    try {
      await addProvider(d, 'hop', { baseUrl: hop.baseUrl, apiKey: 'sk-hop-provider-key-123456', models: ['m'] });
      const r = await chat(d, key.secret, 'hop/m');
      assert.equal(r.status, 502, r.text);
      assert.equal(witness.requests.length, 0);
    } finally {
      await hop.close();
    }
  });

  it('connect time: a stored LAN provider whose allow entry is removed is refused on the dial, target_fatal with the rule', async () => {
    // Saved while allowed.
    const put = await d.cli(['providers', 'add', 'lan', '--type', 'openai', '--base-url', 'http://192.168.1.20:9/v1', '--model', 'm']);
    assert.equal(put.code, 0, put.stderr);
    await addProvider(d, 'after', { baseUrl: ok.baseUrl, apiKey: 'sk-after-provider-key-123456', models: ['m'] });
    await setCombo(d, 'lan-then-ok', ['lan/m', 'after/m']);
    // The operator removes the allow entry; the row stays.
    writeFileSync(join(d.home, 'config.json'), JSON.stringify({ security: { ssrf: { allow: [] } } }));
    await d.restart();
    const r = await chat(d, key.secret, 'lan/m');
    assert.equal(r.status, 502, r.text);
    assertOpenAiError(r.json, 'all_targets_failed');
    const a = r.json.error.attempts?.[0];
    assert.equal(a?.outcome, 'target_fatal');
    assert.match(a?.reason ?? '', /SSRF rule "private"/);
    assert.match(a?.reason ?? '', /192\.168\.1\.20/);
    // The next target still serves, and the refused one is locked provider-wide.
    const c = await chat(d, key.secret, 'lan-then-ok');
    assert.equal(c.status, 200, c.text);
    const route = await cliRoute(d, 'lan-then-ok');
    assert.equal(route.targets[0]?.state, 'locked');
    assert.match(route.targets[0]?.reason ?? '', /SSRF rule "private"/);
    const logs = await waitForLogs(d, 1, (e) => e.modelAsked === 'lan/m');
    assert.match(logs[0]?.attempts[0]?.reason ?? '', /SSRF/);
    // And the daemon keeps serving.
    const h = await fetch(`${d.baseUrl}/healthz`);
    assert.equal(h.status, 200);
  });

  it('connect time, by name: this machine\'s host name, when it resolves to a private address, is refused on the dial', async (t) => {
    const name = hostname();
    let addrs: string[] = [];
    try {
      addrs = (await lookup(name, { all: true })).map((a) => a.address);
    } catch {
      // does not resolve
    }
    const priv = addrs.find((a) => /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(a));
    if (priv === undefined || addrs.some((a) => a.startsWith('127.') || a === '::1')) {
      t.skip(`${name} resolves to ${addrs.join(', ') || 'nothing'}: no private-only host name here (covered by the unit test with an injected resolver)`);
      return;
    }
    const r = await d.cli(['providers', 'add', 'byname', '--type', 'openai', '--base-url', `http://${name}:9/v1`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /SSRF rule "private"/);
  });
});
