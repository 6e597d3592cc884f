/**
 * Debug mode against a real daemon: off by default; `debug on|off|status`;
 * bounded duration (default 30 min, at most 24 h); auto-expiry; kept over a
 * restart; the banner on every CLI command while on; captures as 0600 JSON
 * lines in a 0700 folder, with every credential redacted; GET
 * /admin/v1/logs/:id returning the captured pair.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DebugDto, LogDetailDto, StatusDto } from '../../src/shared/admin-types.js';
import { addProvider, createKey, sleep, startDaemon, waitFor, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { startMock, type MockOpenAI } from '../support/mock-openai.js';
import { chat, waitForLogs } from '../support/v1.js';

const PROVIDER_KEY = 'sk-proj-DebugCanary-1a2b3c4d5e6f7a8b9c0d';
const HEADER_VALUE = 'hdr-DebugCanary-0f1e2d3c4b5a69788796';
const PROMPT_SECRET = 'sk-ant-api03-PromptCanary-abcdef123456';
const COOKIE = 'session=CookieCanary-77aa88bb99cc';
const BANNER = /DEBUG MODE IS ON until .*krouter debug off/;

interface CaptureLine {
  v: number;
  logId: number;
  request: { method: string; path: string; headers: Record<string, string>; body: unknown };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

describe('debug mode', () => {
  let mock: MockOpenAI;
  let d: DaemonHandle;
  let key: CreatedKey;
  let debugDir: string;

  before(async () => {
    mock = await startMock({ name: 'dbg' });
    d = await startDaemon();
    key = await createKey(d, 'debugger');
    debugDir = join(d.home, 'logs', 'debug');
    await addProvider(d, 'up', { baseUrl: mock.baseUrl, apiKey: PROVIDER_KEY, models: ['m'], headers: { 'X-Team-Token': HEADER_VALUE } });
  });

  after(async () => {
    await d?.cleanup();
    await mock?.close();
  });

  function captures(): CaptureLine[] {
    let files: string[] = [];
    try {
      files = readdirSync(debugDir).filter((f) => f.startsWith('capture-'));
    } catch {
      return [];
    }
    return files.flatMap((f) =>
      readFileSync(join(debugDir, f), 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as CaptureLine),
    );
  }

  it('is off by default: status says so, no banner, nothing captured', async () => {
    const s = await d.cli(['status', '--json']);
    assert.equal(s.code, 0, s.stderr);
    assert.deepEqual(s.json<StatusDto>().debug, { enabled: false, until: null });
    assert.doesNotMatch(s.stderr, BANNER);
    const st = await d.cli(['debug', 'status', '--json']);
    assert.equal(st.json<DebugDto>().enabled, false);
    const r = await chat(d, key.secret, 'up/m');
    assert.equal(r.status, 200, r.text);
    const [entry] = await waitForLogs(d, 1);
    const det = await d.admin<LogDetailDto>('GET', `/admin/v1/logs/${entry!.id}`);
    assert.equal(det.json.capture, null);
    assert.equal(det.headers['x-krouter-debug'], undefined);
    assert.deepEqual(captures(), []);
  });

  it('refuses more than 24 h, on the CLI and on the API', async () => {
    const r = await d.cli(['debug', 'on', '--for', '25h']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /24h/);
    const a = await d.admin<{ error: { code: string; message: string } }>('PUT', '/admin/v1/debug', { enabled: true, forSeconds: 24 * 3600 + 1 });
    assert.equal(a.status, 400);
    assert.equal(a.json.error.code, 'validation_failed');
    assert.match(a.json.error.message, /24 h/);
    assert.equal((await d.cli(['debug', 'status', '--json'])).json<DebugDto>().enabled, false);
  });

  it('`debug on` defaults to 30 minutes; status, the header and every command show it', async () => {
    const t0 = Date.now();
    const r = await d.cli(['debug', 'on', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const dto = r.json<DebugDto>();
    assert.equal(dto.enabled, true);
    const left = Date.parse(dto.until!) - t0;
    assert.ok(left > 29 * 60_000 && left <= 30 * 60_000 + 5_000, `until ${dto.until}`);
    assert.equal(dto.dir, debugDir);
    const s = await d.cli(['status', '--json']);
    assert.deepEqual(s.json<StatusDto>().debug, { enabled: true, until: dto.until });
    for (const args of [['status'], ['keys', 'list'], ['providers', 'list', '--json'], ['logs', '--limit', '1']]) {
      const c = await d.cli(args);
      assert.equal(c.code, 0, c.stderr);
      assert.match(c.stderr, BANNER, `${args.join(' ')}: ${c.stderr}`);
      assert.equal(c.stderr.split('\n').filter((l) => BANNER.test(l)).length, 1, 'one line, once');
    }
    const h = await d.admin('GET', '/admin/v1/status');
    assert.match(String(h.headers['x-krouter-debug']), /^on; until=/);
  });

  it('captures request/response pairs (plain, stream, every credential form) redacted, in 0600 files under a 0700 folder', async () => {
    const before = new Set(captures().map((c) => c.logId));
    const plain = await chat(d, key.secret, 'up/m', { prompt: `my key is ${PROMPT_SECRET} and Bearer ${PROMPT_SECRET}`, extra: { api_key: 'field-CanaryValue-998877', max_tokens: 50 } });
    assert.equal(plain.status, 200, plain.text);
    const stream = await chat(d, key.secret, 'up/m', { stream: true });
    assert.equal(stream.status, 200);
    const variants: Array<Record<string, string>> = [{ 'x-api-key': key.secret }, { 'x-goog-api-key': key.secret }, { cookie: COOKIE, authorization: `Bearer ${key.secret}` }, {}];
    for (const headers of variants) {
      const qs = Object.keys(headers).length === 0 ? `?key=${encodeURIComponent(key.secret)}&alt=sse` : '';
      const res = await fetch(`${d.baseUrl}/v1/chat/completions${qs}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'up/m', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(res.status, 200, await res.text());
    }
    const fresh = await waitFor('6 captures', () => {
      const c = captures().filter((x) => !before.has(x.logId));
      return c.length >= 6 ? c : undefined;
    });
    // Files: 0600 in a 0700 folder, JSON lines.
    assert.equal(statSync(debugDir).mode & 0o777, 0o700);
    for (const f of readdirSync(debugDir)) assert.equal(statSync(join(debugDir, f)).mode & 0o777, 0o600, f);
    // Redacted everywhere.
    const raw = readdirSync(debugDir).map((f) => readFileSync(join(debugDir, f), 'utf8')).join('\n');
    for (const [what, s] of Object.entries({ krouterKey: key.secret, PROVIDER_KEY, HEADER_VALUE, PROMPT_SECRET, cookie: 'CookieCanary-77aa88bb99cc', field: 'field-CanaryValue-998877' })) {
      assert.ok(!raw.includes(s), `capture files contain ${what}`);
    }
    assert.match(raw, /\[redacted\]/);
    // The pairs are complete.
    const p = fresh.find((c) => JSON.stringify(c.request.body).includes('my key is'))!;
    assert.equal(p.request.method, 'POST');
    assert.equal(p.request.headers['authorization'], '[redacted]');
    assert.equal((p.request.body as { max_tokens?: number }).max_tokens, 50, 'token counts are not secrets');
    assert.equal(p.response.status, 200);
    assert.match(JSON.stringify(p.response.body), /Hello from dbg/);
    const s = fresh.find((c) => c.request.headers['content-type'] === 'application/json' && typeof c.response.body === 'string')!;
    assert.match(String(s.response.body), /data: /, 'a stream is captured as its concatenated text');
    const q = fresh.find((c) => c.request.path.includes('key='))!;
    assert.match(q.request.path, /key=%5Bredacted%5D|key=\[redacted\]/);
    assert.match(q.request.path, /alt=sse/);
    const ck = fresh.find((c) => 'cookie' in c.request.headers)!;
    assert.equal(ck.request.headers['cookie'], '[redacted]');
    for (const c of fresh.filter((x) => 'x-api-key' in x.request.headers || 'x-goog-api-key' in x.request.headers)) {
      assert.equal(c.request.headers['x-api-key'] ?? c.request.headers['x-goog-api-key'], '[redacted]');
    }
  });

  it('GET /admin/v1/logs/:id returns the captured pair', async () => {
    const r = await chat(d, key.secret, 'up/m', { prompt: 'detail please' });
    assert.equal(r.status, 200);
    const entries = await waitForLogs(d, 1, (e) => e.status === 200);
    const newest = entries[0]!;
    const det = await waitFor('capture of the newest entry', async () => {
      const x = await d.admin<LogDetailDto>('GET', `/admin/v1/logs/${newest.id}`);
      return x.json.capture !== null ? x.json : undefined;
    });
    assert.equal(det.entry.id, newest.id);
    const req = det.capture!.request as { body: { messages: Array<{ content: string }> } };
    assert.equal(req.body.messages[0]?.content, 'detail please');
  });

  it('stays on over a restart, until it expires', async () => {
    const before = (await d.cli(['debug', 'status', '--json'])).json<DebugDto>();
    await d.restart();
    const after = (await d.cli(['debug', 'status', '--json'])).json<DebugDto>();
    assert.equal(after.enabled, true);
    assert.equal(after.until, before.until);
    // captures from before the restart are still found
    const entries = await waitForLogs(d, 1);
    const det = await d.admin<LogDetailDto>('GET', `/admin/v1/logs/${entries[0]!.id}`);
    assert.notEqual(det.json.capture, null);
  });

  it('`debug off` stops captures and the banner', async () => {
    const off = await d.cli(['debug', 'off', '--json']);
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.json<DebugDto>().enabled, false);
    assert.doesNotMatch(off.stderr, BANNER);
    const n = captures().length;
    const r = await chat(d, key.secret, 'up/m');
    assert.equal(r.status, 200);
    await sleep(300);
    assert.equal(captures().length, n);
    const s = await d.cli(['keys', 'list']);
    assert.doesNotMatch(s.stderr, BANNER);
  });

  it('expires by itself (--for 2s), and stays off after a restart', async () => {
    const on = await d.cli(['debug', 'on', '--for', '2s', '--json']);
    assert.equal(on.code, 0, on.stderr);
    assert.equal(on.json<DebugDto>().enabled, true);
    await sleep(2_300);
    const s = await d.cli(['status', '--json']);
    assert.deepEqual(s.json<StatusDto>().debug, { enabled: false, until: null });
    assert.doesNotMatch(s.stderr, BANNER);
    const n = captures().length;
    await chat(d, key.secret, 'up/m');
    await sleep(300);
    assert.equal(captures().length, n);
    await d.restart();
    assert.equal((await d.cli(['debug', 'status', '--json'])).json<DebugDto>().enabled, false);
  });
});
