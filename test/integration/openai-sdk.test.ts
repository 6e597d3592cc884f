/**
 * The official `openai` SDK pointed at krouter's /v1 gets the upstream's
 * answers: chat (non-stream and stream), embeddings and the model list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { addProvider, createKey, setCombo, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { startMock, type MockOpenAI } from '../support/mock-openai.js';

const PROVIDER_KEY = 'sk-upstream-sdk-test-0123456789abcdef';

describe('openai SDK through krouter', () => {
  let mock: MockOpenAI;
  let d: DaemonHandle;
  let key: CreatedKey;
  let client: OpenAI;

  before(async () => {
    mock = await startMock({ name: 'up-one', models: ['gpt-mock-1', 'gpt-mock-2', 'text-emb-1'], usage: { prompt_tokens: 17, completion_tokens: 9, cached_tokens: 4, reasoning_tokens: 2 } });
    d = await startDaemon();
    key = await createKey(d, 'sdk');
    await addProvider(d, 'up', { baseUrl: mock.baseUrl, apiKey: PROVIDER_KEY, models: ['gpt-mock-1', 'gpt-mock-2', 'text-emb-1'] });
    await setCombo(d, 'best', ['up/gpt-mock-2']);
    client = new OpenAI({ baseURL: `${d.baseUrl}/v1`, apiKey: key.secret, maxRetries: 0, timeout: 10_000 });
  });

  after(async () => {
    await d?.cleanup();
    await mock?.close();
  });

  function assertUpstreamHeaders(rec: { headers: Record<string, unknown> }) {
    assert.equal(rec.headers['x-request-source'], 'local', 'upstream must see x-request-source: local');
    assert.equal(rec.headers['authorization'], `Bearer ${PROVIDER_KEY}`, 'upstream must see the provider key');
    const all = JSON.stringify(rec.headers);
    assert.ok(!all.includes(key.secret), `the krouter key must not be forwarded upstream: ${all}`);
  }

  it('non-stream chat completion', async () => {
    const before = mock.requestsTo('/chat/completions').length;
    const { data, response } = await client.chat.completions
      .create({ model: 'up/gpt-mock-1', messages: [{ role: 'user', content: 'hello there' }] })
      .withResponse();
    assert.equal(data.choices[0]?.message.content, 'Hello from up-one via gpt-mock-1.');
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.usage?.prompt_tokens, 17);
    assert.equal(data.usage?.completion_tokens, 9);
    assert.equal(response.headers.get('x-krouter-target'), 'up/gpt-mock-1');
    const recs = mock.requestsTo('/chat/completions');
    assert.equal(recs.length, before + 1);
    const rec = recs.at(-1)!;
    assert.equal(rec.body?.model, 'gpt-mock-1', 'upstream gets the bare model id');
    assert.deepEqual(rec.body?.messages, [{ role: 'user', content: 'hello there' }]);
    assertUpstreamHeaders(rec);
  });

  it('a combo name routes to its target', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'best', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    assert.equal(data.choices[0]?.message.content, 'Hello from up-one via gpt-mock-2.');
    assert.equal(response.headers.get('x-krouter-target'), 'up/gpt-mock-2');
  });

  it('stream without include_usage: content arrives, no usage chunk', async () => {
    const stream = await client.chat.completions.create({ model: 'up/gpt-mock-1', messages: [{ role: 'user', content: 'stream it' }], stream: true });
    let text = '';
    let n = 0;
    const withUsage: unknown[] = [];
    const emptyChoices: unknown[] = [];
    for await (const c of stream) {
      n++;
      text += c.choices[0]?.delta?.content ?? '';
      if (c.usage) withUsage.push(c);
      if (c.choices.length === 0) emptyChoices.push(c);
    }
    assert.equal(text, 'Hello from up-one via gpt-mock-1.');
    assert.ok(n >= 3, `expected several chunks, got ${n}`);
    assert.deepEqual(withUsage, [], 'no chunk may carry usage when the client did not ask for it');
    assert.deepEqual(emptyChoices, [], 'the usage-only chunk (choices: []) must be stripped');
    const rec = mock.requestsTo('/chat/completions').at(-1)!;
    assert.equal(rec.body?.stream, true);
    assert.equal(rec.body?.stream_options?.include_usage, true, 'krouter asks upstream for usage');
    assertUpstreamHeaders(rec);
  });

  it('stream with include_usage: the final chunk carries the upstream usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'up/gpt-mock-1',
      messages: [{ role: 'user', content: 'stream it' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    assert.equal(text, 'Hello from up-one via gpt-mock-1.');
    const usageChunks = chunks.filter((c) => c.usage);
    assert.equal(usageChunks.length, 1, 'exactly one usage chunk');
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage?.prompt_tokens, 17);
    assert.equal(last.usage?.completion_tokens, 9);
    assert.equal(last.usage?.total_tokens, 26);
    assert.equal(last.usage?.prompt_tokens_details?.cached_tokens, 4);
    assert.equal(last.usage?.completion_tokens_details?.reasoning_tokens, 2);
  });

  it('embeddings (SDK default base64 and float)', async () => {
    const { data: e, response } = await client.embeddings.create({ model: 'up/text-emb-1', input: 'embed me' }).withResponse();
    assert.equal(response.headers.get('x-krouter-target'), 'up/text-emb-1');
    assert.equal(e.data.length, 1);
    assert.deepEqual(Array.from(e.data[0]!.embedding), mock.embeddingFor(0));
    const rec = mock.requestsTo('/embeddings').at(-1)!;
    assert.equal(rec.body?.model, 'text-emb-1');
    assert.equal(rec.body?.input, 'embed me');
    assertUpstreamHeaders(rec);

    const f = await client.embeddings.create({ model: 'up/text-emb-1', input: ['a', 'b'], encoding_format: 'float' });
    assert.deepEqual(f.data.map((x) => x.embedding), [mock.embeddingFor(0), mock.embeddingFor(1)]);
    assert.equal(f.usage.prompt_tokens, 17);
  });

  it('models.list shows combos and provider models', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) {
      assert.equal(m.object, 'model');
      ids.push(m.id);
    }
    for (const want of ['best', 'up/gpt-mock-1', 'up/gpt-mock-2', 'up/text-emb-1']) assert.ok(ids.includes(want), `models.list lacks ${want}: ${ids.join(', ')}`);
    assert.equal(new Set(ids).size, ids.length, 'no duplicate ids');
  });

  it('a wrong key is refused with the SDK\'s AuthenticationError', async () => {
    const bad = new OpenAI({ baseURL: `${d.baseUrl}/v1`, apiKey: 'sk-krouter-not-a-real-key', maxRetries: 0, timeout: 5_000 });
    await assert.rejects(bad.chat.completions.create({ model: 'up/gpt-mock-1', messages: [{ role: 'user', content: 'x' }] }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.AuthenticationError, `got ${String(err)}`);
      assert.equal(err.status, 401);
      assert.equal(err.code, 'invalid_api_key');
      return true;
    });
  });
});
