/**
 * Bad input and bad upstreams: each gets its stable error, none hurts the
 * daemon, and nothing stored before is lost. A client that disconnects
 * mid-stream makes krouter abort the upstream request within a second.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addProvider, createKey, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { startMock, type MockOpenAI } from '../support/mock-openai.js';
import type { KeyDto, ProviderDto } from '../../src/shared/admin-types.js';
import { adminLogs, assertOpenAiError, chat, openStream, parseJson, waitForLogs } from '../support/v1.js';

const LIMIT = 4096;

describe('bad input and bad upstreams', () => {
  let ok: MockOpenAI;
  let slow: MockOpenAI;
  let hang: MockOpenAI;
  let stall: MockOpenAI;
  let d: DaemonHandle;
  let key: CreatedKey;
  let firstLogId: number;

  before(async () => {
    ok = await startMock({ name: 'fine' });
    slow = await startMock({ name: 'slow', mode: { kind: 'slow-stream', chunks: 60, intervalMs: 100 } });
    hang = await startMock({ name: 'hang', mode: { kind: 'hang' } });
    stall = await startMock({ name: 'stall', mode: { kind: 'headers-then-hang' } });
    d = await startDaemon({
      config: {
        server: { bodyLimitBytes: LIMIT },
        upstream: { headersTimeoutMs: 500, firstEventTimeoutMs: 500, bodyTimeoutMs: 1000 },
      },
    });
    key = await createKey(d, 'bad-input');
    await addProvider(d, 'up', { baseUrl: ok.baseUrl, apiKey: 'sk-bad-input-up', models: ['m'] });
    await addProvider(d, 'slow', { baseUrl: slow.baseUrl, apiKey: 'sk-slow', models: ['m'] });
    await addProvider(d, 'hang-ns', { baseUrl: hang.baseUrl, apiKey: 'sk-hang', models: ['m'] });
    await addProvider(d, 'hang-st', { baseUrl: hang.baseUrl, apiKey: 'sk-hang', models: ['m'] });
    await addProvider(d, 'stall', { baseUrl: stall.baseUrl, apiKey: 'sk-stall', models: ['m'] });
    const r = await chat(d, key.secret, 'up/m', { prompt: 'the first request' });
    assert.equal(r.status, 200, r.text);
    const deadline = Date.now() + 5_000;
    let entries = await adminLogs(d, 10);
    while (entries.length === 0 && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 50));
      entries = await adminLogs(d, 10);
    }
    assert.equal(entries.length, 1, 'the first request is logged');
    firstLogId = entries[0]!.id;
  });

  after(async () => {
    await d?.cleanup();
    for (const m of [ok, slow, hang, stall]) await m?.close();
  });

  /** The daemon still serves, and what was stored before is intact. */
  async function assertHealthy() {
    const r = await chat(d, key.secret, 'up/m');
    assert.equal(r.status, 200, `daemon no longer serves: ${r.status} ${r.text}`);
    assert.equal(r.content, 'Hello from fine via m.');
    const keys = await d.cli(['keys', 'list', '--json']);
    assert.equal(keys.code, 0, keys.stderr);
    assert.ok(keys.json<{ keys: KeyDto[] }>().keys.some((k) => k.id === key.id && k.revokedAt === null), 'the key is intact');
    const providers = await d.cli(['providers', 'list', '--json']);
    assert.deepEqual(providers.json<{ providers: ProviderDto[] }>().providers.map((p) => p.name).sort(), ['hang-ns', 'hang-st', 'slow', 'stall', 'up']);
    const entries = await adminLogs(d, 500);
    assert.ok(entries.some((e) => e.id === firstLogId && e.modelAsked === 'up/m' && e.status === 200), 'the first log entry is intact');
  }

  async function post(path: string, body: string | Buffer, headers: Record<string, string>) {
    const res = await fetch(`${d.baseUrl}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    return { status: res.status, json: parseJson(text), text, headers: res.headers };
  }

  const auth = () => ({ authorization: `Bearer ${key.secret}` });

  it('GET /healthz: 200 without auth and without details; HEAD /: 200', async () => {
    const h = await fetch(`${d.baseUrl}/healthz`);
    assert.equal(h.status, 200);
    const body = await h.text();
    assert.ok(body.length < 100, `healthz body too chatty: ${body}`);
    assert.ok(!body.includes(d.home) && !/version|pid|uptime/i.test(body), `healthz leaks details: ${body}`);
    const head = await fetch(`${d.baseUrl}/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    await assertHealthy();
  });

  it('invalid JSON: 400 invalid_json', async () => {
    const before = ok.requests.length;
    const r = await post('/v1/chat/completions', '{"model": "up/m", "messages": [', { ...auth(), 'content-type': 'application/json' });
    assert.equal(r.status, 400, r.text);
    assertOpenAiError(r.json, 'invalid_json');
    assert.equal(ok.requests.length, before, 'nothing sent upstream');
    // a pass-through body is not parsed whole, but its grammar is checked all the same
    for (const body of ['{"model":"up/m","messages":[],}', '{"model":"up/m","messages":[]} {}', '{"model":"up/m","messages":[{"role":"user",,"content":"x"}]}', '{"model":"up/m","max_tokens":01}']) {
      const bad = await post('/v1/chat/completions', body, { ...auth(), 'content-type': 'application/json' });
      assert.equal(bad.status, 400, `${body}: ${bad.text}`);
      assertOpenAiError(bad.json, 'invalid_json');
    }
    assert.equal(ok.requests.length, before, 'nothing sent upstream');
    await assertHealthy();
  });

  it('a pass-through body whose only fault is inside a string goes to the provider as sent, and its refusal comes back', async () => {
    const before = ok.requests.length;
    // a raw tab inside a message: the grammar is fine, JSON forbids the character; krouter routes without reading it
    const r = await post('/v1/chat/completions', '{"model":"up/m","messages":[{"role":"user","content":"a\tb"}]}', { ...auth(), 'content-type': 'application/json' });
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /could not parse the JSON body/, 'the provider’s own refusal');
    assert.equal(ok.requests.length, before + 1, 'sent upstream once, no fallback on a client error');
    await assertHealthy();
  });

  it('wrong content type: 415 unsupported_content_type', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'up/m', messages: [{ role: 'user', content: 'x' }] }), { ...auth(), 'content-type': 'text/plain' });
    assert.equal(r.status, 415, r.text);
    assertOpenAiError(r.json, 'unsupported_content_type');
    const form = await post('/v1/embeddings', 'model=up/m&input=x', { ...auth(), 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 415, form.text);
    assertOpenAiError(form.json, 'unsupported_content_type');
    await assertHealthy();
  });

  it('unknown provider, unknown combo: 404 model_not_found, nothing sent upstream', async () => {
    const before = [ok, slow, hang, stall].map((m) => m.requests.length);
    for (const model of ['nope/gpt-4o', 'no-such-combo']) {
      const r = await chat(d, key.secret, model);
      assert.equal(r.status, 404, `${model}: ${r.text}`);
      assertOpenAiError(r.json, 'model_not_found');
      assert.ok(r.json.error.message.includes(model), `the message names the model: ${r.json.error.message}`);
    }
    const e = await post('/v1/embeddings', JSON.stringify({ model: 'no-such-combo', input: 'x' }), { ...auth(), 'content-type': 'application/json' });
    assert.equal(e.status, 404, e.text);
    assertOpenAiError(e.json, 'model_not_found');
    assert.deepEqual([ok, slow, hang, stall].map((m) => m.requests.length), before);
    await assertHealthy();
  });

  it(`body over server.bodyLimitBytes (${LIMIT}): 413 body_too_large`, async () => {
    const before = ok.requests.length;
    const big = JSON.stringify({ model: 'up/m', messages: [{ role: 'user', content: 'x'.repeat(LIMIT * 4) }] });
    const r = await post('/v1/chat/completions', big, { ...auth(), 'content-type': 'application/json' });
    assert.equal(r.status, 413, r.text);
    assertOpenAiError(r.json, 'body_too_large');
    assert.equal(ok.requests.length, before);
    // just under the limit is fine
    const fits = JSON.stringify({ model: 'up/m', messages: [{ role: 'user', content: 'y'.repeat(LIMIT - 200) }] });
    const f = await post('/v1/chat/completions', fits, { ...auth(), 'content-type': 'application/json' });
    assert.equal(f.status, 200, f.text);
    await assertHealthy();
  });

  it('missing key: 401 missing_api_key; malformed Authorization: 401', async () => {
    const body = JSON.stringify({ model: 'up/m', messages: [{ role: 'user', content: 'x' }] });
    const r = await post('/v1/chat/completions', body, { 'content-type': 'application/json' });
    assert.equal(r.status, 401, r.text);
    assertOpenAiError(r.json, 'missing_api_key');
    const basic = await post('/v1/chat/completions', body, { 'content-type': 'application/json', authorization: 'Basic Zm9vOmJhcg==' });
    assert.equal(basic.status, 401, basic.text);
    const emb = await post('/v1/embeddings', JSON.stringify({ model: 'up/m', input: 'x' }), { 'content-type': 'application/json' });
    assert.equal(emb.status, 401, emb.text);
    assertOpenAiError(emb.json, 'missing_api_key');
    await assertHealthy();
  });

  it('client disconnect mid-stream aborts the upstream request within 1 s', async () => {
    const s = await openStream(d, key.secret, 'slow/m');
    assert.equal(s.status, 200);
    assert.ok(s.firstChunk.includes('Hello'), `first chunk: ${s.firstChunk}`);
    const rec = slow.requestsTo('/chat/completions').at(-1)!;
    assert.equal(rec.closedAt, null, 'upstream still streaming when the client leaves');
    const t0 = Date.now();
    s.destroy();
    const closedAt = await slow.waitForClose(rec, 3_000);
    assert.ok(closedAt - t0 <= 1_000, `upstream closed ${closedAt - t0} ms after the client left`);
    assert.equal(rec.closedEarly, true, 'the upstream stream was cut, not finished');
    await assertHealthy();
  });

  for (const [provider, stream] of [
    ['hang-ns', false],
    ['hang-st', true],
  ] as const) {
    it(`upstream never answers (${stream ? 'stream' : 'non-stream'}): a timeout error, upstream aborted`, async () => {
      const r = await chat(d, key.secret, `${provider}/m`, { stream, timeoutMs: 10_000 });
      assert.ok(r.status === 502 || r.status === 504, `status ${r.status}: ${r.text}`);
      const code = r.json?.error?.code ?? '';
      assert.ok(['all_targets_failed', 'upstream_timeout'].includes(code), r.text);
      assertOpenAiError(r.json, code);
      if (r.json.error.code === 'all_targets_failed') {
        assert.equal(r.json.error.attempts?.[0]?.target, `${provider}/m`);
        assert.equal(r.json.error.attempts?.[0]?.outcome, 'transient');
        assert.match(r.json.error.attempts?.[0]?.reason ?? '', /time/i);
      }
      const rec = hang.requestsTo('/chat/completions').find((x) => x.headers.authorization === 'Bearer sk-hang' && (x.body?.stream === true) === stream);
      assert.ok(rec, 'upstream got the request');
      await hang.waitForClose(rec, 3_000);
      await assertHealthy();
    });
  }

  it('upstream sends headers but no first event: a timeout error', async () => {
    const r = await chat(d, key.secret, 'stall/m', { stream: true, timeoutMs: 10_000 });
    assert.ok(r.status === 502 || r.status === 504, `status ${r.status}: ${r.text}`);
    assert.ok(['all_targets_failed', 'upstream_timeout'].includes(r.json?.error?.code ?? ''), r.text);
    const rec = stall.requestsTo('/chat/completions').at(-1)!;
    await stall.waitForClose(rec, 3_000);
    await assertHealthy();
  });

  it('unknown /v1 route: 404 in OpenAI shape', async () => {
    const r = await fetch(`${d.baseUrl}/v1/nothing-here`, { headers: auth() });
    assert.equal(r.status, 404);
    const j = parseJson(await r.text());
    assert.equal(typeof j?.error?.code, 'string');
    await assertHealthy();
  });
});

describe('client disconnects and broken streams (default upstream timeouts)', () => {
  let thinker: MockOpenAI;
  let cut: MockOpenAI;
  let ok: MockOpenAI;
  let d: DaemonHandle;
  let key: CreatedKey;

  before(async () => {
    thinker = await startMock({ name: 'thinker', mode: { kind: 'hang' } });
    cut = await startMock({ name: 'cut', mode: { kind: 'reset-mid-stream', afterChunks: 3 } });
    ok = await startMock({ name: 'fine2' });
    d = await startDaemon();
    key = await createKey(d, 'disconnects');
    await addProvider(d, 'thinker', { baseUrl: thinker.baseUrl, apiKey: 'sk-thinker', models: ['m'] });
    await addProvider(d, 'cut', { baseUrl: cut.baseUrl, apiKey: 'sk-cut', models: ['m'] });
    await addProvider(d, 'fine', { baseUrl: ok.baseUrl, apiKey: 'sk-fine', models: ['m'] });
  });

  after(async () => {
    await d?.cleanup();
    for (const m of [thinker, cut, ok]) await m?.close();
  });

  for (const stream of [false, true]) {
    it(`client gives up while upstream is still thinking (${stream ? 'stream' : 'non-stream'}): upstream aborted within 1 s`, async () => {
      const ac = new AbortController();
      const p = fetch(`${d.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'thinker/m', stream, messages: [{ role: 'user', content: `think ${stream}` }] }),
        signal: ac.signal,
      }).then(
        () => 'answered',
        () => 'aborted',
      );
      const rec = await thinker.waitForRequest((r) => r.body?.messages?.[0]?.content === `think ${stream}`, 5_000);
      assert.equal(rec.closedAt, null);
      const t0 = Date.now();
      ac.abort();
      assert.equal(await p, 'aborted');
      const closedAt = await thinker.waitForClose(rec, 3_000);
      assert.ok(closedAt - t0 <= 1_000, `upstream closed ${closedAt - t0} ms after the client left`);
      const r = await chat(d, key.secret, 'fine/m');
      assert.equal(r.status, 200, r.text);
    });
  }

  it('upstream resets mid-stream (after the commit point): the client stream ends, the daemon carries on', async () => {
    const res = await fetch(`${d.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'cut/m', stream: true, messages: [{ role: 'user', content: 'x' }] }),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-krouter-target'), 'cut/m');
    // the body either ends or errors: it must not hang (the 10 s signal would fail it)
    const body = await res.text().then(
      (t) => t,
      (e) => `[stream error: ${String(e)}]`,
    );
    assert.ok(body.includes('Hello'), `the chunks sent before the reset reach the client: ${body.slice(0, 300)}`);
    assert.ok(!body.includes('[DONE]'), 'a cut stream must not look complete');
    const r = await chat(d, key.secret, 'fine/m', { stream: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.content, 'Hello from fine2 via m.');
    const entries = await waitForLogs(d, 1, (e) => e.modelAsked === 'cut/m');
    assert.notEqual(entries[0]!.errorCode, null, `a cut stream is logged as an error: ${JSON.stringify(entries[0])}`);
  });
});
