/**
 * The real Codex CLI (`codex exec`) pointed at krouter gets its answer from an
 * upstream of a different format: Codex speaks the OpenAI Responses API
 * (`POST /v1/responses`, streamed, ~40 KB: developer messages, function tools,
 * a `namespace` tool group, a `web_search` tool, `reasoning`, `include`,
 * `store: false`, `client_metadata`), krouter routes its model to an Anthropic
 * Messages mock, converting the request and the stream both ways.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createKey, setCombo, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { startAnthropicMock, type AnthropicRecorded, type MockAnthropic } from '../support/mock-anthropic.js';
import { codexEnv, describeRun, ensureClients, makeSandbox, runCodex, writeCodexConfig, type ClientSandbox, type ProcessRun } from '../support/real-clients.js';
import { adminLogs, waitForLogs } from '../support/v1.js';
import { textOf } from '../support/wire.js';

const PROVIDER_KEY = 'sk-ant-upstream-codex-0123456789';
const UPSTREAM_MODEL = 'claude-mock-codex';
const COMBO = 'codex-main';
const KEY_ENV = 'KROUTER_TEST_KEY';
const PROMPT = 'Reply with one short greeting. This is krouter test prompt 9c1e.';

/** Top-level fields Anthropic's Messages API accepts. */
const MESSAGES_PARAMS = new Set([
  'model', 'messages', 'system', 'max_tokens', 'stream', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'metadata',
  'tools', 'tool_choice', 'thinking', 'service_tier', 'container', 'mcp_servers', 'context_management', 'output_config',
]);

interface AnthropicTool {
  name?: string;
  type?: string;
  description?: string;
  input_schema?: { type?: string; properties?: unknown };
}


describe('Codex CLI through krouter (OpenAI Responses in, Anthropic upstream)', () => {
  let mock: MockAnthropic;
  let d: DaemonHandle;
  let key: CreatedKey;
  let sb: ClientSandbox;
  let run: ProcessRun;
  let why: () => string;

  before(async () => {
    await ensureClients();
    mock = await startAnthropicMock({ name: 'codex-upstream', models: [UPSTREAM_MODEL] });
    d = await startDaemon();
    key = await createKey(d, 'codex');
    const added = await d.cli(['providers', 'add', 'an', '--type', 'anthropic', '--base-url', mock.baseUrl, '--api-key', '-', '--model', UPSTREAM_MODEL, '--json'], { stdin: PROVIDER_KEY + '\n' });
    assert.equal(added.code, 0, `providers add: ${added.stdout}${added.stderr}`);
    await setCombo(d, COMBO, [`an/${UPSTREAM_MODEL}`]);
    sb = makeSandbox('codex');
    writeCodexConfig(sb, { baseUrl: `${d.baseUrl}/v1`, envKey: KEY_ENV, model: COMBO });
    run = await runCodex(sb, codexEnv(sb, KEY_ENV, key.secret), PROMPT);
    why = () =>
      describeRun('codex exec', run, {
        'upstream requests': mock.requests.map((r) => `#${r.seq} ${r.method} ${r.url} ${r.rawBody.length} B`).join('\n'),
        'daemon stderr': d.stderr(),
      });
  });

  after(async () => {
    await d?.cleanup();
    await mock?.close();
    sb?.cleanup();
  });

  function mainRequest(): AnthropicRecorded {
    const hits = mock.messageRequests().filter((r) => JSON.stringify(r.body?.messages ?? []).includes('9c1e'));
    assert.ok(hits.length > 0, `no upstream Messages request carried the prompt\n${why()}`);
    return hits[0]!;
  }

  it('exits 0 and prints the upstream mock answer', () => {
    assert.equal(run.timedOut, false, why());
    assert.equal(run.code, 0, why());
    assert.ok(run.stdout.includes(mock.replyText(UPSTREAM_MODEL)), `stdout lacks ${JSON.stringify(mock.replyText(UPSTREAM_MODEL))}\n${why()}`);
  });

  it('every upstream request is an Anthropic Messages request for the routed model, with the provider key', () => {
    const recs = mock.messageRequests();
    assert.ok(recs.length >= 1, why());
    assert.equal(recs.length, mock.requests.filter((r) => r.method === 'POST').length, `only /v1/messages may be called upstream\n${why()}`);
    for (const r of recs) {
      assert.equal(r.body?.model, UPSTREAM_MODEL, `#${r.seq}: upstream model`);
      assert.equal(r.headers['x-api-key'], PROVIDER_KEY, `#${r.seq}: provider key`);
      assert.equal(typeof r.headers['anthropic-version'], 'string', `#${r.seq}: anthropic-version`);
      assert.equal(r.headers['x-request-source'], 'local', `#${r.seq}: x-request-source`);
      assert.ok(!JSON.stringify(r.headers).includes(key.secret), `#${r.seq}: the krouter key leaked upstream`);
      const unknown = Object.keys(r.body ?? {}).filter((k) => !MESSAGES_PARAMS.has(k));
      assert.deepEqual(unknown, [], `#${r.seq}: fields Anthropic would reject: ${unknown.join(', ')}`);
      assert.equal(typeof r.body?.max_tokens, 'number', `#${r.seq}: max_tokens is required by Anthropic`);
      for (const m of r.body?.messages ?? []) assert.ok(m.role === 'user' || m.role === 'assistant', `#${r.seq}: Anthropic message role ${m.role}`);
    }
  });

  it('the main request is streamed, with the instructions, the prompt and the function tools converted', () => {
    const body = mainRequest().body!;
    assert.equal(body.stream, true, 'Codex streams; the upstream request must stream too');
    const system = typeof body.system === 'string' ? body.system : textOf(body.system);
    // Codex sends its base instructions as `developer` input messages
    assert.match(system, /Codex/, `Codex's developer instructions must become the Anthropic system prompt (got ${system.slice(0, 300)})`);
    const user = (body.messages ?? []).filter((m) => m.role === 'user').map((m) => textOf(m.content)).join('\n');
    assert.ok(user.includes(PROMPT), `user prompt missing upstream: ${user.slice(0, 500)}`);

    const tools = (body.tools ?? []) as AnthropicTool[];
    const names = tools.map((t) => t.name);
    assert.ok(names.includes('exec_command'), `Codex's exec_command tool missing upstream (got ${names.join(', ')})`);
    assert.equal(new Set(names).size, names.length, 'tool names must stay unique');
    for (const t of tools) {
      if (t.type !== undefined && t.type !== 'custom') continue; // a server tool (e.g. web_search_*) carries its own shape
      assert.equal(typeof t.name, 'string');
      assert.match(t.name!, /^[a-zA-Z0-9_-]{1,128}$/, 'Anthropic tool names allow [a-zA-Z0-9_-] only');
      assert.equal(t.input_schema?.type, 'object', `tool ${t.name}: input_schema must be the function's parameters`);
    }
    const exec = tools.find((t) => t.name === 'exec_command')!;
    assert.ok(exec.input_schema?.properties && typeof exec.input_schema.properties === 'object' && 'cmd' in exec.input_schema.properties, 'exec_command keeps its `cmd` parameter');
  });

  /**
   * Runs codex again with the mock answering its first request with `toolCall`
   * and later ones with text; returns the run and the upstream requests it made.
   */
  async function runWithToolCall(toolCall: { name: string; input: Record<string, unknown> }, prompt: string): Promise<{ run: ProcessRun; recs: AnthropicRecorded[] }> {
    const first = mock.messageRequests().length;
    mock.setReply({ text: null, toolCall });
    const onRequest = () => {
      if (mock.messageRequests().length > first + 1) mock.setReply({});
    };
    mock.on('request', onRequest);
    try {
      const r = await runCodex(sb, codexEnv(sb, KEY_ENV, key.secret), prompt);
      return { run: r, recs: mock.messageRequests().slice(first) };
    } finally {
      mock.off('request', onRequest);
      mock.setReply({});
    }
  }

  function toolExchange(recs: AnthropicRecorded[], name: string, runWhy: string): { result: string } {
    assert.equal(recs.length, 2, `expected the tool call turn and the follow-up turn upstream\n${runWhy}`);
    const msgs = recs[1]!.body?.messages ?? [];
    const blocks: Array<Record<string, unknown>> = msgs.flatMap((m) => (Array.isArray(m.content) ? m.content.map((b) => ({ ...b, role: m.role })) : []));
    const use = blocks.find((b) => b['type'] === 'tool_use');
    assert.ok(use, `follow-up request lacks the tool_use block: ${JSON.stringify(msgs).slice(0, 2000)}`);
    assert.equal(use['role'], 'assistant');
    assert.equal(use['name'], name, 'the tool call goes back upstream under the name the upstream used');
    const result = blocks.find((b) => b['type'] === 'tool_result');
    assert.ok(result, `follow-up request lacks the tool_result block: ${JSON.stringify(msgs).slice(0, 2000)}`);
    assert.equal(result['role'], 'user');
    assert.equal(result['tool_use_id'], use['id'], 'tool_result must answer the tool_use id');
    return { result: textOf(result['content']) };
  }

  it('a tool call from upstream runs in Codex and its output goes back upstream as tool_result', async () => {
    const { run: r, recs } = await runWithToolCall({ name: 'get_goal', input: {} }, 'Check the goal, then greet. krouter test prompt 51d0.');
    const runWhy = describeRun('codex exec (tool call)', r, { 'daemon stderr': d.stderr() });
    assert.equal(r.code, 0, runWhy);
    assert.ok(r.stdout.includes(mock.replyText(UPSTREAM_MODEL)), runWhy);
    const { result } = toolExchange(recs, 'get_goal', runWhy);
    assert.match(result, /"goal"/, `get_goal's output must reach upstream (got ${JSON.stringify(result)})`);
  });

  it('a call to a tool of a namespace group reaches Codex under its namespaced name', async () => {
    // Codex sends `multi_agent_v1` as a {type: "namespace", tools: [...]} group, which Anthropic cannot say:
    // krouter flattens it into plain tools and must map the upstream's flat name back, or Codex answers "unsupported call".
    const upstreamTools = mainRequest().body?.tools?.map((t) => String(t['name'])) ?? [];
    const flat = upstreamTools.find((n) => n !== 'wait_agent' && n.endsWith('wait_agent'));
    assert.ok(flat, `the namespace's wait_agent tool must reach upstream under a namespaced name (got ${upstreamTools.join(', ')})`);
    const { run: r, recs } = await runWithToolCall({ name: flat, input: { targets: ['not-an-agent'], timeout_ms: 10 } }, 'Wait for the agent, then greet. krouter test prompt 8b2d.');
    const runWhy = describeRun('codex exec (namespaced tool call)', r, { 'daemon stderr': d.stderr() });
    assert.equal(r.code, 0, runWhy);
    const { result } = toolExchange(recs, flat, runWhy);
    assert.doesNotMatch(result, /unsupported call/, `Codex did not recognise the namespaced tool call: ${result}`);
  });

  it('the daemon log shows the /v1/responses requests served by the mock target', async () => {
    const n = mock.messageRequests().length;
    await waitForLogs(d, n, (e) => e.route === '/v1/responses');
    const entries = (await adminLogs(d, 200)).filter((e) => e.route === '/v1/responses');
    assert.ok(entries.length >= 1, JSON.stringify(await adminLogs(d, 200)));
    for (const e of entries) {
      assert.equal(e.status, 200, `log entry ${JSON.stringify(e)}`);
      assert.equal(e.target, `an/${UPSTREAM_MODEL}`, `log entry ${JSON.stringify(e)}`);
      assert.equal(e.modelAsked, COMBO, `log entry ${JSON.stringify(e)}`);
      assert.equal(e.keyName, 'codex');
      assert.equal(e.stream, true);
    }
  });
});
