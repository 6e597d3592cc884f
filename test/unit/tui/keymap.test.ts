/** The keymap table: no clashes, read-only hides writes, and the man page matches it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { commandForKey, commandsFor, hintsFor, isWrite, KEYMAP, MODAL_MODES, VIEW_IDS, type Mode } from '../../../src/tui/keymap.js';
import { manKeysSection, MAN_KEYS_BEGIN, MAN_KEYS_END, withManKeys } from '../../../src/tui/man-keys.js';

const MODES: Mode[] = ['list', 'detail', 'targets', ...MODAL_MODES];

describe('tui keymap', () => {
  it('has unique ids and no key bound twice in the same place', () => {
    assert.equal(new Set(KEYMAP.map((c) => c.id)).size, KEYMAP.length);
    for (const view of VIEW_IDS) {
      for (const mode of MODES) {
        const seen = new Map<string, string>();
        for (const c of commandsFor(view, mode, false)) {
          for (const k of c.keys) {
            const prev = seen.get(k);
            // A view's own binding may shadow a global one (commandForKey prefers it); two of the same kind may not clash.
            if (prev !== undefined) {
              const p = KEYMAP.find((x) => x.id === prev);
              assert.ok(p !== undefined && (p.views === 'global') !== (c.views === 'global'), `${view}/${mode}: "${k}" is bound to ${prev} and ${c.id}`);
            }
            seen.set(k, c.id);
          }
        }
      }
    }
  });

  it('prefers the view binding over a global one', () => {
    assert.equal(commandForKey('escape', 'logs', 'detail')?.id, 'logs.close');
    assert.equal(commandForKey('q', 'logs', 'list')?.id, 'app.quit');
    assert.equal(commandForKey('q', 'logs', 'prompt'), undefined, 'typing q in an input line is text');
    assert.equal(commandForKey('d', 'keys', 'list')?.id, 'keys.revoke');
    assert.equal(commandForKey('y', 'keys', 'confirm')?.id, 'confirm.yes');
    assert.equal(commandForKey('j', 'keys', 'confirm'), undefined);
  });

  it('marks every dangerous command as a write, and the right ones dangerous', () => {
    for (const id of ['keys.revoke', 'keys.rotate', 'combos.delete', 'lockouts.clear', 'lockouts.clearAll']) {
      assert.equal(KEYMAP.find((c) => c.id === id)?.dangerous, true, id);
    }
    for (const c of KEYMAP) if (c.dangerous === true) assert.ok(isWrite(c));
  });

  it('hides writes from hints and help in read-only mode', () => {
    const rw = hintsFor('keys', 'list', false).map((c) => c.id);
    const ro = hintsFor('keys', 'list', true).map((c) => c.id);
    assert.ok(rw.includes('keys.revoke') && rw.includes('keys.new'));
    assert.ok(!ro.includes('keys.revoke') && !ro.includes('keys.rotate') && !ro.includes('keys.new'));
    assert.ok(ro.includes('app.quit'));
    for (const v of VIEW_IDS) for (const c of commandsFor(v, 'list', true)) assert.ok(!isWrite(c), `${c.id} shown in read-only`);
  });

  it('generates the man page KEYS section, and man/krouter.1 is up to date', () => {
    const section = manKeysSection();
    assert.ok(section.startsWith(MAN_KEYS_BEGIN) && section.trimEnd().endsWith(MAN_KEYS_END));
    for (const c of KEYMAP) assert.ok(section.includes(c.description.replace(/-/g, '\\-').split('.')[0] ?? ''), `${c.id} missing from the man page`);
    const page = readFileSync(new URL('../../../../man/krouter.1', import.meta.url), 'utf8');
    assert.equal(withManKeys(page), page, 'man/krouter.1 is out of date: run `npm run build` (scripts/gen-man-keys.ts)');
    assert.equal(withManKeys(withManKeys(page)), page, 'regenerating is idempotent');
  });
});
