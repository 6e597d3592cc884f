/**
 * Secrets at rest: after use and a stop, nothing under KROUTER_HOME (the db
 * files above all: data.sqlite, -wal, -shm) holds a provider API key, a
 * provider header value or a krouter key secret in plaintext.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KeySecretDto } from '../../src/shared/admin-types.js';
import { addProvider, createKey, startDaemon, type DaemonHandle } from '../support/daemon.js';
import { secretEncodings, walkFiles } from '../support/secret-scan.js';
import { startMock, type MockOpenAI } from '../support/mock-openai.js';
import { chat, waitForLogs } from '../support/v1.js';

const PROVIDER_KEY = 'sk-proj-AtRestCanary-9d8c7b6a5f4e3d2c1b0a';
const HEADER_VALUE = 'hdr-AtRestCanary-0f1e2d3c4b5a';



describe('secrets at rest', () => {
  let mock: MockOpenAI;
  let d: DaemonHandle;
  const secrets: Record<string, string> = { providerKey: PROVIDER_KEY, headerValue: HEADER_VALUE };

  before(async () => {
    mock = await startMock({ name: 'rest' });
    d = await startDaemon();
    const k1 = await createKey(d, 'one');
    const k2 = await createKey(d, 'two');
    secrets['key-one'] = k1.secret;
    secrets['key-two-before-rotate'] = k2.secret;
    const rot = await d.cli(['keys', 'rotate', 'two', '--json']);
    assert.equal(rot.code, 0, rot.stderr);
    secrets['key-two-after-rotate'] = rot.json<KeySecretDto>().secret;
    await addProvider(d, 'vault', { baseUrl: mock.baseUrl, apiKey: PROVIDER_KEY, models: ['m'], headers: { 'X-Team-Token': HEADER_VALUE } });
    for (const k of [k1.secret, secrets['key-two-after-rotate']!]) {
      const r = await chat(d, k, 'vault/m');
      assert.equal(r.status, 200, r.text);
      const s = await chat(d, k, 'vault/m', { stream: true });
      assert.equal(s.status, 200, s.text);
    }
    // the secrets really were stored and used
    const rec = mock.requestsTo('/chat/completions').at(-1)!;
    assert.equal(rec.headers.authorization, `Bearer ${PROVIDER_KEY}`);
    assert.equal(rec.headers['x-team-token'], HEADER_VALUE);
    await waitForLogs(d, 4);
  });

  after(async () => {
    await d?.cleanup();
    await mock?.close();
  });

  function scan(files: string[]): string[] {
    const leaks: string[] = [];
    for (const f of files) {
      const buf = readFileSync(f);
      for (const [what, s] of Object.entries(secrets)) {
        if (secretEncodings(s).some((e) => buf.includes(e))) leaks.push(`${relative(d.home, f)} contains ${what}`);
      }
    }
    return leaks;
  }

  it('while running, the db files hold no secret', () => {
    const files = walkFiles(join(d.home, 'db'));
    assert.ok(files.some((f) => f.endsWith('data.sqlite')), `no db/data.sqlite in ${files.join(', ')}`);
    assert.deepEqual(scan(files), []);
  });

  it('after stop, no file under KROUTER_HOME holds a secret', async () => {
    const code = await d.stop('SIGTERM');
    assert.equal(code, 0, d.stderr());
    const dbFiles = ['data.sqlite', 'data.sqlite-wal', 'data.sqlite-shm'].map((f) => join(d.home, 'db', f)).filter((f) => existsSync(f));
    assert.ok(dbFiles.length >= 1);
    assert.deepEqual(scan(dbFiles), []);
    const all = walkFiles(d.home).filter((f) => !f.endsWith('secret.key'));
    assert.deepEqual(scan(all), []);
  });

  it('the daemon output holds no secret', () => {
    const out = d.stdout() + d.stderr();
    for (const [what, s] of Object.entries(secrets)) assert.ok(!out.includes(s), `daemon output contains ${what}`);
  });
});
