/**
 * A round-robin combo spreads requests evenly over its healthy targets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addProvider, createKey, setCombo, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { startMock, type MockOpenAI } from '../support/mock-openai.js';
import { chat, cliRoute } from '../support/v1.js';

describe('round-robin combo', () => {
  const names = ['rr-a', 'rr-b', 'rr-c'];
  const mocks: MockOpenAI[] = [];
  let d: DaemonHandle;
  let key: CreatedKey;

  before(async () => {
    for (const n of names) mocks.push(await startMock({ name: n }));
    d = await startDaemon();
    key = await createKey(d, 'rr');
    for (const [i, n] of names.entries()) await addProvider(d, n, { baseUrl: mocks[i]!.baseUrl, apiKey: `sk-${n}-key`, models: ['m'] });
    const res = await setCombo(d, 'spread', names.map((n) => `${n}/m`), 'round-robin');
    assert.equal(res.combo.strategy, 'round-robin');
  });

  after(async () => {
    await d?.cleanup();
    for (const m of mocks) await m.close();
  });

  it('30 sequential requests: 10 per target', async () => {
    const route = await cliRoute(d, 'spread');
    assert.equal(route.strategy, 'round-robin');
    const byHeader = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const r = await chat(d, key.secret, 'spread', { stream: i % 2 === 1 });
      assert.equal(r.status, 200, r.text);
      const provider = r.target?.split('/')[0] ?? 'none';
      assert.equal(r.content, `Hello from ${provider} via m.`, 'the header names the upstream that answered');
      byHeader.set(r.target ?? 'none', (byHeader.get(r.target ?? 'none') ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries([...byHeader].sort()), { 'rr-a/m': 10, 'rr-b/m': 10, 'rr-c/m': 10 });
    assert.deepEqual(
      mocks.map((m) => m.requestsTo('/chat/completions').length),
      [10, 10, 10],
    );
  });

  it('30 concurrent requests: 10 per target', async () => {
    const before = mocks.map((m) => m.requestsTo('/chat/completions').length);
    const results = await Promise.all(Array.from({ length: 30 }, () => chat(d, key.secret, 'spread')));
    for (const r of results) assert.equal(r.status, 200, r.text);
    const after = mocks.map((m, i) => m.requestsTo('/chat/completions').length - before[i]!);
    assert.deepEqual(after, [10, 10, 10]);
  });
});
