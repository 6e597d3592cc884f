/**
 * Fallback combos: transient failures of every kind are skipped until a target
 * answers; a client error is returned as-is; when everything fails the client
 * gets 502 all_targets_failed with the attempts; failed targets cool down or
 * are locked, and later requests skip them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addProvider, createKey, setCombo, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';
import { startMock, type MockMode, type MockOpenAI } from '../support/mock-openai.js';
import { adminLogs, assertOpenAiError, chat, cliRoute, waitForLogs } from '../support/v1.js';

const FAILURES: Array<[string, MockMode]> = [
  ['r429', { kind: 'status', status: 429, retryAfter: 120 }],
  ['r500', { kind: 'status', status: 500 }],
  ['hang', { kind: 'hang' }],
  ['reset', { kind: 'reset' }],
  ['garbage', { kind: 'garbage-sse' }],
  ['errfirst', { kind: 'error-first-event' }],
];

const providerKey = (name: string) => `sk-prov-${name}-SECRET-7f3a9c`;

describe('fallback combos', () => {
  const mocks = new Map<string, MockOpenAI>();
  let d: DaemonHandle;
  let key: CreatedKey;

  before(async () => {
    for (const [name, mode] of FAILURES) mocks.set(name, await startMock({ name, mode }));
    mocks.set('ok', await startMock({ name: 'ok' }));
    mocks.set('bad400', await startMock({ name: 'bad400', mode: { kind: 'status', status: 400, body: { error: { message: "Invalid value for 'temperature': must be <= 2.", type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } } } }));
    mocks.set('af500', await startMock({ name: 'af500', mode: { kind: 'status', status: 500 } }));
    mocks.set('af503', await startMock({ name: 'af503', mode: { kind: 'status', status: 503, retryAfter: 90 } }));
    mocks.set('af401', await startMock({ name: 'af401', mode: { kind: 'status', status: 401 } }));
    mocks.set('f403', await startMock({ name: 'f403', mode: { kind: 'status', status: 403 } }));
    mocks.set('f404', await startMock({ name: 'f404', mode: { kind: 'status', status: 404 } }));

    d = await startDaemon({ config: { upstream: { headersTimeoutMs: 500, firstEventTimeoutMs: 500, bodyTimeoutMs: 500 } } });
    key = await createKey(d, 'fallback');
    // One provider per (scenario, mock): a cooldown from one scenario cannot leak into another.
    for (const scenario of ['ns', 'st']) {
      for (const name of [...FAILURES.map(([n]) => n), 'ok']) {
        await addProvider(d, `${scenario}-${name}`, { baseUrl: mocks.get(name)!.baseUrl, apiKey: providerKey(`${scenario}-${name}`), models: ['m'] });
      }
      await setCombo(d, `chain-${scenario}`, [...FAILURES.map(([n]) => `${scenario}-${n}/m`), `${scenario}-ok/m`]);
    }
    await addProvider(d, 'bad400', { baseUrl: mocks.get('bad400')!.baseUrl, apiKey: providerKey('bad400'), models: ['m'] });
    await addProvider(d, 'ok400', { baseUrl: mocks.get('ok')!.baseUrl, apiKey: providerKey('ok400'), models: ['m'] });
    await setCombo(d, 'client-error', ['bad400/m', 'ok400/m']);
    for (const n of ['af500', 'af503', 'af401']) await addProvider(d, n, { baseUrl: mocks.get(n)!.baseUrl, apiKey: providerKey(n), models: ['m'] });
    await setCombo(d, 'allfail', ['af500/m', 'af503/m', 'af401/m']);
    for (const status of [403, 404]) {
      await addProvider(d, `f${status}`, { baseUrl: mocks.get(`f${status}`)!.baseUrl, apiKey: providerKey(`f${status}`), models: ['m'] });
      await addProvider(d, `okf${status}`, { baseUrl: mocks.get('ok')!.baseUrl, apiKey: providerKey(`okf${status}`), models: ['m'] });
      await setCombo(d, `fatal${status}`, [`f${status}/m`, `okf${status}/m`]);
    }
  });

  after(async () => {
    await d?.cleanup();
    for (const m of mocks.values()) await m.close();
  });

  const counts = () => Object.fromEntries([...mocks].map(([n, m]) => [n, m.requestsTo('/chat/completions').length]));

  for (const [scenario, stream] of [
    ['ns', false],
    ['st', true],
  ] as const) {
    it(`${stream ? 'stream' : 'non-stream'}: every transient failure is skipped and the ok target answers`, async () => {
      const before = counts();
      const r = await chat(d, key.secret, `chain-${scenario}`, { stream });
      assert.equal(r.status, 200, `expected 200, got ${r.status}: ${r.text.slice(0, 500)}`);
      assert.equal(r.target, `${scenario}-ok/m`);
      assert.equal(r.content, 'Hello from ok via m.');
      if (stream) {
        assert.equal(r.events.at(-1), '[DONE]');
        assert.ok(!r.text.includes('error'), `no failed target's bytes may reach the client: ${r.text.slice(0, 300)}`);
      }
      const after = counts();
      for (const [name] of FAILURES) assert.equal(after[name]! - before[name]!, 1, `${name} tried exactly once`);
      assert.equal(after['ok']! - before['ok']!, 1);
      // every failing upstream got the request with the right credentials
      for (const [name] of FAILURES) {
        const rec = mocks.get(name)!.requestsTo('/chat/completions').at(-1)!;
        assert.equal(rec.headers.authorization, `Bearer ${providerKey(`${scenario}-${name}`)}`);
        assert.equal(rec.headers['x-request-source'], 'local');
      }

      const [entry] = await waitForLogs(d, 1, (e) => e.modelAsked === `chain-${scenario}`);
      assert.equal(entry!.status, 200);
      assert.equal(entry!.target, `${scenario}-ok/m`);
      assert.deepEqual(
        entry!.attempts.map((a) => [a.target, a.outcome]),
        [...FAILURES.map(([n]) => [`${scenario}-${n}/m`, 'transient']), [`${scenario}-ok/m`, 'ok']],
      );
      assert.equal(entry!.attempts[0]!.status, 429);
      assert.equal(entry!.attempts[1]!.status, 500);
    });

    it(`${stream ? 'stream' : 'non-stream'}: afterwards the failed targets cool down and are skipped`, async () => {
      const route = await cliRoute(d, `chain-${scenario}`);
      assert.equal(route.kind, 'combo');
      assert.equal(route.strategy, 'fallback');
      const byTarget = new Map(route.targets.map((t) => [t.target, t]));
      for (const [n] of FAILURES) assert.equal(byTarget.get(`${scenario}-${n}/m`)?.state, 'cooling_down', `${n}: ${JSON.stringify(byTarget.get(`${scenario}-${n}/m`))}`);
      assert.equal(byTarget.get(`${scenario}-ok/m`)?.state, 'ok');
      // Retry-After: 120 is honoured (longer than the 30 s default cooldown)
      const until429 = Date.parse(byTarget.get(`${scenario}-r429/m`)!.until ?? '');
      assert.ok(until429 - Date.now() > 60_000, `429 cooldown should honour Retry-After 120, until=${byTarget.get(`${scenario}-r429/m`)!.until}`);
      const until500 = Date.parse(byTarget.get(`${scenario}-r500/m`)!.until ?? '');
      assert.ok(until500 - Date.now() > 5_000 && until500 - Date.now() <= 31_000, `500 cooldown should be the 30 s default, until=${byTarget.get(`${scenario}-r500/m`)!.until}`);

      const before = counts();
      const r = await chat(d, key.secret, `chain-${scenario}`, { stream });
      assert.equal(r.status, 200);
      assert.equal(r.target, `${scenario}-ok/m`);
      const after = counts();
      for (const [name] of FAILURES) assert.equal(after[name], before[name], `${name} is cooling down and must not be contacted`);
    });
  }

  for (const status of [403, 404]) {
    it(`a ${status} from the first target is target-fatal: skipped, locked, next target answers`, async () => {
      const r = await chat(d, key.secret, `fatal${status}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.target, `okf${status}/m`);
      assert.equal(r.content, 'Hello from ok via m.');
      const route = await cliRoute(d, `fatal${status}`);
      assert.equal(route.targets[0]?.state, 'locked', JSON.stringify(route.targets[0]));
      // locked for routing.lockSeconds (default 300 s), longer than a cooldown
      assert.ok(Date.parse(route.targets[0]!.until ?? '') - Date.now() > 60_000, `until ${route.targets[0]!.until}`);
      assert.equal(route.targets[1]?.state, 'ok');
      const [entry] = await waitForLogs(d, 1, (e) => e.modelAsked === `fatal${status}`);
      assert.deepEqual(entry!.attempts.map((a) => [a.status, a.outcome]), [
        [status, 'target_fatal'],
        [200, 'ok'],
      ]);
    });
  }

  it('Retry-After: an HTTP date is honoured, a huge value is capped at routing.maxCooldownSeconds', async () => {
    const big = await startMock({ name: 'ra-big', mode: { kind: 'status', status: 429, retryAfter: 999_999 } });
    const date = await startMock({ name: 'ra-date', mode: { kind: 'status', status: 429, retryAfter: new Date(Date.now() + 600_000).toUTCString() } });
    mocks.set('ra-big', big);
    mocks.set('ra-date', date);
    await addProvider(d, 'ra-big', { baseUrl: big.baseUrl, apiKey: providerKey('ra-big'), models: ['m'] });
    await addProvider(d, 'ra-date', { baseUrl: date.baseUrl, apiKey: providerKey('ra-date'), models: ['m'] });
    await addProvider(d, 'ra-ok', { baseUrl: mocks.get('ok')!.baseUrl, apiKey: providerKey('ra-ok'), models: ['m'] });
    await setCombo(d, 'retry-after', ['ra-big/m', 'ra-date/m', 'ra-ok/m']);
    const r = await chat(d, key.secret, 'retry-after');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.target, 'ra-ok/m');
    const route = await cliRoute(d, 'retry-after');
    const secs = route.targets.map((t) => (t.until === null ? null : Math.round((Date.parse(t.until) - Date.now()) / 1000)));
    assert.equal(route.targets[0]!.state, 'cooling_down');
    assert.ok(secs[0]! > 3500 && secs[0]! <= 3600, `capped at 3600 s, got ${secs[0]}`);
    assert.equal(route.targets[1]!.state, 'cooling_down');
    assert.ok(secs[1]! > 500 && secs[1]! <= 600, `HTTP-date Retry-After of 600 s, got ${secs[1]}`);
  });

  it('a 400 from the first target is returned as-is, without fallback', async () => {
    const okBefore = mocks.get('ok')!.requestsTo('/chat/completions').length;
    const r = await chat(d, key.secret, 'client-error');
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, { error: { message: "Invalid value for 'temperature': must be <= 2.", type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } });
    assert.equal(mocks.get('ok')!.requestsTo('/chat/completions').length, okBefore, 'no fallback after a client error');
    assert.equal(mocks.get('bad400')!.requestsTo('/chat/completions').length, 1);
    // a client error does not cool the target down
    const route = await cliRoute(d, 'client-error');
    assert.equal(route.targets[0]?.state, 'ok');
  });

  it('all targets failing: 502 all_targets_failed naming every attempt, no secrets', async () => {
    const r = await chat(d, key.secret, 'allfail');
    assert.equal(r.status, 502, r.text);
    assertOpenAiError(r.json, 'all_targets_failed');
    const attempts = r.json.error.attempts;
    assert.ok(Array.isArray(attempts), `error.attempts missing: ${r.text}`);
    assert.deepEqual(
      attempts.map((a) => [a.target, a.status, a.outcome]),
      [
        ['af500/m', 500, 'transient'],
        ['af503/m', 503, 'transient'],
        ['af401/m', 401, 'target_fatal'],
      ],
    );
    for (const a of attempts) {
      assert.equal(typeof a.reason, 'string');
      assert.equal(typeof a.latencyMs, 'number');
    }
    for (const n of ['af500', 'af503', 'af401']) assert.ok(!r.text.includes(providerKey(n)), `502 body leaks ${n}'s key`);
    assert.ok(!r.text.includes(key.secret), '502 body leaks the krouter key');
    assert.ok(!/sk-prov-/.test(r.text), `502 body mentions a provider key: ${r.text}`);
  });

  it('afterwards: route shows cooling down / locked, and the next request gets 429 all_targets_cooling_down', async () => {
    const route = await cliRoute(d, 'allfail');
    assert.deepEqual(
      route.targets.map((t) => [t.target, t.state]),
      [
        ['af500/m', 'cooling_down'],
        ['af503/m', 'cooling_down'],
        ['af401/m', 'locked'],
      ],
    );
    for (const t of route.targets) assert.ok(t.until !== null && Date.parse(t.until) > Date.now(), `${t.target} until ${t.until}`);
    // plain-text `route` also says so
    const text = await d.cli(['route', 'allfail']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /cool/i);
    assert.match(text.stdout, /lock/i);

    const before = counts();
    const r = await chat(d, key.secret, 'allfail');
    assert.equal(r.status, 429, r.text);
    assertOpenAiError(r.json, 'all_targets_cooling_down');
    const ra = r.headers.get('retry-after');
    assert.ok(ra !== null && /^\d+$/.test(ra) && Number(ra) >= 1, `Retry-After: ${ra}`);
    // the soonest target (500, default 30 s cooldown) comes back within ~30 s
    assert.ok(Number(ra) <= 31, `Retry-After should be the soonest recovery, got ${ra}`);
    assert.deepEqual(counts(), before, 'no upstream contacted when every target is unavailable');
  });

  it('the failures are in the log with their attempts, and no secrets', async () => {
    const entries = await adminLogs(d, 100);
    const all = JSON.stringify(entries);
    assert.ok(!all.includes('SECRET'), 'log entries leak a provider key');
    assert.ok(!all.includes(key.secret));
    const failed = entries.find((e) => e.modelAsked === 'allfail' && e.status === 502);
    assert.ok(failed, 'the 502 is logged');
    assert.equal(failed.errorCode, 'all_targets_failed');
    assert.equal(failed.attempts.length, 3);
  });
});
