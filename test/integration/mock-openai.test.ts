/**
 * Self-test of the mock upstream (no daemon): the real `openai` SDK talks to it
 * directly, and every fault mode does what the other tests rely on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { parseSseData, startMock, type MockOpenAI } from '../support/mock-openai.js';

describe('mock OpenAI upstream', () => {
  let mock: MockOpenAI;
  let client: OpenAI;

  before(async () => {
    mock = await startMock({ name: 'alpha', usage: { prompt_tokens: 21, completion_tokens: 8, cached_tokens: 5, reasoning_tokens: 3 } });
    client = new OpenAI({ baseURL: mock.baseUrl, apiKey: 'sk-upstream-test', maxRetries: 0, timeout: 5_000 });
  });
  after(async () => {
    await mock.close();
  });

  it('non-stream chat completion in OpenAI shape', async () => {
    const r = await client.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.choices[0]?.message.content, 'Hello from alpha via gpt-x.');
    assert.equal(r.usage?.total_tokens, 29);
    assert.equal(r.usage?.prompt_tokens_details?.cached_tokens, 5);
    assert.equal(r.usage?.completion_tokens_details?.reasoning_tokens, 3);
    const rec = mock.requestsTo('/chat/completions').at(-1)!;
    assert.equal(rec.headers.authorization, 'Bearer sk-upstream-test');
    assert.equal(rec.body?.model, 'gpt-x');
  });

  it('stream without and with include_usage', async () => {
    const plain = await client.chat.completions.create({ model: 'gpt-s', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    let usageChunks = 0;
    for await (const c of plain) {
      text += c.choices[0]?.delta.content ?? '';
      if (c.usage) usageChunks++;
    }
    assert.equal(text, 'Hello from alpha via gpt-s.');
    assert.equal(usageChunks, 0);

    const withUsage = await client.chat.completions.create({ model: 'gpt-s', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const c of withUsage) chunks.push(c);
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage?.completion_tokens, 8);
    assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));
  });

  it('embeddings (base64 default of the SDK, and float) and models', async () => {
    const e = await client.embeddings.create({ model: 'emb', input: 'x' });
    assert.deepEqual(Array.from(e.data[0]!.embedding), mock.embeddingFor(0));
    const f = await client.embeddings.create({ model: 'emb', input: ['a', 'b'], encoding_format: 'float' });
    assert.deepEqual(f.data[1]!.embedding, mock.embeddingFor(1));
    const models = [];
    for await (const m of client.models.list()) models.push(m.id);
    assert.deepEqual(models, ['gpt-mock-1', 'gpt-mock-2']);
  });

  it('status mode with Retry-After', async () => {
    mock.queueModes({ kind: 'status', status: 429, retryAfter: 7 });
    const r = await fetch(`${mock.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [] }) });
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '7');
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'rate_limit_exceeded');
  });

  it('hang: never answers, client abort is seen as a close', async () => {
    mock.queueModes({ kind: 'hang' });
    const ac = new AbortController();
    const p = fetch(`${mock.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'hang', messages: [] }), signal: ac.signal }).catch((e) => e);
    const rec = await mock.waitForRequest((r) => r.body?.model === 'hang');
    assert.equal(rec.closedAt, null);
    const t0 = Date.now();
    ac.abort();
    await p;
    const closedAt = await mock.waitForClose(rec, 1_000);
    assert.ok(closedAt - t0 < 1_000);
    assert.equal(rec.closedEarly, true);
  });

  it('reset: socket destroyed before the response', async () => {
    mock.queueModes({ kind: 'reset' });
    await assert.rejects(fetch(`${mock.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [] }) }));
  });

  it('garbage-sse and error-first-event', async () => {
    mock.queueModes({ kind: 'garbage-sse' });
    const g = await fetch(`${mock.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [], stream: true }) });
    assert.equal(g.status, 200);
    assert.deepEqual(parseSseData(await g.text()), []);

    mock.queueModes({ kind: 'error-first-event' });
    const e = await fetch(`${mock.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [], stream: true }) });
    assert.equal(e.status, 200);
    const first = JSON.parse(parseSseData(await e.text())[0]!);
    assert.equal(first.error.type, 'server_error');
  });

  it('slow-stream sends N chunks; reset-mid-stream cuts the stream', async () => {
    mock.queueModes({ kind: 'slow-stream', chunks: 5, intervalMs: 10 });
    const s = await fetch(`${mock.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [], stream: true }) });
    const events = parseSseData(await s.text());
    // role chunk + 5 content + finish + [DONE]
    assert.equal(events.length, 8);
    assert.equal(events.at(-1), '[DONE]');

    mock.queueModes({ kind: 'reset-mid-stream', afterChunks: 2 });
    const r = await fetch(`${mock.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [], stream: true }) });
    assert.equal(r.status, 200);
    await assert.rejects(r.text());
  });

  it('close() ends hung requests', async () => {
    const m2 = await startMock({ mode: { kind: 'hang' } });
    const p = fetch(`${m2.baseUrl}/chat/completions`, { method: 'POST', body: '{"model":"h"}' }).then(
      () => 'answered',
      () => 'failed',
    );
    await m2.waitForRequest();
    await m2.close();
    assert.equal(await p, 'failed');
  });
});
