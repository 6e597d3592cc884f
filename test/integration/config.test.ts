/**
 * config.json is validated at start: an invalid file makes `krouter daemon`
 * exit non-zero and name the JSON path of the problem.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatusDto } from '../../src/shared/admin-types.js';
import { runDaemonToExit, startDaemon } from '../support/daemon.js';

describe('config validation', () => {
  const cases: Array<{ name: string; config: unknown; mustMention: RegExp[]; env?: Record<string, string> }> = [
    { name: 'unknown nested key', config: { server: { prot: 8080 } }, mustMention: [/\$\.server\b/, /prot/] },
    { name: 'unknown top-level key', config: { routng: { cooldownSeconds: 1 } }, mustMention: [/\$/, /routng/] },
    // KROUTER_PORT='' (unset): the value comes from the file alone
    { name: 'port out of range', config: { server: { port: 70000 } }, mustMention: [/\$\.server\.port/], env: { KROUTER_PORT: '' } },
    // the file is invalid even though KROUTER_PORT=0 overrides the value: it must still be refused
    { name: 'port out of range, even when KROUTER_PORT overrides it', config: { server: { port: 70000 } }, mustMention: [/\$\.server\.port/] },
    { name: 'bind not a string', config: { server: { bind: 127 } }, mustMention: [/\$\.server\.bind/], env: { KROUTER_BIND: '' } },
    { name: 'wrong type', config: { routing: { cooldownSeconds: '30' } }, mustMention: [/\$\.routing\.cooldownSeconds/] },
    { name: 'negative timeout', config: { upstream: { headersTimeoutMs: -5 } }, mustMention: [/\$\.upstream\.headersTimeoutMs/] },
    { name: 'not an object', config: '[1, 2, 3]', mustMention: [/config/i] },
    { name: 'invalid JSON', config: '{ "server": { "port": 1, } ', mustMention: [/config\.json/] },
  ];

  for (const c of cases) {
    it(`refuses ${c.name}`, async () => {
      const r = await runDaemonToExit({ config: c.config, timeoutMs: 10_000, ...(c.env ? { env: c.env } : {}) });
      assert.equal(r.stillRunning, false, `daemon kept running with an invalid config (${c.name})`);
      assert.ok(r.code !== 0 && r.code !== null, `exit code ${r.code} (signal ${r.signal})`);
      for (const re of c.mustMention) assert.match(r.stderr, re, `stderr should mention ${re}: ${r.stderr}`);
      assert.ok(!/^\s*at .+:\d+:\d+\)?$/m.test(r.stderr), `a config error is a message, not a stack trace:\n${r.stderr}`);
      assert.ok(!r.stdout.includes('krouter listening'), 'never reported ready');
    });
  }

  it('a valid config is accepted and applied', async () => {
    const d = await startDaemon({ config: { routing: { cooldownSeconds: 1 }, server: { bodyLimitBytes: 2048 } } });
    try {
      assert.ok(d.port > 0);
      const s = await d.cli(['status', '--json']);
      assert.equal(s.code, 0, s.stderr);
      assert.equal(s.json<StatusDto>().listen.port, d.port);
      // bodyLimitBytes 2048 is in force (the auth check may come first: either way not a 200)
      const res = await fetch(`${d.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-krouter-none' },
        body: JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'a'.repeat(4096) }] }),
      });
      assert.ok(res.status === 413 || res.status === 401, `status ${res.status}`);
      assert.match(d.stdout(), /krouter listening on http:\/\/127\.0\.0\.1:\d+ \(admin socket .+\)/);
      assert.ok(d.stdout().includes(`http://127.0.0.1:${d.port}`), 'the ready line names the real port');
    } finally {
      await d.cleanup();
    }
  });

  it('no config file at all is a complete configuration', async () => {
    const d = await startDaemon();
    try {
      const h = await fetch(`${d.baseUrl}/healthz`);
      assert.equal(h.status, 200);
    } finally {
      await d.cleanup();
    }
  });
});
