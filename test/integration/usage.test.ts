/**
 * Usage accounting: the provider's usage fields land in the request log and the
 * usage report (by key, model, provider) adds them up exactly; the log holds
 * metadata only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { UsageDto, UsageRowDto } from '../../src/shared/admin-types.js';
import { addProvider, createKey, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { startMock, type MockOpenAI } from '../support/mock-openai.js';
import { chat, cliLogs, cliUsage, waitForLogs } from '../support/v1.js';

const PROMPT_CANARY = 'PROMPT-CANARY-3f9e1d: tell me about zebras';

const A = { prompt_tokens: 100, completion_tokens: 40, cached_tokens: 25, reasoning_tokens: 9 };
const B = { prompt_tokens: 50, completion_tokens: 11, cached_tokens: 0, reasoning_tokens: 4 };

type Sum = Omit<UsageRowDto, 'group' | 'errors'>;
function sum(u: typeof A, n: number): Sum {
  return {
    requests: n,
    promptTokens: u.prompt_tokens * n,
    completionTokens: u.completion_tokens * n,
    totalTokens: (u.prompt_tokens + u.completion_tokens) * n,
    cachedTokens: u.cached_tokens * n,
    reasoningTokens: u.reasoning_tokens * n,
  };
}
function add(a: Sum, b: Sum): Sum {
  return {
    requests: a.requests + b.requests,
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    totalTokens: a.totalTokens + b.totalTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
  };
}
function strip(r: Omit<UsageRowDto, 'group'> | undefined): Sum | undefined {
  if (!r) return undefined;
  const { requests, promptTokens, completionTokens, totalTokens, cachedTokens, reasoningTokens } = r;
  return { requests, promptTokens, completionTokens, totalTokens, cachedTokens, reasoningTokens };
}

describe('usage accounting', () => {
  let ma: MockOpenAI;
  let mb: MockOpenAI;
  let d: DaemonHandle;
  let k1: CreatedKey;
  let k2: CreatedKey;

  before(async () => {
    ma = await startMock({ name: 'ua', usage: A });
    mb = await startMock({ name: 'ub', usage: B });
    d = await startDaemon();
    k1 = await createKey(d, 'alice');
    k2 = await createKey(d, 'bob');
    await addProvider(d, 'ua', { baseUrl: ma.baseUrl, apiKey: 'sk-ua', models: ['m1'] });
    await addProvider(d, 'ub', { baseUrl: mb.baseUrl, apiKey: 'sk-ub', models: ['m2'] });

    // alice: 3 requests on ua/m1 (non-stream, non-stream, stream without include_usage)
    // bob:   2 requests on ub/m2 (stream with include_usage, non-stream)
    const calls = [
      chat(d, k1.secret, 'ua/m1', { prompt: PROMPT_CANARY }),
      chat(d, k1.secret, 'ua/m1', { prompt: PROMPT_CANARY }),
      chat(d, k1.secret, 'ua/m1', { prompt: PROMPT_CANARY, stream: true }),
      chat(d, k2.secret, 'ub/m2', { prompt: PROMPT_CANARY, stream: true, includeUsage: true }),
      chat(d, k2.secret, 'ub/m2', { prompt: PROMPT_CANARY }),
    ];
    for (const r of await Promise.all(calls)) assert.equal(r.status, 200, r.text);
    await waitForLogs(d, 5);
  });

  after(async () => {
    await d?.cleanup();
    await ma?.close();
    await mb?.close();
  });

  const rowFor = (u: UsageDto, ...groups: string[]) => u.rows.find((r) => groups.includes(r.group));

  it('usage --by key', async () => {
    const u = await cliUsage(d, 'key');
    assert.equal(u.by, 'key');
    assert.equal(u.rows.length, 2, JSON.stringify(u.rows));
    assert.deepEqual(strip(rowFor(u, k1.id, k1.name)), sum(A, 3), JSON.stringify(u.rows));
    assert.deepEqual(strip(rowFor(u, k2.id, k2.name)), sum(B, 2), JSON.stringify(u.rows));
    assert.deepEqual(strip(u.totals), add(sum(A, 3), sum(B, 2)));
    assert.equal(u.totals.errors, 0);
  });

  it('usage --by model', async () => {
    const u = await cliUsage(d, 'model');
    assert.equal(u.rows.length, 2, JSON.stringify(u.rows));
    assert.deepEqual(strip(rowFor(u, 'ua/m1', 'm1')), sum(A, 3), JSON.stringify(u.rows));
    assert.deepEqual(strip(rowFor(u, 'ub/m2', 'm2')), sum(B, 2), JSON.stringify(u.rows));
  });

  it('usage --by provider', async () => {
    const u = await cliUsage(d, 'provider');
    assert.deepEqual(strip(rowFor(u, 'ua')), sum(A, 3), JSON.stringify(u.rows));
    assert.deepEqual(strip(rowFor(u, 'ub')), sum(B, 2), JSON.stringify(u.rows));
    assert.deepEqual(strip(u.totals), add(sum(A, 3), sum(B, 2)));
  });

  it('plain-text usage shows the totals', async () => {
    const r = await d.cli(['usage', '--by', 'provider']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\bua\b/);
    assert.match(r.stdout, /\bub\b/);
    // 3*140 + 2*61 = 542 total tokens
    assert.match(r.stdout.replace(/[,\s]/g, ' '), /542/);
  });

  it('logs carry per-request metadata and tokens, never prompt or completion text', async () => {
    const { entries, stdout } = await cliLogs(d, 50);
    assert.equal(entries.length, 5);
    for (const e of entries) {
      assert.equal(e.status, 200);
      assert.equal(e.route, '/v1/chat/completions');
      assert.equal(typeof e.latencyMs, 'number');
      assert.equal(typeof e.time, 'string');
      assert.ok(!Number.isNaN(Date.parse(e.time)));
      const isA = e.target === 'ua/m1';
      assert.ok(isA || e.target === 'ub/m2', `target ${e.target}`);
      assert.equal(e.keyId, isA ? k1.id : k2.id);
      assert.equal(e.keyName, isA ? 'alice' : 'bob');
      assert.equal(e.modelAsked, isA ? 'ua/m1' : 'ub/m2');
      const u = isA ? A : B;
      assert.deepEqual(
        [e.promptTokens, e.completionTokens, e.totalTokens, e.cachedTokens, e.reasoningTokens],
        [u.prompt_tokens, u.completion_tokens, u.prompt_tokens + u.completion_tokens, u.cached_tokens, u.reasoning_tokens],
        `tokens of ${e.target} stream=${e.stream}`,
      );
      assert.equal(e.errorCode, null);
      assert.deepEqual(e.attempts.map((a) => a.outcome), ['ok']);
    }
    assert.equal(entries.filter((e) => e.stream).length, 2);
    assert.ok(!stdout.includes('PROMPT-CANARY'), 'the log must not contain prompt text');
    assert.ok(!stdout.includes('zebras'));
    assert.ok(!stdout.includes('Hello from'), 'the log must not contain completion text');
    const text = await d.cli(['logs', '--limit', '10']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /ua\/m1/);
    assert.ok(!text.stdout.includes('PROMPT-CANARY'));
  });

  it('logs --limit is honoured', async () => {
    const { entries } = await cliLogs(d, 2);
    assert.equal(entries.length, 2);
    assert.ok(entries[0]!.id > entries[1]!.id, 'newest first');
  });
});
