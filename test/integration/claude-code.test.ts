/**
 * The real Claude Code CLI (`claude -p`) pointed at krouter gets its answer
 * from an upstream of a different format: Claude Code speaks Anthropic
 * Messages (`HEAD /`, then a ~80-100 KB streamed `POST /v1/messages?beta=true`
 * with two dozen tools, adaptive thinking, cache_control and a mid-conversation
 * system message), krouter routes the model to an OpenAI chat-completions mock,
 * converting the request and the stream both ways. A second session routes to
 * an OpenAI Responses mock that answers with a tool call: Claude Code runs the
 * tool and sends its result back through krouter.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addProvider, createKey, setCombo, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { startMock, type MockOpenAI, type RecordedRequest } from '../support/mock-openai.js';
import { startResponsesMock, type MockResponses } from '../support/mock-responses.js';
import { claudeEnv, describeRun, ensureClients, makeSandbox, runClaude, type ClientSandbox, type ProcessRun } from '../support/real-clients.js';
import { adminLogs, waitForLogs } from '../support/v1.js';
import { textOf } from '../support/wire.js';

const PROVIDER_KEY = 'sk-upstream-claude-code-0123456789';
const UPSTREAM_MODEL = 'gpt-mock-cc';
const COMBO = 'cc-main';
const PROMPT = 'Reply with one short greeting. This is krouter test prompt 7f3a.';

/** Top-level fields OpenAI's chat completions endpoint accepts (it rejects unknown ones with a 400). */
const CHAT_PARAMS = new Set([
  'model', 'messages', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'n', 'stop',
  'presence_penalty', 'frequency_penalty', 'logit_bias', 'logprobs', 'top_logprobs', 'user', 'tools', 'tool_choice',
  'parallel_tool_calls', 'response_format', 'seed', 'service_tier', 'store', 'metadata', 'reasoning_effort', 'modalities',
  'audio', 'prediction', 'web_search_options', 'prompt_cache_key', 'safety_identifier', 'verbosity',
]);

interface ChatTool {
  type?: string;
  function?: { name?: string; description?: string; parameters?: { type?: string; properties?: unknown } };
}
interface ChatMessage {
  role: string;
  content: unknown;
}


describe('Claude Code through krouter (Anthropic in, OpenAI chat upstream)', () => {
  let mock: MockOpenAI;
  let d: DaemonHandle;
  let key: CreatedKey;
  let sb: ClientSandbox;
  let run: ProcessRun;
  let why: () => string;

  before(async () => {
    await ensureClients();
    mock = await startMock({ name: 'cc-upstream', models: [UPSTREAM_MODEL] });
    d = await startDaemon();
    key = await createKey(d, 'claude-code');
    await addProvider(d, 'oa', { baseUrl: mock.baseUrl, apiKey: PROVIDER_KEY, models: [UPSTREAM_MODEL] });
    await setCombo(d, COMBO, [`oa/${UPSTREAM_MODEL}`]);
    sb = makeSandbox('claude');
    run = await runClaude(sb, claudeEnv(sb, { baseUrl: d.baseUrl, token: key.secret, model: COMBO }), PROMPT);
    why = () =>
      describeRun('claude -p', run, {
        'upstream requests': mock.requests.map((r) => `#${r.seq} ${r.method} ${r.url} ${r.rawBody.length} B`).join('\n'),
        'daemon stderr': d.stderr(),
      });
  });

  after(async () => {
    await d?.cleanup();
    await mock?.close();
    sb?.cleanup();
  });

  function chatRequests(): RecordedRequest[] {
    return mock.requestsTo('/chat/completions');
  }

  /** The session's main request: the one carrying the prompt and the tools. */
  function mainRequest(): RecordedRequest {
    const withTools = chatRequests().filter((r) => Array.isArray(r.body?.['tools']) && JSON.stringify(r.body?.messages ?? []).includes('7f3a'));
    assert.ok(withTools.length > 0, `no upstream chat request carried the prompt and tools\n${why()}`);
    return withTools[0]!;
  }

  it('exits 0 and prints the upstream mock answer', () => {
    assert.equal(run.timedOut, false, why());
    assert.equal(run.code, 0, why());
    assert.ok(run.stdout.includes(mock.replyText(UPSTREAM_MODEL)), `stdout lacks ${JSON.stringify(mock.replyText(UPSTREAM_MODEL))}\n${why()}`);
  });

  it('every upstream request is an OpenAI chat completion for the routed model, with the provider key', () => {
    const recs = chatRequests();
    assert.ok(recs.length >= 1, why());
    assert.equal(recs.length, mock.requests.filter((r) => r.method === 'POST').length, `only /chat/completions may be called upstream\n${why()}`);
    for (const r of recs) {
      assert.equal(r.body?.model, UPSTREAM_MODEL, `#${r.seq}: upstream model`);
      assert.equal(r.headers['authorization'], `Bearer ${PROVIDER_KEY}`, `#${r.seq}: provider key`);
      assert.equal(r.headers['x-request-source'], 'local', `#${r.seq}: x-request-source`);
      assert.ok(!JSON.stringify(r.headers).includes(key.secret), `#${r.seq}: the krouter key leaked upstream`);
      assert.ok(!('anthropic-version' in r.headers) && !('anthropic-beta' in r.headers), `#${r.seq}: Anthropic headers leaked upstream: ${JSON.stringify(r.headers)}`);
      const unknown = Object.keys(r.body ?? {}).filter((k) => !CHAT_PARAMS.has(k));
      assert.deepEqual(unknown, [], `#${r.seq}: fields OpenAI would reject: ${unknown.join(', ')}`);
      assert.ok(Array.isArray(r.body?.messages) && r.body.messages.length > 0, `#${r.seq}: messages`);
    }
  });

  it('the main request is streamed, with the system prompt, the user prompt and the tools converted', () => {
    const r = mainRequest();
    const body = r.body!;
    assert.equal(body.stream, true, 'Claude Code streams; the upstream request must stream too');
    const messages = body.messages as ChatMessage[];
    for (const m of messages) assert.ok(['system', 'developer', 'user', 'assistant', 'tool'].includes(m.role), `chat role ${m.role}`);

    const system = messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => textOf(m.content)).join('\n');
    assert.match(system, /You are a Claude agent/, 'Claude Code\'s system prompt must reach upstream as a system message');
    // Claude Code sends the agent/skill list as a `role: "system"` entry inside `messages`
    assert.match(JSON.stringify(messages), /Available agent types for the Agent tool/, 'the mid-conversation system message must not be dropped');

    const user = messages.filter((m) => m.role === 'user').map((m) => textOf(m.content)).join('\n');
    assert.ok(user.includes(PROMPT), `user prompt missing upstream: ${user.slice(0, 500)}`);

    const maxTokens = body['max_completion_tokens'] ?? body['max_tokens'];
    assert.equal(typeof maxTokens, 'number', 'max_tokens must map to max_tokens or max_completion_tokens');
    if (body['reasoning_effort'] !== undefined) {
      // OpenAI's reasoning models reject max_tokens ("Use 'max_completion_tokens' instead")
      assert.equal(body['max_tokens'], undefined, 'with reasoning_effort the limit must be sent as max_completion_tokens');
    }

    const tools = body['tools'] as ChatTool[];
    assert.ok(tools.length >= 10, `expected Claude Code's tools, got ${tools.length}`);
    const names = tools.map((t) => t.function?.name);
    for (const t of tools) {
      assert.equal(t.type, 'function', `tool ${JSON.stringify(t).slice(0, 200)}`);
      assert.equal(typeof t.function?.name, 'string');
      assert.equal(t.function?.parameters?.type, 'object', `tool ${t.function?.name}: parameters must be the JSON schema of input_schema`);
    }
    for (const n of ['Bash', 'Read', 'Edit', 'Write']) assert.ok(names.includes(n), `tool ${n} missing upstream (got ${names.join(', ')})`);
    assert.equal(new Set(names).size, names.length, 'tool names must stay unique');
    const bash = tools.find((t) => t.function?.name === 'Bash')!;
    assert.ok((bash.function?.description ?? '').length > 100, 'tool descriptions must survive');
    assert.ok(bash.function?.parameters?.properties && typeof bash.function.parameters.properties === 'object' && 'command' in bash.function.parameters.properties, 'Bash keeps its `command` parameter');
  });

  it('the daemon log shows the /v1/messages requests served by the mock target', async () => {
    const n = chatRequests().length;
    await waitForLogs(d, n, (e) => e.route.startsWith('/v1/messages'));
    const entries = (await adminLogs(d, 200)).filter((e) => e.route.startsWith('/v1/messages'));
    assert.ok(entries.length >= 1, JSON.stringify(await adminLogs(d, 200)));
    for (const e of entries) {
      assert.equal(e.status, 200, `log entry ${JSON.stringify(e)}`);
      assert.equal(e.target, `oa/${UPSTREAM_MODEL}`, `log entry ${JSON.stringify(e)}`);
      assert.equal(e.modelAsked, COMBO, `log entry ${JSON.stringify(e)}`);
      assert.equal(e.keyName, 'claude-code');
    }
    assert.ok(entries.some((e) => e.stream), 'the main request is logged as a stream');
  });
});

describe('Claude Code tool round trip through krouter (Anthropic in, OpenAI Responses upstream)', () => {
  const MODEL = 'gpt-resp-cc';
  const MARKER = 'the marker line is 4d9e-e2e-0b7c';
  let mock: MockResponses;
  let d: DaemonHandle;
  let key: CreatedKey;
  let sb: ClientSandbox;
  let run: ProcessRun;
  let why: () => string;

  before(async () => {
    await ensureClients();
    mock = await startResponsesMock({ name: 'cc-resp-upstream', models: [MODEL] });
    d = await startDaemon();
    key = await createKey(d, 'claude-code-tools');
    const added = await d.cli(['providers', 'add', 'rs', '--type', 'openai-responses', '--base-url', mock.baseUrl, '--api-key', '-', '--model', MODEL, '--json'], { stdin: PROVIDER_KEY + '\n' });
    assert.equal(added.code, 0, `providers add: ${added.stdout}${added.stderr}`);
    sb = makeSandbox('claude-tools');
    const file = join(sb.work, 'notes.txt');
    writeFileSync(file, `${MARKER}\n`);
    // first turn: the upstream asks for Claude Code's Read tool; every later turn: plain text
    mock.setReply({ text: null, toolCall: { name: 'Read', input: { file_path: file } } });
    mock.on('request', () => {
      if (mock.requestsTo('/responses').length > 1) mock.setReply({});
    });
    run = await runClaude(sb, claudeEnv(sb, { baseUrl: d.baseUrl, token: key.secret, model: `rs/${MODEL}` }), 'Read notes.txt, then greet me. krouter test prompt 2e6b.');
    why = () =>
      describeRun('claude -p (tool call)', run, {
        'upstream requests': mock.requests.map((r) => `#${r.seq} ${r.method} ${r.url} ${r.rawBody.length} B`).join('\n'),
        'daemon stderr': d.stderr(),
      });
  });

  after(async () => {
    await d?.cleanup();
    await mock?.close();
    sb?.cleanup();
  });

  it('exits 0 and prints the answer that follows the tool call', () => {
    assert.equal(run.timedOut, false, why());
    assert.equal(run.code, 0, why());
    assert.ok(run.stdout.includes(mock.replyText(MODEL)), why());
  });

  it('the tool call reached Claude Code as tool_use and its result went back upstream as function_call_output', () => {
    const recs = mock.requestsTo('/responses').filter((r) => JSON.stringify(r.body?.input ?? '').includes('2e6b'));
    assert.ok(recs.length >= 2, `expected the tool call turn and the follow-up turn upstream\n${why()}`);
    const input = recs[1]!.body?.input;
    assert.ok(Array.isArray(input), 'Responses input must be a list of items');
    const call = input.find((i) => i['type'] === 'function_call');
    const output = input.find((i) => i['type'] === 'function_call_output');
    assert.ok(call, `follow-up lacks the function_call item: ${JSON.stringify(input).slice(-2000)}`);
    assert.ok(output, `follow-up lacks the function_call_output item: ${JSON.stringify(input).slice(-2000)}`);
    assert.equal(call['name'], 'Read');
    assert.equal(output['call_id'], call['call_id'], 'the output must answer the call id the upstream issued');
    assert.equal(typeof call['arguments'], 'string', 'function_call arguments are a JSON string');
    assert.deepEqual(JSON.parse(call['arguments'] as string), { file_path: join(sb.work, 'notes.txt') });
    assert.ok(JSON.stringify(output['output']).includes(MARKER), `Claude Code's Read result must reach upstream: ${JSON.stringify(output).slice(0, 500)}`);
  });

  it('the daemon log shows both turns served by the Responses target', async () => {
    const n = mock.requestsTo('/responses').length;
    const entries = await waitForLogs(d, n, (e) => e.route.startsWith('/v1/messages'));
    for (const e of entries) {
      assert.equal(e.status, 200, `log entry ${JSON.stringify(e)}`);
      assert.equal(e.target, `rs/${MODEL}`, `log entry ${JSON.stringify(e)}`);
    }
  });
});
