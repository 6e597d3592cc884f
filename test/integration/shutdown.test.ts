/**
 * SIGTERM: the daemon stops accepting, lets an in-flight stream finish within
 * server.shutdownGraceMs, flushes the request log and exits 0; a stream that
 * outlasts the grace period is cut and the daemon still exits 0, promptly.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { request as httpRequest } from 'node:http';
import { addProvider, createKey, startDaemon, type DaemonHandle } from '../support/daemon.js';
import { startMock, type MockOpenAI } from '../support/mock-openai.js';
import { openStream } from '../support/v1.js';

function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      resolve(false);
    });
    req.on('error', () => resolve(true));
    req.setTimeout(2_000, () => {
      req.destroy();
      resolve(true);
    });
    req.end();
  });
}

/** Waits until the stream's response ends (bounded). */
function untilEnd(received: () => string, doneMarker: string, timeoutMs: number): Promise<string> {
  const started = Date.now();
  return new Promise((resolve) => {
    const tick = (): void => {
      const got = received();
      if (got.includes(doneMarker) || Date.now() - started > timeoutMs) resolve(got);
      else setTimeout(tick, 25);
    };
    tick();
  });
}

describe('graceful shutdown', () => {
  const mocks: MockOpenAI[] = [];
  const daemons: DaemonHandle[] = [];
  after(async () => {
    for (const d of daemons) await d.cleanup();
    for (const m of mocks) await m.close();
  });

  it('an in-flight stream finishes after SIGTERM, new connections are refused, the log is flushed, exit 0', async () => {
    const slow = await startMock({ name: 'slow', mode: { kind: 'slow-stream', chunks: 12, intervalMs: 100 } });
    mocks.push(slow);
    const d = await startDaemon({ config: { server: { shutdownGraceMs: 10_000 } } });
    daemons.push(d);
    await addProvider(d, 'slow', { baseUrl: slow.baseUrl, apiKey: 'sk-upstream-shutdown-1', models: ['m'] });
    const key = await createKey(d, 'shutdown');
    const port = d.port;

    const s = await openStream(d, key.secret, 'slow/m');
    assert.equal(s.status, 200);
    const stopping = d.stop('SIGTERM');
    // The listener closes at once: a new client cannot connect while the stream drains.
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(await connectRefused(port), true, 'a new connection after SIGTERM must be refused');
    const code = await stopping;
    assert.equal(code, 0);
    const body = await untilEnd(s.received, 'data: [DONE]', 5_000);
    assert.match(body, /data: \[DONE\]/, 'the stream ran to its end');
    const deltas = body.split('\n').filter((l) => l.startsWith('data: {') && l.includes('"content"'));
    assert.ok(deltas.length >= 12, `all 12 chunks arrived (got ${deltas.length})`);

    // The request log row was written before exit: restart on the same home and read it.
    await d.restart();
    const logs = await d.cli(['logs', '--json', '--limit', '10']);
    const entries = (JSON.parse(logs.stdout) as { entries: Array<{ modelAsked: string; status: number; stream: boolean }> }).entries;
    assert.ok(entries.some((e) => e.modelAsked === 'slow/m' && e.status === 200 && e.stream), 'the drained stream was logged');
  });

  it('a stream longer than the grace period is cut and the daemon still exits 0 promptly', async () => {
    const slow = await startMock({ name: 'slower', mode: { kind: 'slow-stream', chunks: 200, intervalMs: 100 } });
    mocks.push(slow);
    const d = await startDaemon({ config: { server: { shutdownGraceMs: 300 } } });
    daemons.push(d);
    await addProvider(d, 'slower', { baseUrl: slow.baseUrl, apiKey: 'sk-upstream-shutdown-2', models: ['m'] });
    const key = await createKey(d, 'shutdown2');
    const s = await openStream(d, key.secret, 'slower/m');
    const t0 = Date.now();
    const code = await d.stop('SIGTERM');
    const took = Date.now() - t0;
    assert.equal(code, 0);
    assert.ok(took < 5_000, `exit within the grace period plus cleanup (took ${took} ms)`);
    assert.doesNotMatch(s.received(), /data: \[DONE\]/, 'the 20 s stream did not complete');
  });
});
