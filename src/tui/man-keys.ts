/**
 * The KEYS section of man/krouter.1, generated from the keymap (so the manual
 * cannot drift from the keys). scripts/gen-man-keys.ts writes it at build time;
 * a unit test checks the checked-in page matches.
 */
import { isWrite, KEYMAP, keyLabel, VIEW_IDS, VIEW_TITLES, type KeyCommand, type ViewId } from './keymap.js';

export const MAN_KEYS_BEGIN = '.\\" BEGIN GENERATED KEYS: made by scripts/gen-man-keys.ts from src/tui/keymap.ts; edit those, not this.';
export const MAN_KEYS_END = '.\\" END GENERATED KEYS';

/** Text for roff: backslashes escaped, hyphens as \- (so they copy as ASCII), no control line by accident. */
function roff(text: string): string {
  const t = text.replace(/\\/g, '\\e').replace(/-/g, '\\-');
  return /^[.']/.test(t) ? `\\&${t}` : t;
}

function entry(c: KeyCommand): string[] {
  const note = c.dangerous === true ? ' (Asks for confirmation. Not in \\-\\-read\\-only.)' : isWrite(c) ? ' (Not in \\-\\-read\\-only.)' : '';
  return ['.TP', `.B ${roff(c.keys.map(keyLabel).join(', '))}`, `${roff(c.description)}.${note}`.replace(/\.\./g, '.')];
}

const MODAL_TITLES: Readonly<Record<string, string>> = {
  prompt: 'In an input line',
  confirm: 'When asked to confirm',
  secret: 'When a new key secret is shown',
  help: 'In the help overlay',
  info: 'In an information panel',
};

export function manKeysSection(): string {
  const out: string[] = [
    MAN_KEYS_BEGIN,
    '.SH KEYS',
    'Keys of',
    '.BR "krouter tui" .',
    'Each view shows its keys in the bottom line;',
    '.B ?',
    'lists them all.',
    'Keys typed faster than the screen redraws are applied one by one, in order.',
    'With',
    '.BR \\-\\-read\\-only ,',
    'the commands that change the daemon are hidden and refused.',
  ];
  const global = KEYMAP.filter((c) => c.views === 'global' && c.mode === undefined);
  out.push('.SS Everywhere', ...global.flatMap(entry));
  const lists = KEYMAP.filter((c) => c.id.startsWith('list.'));
  out.push('.SS In lists (Logs, Combos, Keys, Providers, Lockouts)', ...lists.flatMap(entry));
  for (const v of VIEW_IDS as readonly ViewId[]) {
    const own = KEYMAP.filter((c) => c.views !== 'global' && c.views.includes(v) && !c.id.startsWith('list.'));
    if (own.length === 0) continue;
    out.push(`.SS ${VIEW_TITLES[v]}`, ...own.flatMap(entry));
  }
  for (const [mode, title] of Object.entries(MODAL_TITLES)) {
    const cmds = KEYMAP.filter((c) => c.mode === mode);
    if (cmds.length > 0) out.push(`.SS ${title}`, ...cmds.flatMap(entry));
  }
  out.push(MAN_KEYS_END);
  return `${out.join('\n')}\n`;
}

/** `page` with its generated KEYS section replaced by the current one (inserted before SEE ALSO / the end when missing). */
export function withManKeys(page: string): string {
  const section = manKeysSection();
  const begin = page.indexOf(MAN_KEYS_BEGIN);
  const end = page.indexOf(MAN_KEYS_END);
  if (begin >= 0 && end > begin) {
    const after = page.indexOf('\n', end);
    return page.slice(0, begin) + section + (after < 0 ? '' : page.slice(after + 1));
  }
  const seeAlso = page.indexOf('.SH SEE ALSO');
  return seeAlso >= 0 ? page.slice(0, seeAlso) + section + page.slice(seeAlso) : `${page.endsWith('\n') ? page : `${page}\n`}${section}`;
}
