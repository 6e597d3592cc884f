/**
 * The TUI's own key parser. Ink splits escape sequences, but hands a burst of
 * plain characters (typed fast, pasted, or sent by tmux in one write: `jjj`,
 * `abc\r`) to a single `useInput` call. Everything here turns that into one key
 * name per key press, in order, so each is applied on its own.
 *
 * Key names: see ./keymap.ts.
 */

/** The parts of Ink's `Key` the parser reads (structural, so tests need no Ink). */
export interface InkKeyLike {
  upArrow: boolean;
  downArrow: boolean;
  leftArrow: boolean;
  rightArrow: boolean;
  pageUp: boolean;
  pageDown: boolean;
  home?: boolean;
  end?: boolean;
  return: boolean;
  escape: boolean;
  ctrl: boolean;
  shift: boolean;
  tab: boolean;
  backspace: boolean;
  delete: boolean;
  meta: boolean;
}

/** Key names for one `useInput(input, key)` call, one per key press. */
export function keysFromInk(input: string, key: InkKeyLike): string[] {
  if (key.upArrow) return ['up'];
  if (key.downArrow) return ['down'];
  if (key.leftArrow) return ['left'];
  if (key.rightArrow) return ['right'];
  if (key.pageUp) return ['pageup'];
  if (key.pageDown) return ['pagedown'];
  if (key.home === true) return ['home'];
  if (key.end === true) return ['end'];
  if (key.tab) return [key.shift ? 'shift+tab' : 'tab'];
  if (key.return) return ['enter'];
  if (key.backspace || key.delete) return ['backspace'];
  if (key.escape && input === '') return ['escape'];
  if (key.ctrl && input.length === 1) return [`ctrl+${input.toLowerCase()}`];
  // Alt/Meta combinations are not bound to anything.
  if (key.meta && [...input].length === 1) return [];
  return splitKeys(input);
}

/** Splits raw terminal text (no escape sequences left in it) into key names. */
export function splitKeys(data: string): string[] {
  const out: string[] = [];
  for (const ch of data) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\r' || ch === '\n') out.push('enter');
    else if (ch === '\t') out.push('tab');
    else if (ch === '\x7f' || ch === '\b') out.push('backspace');
    else if (ch === '\x1b') out.push('escape');
    else if (ch === ' ') out.push('space');
    else if (code >= 1 && code <= 26) out.push(`ctrl+${String.fromCharCode(code + 96)}`);
    else if (code < 32 || (code >= 0x7f && code < 0xa0)) continue; // other control characters: nothing to do
    else out.push(ch);
  }
  return out;
}

/** The text a key adds to an input line, or undefined when it is not text. */
export function keyText(key: string): string | undefined {
  if (key === 'space') return ' ';
  return [...key].length === 1 ? key : undefined;
}
