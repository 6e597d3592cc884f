/**
 * A restart keeps keys (and their revocation), providers (with their encrypted
 * API key still usable), combos and the request log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addProvider, createKey, setCombo, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { startMock, type MockOpenAI } from '../support/mock-openai.js';
import type { ComboDto, KeyDto, LogEntryDto, ProviderDto, StatusDto } from '../../src/shared/admin-types.js';
import { adminLogs, chat } from '../support/v1.js';

const PROVIDER_KEY = 'sk-restart-provider-key-55aa';

type Lists = { keys: KeyDto[]; providers: ProviderDto[]; combos: ComboDto[] };

describe('restart', () => {
  let mock: MockOpenAI;
  let d: DaemonHandle;
  let live: CreatedKey;
  let revoked: CreatedKey;
  let snapshot: { keys: KeyDto[]; providers: ProviderDto[]; combos: ComboDto[] };
  let logIds: number[];

  async function list<W extends keyof Lists>(what: W): Promise<Lists[W]> {
    const res = await d.cli([what, 'list', '--json']);
    assert.equal(res.code, 0, res.stderr);
    return res.json<Lists>()[what];
  }

  before(async () => {
    mock = await startMock({ name: 'persist' });
    d = await startDaemon();
    live = await createKey(d, 'live');
    revoked = await createKey(d, 'gone');
    await d.cli(['keys', 'revoke', 'gone']);
    await addProvider(d, 'pp', { baseUrl: mock.baseUrl, apiKey: PROVIDER_KEY, models: ['m1', 'm2'], headers: { 'X-Org': 'org-42' } });
    await setCombo(d, 'keepme', ['pp/m2', 'pp/m1'], 'round-robin');
    for (const model of ['pp/m1', 'keepme']) {
      const r = await chat(d, live.secret, model);
      assert.equal(r.status, 200, r.text);
    }
    const r = await chat(d, live.secret, 'pp/m1', { stream: true });
    assert.equal(r.status, 200, r.text);
    snapshot = { keys: await list('keys'), providers: await list('providers'), combos: await list('combos') };
    // no wait for the log writer: a graceful stop must flush it
    const code = await d.stop('SIGTERM');
    assert.equal(code, 0, `SIGTERM exit code ${code}; stderr:\n${d.stderr()}`);
    await d.restart();
  });

  after(async () => {
    await d?.cleanup();
    await mock?.close();
  });

  const stable = (k: KeyDto) => ({ ...k, lastUsedAt: k.lastUsedAt === null ? null : 'set' });

  it('keys survive, with their state', async () => {
    const keys = await list('keys');
    assert.deepEqual(keys.map(stable), snapshot.keys.map(stable));
    const m = await fetch(`${d.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${live.secret}` } });
    assert.equal(m.status, 200);
    const g = await fetch(`${d.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${revoked.secret}` } });
    assert.equal(g.status, 401, 'a revoked key stays revoked');
  });

  it('providers and combos survive', async () => {
    const providers = await list('providers');
    assert.deepEqual(providers, snapshot.providers);
    assert.equal(providers[0]?.hasApiKey, true);
    assert.deepEqual(providers[0]?.headerNames.map((h) => h.toLowerCase()), ['x-org']);
    assert.deepEqual(await list('combos'), snapshot.combos);
  });

  it('the stored provider key and headers still decrypt and reach upstream', async () => {
    const r = await chat(d, live.secret, 'keepme');
    assert.equal(r.status, 200, r.text);
    assert.match(r.content, /^Hello from persist via m[12]\.$/);
    const rec = mock.requestsTo('/chat/completions').at(-1)!;
    assert.equal(rec.headers.authorization, `Bearer ${PROVIDER_KEY}`);
    assert.equal(rec.headers['x-org'], 'org-42');
    assert.equal(rec.headers['x-request-source'], 'local');
  });

  it('the request log kept the requests made before the stop', async () => {
    const entries = await adminLogs(d, 100);
    const before = entries.filter((e) => e.keyName === 'live' && e.status === 200);
    assert.ok(before.length >= 3, `expected the 3 requests from before the restart, got ${JSON.stringify(entries.map((e) => [e.id, e.modelAsked]))}`);
    logIds = entries.map((e) => e.id);
    assert.equal(new Set(logIds).size, logIds.length, 'ids unique across restarts');
    const r = await d.cli(['logs', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = r.json<LogEntryDto[] | { entries: LogEntryDto[] }>();
    const asked = (Array.isArray(j) ? j : j.entries).map((e) => e.modelAsked);
    assert.ok(asked.includes('pp/m1') && asked.includes('keepme'), JSON.stringify(asked));
  });

  it('status counts what survived', async () => {
    const r = await d.cli(['status', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = r.json<StatusDto>();
    assert.equal(s.counts.providers, 1);
    assert.equal(s.counts.combos, 1);
    assert.ok(s.counts.keys === 1 || s.counts.keys === 2, `keys count ${s.counts.keys}`);
    assert.equal(s.listen.port, d.port);
    assert.equal(s.home, d.home);
  });
});
