/**
 * The `krouter` CLI as a user runs it: `node bin/krouter.js …` in a child
 * process, against a fake admin API on a Unix socket (see ./fake-admin-server.ts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { LogEntryDto } from '../../src/shared/admin-types.js';
import { errorRoute, KEY, logEntry, SECRET, STATUS, USAGE, startFakeAdmin, type FakeAdminServer } from './fake-admin-server.js';

// dist/test/unit/cli.test.js -> <repo>/bin/krouter.js
const BIN = fileURLToPath(new URL('../../../bin/krouter.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  stdin?: string;
  env?: Record<string, string>;
  /** Called with the child once stdout has produced `waitFor`. */
  onOutput?: { waitFor: RegExp; then: (child: ReturnType<typeof spawn>) => void };
}

function krouter(args: string[], opts: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      // A home with no daemon, so nothing can reach a real one by accident.
      env: { PATH: process.env['PATH'] ?? '', KROUTER_HOME: '/nonexistent/krouter-test-home', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let fired = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      if (opts.onOutput && !fired && opts.onOutput.waitFor.test(stdout)) {
        fired = true;
        opts.onOutput.then(child);
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

describe('krouter CLI', () => {
  let fake: FakeAdminServer;
  let sock: string[];
  before(async () => {
    fake = await startFakeAdmin();
    sock = ['--socket', fake.socketPath];
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
  });

  it('--help exits 0 and lists the commands', async () => {
    const r = await krouter(['--help']);
    assert.equal(r.code, 0, r.stderr);
    for (const cmd of ['daemon', 'status', 'keys', 'providers', 'combos', 'route', 'logs', 'usage']) {
      assert.match(r.stdout, new RegExp(`krouter ${cmd}\\b`), `--help lists ${cmd}`);
    }
    assert.match(r.stdout, /--json/);
    assert.match(r.stdout, /--socket/);
  });

  it('`daemon --help` describes the daemon and its flags', async () => {
    const r = await krouter(['daemon', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Run the krouter daemon/);
    for (const flag of ['--bind', '--port', '--home', '--socket']) assert.ok(r.stdout.includes(flag), flag);
  });

  it('an unknown command exits 2 with a hint, and sends nothing', async () => {
    const r = await krouter(['frobnicate', ...sock]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^krouter: Unknown argument: frobnicate/);
    assert.match(r.stderr, /krouter --help/);
    assert.equal(fake.requests.length, 0);
  });

  it('a missing required option exits 2 without running the command', async () => {
    const r = await krouter(['keys', 'create', ...sock]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Missing required argument: name/);
    assert.equal(fake.requests.length, 0);
  });

  it('--json prints exactly the DTO', async () => {
    const status = await krouter(['status', '--json', ...sock]);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(JSON.parse(status.stdout), STATUS);

    const keys = await krouter(['keys', 'list', '--json', ...sock]);
    assert.deepEqual(JSON.parse(keys.stdout), { keys: [KEY] });

    const usage = await krouter(['usage', '--json', '--by', 'model', ...sock]);
    assert.deepEqual(JSON.parse(usage.stdout), USAGE);
    assert.equal(fake.requests.at(-1)!.url, '/admin/v1/usage?by=model');
  });

  it('finds the socket through KROUTER_SOCKET', async () => {
    const r = await krouter(['status', '--json'], { env: { KROUTER_SOCKET: fake.socketPath } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).pid, STATUS.pid);
  });

  it('status prints a readable summary', async () => {
    const r = await krouter(['status', ...sock]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pid\s+4242/);
    assert.match(r.stdout, /uptime\s+1h 2m/);
    assert.match(r.stdout, /http:\/\/127\.0\.0\.1:20128/);
    assert.match(r.stdout, /2 keys, 1 provider, 1 combo/);
    assert.doesNotMatch(r.stdout, /DEBUG/);
  });

  it('keys create prints the secret once on stdout, the warning on stderr', async () => {
    const human = await krouter(['keys', 'create', '--name', 'ci', ...sock]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout, `${SECRET}\n`);
    assert.match(human.stderr, /only time the secret is shown/);
    assert.deepEqual(JSON.parse(fake.requests.at(-1)!.body), { name: 'ci' });

    const json = await krouter(['keys', 'create', '--name', 'ci', '--json', ...sock]);
    assert.deepEqual(JSON.parse(json.stdout), { key: { ...KEY, name: 'ci' }, secret: SECRET });
  });

  it('providers add refuses a key on the command line and contacts nobody', async () => {
    for (const form of [['--api-key', 'sk-live-123'], ['--api-key=sk-live-123']]) {
      const r = await krouter(['providers', 'add', 'openai', '--type', 'openai', '--base-url', 'https://api.openai.com/v1', ...form, '--json', ...sock]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /never accepted on the command line/);
      assert.match(r.stderr, /ps/);
      assert.match(r.stderr, /printf %s "\$KEY" \| krouter providers add/);
      assert.ok(!r.stderr.includes('sk-live-123') && !r.stdout.includes('sk-live-123'), 'the refused key is not echoed');
      assert.equal(JSON.parse(r.stdout).error.code, 'invalid_request');
    }
    assert.equal(fake.requests.length, 0, 'the daemon never received a request');
  });

  it('providers add --api-key - reads the key from stdin', async () => {
    fake.routes.set('PUT /admin/v1/providers/openai', (req) => {
      const input = JSON.parse(req.body) as { type: 'openai'; baseUrl: string; headers?: Record<string, string> };
      return {
        status: 201,
        body: { provider: { name: 'openai', type: input.type, baseUrl: input.baseUrl, hasApiKey: true, credentialProblem: null, headerNames: Object.keys(input.headers ?? {}), models: null, modelsSource: 'none', createdAt: KEY.createdAt, updatedAt: KEY.createdAt }, created: true },
      };
    });
    const r = await krouter(
      ['providers', 'add', 'openai', '--type', 'openai', '--base-url', 'https://api.openai.com/v1', '--api-key', '-', '--header', 'OpenAI-Organization: org-1', '--model', 'gpt-4o', '--model', 'gpt-4o-mini', ...sock],
      { stdin: 'sk-from-stdin\n' },
    );
    assert.equal(r.code, 0, r.stderr);
    const req = fake.requests.at(-1)!;
    assert.equal(req.method, 'PUT');
    assert.equal(req.url, '/admin/v1/providers/openai');
    assert.deepEqual(JSON.parse(req.body), {
      type: 'openai',
      baseUrl: 'https://api.openai.com/v1',
      apiKey: 'sk-from-stdin',
      headers: { 'OpenAI-Organization': 'org-1' },
      models: ['gpt-4o', 'gpt-4o-mini'],
    });
    assert.match(r.stdout, /Added provider "openai"/);
    assert.ok(!r.stdout.includes('sk-from-stdin') && !r.stderr.includes('sk-from-stdin'), 'the key is never printed');
  });

  it('providers add --api-key - with empty stdin is refused before anything is sent', async () => {
    const r = await krouter(['providers', 'add', 'x', '--type', 'openai', '--base-url', 'http://127.0.0.1:1/v1', '--api-key', '-', ...sock], { stdin: '\n' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /empty/);
    assert.equal(fake.requests.length, 0);
  });

  it('a daemon error is `krouter: <message>` on stderr, exit 1, and the error document with --json', async () => {
    fake.routes.set('PUT /admin/v1/combos/best', errorRoute(400, 'cycle_detected', 'combo "best" would include itself: best -> fast -> best'));
    const human = await krouter(['combos', 'set', 'best', 'fast', 'openai/gpt-4o', ...sock]);
    assert.equal(human.code, 1);
    assert.equal(human.stderr, 'krouter: combo "best" would include itself: best -> fast -> best\n');
    assert.equal(human.stdout, '');
    assert.deepEqual(JSON.parse(fake.requests.at(-1)!.body), { targets: ['fast', 'openai/gpt-4o'] });

    const json = await krouter(['combos', 'set', 'best', 'fast', '--strategy', 'round-robin', '--json', ...sock]);
    assert.equal(json.code, 1);
    assert.deepEqual(JSON.parse(json.stdout), { error: { code: 'cycle_detected', message: 'combo "best" would include itself: best -> fast -> best' } });
    assert.deepEqual(JSON.parse(fake.requests.at(-1)!.body), { targets: ['fast'], strategy: 'round-robin' });
  });

  it('no daemon: exit 1 with how to start it', async () => {
    const r = await krouter(['status', '--json', '--socket', `${fake.dir}/missing.sock`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^krouter: krouter daemon is not running/);
    assert.equal(JSON.parse(r.stdout).error.code, 'daemon_unreachable');
  });

  it('route explains each target and the combos it came through', async () => {
    const r = await krouter(['route', 'best', ...sock]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /best: combo \(fallback\), 2 targets in order/);
    assert.match(r.stdout, /openai\/gpt-4o\s+cooling down until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(429 rate limited\)\s+best/);
    assert.match(r.stdout, /groq\/llama\s+unknown provider "groq"\s+best → fast/);
  });

  it('usage validates --since and sends ISO times', async () => {
    const bad = await krouter(['usage', '--since', 'yesterday-ish', ...sock]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since "yesterday-ish" is not a time/);
    assert.equal(fake.requests.length, 0);

    const before = Date.now();
    const ok = await krouter(['usage', '--since', '7d', ...sock]);
    assert.equal(ok.code, 0, ok.stderr);
    const sent = new URL(fake.requests.at(-1)!.url, 'http://x').searchParams;
    assert.equal(sent.get('by'), 'key');
    const since = Date.parse(sent.get('since') ?? '');
    assert.ok(Math.abs(before - 7 * 86_400_000 - since) < 60_000, `since ${sent.get('since')}`);
    assert.match(ok.stdout, /TOTAL\s+3\s+1\s+30/);
  });

  it('logs prints recent entries oldest first', async () => {
    const r = await krouter(['logs', '--limit', '2', ...sock]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fake.requests.at(-1)!.url, '/admin/v1/logs?limit=2');
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^TIME\s+KEY\s+MODEL → TARGET/);
    assert.equal(lines.length, 3);
    assert.ok(lines[1]! < lines[2]!, 'oldest first');
    assert.match(lines[1]!, /laptop\s+best → openai\/gpt-4o\s+1\s+200\s+130ms\s+90ms\s+15/);
  });

  it('logs --follow --json prints NDJSON (recent, then live, without duplicates) and exits 0 on Ctrl-C', async () => {
    fake.routes.set('GET /admin/v1/logs/stream', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.flushHeaders();
      // Entry 2 is also in the recent list: printed once.
      setTimeout(() => res.write(`${JSON.stringify(logEntry(2))}\n${JSON.stringify(logEntry(3))}\n`), 100);
      return undefined;
    });
    const r = await krouter(['logs', '--follow', '--json', ...sock], { onOutput: { waitFor: /"id":3/, then: (child) => child.kill('SIGINT') } });
    assert.equal(r.code, 0, r.stderr);
    const ids = r.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as LogEntryDto).id);
    assert.deepEqual(ids, [1, 2, 3]);
  });

  it('logs --follow fails with exit 1 when the daemon ends the stream', async () => {
    fake.routes.set('GET /admin/v1/logs/stream', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      setTimeout(() => res.end(`${JSON.stringify(logEntry(5, { status: 502, errorCode: 'all_targets_failed' }))}\n`), 50);
      return undefined;
    });
    const r = await krouter(['logs', '--follow', ...sock]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /502\s.*all_targets_failed/);
    assert.match(r.stderr, /ended the log stream/);
  });
});
