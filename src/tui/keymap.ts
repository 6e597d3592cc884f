/**
 * The TUI's key bindings: one table of named commands. The hint bar, the `?`
 * overlay and the KEYS section of man/krouter.1 (scripts/gen-man-keys.ts) are
 * all generated from it, so they cannot disagree with what the keys do.
 *
 * Pure data and lookups: no React, no I/O (the man page generator imports it).
 *
 * Key names are what ./keys.ts produces: a printable character as itself
 * (`j`, `J`, `?`, `/`, `1`), or one of `enter`, `escape`, `tab`, `shift+tab`,
 * `backspace`, `up`, `down`, `left`, `right`, `pageup`, `pagedown`, `home`,
 * `end`, `space`, `ctrl+LETTER`.
 */

export const VIEW_IDS = ['overview', 'logs', 'combos', 'keys', 'providers', 'lockouts', 'settings'] as const;
export type ViewId = (typeof VIEW_IDS)[number];

export const VIEW_TITLES: Readonly<Record<ViewId, string>> = {
  overview: 'Overview',
  logs: 'Logs',
  combos: 'Combos',
  keys: 'Keys',
  providers: 'Providers',
  lockouts: 'Lockouts',
  settings: 'Settings',
};

/**
 * Where a command applies beyond its views: the sub-mode of a view (`list`,
 * `detail` in Logs, `targets` in Combos), or a modal layer that takes every key
 * while it is open (`prompt`, `confirm`, `secret`, `help`, `info`).
 */
export type Mode = 'list' | 'detail' | 'targets' | 'prompt' | 'confirm' | 'secret' | 'help' | 'info';
export const MODAL_MODES: readonly Mode[] = ['prompt', 'confirm', 'secret', 'help', 'info'];

export interface KeyCommand {
  /** Stable name, used by the controller and in tests. */
  readonly id: string;
  /** Every key that runs it; the first is the one shown in the hint bar. */
  readonly keys: readonly string[];
  /** One line, for the `?` overlay and the man page. */
  readonly description: string;
  /** A word or two for the hint bar. */
  readonly hint: string;
  /** The views it applies in, or 'global' for all of them. */
  readonly views: readonly ViewId[] | 'global';
  /** Only in this mode. Commands without one apply in every non-modal mode of their views. */
  readonly mode?: Mode;
  /** Changes the daemon's state: hidden and refused in --read-only. */
  readonly writes?: boolean;
  /** Destroys or replaces something (asks for confirmation first); implies `writes`. */
  readonly dangerous?: boolean;
  /** Left out of the hint bar (still in `?` and the man page), to keep the bar short. */
  readonly hideInBar?: boolean;
}

const LISTS: readonly ViewId[] = ['logs', 'combos', 'keys', 'providers', 'lockouts'];

export const KEYMAP: readonly KeyCommand[] = [
  // ---- everywhere
  { id: 'app.quit', keys: ['q', 'ctrl+c'], description: 'Quit', hint: 'quit', views: 'global' },
  { id: 'app.help', keys: ['?'], description: 'Show the keys of this view, and all global keys', hint: 'help', views: 'global' },
  { id: 'app.refresh', keys: ['ctrl+r'], description: 'Reload everything from the daemon now', hint: 'reload', views: 'global', hideInBar: true },
  { id: 'view.next', keys: ['tab'], description: 'Next view', hint: 'next view', views: 'global', hideInBar: true },
  { id: 'view.prev', keys: ['shift+tab'], description: 'Previous view', hint: 'prev view', views: 'global', hideInBar: true },
  { id: 'view.overview', keys: ['1'], description: 'Overview: traffic sparklines, tokens today, provider health', hint: 'overview', views: 'global', hideInBar: true },
  { id: 'view.logs', keys: ['2'], description: 'Logs: live request log', hint: 'logs', views: 'global', hideInBar: true },
  { id: 'view.combos', keys: ['3'], description: 'Combos: fallback chains', hint: 'combos', views: 'global', hideInBar: true },
  { id: 'view.keys', keys: ['4'], description: 'Keys: client API keys', hint: 'keys', views: 'global', hideInBar: true },
  { id: 'view.providers', keys: ['5'], description: 'Providers: accounts, health, cooldowns', hint: 'providers', views: 'global', hideInBar: true },
  { id: 'view.lockouts', keys: ['6'], description: 'Lockouts: client addresses locked out after failed keys', hint: 'lockouts', views: 'global', hideInBar: true },
  { id: 'view.settings', keys: ['7'], description: 'Settings: debug mode', hint: 'settings', views: 'global', hideInBar: true },

  // ---- moving in lists (and scrolling the log detail)
  { id: 'list.down', keys: ['j', 'down'], description: 'Move down', hint: 'down', views: LISTS, hideInBar: true },
  { id: 'list.up', keys: ['k', 'up'], description: 'Move up', hint: 'up', views: LISTS, hideInBar: true },
  { id: 'list.pageDown', keys: ['pagedown', 'ctrl+d'], description: 'Move down a page', hint: 'page down', views: LISTS, hideInBar: true },
  { id: 'list.pageUp', keys: ['pageup', 'ctrl+u'], description: 'Move up a page', hint: 'page up', views: LISTS, hideInBar: true },
  { id: 'list.top', keys: ['g', 'home'], description: 'Go to the first row', hint: 'top', views: LISTS, hideInBar: true },
  { id: 'list.bottom', keys: ['G', 'end'], description: 'Go to the last row (in Logs: the newest, and follow new ones)', hint: 'bottom', views: LISTS, hideInBar: true },

  // ---- logs
  { id: 'logs.pause', keys: ['p', 'space'], description: 'Pause or resume the live tail', hint: 'pause', views: ['logs'], mode: 'list' },
  { id: 'logs.filter', keys: ['/'], description: 'Filter: key:NAME model:NAME provider:NAME status:CODE|4xx|5xx|error, or any text', hint: 'filter', views: ['logs'], mode: 'list' },
  { id: 'logs.clearFilter', keys: ['escape'], description: 'Clear the filter', hint: 'clear filter', views: ['logs'], mode: 'list', hideInBar: true },
  { id: 'logs.open', keys: ['enter'], description: 'Show the selected request (attempts; bodies when debug mode captured them)', hint: 'detail', views: ['logs'], mode: 'list' },
  { id: 'logs.close', keys: ['escape', 'backspace'], description: 'Close the request detail', hint: 'back', views: ['logs'], mode: 'detail' },

  // ---- combos
  { id: 'combos.open', keys: ['enter', 'l', 'right'], description: "Select the combo's targets, to reorder them", hint: 'targets', views: ['combos'], mode: 'list' },
  { id: 'combos.back', keys: ['escape', 'h', 'left'], description: 'Back to the combo list', hint: 'back', views: ['combos'], mode: 'targets' },
  { id: 'combos.moveUp', keys: ['K'], description: 'Move the selected target up (tried earlier)', hint: 'move up', views: ['combos'], mode: 'targets', writes: true },
  { id: 'combos.moveDown', keys: ['J'], description: 'Move the selected target down (tried later)', hint: 'move down', views: ['combos'], mode: 'targets', writes: true },
  { id: 'combos.strategy', keys: ['s'], description: 'Switch the strategy: fallback <-> round-robin', hint: 'strategy', views: ['combos'], writes: true },
  { id: 'combos.edit', keys: ['e'], description: 'Edit the targets as text (provider/model or combo names, space-separated)', hint: 'edit', views: ['combos'], writes: true },
  { id: 'combos.new', keys: ['n'], description: 'Create a combo (asks for its name, then its targets)', hint: 'new', views: ['combos'], writes: true },
  { id: 'combos.delete', keys: ['d'], description: 'Delete the selected combo', hint: 'delete', views: ['combos'], mode: 'list', dangerous: true },

  // ---- keys
  { id: 'keys.new', keys: ['n'], description: 'Create a key (asks for a name; the secret is shown once)', hint: 'new', views: ['keys'], writes: true },
  { id: 'keys.rotate', keys: ['r'], description: "Rotate the selected key: a new secret, the old one stops working", hint: 'rotate', views: ['keys'], dangerous: true },
  { id: 'keys.revoke', keys: ['d'], description: 'Revoke the selected key: clients using it get 401', hint: 'revoke', views: ['keys'], dangerous: true },

  // ---- providers
  { id: 'providers.add', keys: ['a'], description: 'How to add a provider (a command line to copy: secrets come from stdin)', hint: 'add', views: ['providers'] },

  // ---- lockouts
  { id: 'lockouts.clear', keys: ['c'], description: 'Clear the selected lockout', hint: 'clear', views: ['lockouts'], dangerous: true },
  { id: 'lockouts.clearAll', keys: ['C'], description: 'Clear every lockout', hint: 'clear all', views: ['lockouts'], dangerous: true },

  // ---- settings
  { id: 'debug.toggle', keys: ['d'], description: 'Debug mode on (asks for how many minutes) or off', hint: 'debug on/off', views: ['settings'], writes: true },

  // ---- modal layers
  { id: 'prompt.submit', keys: ['enter'], description: 'Accept the input', hint: 'ok', views: 'global', mode: 'prompt' },
  { id: 'prompt.cancel', keys: ['escape'], description: 'Cancel the input', hint: 'cancel', views: 'global', mode: 'prompt' },
  { id: 'prompt.erase', keys: ['backspace'], description: 'Erase the last character', hint: 'erase', views: 'global', mode: 'prompt', hideInBar: true },
  { id: 'prompt.clear', keys: ['ctrl+u'], description: 'Erase the whole input', hint: 'clear', views: 'global', mode: 'prompt', hideInBar: true },
  { id: 'confirm.yes', keys: ['y'], description: 'Yes, do it', hint: 'yes', views: 'global', mode: 'confirm' },
  { id: 'confirm.no', keys: ['n', 'escape'], description: 'No, keep things as they are', hint: 'no', views: 'global', mode: 'confirm' },
  { id: 'secret.dismiss', keys: ['enter', 'escape'], description: 'Dismiss the secret (it is never shown again)', hint: 'done, I copied it', views: 'global', mode: 'secret' },
  { id: 'help.close', keys: ['?', 'escape', 'q'], description: 'Close the help', hint: 'close', views: 'global', mode: 'help' },
  { id: 'info.close', keys: ['escape', 'enter', 'q'], description: 'Close this panel', hint: 'close', views: 'global', mode: 'info' },
];

export function isWrite(c: KeyCommand): boolean {
  return c.writes === true || c.dangerous === true;
}

function appliesTo(c: KeyCommand, view: ViewId, mode: Mode): boolean {
  if (c.views !== 'global' && !c.views.includes(view)) return false;
  if (MODAL_MODES.includes(mode)) return c.mode === mode;
  return c.mode === undefined || c.mode === mode;
}

/** The command `key` runs in this view and mode (read-only is the caller's business: it refuses, with a message). */
export function commandForKey(key: string, view: ViewId, mode: Mode): KeyCommand | undefined {
  // View-specific bindings win over global ones (e.g. `escape` closes the log detail).
  const matches = KEYMAP.filter((c) => c.keys.includes(key) && appliesTo(c, view, mode));
  return matches.find((c) => c.views !== 'global') ?? matches[0];
}

/** Every command that applies here, minus writes in read-only mode: for `?`. */
export function commandsFor(view: ViewId, mode: Mode, readOnly: boolean): KeyCommand[] {
  return KEYMAP.filter((c) => appliesTo(c, view, mode) && !(readOnly && isWrite(c)));
}

/** The hint bar: this view's and mode's commands first, then the global ones. */
export function hintsFor(view: ViewId, mode: Mode, readOnly: boolean): KeyCommand[] {
  const all = commandsFor(view, mode, readOnly).filter((c) => c.hideInBar !== true);
  return [...all.filter((c) => c.views !== 'global' || c.mode !== undefined), ...all.filter((c) => c.views === 'global' && c.mode === undefined)];
}

const KEY_LABELS: Readonly<Record<string, string>> = {
  enter: 'enter',
  escape: 'esc',
  'shift+tab': 'shift-tab',
  backspace: 'bksp',
  pagedown: 'pgdn',
  pageup: 'pgup',
  space: 'space',
};

/** How a key is written for people: `esc`, `ctrl-c`, `j`. */
export function keyLabel(key: string): string {
  return KEY_LABELS[key] ?? key.replace(/^ctrl\+/, 'ctrl-');
}

export function viewKey(view: ViewId): string {
  return String(VIEW_IDS.indexOf(view) + 1);
}
