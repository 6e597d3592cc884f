/**
 * The official `@anthropic-ai/sdk` pointed at krouter (baseURL = the daemon's
 * root, the krouter key as x-api-key) gets its answers from an OpenAI-format
 * upstream (translated through the pivot) and from an Anthropic upstream
 * (passed through): messages.create with and without streaming, the stream
 * helper, a tool call round trip, count_tokens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { createKey, setCombo, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { startAnthropicMock, type MockAnthropic } from '../support/mock-anthropic.js';
import { startMock, type MockOpenAI } from '../support/mock-openai.js';
import { waitForLogs } from '../support/v1.js';
import { addTypedProvider, logUsageOf, openAIMockLogUsage } from '../support/wire.js';

const OA_KEY = 'sk-upstream-openai-0123456789';
const AN_KEY = 'sk-ant-upstream-0123456789';
const SYSTEM = 'You are a terse test assistant.';

const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

type Target = { label: string; model: string; upstreamModel: string; kind: 'openai' | 'anthropic' };

describe('@anthropic-ai/sdk through krouter', () => {
  let oa: MockOpenAI;
  let an: MockAnthropic;
  let d: DaemonHandle;
  let key: CreatedKey;
  let client: Anthropic;

  const targets: Target[] = [
    { label: 'OpenAI-format upstream (translated)', model: 'oa/gpt-mock-1', upstreamModel: 'gpt-mock-1', kind: 'openai' },
    { label: 'Anthropic upstream (pass-through)', model: 'an/claude-mock-1', upstreamModel: 'claude-mock-1', kind: 'anthropic' },
  ];

  before(async () => {
    oa = await startMock({ name: 'oa', models: ['gpt-mock-1'], usage: { prompt_tokens: 40, completion_tokens: 9, cached_tokens: 10, reasoning_tokens: 0 } });
    an = await startAnthropicMock({ name: 'an', requireApiKey: AN_KEY, usage: { input_tokens: 31, output_tokens: 12, cache_read_input_tokens: 6, cache_creation_input_tokens: 2 } });
    d = await startDaemon();
    key = await createKey(d, 'anthropic-sdk');
    await addTypedProvider(d, 'oa', 'openai', { baseUrl: oa.baseUrl, apiKey: OA_KEY, models: ['gpt-mock-1'] });
    await addTypedProvider(d, 'an', 'anthropic', { baseUrl: an.baseUrl, apiKey: AN_KEY, models: ['claude-mock-1'] });
    // one combo per target, so each test's log entry is found by the model asked
    for (const t of targets) await setCombo(d, `usage-${t.kind}`, [t.model]);
    client = new Anthropic({ baseURL: d.baseUrl, apiKey: key.secret, maxRetries: 0, timeout: 10_000 });
  });

  after(async () => {
    await d?.cleanup();
    await oa?.close();
    await an?.close();
  });

  /** The last request the target's mock received, with the checks every request must pass. */
  function lastUpstream(t: Target) {
    const noKrouterKey = (headers: Record<string, unknown>) => {
      assert.equal(headers['x-request-source'], 'local');
      assert.ok(!JSON.stringify(headers).includes(key.secret), `the krouter key must not reach the upstream: ${JSON.stringify(headers)}`);
    };
    if (t.kind === 'openai') {
      const rec = oa.requestsTo('/chat/completions').at(-1);
      assert.ok(rec, 'the OpenAI mock got no request');
      assert.equal(rec.headers['authorization'], `Bearer ${OA_KEY}`);
      assert.equal(rec.body?.model, t.upstreamModel);
      noKrouterKey(rec.headers);
      return { headers: rec.headers, body: rec.body as Record<string, unknown> };
    }
    const rec = an.messageRequests().at(-1);
    assert.ok(rec, 'the Anthropic mock got no request');
    assert.equal(rec.headers['x-api-key'], AN_KEY);
    assert.equal(typeof rec.headers['anthropic-version'], 'string');
    assert.equal(rec.body?.model, t.upstreamModel);
    noKrouterKey(rec.headers);
    return { headers: rec.headers, body: rec.body as Record<string, unknown> };
  }

  it('mock self-check: the SDK talks to mock-anthropic directly (text, thinking, tool call, stream)', async () => {
    const direct = new Anthropic({ baseURL: an.url, apiKey: AN_KEY, maxRetries: 0, timeout: 5_000 });
    const m = await direct.messages.create({ model: 'claude-x', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(m.content[0]?.type, 'text');
    assert.equal(m.content[0]?.type === 'text' ? m.content[0].text : '', 'Hello from an via claude-x.');
    an.setReply({ thinking: { text: 'Let me think.', signature: 'sig-abc' }, toolCall: { id: 'toolu_self', name: 'get_weather', input: { city: 'Oslo' } } });
    try {
      const s = direct.messages.stream({ model: 'claude-x', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], tools: [WEATHER_TOOL] });
      const fm = await s.finalMessage();
      assert.deepEqual(
        fm.content.map((b) => b.type),
        ['thinking', 'text', 'tool_use'],
      );
      const th = fm.content[0];
      assert.ok(th?.type === 'thinking' && th.thinking === 'Let me think.' && th.signature === 'sig-abc', JSON.stringify(th));
      const tu = fm.content[2];
      assert.ok(tu?.type === 'tool_use' && tu.id === 'toolu_self', JSON.stringify(tu));
      assert.deepEqual(tu.input, { city: 'Oslo' });
      assert.equal(fm.stop_reason, 'tool_use');
      assert.equal(fm.usage.output_tokens, 12);
      assert.equal(fm.usage.input_tokens, 31);
    } finally {
      an.setReply({});
    }
    an.clearRequests();
  });

  for (const t of targets) {
    describe(t.label, () => {
      it('messages.create (non-stream): text, stop_reason, usage, target header, upstream body in its own format', async () => {
        const { data, response } = await client.messages
          .create({ model: t.model, max_tokens: 100, system: SYSTEM, messages: [{ role: 'user', content: 'hello there' }] })
          .withResponse();
        assert.equal(response.headers.get('x-krouter-target'), t.model);
        assert.equal(data.type, 'message');
        assert.equal(data.role, 'assistant');
        const text = data.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
        assert.equal(text, `Hello from ${t.kind === 'openai' ? 'oa' : 'an'} via ${t.upstreamModel}.`);
        assert.equal(data.stop_reason, 'end_turn');
        if (t.kind === 'anthropic') {
          assert.equal(data.usage.input_tokens, 31);
          assert.equal(data.usage.output_tokens, 12);
          assert.equal(data.usage.cache_read_input_tokens, 6);
        } else {
          // OpenAI's prompt_tokens count cached tokens; Anthropic's input_tokens do not
          assert.equal(data.usage.input_tokens, 30, `input_tokens = prompt_tokens - cached_tokens: ${JSON.stringify(data.usage)}`);
          assert.equal(data.usage.cache_read_input_tokens, 10);
          assert.equal(data.usage.output_tokens, 9);
        }
        const up = lastUpstream(t);
        if (t.kind === 'openai') {
          assert.deepEqual(up.body['messages'], [
            { role: 'system', content: SYSTEM },
            { role: 'user', content: 'hello there' },
          ]);
        } else {
          assert.equal(up.body['system'], SYSTEM);
          assert.deepEqual(up.body['messages'], [{ role: 'user', content: 'hello there' }]);
          assert.equal(up.body['max_tokens'], 100);
        }
      });

      it('messages.create stream: true — events in order, final text and stop_reason', async () => {
        const stream = await client.messages.create({ model: t.model, max_tokens: 100, messages: [{ role: 'user', content: 'stream it' }], stream: true });
        const types: string[] = [];
        let text = '';
        let stop: string | null = null;
        for await (const ev of stream) {
          types.push(ev.type);
          if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
          if (ev.type === 'message_delta') stop = ev.delta.stop_reason;
          if (types.length > 500) break;
        }
        assert.equal(text, `Hello from ${t.kind === 'openai' ? 'oa' : 'an'} via ${t.upstreamModel}.`);
        assert.equal(stop, 'end_turn');
        assert.equal(types[0], 'message_start');
        assert.equal(types.at(-1), 'message_stop');
        assert.ok(types.includes('content_block_start') && types.includes('content_block_stop'), types.join(','));
        const up = lastUpstream(t);
        assert.equal(up.body['stream'], true);
      });

      it('messages.stream helper: finalMessage and text events', async () => {
        const s = client.messages.stream({ model: t.model, max_tokens: 100, messages: [{ role: 'user', content: 'stream it again' }] });
        let viaEvents = '';
        s.on('text', (delta) => {
          viaEvents += delta;
        });
        const fm = await s.finalMessage();
        const want = `Hello from ${t.kind === 'openai' ? 'oa' : 'an'} via ${t.upstreamModel}.`;
        assert.equal(viaEvents, want);
        assert.equal(fm.content.map((b) => (b.type === 'text' ? b.text : '')).join(''), want);
        assert.equal(fm.stop_reason, 'end_turn');
        assert.ok(fm.usage.output_tokens > 0, JSON.stringify(fm.usage));
      });

      it('the request log holds the upstream usage', async () => {
        await client.messages.create({ model: `usage-${t.kind}`, max_tokens: 100, messages: [{ role: 'user', content: 'usage please' }] });
        const [entry] = await waitForLogs(d, 1, (e) => e.modelAsked === `usage-${t.kind}`);
        assert.ok(entry, 'no log entry');
        assert.equal(entry.target, t.model);
        assert.equal(entry.route, '/v1/messages');
        const want = t.kind === 'openai' ? openAIMockLogUsage(oa) : an.expectedLogUsage();
        const got = logUsageOf(entry);
        assert.equal(got.promptTokens, want.promptTokens, JSON.stringify(got));
        assert.equal(got.completionTokens, want.completionTokens, JSON.stringify(got));
        assert.equal(got.totalTokens, want.totalTokens, JSON.stringify(got));
        assert.equal(got.cachedTokens ?? 0, want.cachedTokens ?? 0, JSON.stringify(got));
      });

      it('tool call round trip: tool_use out, tool_result back with the same id, in the upstream format', async () => {
        const callId = t.kind === 'openai' ? 'call_oa_77' : 'toolu_an_77';
        if (t.kind === 'openai') {
          oa.queueModes({
            kind: 'status',
            status: 200,
            body: {
              id: 'chatcmpl-tool',
              object: 'chat.completion',
              created: 1_700_000_001,
              model: 'gpt-mock-1',
              choices: [
                {
                  index: 0,
                  message: { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: callId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
                  logprobs: null,
                  finish_reason: 'tool_calls',
                },
              ],
              usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
            },
          });
        } else {
          an.setReply({ text: null, toolCall: { id: callId, name: 'get_weather', input: { city: 'Oslo' } } });
        }
        const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Oslo?' }];
        let first: Anthropic.Message;
        try {
          first = await client.messages.create({ model: t.model, max_tokens: 100, messages, tools: [WEATHER_TOOL] });
        } finally {
          an.setReply({});
        }
        assert.equal(first.stop_reason, 'tool_use');
        const tu = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
        assert.ok(tu, `no tool_use block: ${JSON.stringify(first.content)}`);
        assert.equal(tu.name, 'get_weather');
        assert.deepEqual(tu.input, { city: 'Oslo' });
        const up1 = lastUpstream(t);
        if (t.kind === 'openai') {
          const tools = up1.body['tools'] as Array<{ type: string; function: { name: string; parameters: unknown } }>;
          assert.equal(tools?.[0]?.type, 'function');
          assert.equal(tools[0]!.function.name, 'get_weather');
          assert.deepEqual(tools[0]!.function.parameters, WEATHER_TOOL.input_schema);
        } else {
          assert.deepEqual(up1.body['tools'], [WEATHER_TOOL]);
        }

        messages.push({ role: 'assistant', content: first.content });
        messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: tu.id, content: 'Sunny, 21 C' }] });
        const second = await client.messages.create({ model: t.model, max_tokens: 100, messages, tools: [WEATHER_TOOL] });
        assert.equal(second.stop_reason, 'end_turn');
        const up2 = lastUpstream(t);
        if (t.kind === 'openai') {
          const msgs = up2.body['messages'] as Array<Record<string, unknown>>;
          const asst = msgs.find((m) => m['role'] === 'assistant');
          const calls = asst?.['tool_calls'] as Array<{ id: string; function: { name: string; arguments: string } }> | undefined;
          assert.equal(calls?.[0]?.id, callId, `assistant tool_calls: ${JSON.stringify(msgs)}`);
          assert.equal(calls[0]!.function.name, 'get_weather');
          assert.deepEqual(JSON.parse(calls[0]!.function.arguments), { city: 'Oslo' });
          const tool = msgs.find((m) => m['role'] === 'tool');
          assert.ok(tool, `no role:tool message: ${JSON.stringify(msgs)}`);
          assert.equal(tool['tool_call_id'], callId);
          const content = tool['content'];
          const text = typeof content === 'string' ? content : (content as Array<{ text?: string }>).map((p) => p.text ?? '').join('');
          assert.equal(text, 'Sunny, 21 C');
        } else {
          assert.equal(tu.id, callId, 'pass-through keeps the tool_use id');
          const msgs = up2.body['messages'] as Array<{ role: string; content: unknown }>;
          assert.deepEqual(msgs[2], { role: 'user', content: [{ type: 'tool_result', tool_use_id: callId, content: 'Sunny, 21 C' }] });
        }
      });
    });
  }

  it('count_tokens: asked of the Anthropic upstream when the model routes there, estimated otherwise', async () => {
    const { data, response } = await client.messages.countTokens({ model: 'an/claude-mock-1', messages: [{ role: 'user', content: 'count me' }] }).withResponse();
    assert.equal(data.input_tokens, 31);
    assert.equal(response.headers.get('x-krouter-target'), 'an/claude-mock-1');
    const rec = an.requestsTo('/messages/count_tokens').at(-1);
    assert.equal(rec?.body?.model, 'claude-mock-1');
    const est = await client.messages.countTokens({ model: 'oa/gpt-mock-1', messages: [{ role: 'user', content: 'count me' }] }).withResponse();
    assert.ok(est.data.input_tokens > 0);
    assert.equal(est.response.headers.get('x-krouter-estimate'), 'chars/4');
  });

  it('an upstream 400 reaches the SDK as a BadRequestError (both targets)', async () => {
    oa.queueModes({ kind: 'status', status: 400 });
    an.queueModes({ kind: 'status', status: 400 });
    for (const t of targets) {
      await assert.rejects(client.messages.create({ model: t.model, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }), (err: unknown) => {
        assert.ok(err instanceof Anthropic.BadRequestError, `${t.model}: got ${String(err)}`);
        assert.equal(err.status, 400);
        const body = err.error as { type?: string; error?: { type?: string; message?: string } };
        assert.equal(body.type, 'error', JSON.stringify(body));
        assert.equal(typeof body.error?.message, 'string');
        return true;
      });
    }
  });
});
