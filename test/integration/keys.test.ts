/**
 * Client keys over the CLI: create, rotate, revoke, list; and the four ways a
 * client can present its key.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addProvider, createKey, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { startMock, type MockOpenAI } from '../support/mock-openai.js';
import type { KeyDto, KeySecretDto } from '../../src/shared/admin-types.js';
import { assertOpenAiError, chat, parseJson } from '../support/v1.js';

async function models(d: DaemonHandle, how: 'bearer' | 'x-api-key' | 'x-goog-api-key' | 'query' | 'none', key = '') {
  const headers: Record<string, string> = {};
  let qs = '';
  if (how === 'bearer') headers['authorization'] = `Bearer ${key}`;
  if (how === 'x-api-key') headers['x-api-key'] = key;
  if (how === 'x-goog-api-key') headers['x-goog-api-key'] = key;
  if (how === 'query') qs = `?key=${encodeURIComponent(key)}`;
  const res = await fetch(`${d.baseUrl}/v1/models${qs}`, { headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, json: parseJson(text), text };
}

describe('keys', () => {
  let d: DaemonHandle;
  let mock: MockOpenAI;
  const secrets: string[] = [];

  before(async () => {
    mock = await startMock({ name: 'keys-up' });
    d = await startDaemon();
    await addProvider(d, 'up', { baseUrl: mock.baseUrl, apiKey: 'sk-keys-upstream', models: ['m'] });
  });

  after(async () => {
    await d?.cleanup();
    await mock?.close();
  });

  let k1: CreatedKey;

  it('keys create --json returns the key and its secret once', async () => {
    const r = await d.cli(['keys', 'create', '--name', 'laptop', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = r.json<KeySecretDto>();
    assert.deepEqual(Object.keys(j).sort(), ['key', 'secret']);
    assert.deepEqual(Object.keys(j.key).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt']);
    assert.equal(j.key.name, 'laptop');
    assert.equal(j.key.revokedAt, null);
    assert.equal(j.key.lastUsedAt, null);
    assert.match(j.secret, /^sk-krouter-/);
    assert.ok(j.secret.length >= 32, 'a secret long enough to be unguessable');
    assert.ok(j.secret.startsWith(j.key.prefix), 'prefix is the start of the secret');
    assert.ok(j.key.prefix.length < j.secret.length - 16, 'the prefix is not enough to use the key');
    k1 = { id: j.key.id, name: j.key.name, prefix: j.key.prefix, secret: j.secret };
    secrets.push(j.secret);
  });

  it('plain `keys create` prints the secret alone on stdout', async () => {
    const r = await d.cli(['keys', 'create', '--name', 'plain']);
    assert.equal(r.code, 0, r.stderr);
    const secret = r.stdout.trim();
    assert.match(secret, /^sk-krouter-\S+$/);
    secrets.push(secret);
    assert.equal((await models(d, 'bearer', secret)).status, 200);
  });

  it('a created key works, under all four auth forms', async () => {
    for (const how of ['bearer', 'x-api-key', 'x-goog-api-key', 'query'] as const) {
      const r = await models(d, how, k1.secret);
      assert.equal(r.status, 200, `${how}: ${r.text}`);
      assert.equal(r.json?.object, 'list');
      assert.ok(r.json?.data?.some((m) => m.id === 'up/m'), `${how}: ${r.text}`);
    }
    const c = await chat(d, k1.secret, 'up/m');
    assert.equal(c.status, 200);
    assert.equal(c.content, 'Hello from keys-up via m.');
  });

  it('the client key never travels upstream, whatever form it came in', async () => {
    const body = JSON.stringify({ model: 'up/m', messages: [{ role: 'user', content: 'x' }] });
    const forms: Array<[string, Record<string, string>, string]> = [
      ['bearer', { authorization: `Bearer ${k1.secret}` }, ''],
      ['x-api-key', { 'x-api-key': k1.secret }, ''],
      ['x-goog-api-key', { 'x-goog-api-key': k1.secret }, ''],
      ['query', {}, `?key=${encodeURIComponent(k1.secret)}`],
    ];
    for (const [how, headers, qs] of forms) {
      const res = await fetch(`${d.baseUrl}/v1/chat/completions${qs}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      const text = await res.text();
      assert.equal(res.status, 200, `${how}: ${text}`);
      const rec = mock.requestsTo('/chat/completions').at(-1)!;
      assert.equal(rec.headers.authorization, 'Bearer sk-keys-upstream', how);
      assert.ok(!rec.url.includes('key='), `${how}: upstream url ${rec.url}`);
      assert.ok(!JSON.stringify(rec.headers).includes(k1.secret), `${how}: upstream headers carry the client key: ${JSON.stringify(rec.headers)}`);
      assert.ok(!rec.rawBody.includes(k1.secret), how);
    }
  });

  it('wrong and missing keys get 401 with stable codes, under every form', async () => {
    for (const how of ['bearer', 'x-api-key', 'x-goog-api-key', 'query'] as const) {
      const r = await models(d, how, 'sk-krouter-' + 'x'.repeat(40));
      assert.equal(r.status, 401, `${how}: ${r.text}`);
      assertOpenAiError(r.json, 'invalid_api_key');
    }
    const none = await models(d, 'none');
    assert.equal(none.status, 401);
    assertOpenAiError(none.json, 'missing_api_key');
    const before = mock.requests.length;
    const c = await chat(d, 'sk-krouter-wrong', 'up/m');
    assert.equal(c.status, 401);
    assert.equal(mock.requests.length, before, 'an unauthenticated request never reaches upstream');
  });

  it('lastUsedAt is set after use', async () => {
    const deadline = Date.now() + 5_000;
    let k: KeyDto | undefined;
    while (Date.now() < deadline) {
      const r = await d.cli(['keys', 'list', '--json']);
      k = r.json<{ keys: KeyDto[] }>().keys.find((x) => x.id === k1.id);
      if (k?.lastUsedAt) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(k?.lastUsedAt, `lastUsedAt still null: ${JSON.stringify(k)}`);
  });

  it('rotate: the old secret gets 401 at once, the new one works, the id stays', async () => {
    const r = await d.cli(['keys', 'rotate', 'laptop', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = r.json<KeySecretDto>();
    assert.equal(j.key.id, k1.id);
    assert.match(j.secret, /^sk-krouter-/);
    assert.notEqual(j.secret, k1.secret);
    secrets.push(j.secret);
    const old = await models(d, 'bearer', k1.secret);
    assert.equal(old.status, 401);
    assertOpenAiError(old.json, 'invalid_api_key');
    assert.equal((await models(d, 'x-api-key', j.secret)).status, 200);
    k1 = { ...k1, secret: j.secret, prefix: j.key.prefix };
  });

  it('revoke by id: 401 immediately', async () => {
    const k2 = await createKey(d, 'ci');
    secrets.push(k2.secret);
    assert.equal((await models(d, 'bearer', k2.secret)).status, 200);
    const r = await d.cli(['keys', 'revoke', k2.id, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json<{ key: KeyDto }>().key.id, k2.id);
    assert.ok(r.json<{ key: KeyDto }>().key.revokedAt, 'revokedAt set');
    const after = await models(d, 'bearer', k2.secret);
    assert.equal(after.status, 401);
    assertOpenAiError(after.json, 'invalid_api_key');
    // the other key is untouched
    assert.equal((await models(d, 'bearer', k1.secret)).status, 200);
  });

  it('revoke by name works too', async () => {
    const k3 = await createKey(d, 'temp');
    secrets.push(k3.secret);
    const r = await d.cli(['keys', 'revoke', 'temp']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await models(d, 'query', k3.secret)).status, 401);
  });

  it('keys list never shows a secret (text and --json)', async () => {
    const j = await d.cli(['keys', 'list', '--json']);
    const t = await d.cli(['keys', 'list']);
    assert.equal(j.code, 0, j.stderr);
    assert.equal(t.code, 0, t.stderr);
    const keys = j.json<{ keys: KeyDto[] }>().keys;
    assert.deepEqual(keys.map((k) => k.name).sort(), ['ci', 'laptop', 'plain', 'temp']);
    for (const k of keys) assert.equal('secret' in k, false);
    assert.ok(keys.find((k) => k.name === 'ci')?.revokedAt, 'revoked key shows revokedAt');
    assert.equal(keys.find((k) => k.name === 'laptop')?.revokedAt, null);
    for (const s of secrets) {
      assert.ok(!j.stdout.includes(s) && !j.stderr.includes(s), 'keys list --json leaks a secret');
      assert.ok(!t.stdout.includes(s) && !t.stderr.includes(s), 'keys list leaks a secret');
    }
    assert.match(t.stdout, /laptop/);
  });

  it('unknown key refs are refused', async () => {
    const r = await d.cli(['keys', 'revoke', 'no-such-key', '--json']);
    assert.notEqual(r.code, 0);
  });

  it('the daemon never logs a key secret', () => {
    const out = d.stdout() + d.stderr();
    for (const s of secrets) assert.ok(!out.includes(s), 'daemon output contains a key secret');
  });
});
