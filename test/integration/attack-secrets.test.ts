/**
 * Attacks on provider secrets at rest, against a real daemon:
 *  - a tampered ciphertext in the database → that provider has no usable
 *    credentials (route and providers list say so, with what to do), requests
 *    to it fail with a clear message, the daemon keeps serving the others;
 *  - ciphertexts swapped between two providers → both fail closed;
 *  - another machine value (simulated by toggling security.bindSecretsToMachine)
 *    → every provider fails closed until its key is re-added;
 *  - a secret file readable by others → the daemon refuses to start and says
 *    how to fix it;
 *  - afterwards, no file under KROUTER_HOME (database, logs, debug captures)
 *    and no daemon output holds any secret the test used.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { ProviderDto } from '../../src/shared/admin-types.js';
import { addProvider, createKey, runDaemonToExit, setCombo, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { secretEncodings, walkFiles } from '../support/secret-scan.js';
import { startMock, type MockOpenAI } from '../support/mock-openai.js';
import { assertOpenAiError, chat, cliRoute, waitForLogs } from '../support/v1.js';

const KEYS = { alpha: 'sk-proj-AlphaCanary-5f4e3d2c1b0a9988', beta: 'sk-proj-BetaCanary-0a1b2c3d4e5f6677' };
const HEADERS = { alpha: 'hdr-AlphaCanary-11223344556677', beta: 'hdr-BetaCanary-99887766554433' };



describe('attack: secrets at rest', () => {
  let alphaUp: MockOpenAI;
  let betaUp: MockOpenAI;
  let d: DaemonHandle;
  let key: CreatedKey;
  const secrets: Record<string, string> = { ...KEYS, alphaHeader: HEADERS.alpha, betaHeader: HEADERS.beta };
  const dbPath = (): string => join(d.home, 'db', 'data.sqlite');

  async function addBoth(): Promise<void> {
    await addProvider(d, 'alpha', { baseUrl: alphaUp.baseUrl, apiKey: KEYS.alpha, models: ['m'], headers: { 'X-Team-Token': HEADERS.alpha } });
    await addProvider(d, 'beta', { baseUrl: betaUp.baseUrl, apiKey: KEYS.beta, models: ['m'], headers: { 'X-Team-Token': HEADERS.beta } });
  }

  /** Edits the providers table while the daemon is stopped, then starts it again. */
  async function editDb(fn: (db: Database.Database) => void): Promise<void> {
    assert.equal(await d.stop('SIGTERM'), 0, d.stderr());
    const db = new Database(dbPath());
    try {
      fn(db);
    } finally {
      db.close();
    }
    await d.restart();
  }

  const envelope = (db: Database.Database, name: string): string => db.prepare<[string], { v: string }>('SELECT api_key_enc AS v FROM providers WHERE name = ?').get(name)!.v;

  async function providers(): Promise<Map<string, ProviderDto>> {
    const r = await d.cli(['providers', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return new Map(r.json<{ providers: ProviderDto[] }>().providers.map((p) => [p.name, p]));
  }

  async function assertFailsClosed(name: string): Promise<void> {
    const p = (await providers()).get(name)!;
    assert.match(p.credentialProblem ?? '', /cannot be decrypted/, name);
    assert.match(p.credentialProblem ?? '', /krouter providers add .* --api-key -/, name);
    const table = await d.cli(['providers', 'list']);
    assert.match(table.stdout, new RegExp(`${name}.*UNREADABLE`));
    const route = await cliRoute(d, `${name}/m`);
    assert.equal(route.targets[0]?.state, 'no_credentials', name);
    assert.match(route.targets[0]?.reason ?? '', /re-enter|--api-key -/i);
    const r = await chat(d, key.secret, `${name}/m`);
    assert.equal(r.status, 503, r.text);
    assertOpenAiError(r.json, 'all_targets_failed');
    assert.match(r.json.error.message, /no usable credentials/);
    assert.match(r.json.error.message, /krouter providers add/);
  }

  before(async () => {
    alphaUp = await startMock({ name: 'alpha', requireApiKey: KEYS.alpha });
    betaUp = await startMock({ name: 'beta', requireApiKey: KEYS.beta });
    d = await startDaemon();
    key = await createKey(d, 'vault');
    secrets['krouterKey'] = key.secret;
    await addBoth();
    await setCombo(d, 'both', ['alpha/m', 'beta/m']);
    // Debug captures too: they must not hold secrets either.
    assert.equal((await d.cli(['debug', 'on', '--for', '10m'])).code, 0);
    for (const n of ['alpha', 'beta']) {
      const r = await chat(d, key.secret, `${n}/m`);
      assert.equal(r.status, 200, r.text);
      const s = await chat(d, key.secret, `${n}/m`, { stream: true });
      assert.equal(s.status, 200, s.text);
    }
    await waitForLogs(d, 4);
  });

  after(async () => {
    await d?.cleanup();
    await Promise.all([alphaUp?.close(), betaUp?.close()]);
  });

  it('a tampered ciphertext fails closed for that provider only; the daemon keeps serving', async () => {
    await editDb((db) => {
      const env = envelope(db, 'alpha');
      const parts = env.split('.');
      const body = Buffer.from(parts[2]!, 'base64url');
      body[0] = body[0]! ^ 0x01;
      db.prepare('UPDATE providers SET api_key_enc = ? WHERE name = ?').run(`${parts[0]}.${parts[1]}.${body.toString('base64url')}`, 'alpha');
    });
    await assertFailsClosed('alpha');
    assert.equal((await providers()).get('beta')?.credentialProblem, null);
    const b = await chat(d, key.secret, 'beta/m');
    assert.equal(b.status, 200, b.text);
    const combo = await chat(d, key.secret, 'both');
    assert.equal(combo.status, 200, combo.text);
    assert.equal(combo.target, 'beta/m');
    assert.equal(alphaUp.requests.filter((r) => r.headers.authorization !== `Bearer ${KEYS.alpha}`).length, 0, 'nothing was sent with a wrong key');
    // Re-adding the key (what the message says) repairs it.
    await addProvider(d, 'alpha', { baseUrl: alphaUp.baseUrl, apiKey: KEYS.alpha, models: ['m'], headers: { 'X-Team-Token': HEADERS.alpha } });
    assert.equal((await chat(d, key.secret, 'alpha/m')).status, 200);
  });

  it('ciphertexts swapped between two providers: both fail closed', async () => {
    await editDb((db) => {
      const a = envelope(db, 'alpha');
      const b = envelope(db, 'beta');
      const set = db.prepare('UPDATE providers SET api_key_enc = ? WHERE name = ?');
      set.run(b, 'alpha');
      set.run(a, 'beta');
    });
    await assertFailsClosed('alpha');
    await assertFailsClosed('beta');
    assert.equal((await fetch(`${d.baseUrl}/healthz`)).status, 200);
    await addBoth();
  });

  it('another machine value (bindSecretsToMachine toggled): every provider fails closed until re-added', async () => {
    assert.equal(await d.stop('SIGTERM'), 0);
    writeFileSync(join(d.home, 'config.json'), JSON.stringify({ security: { bindSecretsToMachine: false } }));
    await d.restart();
    await assertFailsClosed('alpha');
    await assertFailsClosed('beta');
    // krouter keys are not machine-bound: the client key still works (the 503 above came from routing, not auth).
    await addBoth();
    assert.equal((await chat(d, key.secret, 'alpha/m')).status, 200);
    // And back: the secrets sealed without the machine value fail with it.
    assert.equal(await d.stop('SIGTERM'), 0);
    writeFileSync(join(d.home, 'config.json'), '{}');
    await d.restart();
    await assertFailsClosed('alpha');
    await addBoth();
    assert.equal((await chat(d, key.secret, 'both')).status, 200);
  });

  it('a secret file readable by others: the daemon refuses to start and says how to fix it', async () => {
    assert.equal(await d.stop('SIGTERM'), 0);
    const secretFile = join(d.home, 'secret.key');
    chmodSync(secretFile, 0o644);
    try {
      const r = await runDaemonToExit({ home: d.home });
      assert.equal(r.stillRunning, false, r.stdout);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /secret file .*secret\.key has mode 644/);
      assert.match(r.stderr, new RegExp(`chmod 600 ${secretFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    } finally {
      chmodSync(secretFile, 0o600);
    }
    await d.restart();
    assert.equal((await chat(d, key.secret, 'both')).status, 200);
  });

  it('no file under KROUTER_HOME (db, logs, debug captures) and no daemon output holds a secret', async () => {
    await d.stop('SIGTERM');
    const files = walkFiles(d.home).filter((f) => !f.endsWith('secret.key'));
    assert.ok(files.some((f) => f.includes(join('logs', 'debug', 'capture-'))), `no debug captures among ${files.map((f) => relative(d.home, f)).join(', ')}`);
    const leaks: string[] = [];
    for (const f of files) {
      const buf = readFileSync(f);
      for (const [what, s] of Object.entries(secrets)) if (secretEncodings(s).some((e) => buf.includes(e))) leaks.push(`${relative(d.home, f)} contains ${what}`);
    }
    const out = d.stdout() + d.stderr();
    for (const [what, s] of Object.entries(secrets)) if (out.includes(s)) leaks.push(`daemon output contains ${what}`);
    assert.deepEqual(leaks, []);
  });
});
