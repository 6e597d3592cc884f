import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ComboStrategy } from '../../src/shared/admin-types.js';
import type { Catalog } from '../../src/daemon/routing/catalog.js';
import { nameProblem, parseTargetRef, type TargetRef } from '../../src/daemon/routing/names.js';
import { Turns, comboDepth, findCycle, resolvePlan } from '../../src/daemon/routing/resolve.js';
import { TargetHealth } from '../../src/daemon/routing/target-health.js';

interface FakeCombo {
  name: string;
  strategy: ComboStrategy;
  targets: string[];
}

/**
 * A stand-in for Catalog with only what resolvePlan/findCycle/comboDepth call:
 * generation, combo(name) and provider(name). The real Catalog needs a Store and a
 * SecretBox, so the fake is cast through `unknown` to the class type.
 */
function fakeCatalog(providers: string[], combos: Record<string, string[] | { strategy: ComboStrategy; targets: string[] }>): Catalog {
  const map = new Map<string, FakeCombo>();
  for (const [name, def] of Object.entries(combos)) {
    map.set(name, Array.isArray(def) ? { name, strategy: 'fallback', targets: def } : { name, ...def });
  }
  const fake = {
    // a fixed catalog: one generation (resolvePlan caches plans per generation)
    generation: 1,
    combo: (name: string): FakeCombo | undefined => map.get(name),
    provider: (name: string): { name: string } | undefined => (providers.includes(name) ? { name } : undefined),
  };
  return fake as unknown as Catalog;
}

const noTurn = (): number => {
  throw new Error('nextTurn must not be called for this plan');
};

function ref(id: string): TargetRef {
  const r = parseTargetRef(id);
  assert.ok(r, id);
  return r;
}

describe('parseTargetRef / nameProblem', () => {
  it('splits at the first slash', () => {
    assert.deepEqual(parseTargetRef('openrouter/meta-llama/llama-3.1-8b'), { provider: 'openrouter', model: 'meta-llama/llama-3.1-8b', id: 'openrouter/meta-llama/llama-3.1-8b' });
  });
  it('refuses names without a provider or a model', () => {
    assert.equal(parseTargetRef('gpt-4o'), null);
    assert.equal(parseTargetRef('/gpt-4o'), null);
    assert.equal(parseTargetRef('openai/'), null);
  });
  it('provider names: no slash, no leading punctuation, at most 64 chars', () => {
    assert.equal(nameProblem('provider', 'open-ai.v2_x'), null);
    assert.match(nameProblem('provider', 'a/b') ?? '', /not allowed/);
    assert.match(nameProblem('combo', '-x') ?? '', /combo name "-x"/);
    assert.equal(nameProblem('combo', 'a'.repeat(64)), null);
    assert.notEqual(nameProblem('combo', 'a'.repeat(65)), null);
  });
});

describe('resolvePlan', () => {
  it('reuses the plan of a fixed combo until the catalog changes generation, never a round-robin one', () => {
    const combos = new Map<string, FakeCombo>([
      ['c', { name: 'c', strategy: 'fallback', targets: ['a/x', 'b/y'] }],
      ['rr', { name: 'rr', strategy: 'round-robin', targets: ['a/x', 'b/y'] }],
    ]);
    const cat = { generation: 1, combo: (n: string) => combos.get(n), provider: (n: string) => ({ name: n }) };
    const catalog = cat as unknown as Catalog;
    const first = resolvePlan('c', catalog, noTurn);
    assert.equal(resolvePlan('c', catalog, noTurn), first, 'same generation: the same plan object');
    combos.set('c', { name: 'c', strategy: 'fallback', targets: ['b/y', 'a/x'] });
    cat.generation = 2;
    assert.deepEqual(
      resolvePlan('c', catalog, noTurn)?.targets.map((t) => t.id),
      ['b/y', 'a/x'],
      'a reload (new generation) is seen at once',
    );
    let turn = 0;
    const next = (): number => turn++;
    assert.deepEqual(
      [resolvePlan('rr', catalog, next), resolvePlan('rr', catalog, next)].map((pl) => pl?.targets[0]?.id),
      ['a/x', 'b/y'],
      'round-robin plans rotate on every call',
    );
  });

  it('provider/model resolves to one direct target', () => {
    const cat = fakeCatalog(['openai'], {});
    assert.deepEqual(resolvePlan('openai/gpt-4o', cat, noTurn), {
      model: 'openai/gpt-4o',
      kind: 'direct',
      strategy: null,
      targets: [{ provider: 'openai', model: 'gpt-4o', id: 'openai/gpt-4o', via: [] }],
    });
  });

  it('model ids may contain more slashes', () => {
    const cat = fakeCatalog(['openrouter'], {});
    const plan = resolvePlan('openrouter/meta-llama/llama-3/instruct', cat, noTurn);
    assert.deepEqual(plan?.targets, [{ provider: 'openrouter', model: 'meta-llama/llama-3/instruct', id: 'openrouter/meta-llama/llama-3/instruct', via: [] }]);
  });

  it('unknown provider, bare unknown name, or malformed ref → null', () => {
    const cat = fakeCatalog(['openai'], {});
    assert.equal(resolvePlan('anthropic/claude', cat, noTurn), null);
    assert.equal(resolvePlan('gpt-4o', cat, noTurn), null);
    assert.equal(resolvePlan('openai/', cat, noTurn), null);
    assert.equal(resolvePlan('', cat, noTurn), null);
  });

  it('a combo name wins and expands to its targets with via', () => {
    const cat = fakeCatalog(['openai', 'anthropic'], { fast: ['openai/gpt-4o-mini', 'anthropic/claude-haiku'] });
    assert.deepEqual(resolvePlan('fast', cat, noTurn), {
      model: 'fast',
      kind: 'combo',
      strategy: 'fallback',
      targets: [
        { provider: 'openai', model: 'gpt-4o-mini', id: 'openai/gpt-4o-mini', via: ['fast'] },
        { provider: 'anthropic', model: 'claude-haiku', id: 'anthropic/claude-haiku', via: ['fast'] },
      ],
    });
  });

  it('nested combos are flattened in order, with via paths, duplicates dropped (first wins)', () => {
    const cat = fakeCatalog(['openai', 'anthropic', 'groq', 'local'], {
      main: ['openai/gpt-4o', 'backup', 'anthropic/claude'],
      backup: ['groq/llama', 'openai/gpt-4o', 'deep', 'anthropic/claude'],
      deep: ['local/qwen', 'groq/llama'],
    });
    const plan = resolvePlan('main', cat, noTurn);
    assert.deepEqual(
      plan?.targets.map((t) => [t.id, t.via.join('>')]),
      [
        ['openai/gpt-4o', 'main'],
        ['groq/llama', 'main>backup'],
        ['local/qwen', 'main>backup>deep'],
        ['anthropic/claude', 'main>backup'],
      ],
    );
  });

  it('combo targets that are neither combos nor provider/model are skipped', () => {
    const cat = fakeCatalog(['openai'], { c: ['nonsense', 'openai/gpt-4o', '/x'] });
    assert.deepEqual(resolvePlan('c', cat, noTurn)?.targets.map((t) => t.id), ['openai/gpt-4o']);
  });

  it('a cycle in stored combos (corrupt store) terminates', () => {
    const cat = fakeCatalog(['p'], { x: ['y', 'p/1'], y: ['x', 'p/2'] });
    assert.deepEqual(resolvePlan('x', cat, noTurn)?.targets.map((t) => [t.id, t.via.join('>')]), [
      ['p/2', 'x>y'],
      ['p/1', 'x'],
    ]);
  });

  it('round-robin rotates the start on each next(), peek() does not advance', () => {
    const cat = fakeCatalog(['a', 'b', 'c'], { rr: { strategy: 'round-robin', targets: ['a/1', 'b/2', 'c/3'] } });
    const turns = new Turns();
    const ids = (next: (c: string) => number): string[] => resolvePlan('rr', cat, next)?.targets.map((t) => t.id) ?? [];
    assert.equal(resolvePlan('rr', cat, turns.peek)?.strategy, 'round-robin');
    assert.deepEqual(ids(turns.peek), ['a/1', 'b/2', 'c/3']);
    assert.deepEqual(ids(turns.peek), ['a/1', 'b/2', 'c/3']);
    assert.deepEqual(ids(turns.next), ['a/1', 'b/2', 'c/3']);
    assert.deepEqual(ids(turns.peek), ['b/2', 'c/3', 'a/1']);
    assert.deepEqual(ids(turns.next), ['b/2', 'c/3', 'a/1']);
    assert.deepEqual(ids(turns.next), ['c/3', 'a/1', 'b/2']);
    assert.deepEqual(ids(turns.next), ['a/1', 'b/2', 'c/3']);
  });

  it('turn counters are per combo; a nested round-robin rotates inside its parent', () => {
    const cat = fakeCatalog(['p'], {
      outer: ['p/first', 'inner'],
      inner: { strategy: 'round-robin', targets: ['p/x', 'p/y'] },
      other: { strategy: 'round-robin', targets: ['p/m', 'p/n'] },
    });
    const turns = new Turns();
    const ids = (model: string): string[] => resolvePlan(model, cat, turns.next)?.targets.map((t) => t.id) ?? [];
    assert.deepEqual(ids('outer'), ['p/first', 'p/x', 'p/y']);
    assert.deepEqual(ids('outer'), ['p/first', 'p/y', 'p/x']);
    assert.deepEqual(ids('other'), ['p/m', 'p/n']);
    assert.equal(turns.peek('inner'), 2);
    assert.equal(turns.peek('other'), 1);
  });

  it('a round-robin combo with one target does not use a turn', () => {
    const cat = fakeCatalog(['p'], { solo: { strategy: 'round-robin', targets: ['p/only'] } });
    const turns = new Turns();
    assert.deepEqual(resolvePlan('solo', cat, turns.next)?.targets.map((t) => t.id), ['p/only']);
    assert.equal(turns.peek('solo'), 0);
  });
});

describe('findCycle / comboDepth', () => {
  it('detects a combo naming itself', () => {
    assert.deepEqual(findCycle('a', ['p/m', 'a'], fakeCatalog([], {})), ['a', 'a']);
  });

  it('detects an indirect cycle and returns its path', () => {
    const cat = fakeCatalog([], { b: ['c'], c: ['p/m', 'a'] });
    assert.deepEqual(findCycle('a', ['b'], cat), ['a', 'b', 'c', 'a']);
  });

  it('uses the proposed targets, not the stored ones, for the combo being written', () => {
    const cat = fakeCatalog([], { a: ['p/m'], b: ['a'] });
    assert.deepEqual(findCycle('a', ['b'], cat), ['a', 'b', 'a']);
    assert.equal(findCycle('b', ['a'], cat), null);
  });

  it('accepts DAGs (shared sub-combos are not cycles)', () => {
    const cat = fakeCatalog([], { b: ['d', 'p/1'], c: ['d'], d: ['p/2'] });
    assert.equal(findCycle('a', ['b', 'c', 'd', 'p/3'], cat), null);
    assert.equal(comboDepth('a', ['b', 'c', 'p/3'], cat), 2);
  });

  it('terminates on an existing cycle that does not involve the new combo', () => {
    const cat = fakeCatalog([], { b: ['c'], c: ['b'] });
    assert.equal(findCycle('a', ['b'], cat), null);
  });
});

describe('TargetHealth', () => {
  const gpt4o = ref('openai/gpt-4o');
  const mini = ref('openai/gpt-4o-mini');
  const claude = ref('anthropic/claude');

  it('a target mark holds until it expires (fake clock)', () => {
    let t = 1000;
    const h = new TargetHealth(() => t);
    assert.deepEqual(h.view(gpt4o), { state: 'ok', until: null, reason: null });
    h.mark('target', gpt4o, 'cooling_down', 5000, 'HTTP 429');
    assert.deepEqual(h.view(gpt4o), { state: 'cooling_down', until: 6000, reason: 'HTTP 429' });
    assert.equal(h.view(mini).state, 'ok');
    t = 5999;
    assert.equal(h.view(gpt4o).state, 'cooling_down');
    t = 6000;
    assert.deepEqual(h.view(gpt4o), { state: 'ok', until: null, reason: null });
  });

  it('a provider mark affects all of its targets and no other provider', () => {
    let t = 0;
    const h = new TargetHealth(() => t);
    h.mark('provider', gpt4o, 'locked', 300_000, 'HTTP 401');
    assert.deepEqual(h.view(mini), { state: 'locked', until: 300_000, reason: 'HTTP 401' });
    assert.deepEqual(h.view(ref('openai/some/other-model')), { state: 'locked', until: 300_000, reason: 'HTTP 401' });
    assert.equal(h.view(claude).state, 'ok');
    t = 300_000;
    assert.equal(h.view(mini).state, 'ok');
  });

  it('ok() clears the target mark and its provider mark', () => {
    const h = new TargetHealth(() => 0);
    h.mark('target', gpt4o, 'cooling_down', 1000, 'a');
    h.mark('provider', mini, 'locked', 1000, 'b');
    h.mark('target', claude, 'cooling_down', 1000, 'c');
    h.ok(gpt4o);
    assert.equal(h.view(gpt4o).state, 'ok');
    assert.equal(h.view(mini).state, 'ok');
    assert.equal(h.view(claude).state, 'cooling_down');
  });

  it('when target and provider marks overlap, the later-expiring one is shown', () => {
    const h = new TargetHealth(() => 0);
    h.mark('target', gpt4o, 'cooling_down', 10_000, 'target 429');
    h.mark('provider', gpt4o, 'cooling_down', 5_000, 'provider down');
    assert.deepEqual(h.view(gpt4o), { state: 'cooling_down', until: 10_000, reason: 'target 429' });
    assert.deepEqual(h.view(mini), { state: 'cooling_down', until: 5_000, reason: 'provider down' });
    h.mark('provider', gpt4o, 'cooling_down', 20_000, 'provider down longer');
    assert.deepEqual(h.view(gpt4o), { state: 'cooling_down', until: 20_000, reason: 'provider down longer' });
  });

  it('a shorter mark does not shorten a longer one; a longer one extends it', () => {
    let t = 0;
    const h = new TargetHealth(() => t);
    h.mark('target', gpt4o, 'locked', 10_000, 'long');
    h.mark('target', gpt4o, 'cooling_down', 1_000, 'short');
    assert.deepEqual(h.view(gpt4o), { state: 'locked', until: 10_000, reason: 'long' });
    t = 5_000;
    h.mark('target', gpt4o, 'cooling_down', 30_000, 'longer');
    assert.deepEqual(h.view(gpt4o), { state: 'cooling_down', until: 35_000, reason: 'longer' });
  });

  it('forgetProvider clears its provider mark and its targets, not a provider whose name merely starts the same', () => {
    const h = new TargetHealth(() => 0);
    const openaiEu = ref('openai-eu/gpt-4o');
    h.mark('provider', gpt4o, 'locked', 1000, 'p');
    h.mark('target', mini, 'cooling_down', 1000, 't');
    h.mark('target', openaiEu, 'cooling_down', 1000, 'other');
    h.forgetProvider('openai');
    assert.equal(h.view(gpt4o).state, 'ok');
    assert.equal(h.view(mini).state, 'ok');
    assert.equal(h.view(openaiEu).state, 'cooling_down');
  });

  it('is bounded: past 10000 live marks the oldest insertions are dropped, the newest kept', () => {
    const h = new TargetHealth(() => 0);
    const n = 12_000;
    for (let i = 0; i < n; i++) h.mark('target', ref(`p/m${i}`), 'cooling_down', 60_000, `r${i}`);
    let live = 0;
    for (let i = 0; i < n; i++) if (h.view(ref(`p/m${i}`)).state !== 'ok') live++;
    assert.ok(live <= 10_000 && live >= 9_000, `live marks: ${live}`);
    assert.equal(h.view(ref('p/m0')).state, 'ok');
    assert.equal(h.view(ref(`p/m${n - 9_000}`)).state, 'cooling_down');
    assert.deepEqual(h.view(ref(`p/m${n - 1}`)), { state: 'cooling_down', until: 60_000, reason: `r${n - 1}` });
  });

  it('when full, expired marks are pruned first, so an old live mark survives', () => {
    let t = 0;
    const h = new TargetHealth(() => t);
    h.mark('target', ref('keep/me'), 'locked', 1_000_000, 'old but live');
    for (let i = 0; i < 9_999; i++) h.mark('target', ref(`p/m${i}`), 'cooling_down', 10, 'short');
    t = 100;
    h.mark('target', ref('new/one'), 'cooling_down', 1000, 'new');
    h.mark('target', ref('new/two'), 'cooling_down', 1000, 'new');
    assert.equal(h.view(ref('keep/me')).state, 'locked');
    assert.equal(h.view(ref('new/one')).state, 'cooling_down');
    assert.equal(h.view(ref('new/two')).state, 'cooling_down');
  });

  it('provider marks are bounded too', () => {
    const h = new TargetHealth(() => 0);
    for (let i = 0; i < 10_050; i++) h.mark('provider', ref(`prov${i}/m`), 'locked', 60_000, 'x');
    assert.equal(h.view(ref('prov0/m')).state, 'ok');
    assert.equal(h.view(ref('prov10049/m')).state, 'locked');
  });
});
