/** The key parser: bursts become one key per press, in order. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keysFromInk, keyText, splitKeys, type InkKeyLike } from '../../../src/tui/keys.js';

const none: InkKeyLike = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageUp: false,
  pageDown: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
};

describe('tui key parser', () => {
  it('splits a burst of characters into single keys', () => {
    assert.deepEqual(keysFromInk('jjj', none), ['j', 'j', 'j']);
    assert.deepEqual(keysFromInk('jJk', none), ['j', 'J', 'k']);
  });

  it('turns control characters inside a burst into named keys', () => {
    assert.deepEqual(splitKeys('ab\r'), ['a', 'b', 'enter']);
    assert.deepEqual(splitKeys('x\x7fy\t \x1b\x03'), ['x', 'backspace', 'y', 'tab', 'space', 'escape', 'ctrl+c']);
    assert.deepEqual(splitKeys('\n'), ['enter']);
  });

  it('keeps non-ASCII characters whole', () => {
    assert.deepEqual(splitKeys('é😀'), ['é', '😀']);
  });

  it('maps the keys Ink recognised', () => {
    assert.deepEqual(keysFromInk('', { ...none, upArrow: true }), ['up']);
    assert.deepEqual(keysFromInk('', { ...none, downArrow: true }), ['down']);
    assert.deepEqual(keysFromInk('', { ...none, return: true }), ['enter']);
    assert.deepEqual(keysFromInk('', { ...none, escape: true, meta: true }), ['escape']);
    assert.deepEqual(keysFromInk('', { ...none, tab: true }), ['tab']);
    assert.deepEqual(keysFromInk('', { ...none, tab: true, shift: true }), ['shift+tab']);
    assert.deepEqual(keysFromInk('', { ...none, delete: true }), ['backspace']);
    assert.deepEqual(keysFromInk('', { ...none, pageDown: true }), ['pagedown']);
    assert.deepEqual(keysFromInk('c', { ...none, ctrl: true }), ['ctrl+c']);
    assert.deepEqual(keysFromInk('j', { ...none, meta: true }), []);
  });

  it('knows which keys are text', () => {
    assert.equal(keyText('a'), 'a');
    assert.equal(keyText('space'), ' ');
    assert.equal(keyText('enter'), undefined);
    assert.equal(keyText('ctrl+c'), undefined);
  });
});
