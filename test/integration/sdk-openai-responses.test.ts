/**
 * The official `openai` SDK through krouter across formats: responses.create
 * (stream and not) answered by an OpenAI chat upstream and by an Anthropic
 * upstream; chat.completions answered by a Responses upstream and by a Gemini
 * upstream — text, usage, and a tool call round trip.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { createKey, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { startAnthropicMock, type MockAnthropic } from '../support/mock-anthropic.js';
import { startGeminiMock, type MockGemini } from '../support/mock-gemini.js';
import { startMock, type MockOpenAI } from '../support/mock-openai.js';
import { startResponsesMock, type MockResponses } from '../support/mock-responses.js';
import { addTypedProvider, upstreamView } from '../support/wire.js';

const OA_KEY = 'sk-upstream-oa-resp-0123';
const AN_KEY = 'sk-ant-upstream-resp-0123';
const RS_KEY = 'sk-upstream-rs-0123';
const GE_KEY = 'AIza-upstream-resp-0123';
const SYSTEM = 'Be brief.';

const WEATHER_FN = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe('openai SDK across formats', () => {
  let oa: MockOpenAI;
  let an: MockAnthropic;
  let rs: MockResponses;
  let ge: MockGemini;
  let d: DaemonHandle;
  let key: CreatedKey;
  let client: OpenAI;

  before(async () => {
    oa = await startMock({ name: 'oa', models: ['gpt-mock-1'], usage: { prompt_tokens: 40, completion_tokens: 9, cached_tokens: 10, reasoning_tokens: 2 } });
    an = await startAnthropicMock({ name: 'an', requireApiKey: AN_KEY, usage: { input_tokens: 31, output_tokens: 12, cache_read_input_tokens: 6, cache_creation_input_tokens: 2 } });
    rs = await startResponsesMock({ name: 'rs', requireApiKey: RS_KEY, usage: { input_tokens: 23, output_tokens: 12, cached_tokens: 4, reasoning_tokens: 3 } });
    ge = await startGeminiMock({ name: 'ge', requireApiKey: GE_KEY, usage: { promptTokenCount: 19, candidatesTokenCount: 8, thoughtsTokenCount: 4, cachedContentTokenCount: 5 } });
    d = await startDaemon();
    key = await createKey(d, 'openai-sdk-x');
    await addTypedProvider(d, 'oa', 'openai', { baseUrl: oa.baseUrl, apiKey: OA_KEY, models: ['gpt-mock-1'] });
    await addTypedProvider(d, 'an', 'anthropic', { baseUrl: an.baseUrl, apiKey: AN_KEY, models: ['claude-mock-1'] });
    await addTypedProvider(d, 'rs', 'openai-responses', { baseUrl: rs.baseUrl, apiKey: RS_KEY, models: ['gpt-resp-1'] });
    await addTypedProvider(d, 'ge', 'gemini', { baseUrl: ge.baseUrl, apiKey: GE_KEY, models: ['gemini-mock-1'] });
    client = new OpenAI({ baseURL: `${d.baseUrl}/v1`, apiKey: key.secret, maxRetries: 0, timeout: 10_000 });
  });

  after(async () => {
    await d?.cleanup();
    for (const m of [oa, an, rs, ge]) await m?.close();
  });

  function noKrouterKey(headers: Record<string, unknown>) {
    assert.equal(headers['x-request-source'], 'local');
    assert.ok(!JSON.stringify(headers).includes(key.secret), 'the krouter key must not reach the upstream');
  }

  it('mock self-check: the SDK talks to mock-responses directly (reasoning, text, function call, stream helper)', async () => {
    const direct = new OpenAI({ baseURL: rs.baseUrl, apiKey: RS_KEY, maxRetries: 0, timeout: 5_000 });
    const r = await direct.responses.create({ model: 'gpt-x', input: 'hi' });
    assert.equal(r.output_text, 'Hello from rs via gpt-x.');
    assert.equal(r.usage?.input_tokens, 23);
    rs.setReply({ thinking: { text: 'Pondering.', signature: 'enc-rs-1' }, toolCall: { id: 'call_self', name: 'get_weather', input: { city: 'Oslo' } } });
    try {
      const s = direct.responses.stream({ model: 'gpt-x', input: 'hi' });
      const seqs: number[] = [];
      s.on('event', (e) => seqs.push(e.sequence_number));
      const fr = await s.finalResponse();
      assert.deepEqual(
        fr.output.map((o) => o.type),
        ['reasoning', 'message', 'function_call'],
      );
      const rsn = fr.output[0];
      assert.ok(rsn?.type === 'reasoning' && rsn.encrypted_content === 'enc-rs-1' && rsn.summary[0]?.text === 'Pondering.', JSON.stringify(rsn));
      const fc = fr.output[2];
      assert.ok(fc?.type === 'function_call' && fc.call_id === 'call_self' && fc.arguments === '{"city":"Oslo"}', JSON.stringify(fc));
      assert.equal(fr.output_text, 'Hello from rs via gpt-x.');
      assert.deepEqual(
        seqs,
        seqs.map((_v, i) => i),
        'sequence numbers count up from 0',
      );
    } finally {
      rs.setReply({});
    }
    rs.clearRequests();
  });

  const respTargets = [
    { label: 'OpenAI chat upstream', model: 'oa/gpt-mock-1', upstream: 'gpt-mock-1', who: 'oa', usage: { input: 40, output: 9, cached: 10, total: 49 } },
    { label: 'Anthropic upstream', model: 'an/claude-mock-1', upstream: 'claude-mock-1', who: 'an', usage: { input: 39, output: 12, cached: 6, total: 51 } },
  ] as const;

  for (const t of respTargets) {
    describe(`responses.create → ${t.label}`, () => {
      function lastUpstream() {
        if (t.who === 'oa') {
          const rec = oa.requestsTo('/chat/completions').at(-1);
          assert.ok(rec);
          assert.equal(rec.headers['authorization'], `Bearer ${OA_KEY}`);
          noKrouterKey(rec.headers);
          return { body: rec.body as Record<string, unknown>, view: upstreamView('openai', rec.body) };
        }
        const rec = an.messageRequests().at(-1);
        assert.ok(rec);
        assert.equal(rec.headers['x-api-key'], AN_KEY);
        noKrouterKey(rec.headers);
        return { body: rec.body as Record<string, unknown>, view: upstreamView('anthropic', rec.body) };
      }

      it('non-stream: output_text, usage, status, upstream body', async () => {
        const { data, response } = await client.responses.create({ model: t.model, instructions: SYSTEM, input: 'hello responses' }).withResponse();
        assert.equal(response.headers.get('x-krouter-target'), t.model);
        assert.equal(data.object, 'response');
        assert.equal(data.status, 'completed');
        assert.equal(data.output_text, `Hello from ${t.who} via ${t.upstream}.`);
        assert.equal(data.usage?.input_tokens, t.usage.input, JSON.stringify(data.usage));
        assert.equal(data.usage?.output_tokens, t.usage.output, JSON.stringify(data.usage));
        assert.equal(data.usage?.total_tokens, t.usage.total, JSON.stringify(data.usage));
        assert.equal(data.usage?.input_tokens_details?.cached_tokens, t.usage.cached, JSON.stringify(data.usage));
        const up = lastUpstream();
        assert.equal(up.view.model, t.upstream);
        assert.equal(up.view.system, SYSTEM);
        assert.equal(up.view.user, 'hello responses');
      });

      it('stream: true — created … completed, deltas add up, completed carries usage', async () => {
        const stream = await client.responses.create({ model: t.model, instructions: SYSTEM, input: 'stream responses', stream: true });
        const types: string[] = [];
        let text = '';
        let completed: OpenAI.Responses.Response | null = null;
        for await (const e of stream) {
          types.push(e.type);
          if (e.type === 'response.output_text.delta') text += e.delta;
          if (e.type === 'response.completed') completed = e.response;
          if (types.length > 500) break;
        }
        const want = `Hello from ${t.who} via ${t.upstream}.`;
        assert.equal(text, want);
        assert.equal(types[0], 'response.created');
        assert.equal(types.at(-1), 'response.completed');
        for (const ty of ['response.output_item.added', 'response.content_part.added', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done']) {
          assert.ok(types.includes(ty), `${ty} missing: ${types.join(',')}`);
        }
        assert.ok(completed, 'no response.completed');
        const c = completed as OpenAI.Responses.Response;
        assert.equal(c.status, 'completed');
        assert.equal(c.usage?.input_tokens, t.usage.input, JSON.stringify(c.usage));
        assert.equal(c.usage?.output_tokens, t.usage.output, JSON.stringify(c.usage));
        const up = lastUpstream();
        assert.equal(up.body['stream'], true);
      });

      it('responses.stream helper: finalResponse.output_text', async () => {
        const s = client.responses.stream({ model: t.model, input: 'stream helper' });
        const fr = await s.finalResponse();
        assert.equal(fr.output_text, `Hello from ${t.who} via ${t.upstream}.`);
      });
    });
  }

  const chatTargets = [
    { label: 'Responses upstream', model: 'rs/gpt-resp-1', upstream: 'gpt-resp-1', who: 'rs', usage: { prompt: 23, completion: 12, cached: 4, reasoning: 3 } },
    { label: 'Gemini upstream', model: 'ge/gemini-mock-1', upstream: 'gemini-mock-1', who: 'ge', usage: { prompt: 19, completion: 12, cached: 5, reasoning: 4 } },
  ] as const;

  for (const t of chatTargets) {
    describe(`chat.completions → ${t.label}`, () => {
      function lastUpstream() {
        if (t.who === 'rs') {
          const rec = rs.responseRequests().at(-1);
          assert.ok(rec);
          assert.equal(rec.headers['authorization'], `Bearer ${RS_KEY}`);
          noKrouterKey(rec.headers);
          return { body: rec.body as Record<string, unknown>, view: upstreamView('openai-responses', rec.body) };
        }
        const rec = ge.generateRequests().at(-1);
        assert.ok(rec);
        assert.equal(rec.headers['x-goog-api-key'], GE_KEY);
        noKrouterKey(rec.headers);
        return { body: rec.body as Record<string, unknown>, view: upstreamView('gemini', rec.body, ge.modelOf(rec)) };
      }

      it('non-stream: content, finish_reason, usage, upstream body', async () => {
        const { data, response } = await client.chat.completions
          .create({ model: t.model, messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'hello chat' }] })
          .withResponse();
        assert.equal(response.headers.get('x-krouter-target'), t.model);
        assert.equal(data.object, 'chat.completion');
        assert.equal(data.choices[0]?.message.content, `Hello from ${t.who} via ${t.upstream}.`);
        assert.equal(data.choices[0]?.finish_reason, 'stop');
        assert.equal(data.usage?.prompt_tokens, t.usage.prompt, JSON.stringify(data.usage));
        assert.equal(data.usage?.completion_tokens, t.usage.completion, JSON.stringify(data.usage));
        assert.equal(data.usage?.total_tokens, t.usage.prompt + t.usage.completion, JSON.stringify(data.usage));
        assert.equal(data.usage?.prompt_tokens_details?.cached_tokens, t.usage.cached, JSON.stringify(data.usage));
        assert.equal(data.usage?.completion_tokens_details?.reasoning_tokens, t.usage.reasoning, JSON.stringify(data.usage));
        const up = lastUpstream();
        assert.equal(up.view.model, t.upstream);
        assert.equal(up.view.system, SYSTEM);
        assert.equal(up.view.user, 'hello chat');
      });

      it('stream with include_usage: deltas add up, one usage chunk at the end', async () => {
        const stream = await client.chat.completions.create({
          model: t.model,
          messages: [{ role: 'user', content: 'stream chat' }],
          stream: true,
          stream_options: { include_usage: true },
        });
        const chunks = [];
        for await (const c of stream) {
          chunks.push(c);
          if (chunks.length > 500) break;
        }
        assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), `Hello from ${t.who} via ${t.upstream}.`);
        const finishes = chunks.map((c) => c.choices[0]?.finish_reason).filter((f) => f);
        assert.deepEqual(finishes, ['stop']);
        const withUsage = chunks.filter((c) => c.usage);
        assert.equal(withUsage.length, 1, 'exactly one usage chunk');
        assert.equal(withUsage[0]!.usage?.prompt_tokens, t.usage.prompt);
        assert.equal(withUsage[0]!.usage?.completion_tokens, t.usage.completion);
      });

      it('stream without include_usage: no usage chunk reaches the client', async () => {
        const stream = await client.chat.completions.create({ model: t.model, messages: [{ role: 'user', content: 'stream chat' }], stream: true });
        let text = '';
        let usage = 0;
        let n = 0;
        for await (const c of stream) {
          text += c.choices[0]?.delta?.content ?? '';
          if (c.usage) usage++;
          if (++n > 500) break;
        }
        assert.equal(text, `Hello from ${t.who} via ${t.upstream}.`);
        assert.equal(usage, 0);
      });

      it('tool call round trip: tool_calls out, role:tool back, upstream sees the result for the same call', async () => {
        const mock = t.who === 'rs' ? rs : ge;
        mock.setReply({ text: null, toolCall: t.who === 'rs' ? { id: 'call_rs_9', name: 'get_weather', input: { city: 'Oslo' } } : { name: 'get_weather', input: { city: 'Oslo' } } });
        const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Oslo?' }];
        let first: OpenAI.Chat.ChatCompletion;
        try {
          first = await client.chat.completions.create({ model: t.model, messages, tools: [WEATHER_FN] });
        } finally {
          mock.setReply({});
        }
        const choice = first.choices[0]!;
        assert.equal(choice.finish_reason, 'tool_calls');
        const call = choice.message.tool_calls?.[0];
        assert.ok(call && call.type === 'function', JSON.stringify(choice.message));
        assert.equal(call.function.name, 'get_weather');
        assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Oslo' });
        assert.ok(call.id.length > 0, 'a tool call id is always given to a chat client');
        if (t.who === 'rs') assert.equal(call.id, 'call_rs_9', 'the Responses call_id is kept');

        const up1 = lastUpstream();
        if (t.who === 'rs') {
          const tools = up1.body['tools'] as Array<Record<string, unknown>>;
          assert.equal(tools[0]?.['type'], 'function');
          assert.equal(tools[0]?.['name'], 'get_weather');
        } else {
          const tools = up1.body['tools'] as Array<{ functionDeclarations?: Array<{ name: string }> }>;
          assert.equal(tools[0]?.functionDeclarations?.[0]?.name, 'get_weather', JSON.stringify(up1.body['tools']));
        }

        messages.push(choice.message);
        messages.push({ role: 'tool', tool_call_id: call.id, content: 'Sunny, 21 C' });
        const second = await client.chat.completions.create({ model: t.model, messages, tools: [WEATHER_FN] });
        assert.equal(second.choices[0]?.message.content, `Hello from ${t.who} via ${t.upstream}.`);
        const up2 = lastUpstream();
        if (t.who === 'rs') {
          const input = up2.body['input'] as Array<Record<string, unknown>>;
          const fc = input.find((i) => i['type'] === 'function_call');
          const out = input.find((i) => i['type'] === 'function_call_output');
          assert.ok(fc && out, `input lacks function_call / function_call_output: ${JSON.stringify(input)}`);
          assert.equal(fc['call_id'], 'call_rs_9');
          assert.equal(fc['name'], 'get_weather');
          assert.equal(out['call_id'], 'call_rs_9');
          assert.equal(out['output'], 'Sunny, 21 C');
        } else {
          const contents = up2.body['contents'] as Array<{ role?: string; parts: Array<Record<string, unknown>> }>;
          const model = contents.find((c) => c.role === 'model');
          const fc = model?.parts.find((p) => p['functionCall']);
          assert.ok(fc, `no functionCall in the model turn: ${JSON.stringify(contents)}`);
          assert.equal((fc['functionCall'] as { name: string }).name, 'get_weather');
          const fr = contents.flatMap((c) => c.parts).find((p) => p['functionResponse']);
          assert.ok(fr, `no functionResponse: ${JSON.stringify(contents)}`);
          const resp = fr['functionResponse'] as { name: string; response: unknown };
          assert.equal(resp.name, 'get_weather', 'Gemini needs the function name on the response');
          assert.ok(JSON.stringify(resp.response).includes('Sunny, 21 C'), JSON.stringify(resp));
        }
      });
    });
  }
});
