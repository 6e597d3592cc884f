/** The reducer and selectors: pure state changes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { act, currentMode, entryMatches, initialState, MAX_LOG_ENTRIES, parseFilter, pendingCount, reducer, selectedLogIndex, visibleLogs, type Action, type UiState } from '../../../src/tui/state.js';
import { entry, NOW } from './fake-client.js';

const start = (): UiState => initialState({ readOnly: false, size: { columns: 100, rows: 30 }, now: NOW, view: 'logs' });
const apply = (s: UiState, ...actions: Action[]): UiState => actions.reduce(reducer, s);

describe('tui state', () => {
  it('merges log entries by id, oldest first, capped', () => {
    let s = apply(start(), act.mergeLogs([entry(3), entry(1)]), act.mergeLogs([entry(2), entry(3, { status: 500 })]));
    assert.deepEqual(s.logs.entries.map((e) => e.id), [1, 2, 3]);
    assert.equal(s.logs.entries[2]?.status, 500);
    s = reducer(s, act.mergeLogs(Array.from({ length: MAX_LOG_ENTRIES + 10 }, (_v, i) => entry(i + 10))));
    assert.equal(s.logs.entries.length, MAX_LOG_ENTRIES);
    assert.equal(s.logs.entries[s.logs.entries.length - 1]?.id, MAX_LOG_ENTRIES + 19);
  });

  it('follows the newest entry until the user moves up, and again at the bottom', () => {
    let s = apply(start(), act.mergeLogs([entry(1), entry(2), entry(3)]));
    assert.equal(selectedLogIndex(s, visibleLogs(s)), 2);
    s = reducer(s, act.move(-1));
    assert.equal(s.logs.follow, false);
    assert.equal(s.logs.selectedId, 2);
    s = reducer(s, act.mergeLogs([entry(4)]));
    assert.equal(visibleLogs(s)[selectedLogIndex(s, visibleLogs(s))]?.id, 2, 'selection stays put while scrolled back');
    s = reducer(s, act.move('bottom'));
    assert.equal(s.logs.follow, true);
    s = reducer(s, act.mergeLogs([entry(5)]));
    assert.equal(visibleLogs(s)[selectedLogIndex(s, visibleLogs(s))]?.id, 5);
  });

  it('pauses: newer entries wait and are counted', () => {
    let s = apply(start(), act.mergeLogs([entry(1), entry(2)]), act.togglePause(), act.mergeLogs([entry(3), entry(4)]));
    assert.deepEqual(visibleLogs(s).map((e) => e.id), [1, 2]);
    assert.equal(pendingCount(s), 2);
    s = reducer(s, act.togglePause());
    assert.deepEqual(visibleLogs(s).map((e) => e.id), [1, 2, 3, 4]);
    assert.equal(pendingCount(s), 0);
  });

  it('filters by key, model, provider, status and free text', () => {
    const a = entry(1, { keyName: 'laptop', modelAsked: 'best', target: 'openai/gpt-4o', status: 200 });
    const b = entry(2, { keyName: 'ci', modelAsked: 'groq/llama', target: 'groq/llama', status: 429 });
    const c = entry(3, { keyName: 'ci', modelAsked: 'best', target: null, status: 502, attempts: [{ target: 'anthropic/claude', status: 500, outcome: 'transient', reason: 'x', latencyMs: 1 }] });
    const pick = (f: string): number[] => [a, b, c].filter((e) => entryMatches(e, parseFilter(f))).map((e) => e.id);
    assert.deepEqual(pick(''), [1, 2, 3]);
    assert.deepEqual(pick('key:ci'), [2, 3]);
    assert.deepEqual(pick('model:gpt'), [1]);
    assert.deepEqual(pick('provider:anthropic'), [3]);
    assert.deepEqual(pick('status:5xx'), [3]);
    assert.deepEqual(pick('status:error'), [2, 3]);
    assert.deepEqual(pick('status:429'), [2]);
    assert.deepEqual(pick('key:ci best'), [3]);
    assert.deepEqual(pick('LLAMA'), [2]);
  });

  it('edits a prompt key by key', () => {
    let s = apply(start(), act.openPrompt({ kind: 'keys.newName', label: 'Name' }));
    assert.equal(currentMode(s), 'prompt');
    for (const k of ['a', 'b', 'space', 'c', 'backspace', 'enter', 'ctrl+x']) s = reducer(s, act.promptKey(k));
    assert.equal(s.prompt?.value, 'ab ');
    s = reducer(s, act.promptKey('ctrl+u'));
    assert.equal(s.prompt?.value, '');
  });

  it('layers modes: secret over confirm over prompt over help over the view', () => {
    let s = start();
    assert.equal(currentMode(s), 'list');
    s = reducer(s, act.openDetail(1));
    assert.equal(currentMode(s), 'detail');
    s = reducer(s, act.toggleHelp());
    assert.equal(currentMode(s), 'help');
    s = reducer(s, act.openConfirm({ commandId: 'keys.revoke', message: 'sure?', subject: 'k' }));
    assert.equal(currentMode(s), 'confirm');
    s = reducer(s, act.showSecret({ title: 't', secret: 's' }));
    assert.equal(currentMode(s), 'secret');
  });

  it('keeps the debug state the daemon announces', () => {
    let s = reducer(start(), act.loaded('debug', { enabled: false, until: null, dir: '/d' }));
    s = reducer(s, act.debugState(true, '2025-06-15T13:00:00.000Z'));
    assert.deepEqual(s.res.debug.data, { enabled: true, until: '2025-06-15T13:00:00.000Z', dir: '/d' });
  });

  it('steps through the views in order, wrapping', () => {
    let s = initialState({ readOnly: false, size: { columns: 100, rows: 30 }, now: NOW });
    s = reducer(s, act.stepView(-1));
    assert.equal(s.view, 'settings');
    s = reducer(s, act.stepView(1));
    assert.equal(s.view, 'overview');
  });
});
