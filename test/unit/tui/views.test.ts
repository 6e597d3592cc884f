/**
 * Component tests: the whole TUI rendered by ink-testing-library against a fake
 * admin client, one describe per view, driven key by key as a user would.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { entry, FakeClient, NOW, notFound } from './fake-client.js';
import { mount, sleep, type Mounted } from './harness.js';

let m: Mounted | undefined;
afterEach(async () => {
  await m?.unmount();
  m = undefined;
});

describe('tui overview', () => {
  it('shows live sparklines, tokens today, provider health and no cost yet', async () => {
    const c = new FakeClient();
    c.logs = Array.from({ length: 30 }, (_v, i) => entry(i + 1, { time: new Date(NOW - (i % 10) * 5_000 - 500).toISOString(), status: i % 7 === 0 ? 502 : 200, latencyMs: 100 + i * 10 }));
    c.healthDto = { marks: [{ key: 'groq', scope: 'provider', state: 'cooling_down', until: new Date(NOW + 45_000).toISOString(), reason: '429 rate limited' }] };
    m = await mount({ client: c });
    const f = await m.waitFor('30 requests');
    assert.match(f, /req\/s\s+[▁▂▃▄▅▆▇█ ]*[▂▃▄▅▆▇█]/);
    assert.match(f, /errors\s+[▁▂▃▄▅▆▇█ ]+\s+1[0-9]% \(5 of 30\)/);
    assert.match(f, /latency\s+[▁▂▃▄▅▆▇█ ]+\s+p50 \d+ ms · p95 \d+ ms/);
    assert.match(f, /requests 42 · errors 1 \(2\.4%\)/);
    assert.match(f, /tokens\s+12\.3k: prompt 12\.2k, completion 100/);
    assert.match(f, /cost\s+not shown: krouter has no pricing data yet/);
    assert.match(f, /openai\s+openai\s+ok/);
    assert.match(f, /groq\s+openai\s+cooling down until \d\d:\d\d:\d\d \(in 45s\): 429 rate limited/);
    assert.match(f, /anthropic\s+anthropic\s+no credentials: no API key stored/);
    assert.doesNotMatch(f, /DEBUG MODE/);
    const usage = c.callsTo('usage')[0]?.[0] as { since: string };
    assert.ok(Date.parse(usage.since) <= NOW && NOW - Date.parse(usage.since) < 86_400_000, 'tokens since local midnight');
  });

  it('shows a lock, and the debug banner while debug mode is on', async () => {
    const c = new FakeClient();
    c.healthDto = { marks: [{ key: 'openai', scope: 'provider', state: 'locked', until: new Date(NOW + 3_600_000).toISOString(), reason: 'invalid API key' }] };
    c.debug = { enabled: true, until: new Date(NOW + 600_000).toISOString(), dir: '/d' };
    m = await mount({ client: c });
    const f = await m.waitFor('DEBUG MODE ON');
    assert.match(f, /DEBUG MODE ON until \d\d:\d\d:\d\d \(in 10m\)/);
    assert.match(f, /openai\s+openai\s+locked until .*invalid API key/);
  });

  it('adds live entries to the counts as they stream in', async () => {
    m = await mount();
    await m.waitFor('3 requests');
    m.client.push(entry(10, { time: new Date(NOW - 100).toISOString() }));
    await m.waitFor('4 requests');
  });
});

describe('tui logs', () => {
  it('tails the log live: rows with time, key, model → target, tries, status, latency, TTFB, tokens', async () => {
    m = await mount({ view: 'logs' });
    let f = await m.waitFor('Live tail');
    assert.match(f, /TIME\s+KEY\s+MODEL → TARGET\s+TRY\s+STATUS\s+LATENCY\s+TTFB\s+TOKENS/);
    assert.match(f, /laptop\s+best → openai\/gpt-4o\s+1\s+200\s+130 ms\s+90 ms\s+15/);
    assert.match(f, /ci-bot\s+groq\/llama\s+1\s+200/, 'a direct provider/model request is shown once');
    m.client.push(entry(4, { keyName: 'phone', modelAsked: 'fast', target: 'groq/mixtral', status: 429, latencyMs: 2500, ttfbMs: null, totalTokens: null, promptTokens: null, completionTokens: null }));
    f = await m.waitFor('phone');
    assert.match(f, /> \d\d:\d\d:\d\d phone\s+fast → groq\/mixtral\s+1\s+429\s+2\.50 s\s+-\s+-/, 'the newest is selected while following');
  });

  it('pauses and resumes', async () => {
    m = await mount({ view: 'logs' });
    await m.waitFor('Live tail');
    await m.press('p');
    await m.waitFor('PAUSED, 0 new waiting');
    m.client.push(entry(4, { keyName: 'phone' }));
    await m.waitFor('PAUSED, 1 new waiting');
    assert.doesNotMatch(m.frame(), /phone/);
    await m.press('p');
    const f = await m.waitFor('phone');
    assert.match(f, /Live tail · 4 requests/);
  });

  it('filters through a small input line, typed key by key', async () => {
    m = await mount({ view: 'logs' });
    await m.waitFor('Live tail');
    await m.press('/');
    await m.waitFor('Filter (key: model: provider: status:');
    await m.press(...'status:5xx'.split(''));
    await m.waitFor('status:5xx');
    await m.press('enter');
    const f = await m.waitFor('1 of 3 requests match "status:5xx"');
    assert.match(f, /502/);
    assert.doesNotMatch(f, /ci-bot/);
    await m.press('escape');
    await m.waitFor('Live tail · 3 requests');
  });

  it('filters by key with a burst of keys in one write', async () => {
    m = await mount({ view: 'logs' });
    await m.waitFor('Live tail');
    m.write('/key:ci\r');
    const f = await m.waitFor('1 of 3 requests match "key:ci"');
    assert.match(f, /ci-bot/);
  });

  it('opens one request: attempts, and bodies only when debug captured them', async () => {
    const c = new FakeClient();
    c.details.set(2, {
      entry: entry(2, {
        status: 502,
        errorCode: 'all_targets_failed',
        target: null,
        attempts: [
          { target: 'openai/gpt-4o', status: 429, outcome: 'transient', reason: 'rate limited', latencyMs: 40 },
          { target: 'groq/llama', status: 500, outcome: 'transient', reason: 'server error', latencyMs: 60 },
        ],
      }),
      capture: { request: { model: 'best', messages: [{ role: 'user', content: 'hi there' }] }, response: { error: 'boom' } },
    });
    m = await mount({ view: 'logs', client: c });
    await m.waitFor('Live tail');
    await m.press('enter');
    let f = await m.waitFor('Request #3');
    assert.match(f, /Bodies: not captured/);
    await m.press('escape');
    await m.waitFor('Live tail');
    await m.press('k', 'enter');
    f = await m.waitFor('Request #2');
    assert.match(f, /status\s+502 all_targets_failed/);
    assert.match(f, /1\. openai\/gpt-4o\s+429\s+transient\s+40 ms\s+rate limited/);
    assert.match(f, /2\. groq\/llama\s+500/);
    assert.match(f, /Request body \(secrets redacted\):/);
    assert.match(f, /"content": "hi there"/);
    assert.deepEqual(c.callsTo('logDetail'), [[3], [2]]);
  });
});

describe('tui combos', () => {
  it('reorders targets with J/K, saving each move', async () => {
    m = await mount({ view: 'combos' });
    await m.waitFor('Combos (1)');
    await m.press('enter');
    await m.waitFor('>  1. openai/gpt-4o');
    await m.press('j', 'K');
    await m.until('putCombo', () => m!.client.callsTo('putCombo').length === 1);
    assert.deepEqual(m.client.callsTo('putCombo')[0], ['best', { targets: ['groq/llama', 'openai/gpt-4o', 'anthropic/claude'], strategy: 'fallback' }]);
    const f = await m.waitFor('groq/llama is now tried before openai/gpt-4o');
    assert.match(f, /> {2}1\. groq\/llama/, 'the selection moves with the target');
    await m.press('J', 'J');
    await m.until('two more saves', () => m!.client.callsTo('putCombo').length === 3);
    assert.deepEqual(m.client.combos[0]?.targets, ['openai/gpt-4o', 'anthropic/claude', 'groq/llama']);
    await m.press('J');
    await sleep(50);
    assert.equal(m.client.callsTo('putCombo').length, 3, 'nothing below the last target');
  });

  it('applies a burst of moves in order, saving each', async () => {
    m = await mount({ view: 'combos' });
    await m.waitFor('Combos (1)');
    m.write('\rjjKK');
    await m.until('two saves', () => m!.client.callsTo('putCombo').length === 2);
    await m.waitFor('anthropic/claude is now tried before openai/gpt-4o');
    assert.deepEqual(
      m.client.callsTo('putCombo').map((a) => (a[1] as { targets: string[] }).targets[0]),
      ['openai/gpt-4o', 'anthropic/claude'],
    );
    assert.deepEqual(m.client.combos[0]?.targets, ['anthropic/claude', 'openai/gpt-4o', 'groq/llama']);
    assert.match(m.frame(), /> {2}1\. anthropic\/claude/);
  });

  it('reloads the combo when a save fails', async () => {
    m = await mount({ view: 'combos' });
    await m.waitFor('Combos (1)');
    m.client.failures.set('putCombo', new Error('validation failed: nope'));
    m.write('\rjK');
    await m.waitFor('Saving combo "best" failed: validation failed: nope');
    await m.waitFor(/> {2}1\. openai\/gpt-4o/);
    assert.deepEqual(m.store.getState().res.combos.data?.[0]?.targets, ['openai/gpt-4o', 'groq/llama', 'anthropic/claude']);
  });

  it('switches the strategy', async () => {
    m = await mount({ view: 'combos' });
    await m.waitFor('Combos (1)');
    await m.press('s');
    await m.waitFor('now uses round-robin');
    assert.equal(m.client.combos[0]?.strategy, 'round-robin');
  });

  it('creates a combo: name, then targets', async () => {
    m = await mount({ view: 'combos' });
    await m.waitFor('Combos (1)');
    await m.press('n');
    await m.waitFor('New combo name');
    m.write('cheap\r');
    await m.waitFor('Targets of "cheap"');
    m.write('groq/llama openai/gpt-4o-mini\r');
    await m.waitFor('Created combo "cheap"');
    assert.deepEqual(m.client.callsTo('putCombo')[0], ['cheap', { targets: ['groq/llama', 'openai/gpt-4o-mini'] }]);
    assert.match(m.frame(), /> cheap\s+fallback\s+groq\/llama → openai\/gpt-4o-mini/);
  });

  it('deletes only after confirmation', async () => {
    m = await mount({ view: 'combos' });
    await m.waitFor('Combos (1)');
    await m.press('d');
    await m.waitFor('Delete combo "best"? Requests for it will fail with model_not_found. [y/N]');
    await m.press('n');
    await m.waitFor('Cancelled: nothing was changed.');
    assert.equal(m.client.callsTo('removeCombo').length, 0);
    await m.press('d', 'y');
    await m.waitFor('Deleted combo "best".');
    assert.deepEqual(m.client.callsTo('removeCombo'), [['best']]);
    await m.waitFor('No combos yet');
  });
});

describe('tui keys', () => {
  it('lists keys with last use and an age warning after 90 days', async () => {
    m = await mount({ view: 'keys' });
    const f = await m.waitFor('Keys (2)');
    assert.match(f, /laptop\s+sk-krouter-key_1…\s+\S+ \S+\s+1d\s+never\s+active/);
    assert.match(f, /ci-bot\s+.*120d old!/);
    assert.match(f, /1 active key is older than 90 days/);
  });

  it('creates a key and shows its secret once, with a copy hint', async () => {
    m = await mount({ view: 'keys' });
    await m.waitFor('Keys (2)');
    await m.press('n');
    await m.waitFor('New key name');
    await m.press(...'tablet'.split(''), 'enter');
    const f = await m.waitFor('sk-krouter-SECRET-1-');
    assert.match(f, /Key "tablet" created/);
    assert.match(f, /shown this once/);
    assert.match(f, /Copy it now/);
    assert.deepEqual(m.client.callsTo('createKey'), [['tablet']]);
    await m.press('j');
    assert.match(m.frame(), /sk-krouter-SECRET-1-/, 'other keys do not dismiss the secret by accident');
    await m.press('enter');
    const after = await m.waitFor('Keys (3)');
    assert.doesNotMatch(after, /SECRET/);
    assert.match(after, /> tablet/, 'the new key is selected');
  });

  it('rotates and revokes after confirmation', async () => {
    m = await mount({ view: 'keys' });
    await m.waitFor('Keys (2)');
    await m.press('r');
    await m.waitFor('Rotate key "laptop"?');
    await m.press('y');
    await m.waitFor('sk-krouter-ROTATED-1-');
    assert.deepEqual(m.client.callsTo('rotateKey'), [['key_1']]);
    await m.press('enter', 'j', 'd');
    await m.waitFor('Revoke key "ci-bot"? Clients using it get 401 from now on. [y/N]');
    await m.press('y');
    await m.waitFor('Revoked key "ci-bot"');
    assert.deepEqual(m.client.callsTo('revokeKey'), [['key_2']]);
    await m.waitFor(/ci-bot.*revoked/);
  });
});

describe('tui providers', () => {
  it('lists providers with status and cooldowns, and how to add one', async () => {
    m = await mount({ view: 'providers' });
    let f = await m.waitFor('Providers (3)');
    assert.match(f, /openai\s+openai\s+yes\s+1 set\s+ok/, 'at 100 columns the state has room before the base URL');
    assert.match(f, /groq\s+openai\s+yes\s+1 set\s+cooling down until \d\d:\d\d:\d\d \(in 45s\): 429 rate limited/);
    assert.match(f, /anthropic\s+anthropic\s+no\s+1 set\s+no credentials/);
    assert.match(f, /printf %s "\$KEY" \| krouter providers add NAME --type openai \\\n\s+--base-url URL --api-key -/);
    await m.press('G');
    f = await m.waitFor('groq: cooldowns and locks');
    assert.match(f, /groq\s+cooling down until \d\d:\d\d:\d\d \(in 45s\): 429 rate limited/);
    await m.press('a');
    f = await m.waitFor('Add a provider');
    assert.match(f, /api-key -/);
    await m.press('escape');
    await m.waitFor('Providers (3)');
  });
});

describe('tui lockouts', () => {
  it('lists lockouts and clears one, or all, after confirmation', async () => {
    m = await mount({ view: 'lockouts' });
    const f = await m.waitFor('Lockouts (2)');
    assert.match(f, /> 203\.0\.113\.9\s+12\s+.*\(in 10m\)/);
    assert.match(f, /2001:db8:1:2::\/64\s+3\s+.*not locked/);
    await m.press('c');
    await m.waitFor('Clear the lockout of 203.0.113.9?');
    await m.press('y');
    await m.waitFor('Cleared 1 lockout.');
    await m.waitFor('Lockouts (1)');
    await m.press('C', 'y');
    await m.waitFor('Cleared 1 lockout.');
    assert.deepEqual(m.client.callsTo('clearLockouts'), [['203.0.113.9'], [undefined]]);
  });

  it('says so when the daemon has no lockouts route yet', async () => {
    const c = new FakeClient();
    c.failures.set('listLockouts', notFound());
    c.failures.set('getDebug', notFound());
    m = await mount({ client: c, view: 'lockouts' });
    await m.waitFor('Lockouts: not available from this daemon (GET /admin/v1/lockouts is not implemented there yet).');
    await m.press('7');
    await m.waitFor('This daemon cannot switch debug mode yet');
  });
});

describe('tui settings', () => {
  it('turns debug mode on for N minutes, then off', async () => {
    m = await mount({ view: 'settings' });
    await m.waitFor('off: only metadata is logged');
    await m.press('d');
    await m.waitFor('for how many minutes? (1-1440): 30');
    await m.press('backspace', 'backspace', '1', '0', 'enter');
    await m.waitFor('Debug mode is on for 10 min');
    assert.deepEqual(m.client.callsTo('setDebug'), [[{ enabled: true, forSeconds: 600 }]]);
    let f = await m.waitFor('DEBUG MODE ON');
    assert.match(f, /ON until \d\d:\d\d:\d\d \(in 10m\), then off by itself/);
    await m.press('d');
    await m.waitFor('Debug mode is off');
    assert.deepEqual(m.client.callsTo('setDebug')[1], [{ enabled: false }]);
    f = await m.waitFor((s) => !s.includes('DEBUG MODE ON'));
    assert.match(f, /off: only metadata/);
  });

  it('refuses a bad number of minutes', async () => {
    m = await mount({ view: 'settings' });
    await m.waitFor('off: only metadata');
    await m.press('d', 'ctrl+u', 'x', 'enter');
    await m.waitFor('"x" is not a whole number of minutes');
    assert.equal(m.client.callsTo('setDebug').length, 0);
  });
});

describe('tui read-only', () => {
  it('hides dangerous and writing commands and refuses their keys', async () => {
    m = await mount({ view: 'keys', readOnly: true });
    let f = await m.waitFor('Keys (2)');
    assert.match(f, /\[read-only\]/);
    const hint = f.trimEnd().split('\n').at(-1) ?? '';
    assert.doesNotMatch(hint, /revoke|rotate|new/);
    await m.press('d');
    await m.waitFor('Refused in read-only mode: "Revoke the selected key');
    await m.press('r', 'n');
    await sleep(50);
    assert.equal(m.client.callsTo('revokeKey').length + m.client.callsTo('rotateKey').length + m.client.callsTo('createKey').length, 0);
    await m.press('3', 'enter', 'K', 'd');
    await sleep(50);
    assert.equal(m.client.callsTo('putCombo').length + m.client.callsTo('removeCombo').length, 0);
    await m.press('escape', '?');
    f = await m.waitFor('Combos: keys');
    assert.doesNotMatch(f, /^\s+(d|K|J|s|n|e)\s/m, 'no writing command in the help');
    assert.match(f, /^\s+enter l right\s+Select the combo's targets/m);
  });
});

describe('tui navigation', () => {
  it('switches views by number and tab, and applies a burst of keys one by one', async () => {
    const c = new FakeClient();
    c.keys = Array.from({ length: 6 }, (_v, i) => ({ id: `key_${i}`, name: `key-${i}`, prefix: `sk-krouter-${i}`, createdAt: new Date(NOW).toISOString(), lastUsedAt: null, revokedAt: null }));
    m = await mount({ client: c });
    await m.press('4');
    await m.waitFor('Keys (6)');
    m.write('jjj');
    await m.waitFor('> key-3');
    m.write('jjjjjjjk');
    await m.waitFor('> key-4');
    await m.press('tab');
    await m.waitFor('Providers (3)');
    await m.press('shift+tab', 'shift+tab');
    await m.waitFor('Combos (1)');
    await m.press('?');
    await m.waitFor('Combos: keys');
    await m.press('escape');
    await m.waitFor('Combos (1)');
    await m.press('q');
    assert.equal(m.quits, 1);
  });
});
