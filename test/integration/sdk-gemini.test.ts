/**
 * The official `@google/genai` SDK pointed at krouter (httpOptions.baseUrl =
 * the daemon's root, the krouter key as apiKey → x-goog-api-key) gets its
 * answers from an OpenAI-format upstream and from an Anthropic upstream, both
 * translated through the pivot, and from a Gemini upstream passed through:
 * generateContent and generateContentStream, text and usageMetadata.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import { createKey, setCombo, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { startAnthropicMock, type MockAnthropic } from '../support/mock-anthropic.js';
import { startGeminiMock, type MockGemini } from '../support/mock-gemini.js';
import { startMock, type MockOpenAI } from '../support/mock-openai.js';
import { addTypedProvider, upstreamView } from '../support/wire.js';

const OA_KEY = 'sk-upstream-openai-gem-0123';
const AN_KEY = 'sk-ant-upstream-gem-0123';
const GE_KEY = 'AIza-upstream-gem-0123';
const SYSTEM = 'Answer in one sentence.';

interface Target {
  label: string;
  model: string;
  upstreamModel: string;
  kind: 'openai' | 'anthropic' | 'gemini';
  /** promptTokenCount, candidates+thoughts, cached the client should see. */
  usage: { prompt: number; completion: number; cached: number };
}

describe('@google/genai through krouter', () => {
  let oa: MockOpenAI;
  let an: MockAnthropic;
  let ge: MockGemini;
  let d: DaemonHandle;
  let key: CreatedKey;
  let ai: GoogleGenAI;

  const targets: Target[] = [
    { label: 'OpenAI-format upstream (translated)', model: 'oa/gpt-mock-1', upstreamModel: 'gpt-mock-1', kind: 'openai', usage: { prompt: 40, completion: 9, cached: 10 } },
    { label: 'Anthropic upstream (translated)', model: 'an/claude-mock-1', upstreamModel: 'claude-mock-1', kind: 'anthropic', usage: { prompt: 31 + 6 + 2, completion: 12, cached: 6 } },
    { label: 'Gemini upstream (pass-through)', model: 'ge/gemini-mock-1', upstreamModel: 'gemini-mock-1', kind: 'gemini', usage: { prompt: 19, completion: 8 + 4, cached: 5 } },
    { label: 'a combo name in the path', model: 'gem-combo', upstreamModel: 'claude-mock-1', kind: 'anthropic', usage: { prompt: 31 + 6 + 2, completion: 12, cached: 6 } },
  ];

  before(async () => {
    oa = await startMock({ name: 'oa', models: ['gpt-mock-1'], usage: { prompt_tokens: 40, completion_tokens: 9, cached_tokens: 10, reasoning_tokens: 0 } });
    an = await startAnthropicMock({ name: 'an', requireApiKey: AN_KEY, usage: { input_tokens: 31, output_tokens: 12, cache_read_input_tokens: 6, cache_creation_input_tokens: 2 } });
    ge = await startGeminiMock({ name: 'ge', requireApiKey: GE_KEY, usage: { promptTokenCount: 19, candidatesTokenCount: 8, thoughtsTokenCount: 4, cachedContentTokenCount: 5 } });
    d = await startDaemon();
    key = await createKey(d, 'genai-sdk');
    await addTypedProvider(d, 'oa', 'openai', { baseUrl: oa.baseUrl, apiKey: OA_KEY, models: ['gpt-mock-1'] });
    await addTypedProvider(d, 'an', 'anthropic', { baseUrl: an.baseUrl, apiKey: AN_KEY, models: ['claude-mock-1'] });
    await addTypedProvider(d, 'ge', 'gemini', { baseUrl: ge.baseUrl, apiKey: GE_KEY, models: ['gemini-mock-1'] });
    await setCombo(d, 'gem-combo', ['an/claude-mock-1']);
    ai = new GoogleGenAI({ apiKey: key.secret, httpOptions: { baseUrl: d.baseUrl, timeout: 10_000 } });
  });

  after(async () => {
    await d?.cleanup();
    await oa?.close();
    await an?.close();
    await ge?.close();
  });

  const replyOf = (t: Target) => `Hello from ${t.kind === 'openai' ? 'oa' : t.kind === 'anthropic' ? 'an' : 'ge'} via ${t.upstreamModel}.`;

  /** The last generation request the target's upstream saw, checked for credentials and format. */
  function lastUpstream(t: Target, stream: boolean) {
    let headers: Record<string, unknown>;
    let view;
    if (t.kind === 'openai') {
      const rec = oa.requestsTo('/chat/completions').at(-1);
      assert.ok(rec, 'OpenAI mock got nothing');
      headers = rec.headers;
      assert.equal(headers['authorization'], `Bearer ${OA_KEY}`);
      assert.equal(rec.body?.stream === true, stream);
      view = upstreamView('openai', rec.body);
    } else if (t.kind === 'anthropic') {
      const rec = an.messageRequests().at(-1);
      assert.ok(rec, 'Anthropic mock got nothing');
      headers = rec.headers;
      assert.equal(headers['x-api-key'], AN_KEY);
      assert.equal(rec.body?.stream === true, stream);
      assert.equal(typeof rec.body?.max_tokens, 'number', 'Anthropic needs max_tokens');
      view = upstreamView('anthropic', rec.body);
    } else {
      const rec = ge.generateRequests().at(-1);
      assert.ok(rec, 'Gemini mock got nothing');
      headers = rec.headers;
      assert.equal(headers['x-goog-api-key'], GE_KEY);
      assert.equal(ge.isStream(rec), stream);
      if (stream) assert.equal(rec.query.get('alt'), 'sse');
      view = upstreamView('gemini', rec.body, ge.modelOf(rec));
    }
    assert.equal(headers['x-request-source'], 'local');
    assert.ok(!JSON.stringify(headers).includes(key.secret), 'the krouter key must not reach the upstream');
    assert.equal(view.model, t.upstreamModel);
    return view;
  }

  it('mock self-check: the SDK talks to mock-gemini directly (thoughts, text, function call, stream)', async () => {
    const direct = new GoogleGenAI({ apiKey: GE_KEY, httpOptions: { baseUrl: ge.url, timeout: 5_000 } });
    const r = await direct.models.generateContent({ model: 'gemini-x', contents: 'hi' });
    assert.equal(r.text, 'Hello from ge via gemini-x.');
    assert.equal(r.usageMetadata?.promptTokenCount, 19);
    assert.equal(r.usageMetadata?.thoughtsTokenCount, 4);
    ge.setReply({ thinking: { text: 'Thinking hard.', signature: 'c2lnLWdlbQ==' }, toolCall: { name: 'get_weather', input: { city: 'Oslo' } } });
    try {
      const chunks = [];
      for await (const c of await direct.models.generateContentStream({ model: 'gemini-x', contents: 'hi' })) {
        chunks.push(c);
        if (chunks.length > 100) break;
      }
      const parts = chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []);
      assert.equal(parts.filter((p) => p.thought).map((p) => p.text).join(''), 'Thinking hard.');
      assert.equal(parts.filter((p) => !p.thought && p.text).map((p) => p.text).join(''), 'Hello from ge via gemini-x.');
      const fc = parts.find((p) => p.functionCall);
      assert.equal(fc?.functionCall?.name, 'get_weather');
      assert.deepEqual(fc?.functionCall?.args, { city: 'Oslo' });
      assert.equal(fc?.thoughtSignature, 'c2lnLWdlbQ==');
      const last = chunks.at(-1);
      assert.equal(last?.candidates?.[0]?.finishReason, 'STOP');
      assert.equal(last?.usageMetadata?.candidatesTokenCount, 8);
    } finally {
      ge.setReply({});
    }
    ge.clearRequests();
  });

  for (const t of targets) {
    describe(t.label, () => {
      it('generateContent: text, usageMetadata, upstream request in its own format', async () => {
        const r = await ai.models.generateContent({ model: t.model, contents: 'What is krouter?', config: { systemInstruction: SYSTEM } });
        assert.equal(r.text, replyOf(t));
        assert.equal(r.candidates?.[0]?.finishReason, 'STOP');
        const u = r.usageMetadata;
        assert.ok(u, 'no usageMetadata');
        assert.equal(u.promptTokenCount, t.usage.prompt, JSON.stringify(u));
        assert.equal((u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0), t.usage.completion, JSON.stringify(u));
        assert.equal(u.totalTokenCount, t.usage.prompt + t.usage.completion, JSON.stringify(u));
        assert.equal(u.cachedContentTokenCount ?? 0, t.usage.cached, JSON.stringify(u));
        const v = lastUpstream(t, false);
        assert.equal(v.system, SYSTEM);
        assert.equal(v.user, 'What is krouter?');
      });

      it('generateContentStream: chunks add up to the text; the last carries finishReason and usageMetadata', async () => {
        const chunks = [];
        for await (const c of await ai.models.generateContentStream({ model: t.model, contents: 'Stream about krouter', config: { systemInstruction: SYSTEM } })) {
          chunks.push(c);
          if (chunks.length > 200) break;
        }
        assert.ok(chunks.length >= 1);
        assert.equal(chunks.map((c) => c.text ?? '').join(''), replyOf(t));
        const finish = chunks.map((c) => c.candidates?.[0]?.finishReason).filter((f) => f !== undefined);
        assert.deepEqual(finish, ['STOP'], 'exactly one chunk carries the finishReason');
        const u = chunks.at(-1)?.usageMetadata;
        assert.ok(u, `the last chunk has no usageMetadata: ${JSON.stringify(chunks.at(-1))}`);
        assert.equal(u.promptTokenCount, t.usage.prompt, JSON.stringify(u));
        assert.equal((u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0), t.usage.completion, JSON.stringify(u));
        const v = lastUpstream(t, true);
        assert.equal(v.system, SYSTEM);
        assert.equal(v.user, 'Stream about krouter');
      });
    });
  }

  it('models.list lists combos and provider models as models/NAME', async () => {
    const names: string[] = [];
    const pager = await ai.models.list();
    for await (const m of pager) {
      if (m.name) names.push(m.name);
      if (names.length > 100) break;
    }
    for (const want of ['models/gem-combo', 'models/oa/gpt-mock-1', 'models/an/claude-mock-1', 'models/ge/gemini-mock-1']) {
      assert.ok(names.includes(want), `${want} missing from ${names.join(', ')}`);
    }
  });

  it('an upstream 400 reaches the SDK as an ApiError with status 400', async () => {
    oa.queueModes({ kind: 'status', status: 400 });
    await assert.rejects(ai.models.generateContent({ model: 'oa/gpt-mock-1', contents: 'x' }), (err: unknown) => {
      const e = err as { status?: number; message?: string };
      assert.equal(e.status, 400, String(err));
      return true;
    });
  });
});
