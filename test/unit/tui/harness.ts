/**
 * Mounts the whole TUI (App + store + controller) with ink-testing-library
 * against a FakeClient, with a frozen clock and no background polling.
 */
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { App } from '../../../src/tui/app.js';
import { Controller } from '../../../src/tui/controller.js';
import type { ViewId } from '../../../src/tui/keymap.js';
import { initialState, type Size } from '../../../src/tui/state.js';
import { createStore, type Store } from '../../../src/tui/store.js';
import { FakeClient, NOW } from './fake-client.js';

/** Key names (as in the keymap) to what a terminal sends. */
const RAW: Record<string, string> = {
  enter: '\r',
  escape: '\x1b',
  tab: '\t',
  'shift+tab': '\x1b[Z',
  backspace: '\x7f',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  pageup: '\x1b[5~',
  pagedown: '\x1b[6~',
  space: ' ',
};

export function raw(key: string): string {
  const ctrl = /^ctrl\+([a-z])$/.exec(key);
  if (ctrl) return String.fromCharCode((ctrl[1] ?? 'a').charCodeAt(0) - 96);
  return RAW[key] ?? key;
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');
export const stripAnsi = (s: string): string => s.replace(ANSI, '');

export interface Mounted {
  client: FakeClient;
  store: Store;
  controller: Controller;
  quits: number;
  frame(): string;
  /** Sends keys one write at a time, letting Ink handle each. */
  press(...keys: string[]): Promise<void>;
  /** Sends raw text in one write (a burst). */
  write(text: string): void;
  /** Waits until the screen contains `what` (or `what(frame)` holds); returns the frame. */
  waitFor(what: string | RegExp | ((frame: string) => boolean), timeoutMs?: number): Promise<string>;
  /** Waits until `check()` holds. */
  until(what: string, check: () => boolean, timeoutMs?: number): Promise<void>;
  unmount(): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function mount(opts: { client?: FakeClient; readOnly?: boolean; size?: Size; view?: ViewId; connect?: boolean } = {}): Promise<Mounted> {
  const client = opts.client ?? new FakeClient();
  const store = createStore(initialState({ readOnly: opts.readOnly ?? false, size: opts.size ?? { columns: 100, rows: 30 }, now: NOW, view: opts.view }));
  const m = { quits: 0 } as Mounted;
  const controller = new Controller(client, store, { onQuit: () => m.quits++, now: () => NOW, pollMs: 600_000, tickMs: 600_000, backoffMs: 20, maxBackoffMs: 40 });
  const ink = render(createElement(App, { store, controller, socketPath: client.socketPath }));
  const frame = (): string => stripAnsi(ink.lastFrame() ?? '');
  const waitFor = async (what: string | RegExp | ((f: string) => boolean), timeoutMs = 3000): Promise<string> => {
    const test = typeof what === 'string' ? (f: string) => f.includes(what) : what instanceof RegExp ? (f: string) => what.test(f) : what;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = frame();
      if (test(f)) return f;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(what)} on screen:\n${f}`);
      await sleep(10);
    }
  };
  Object.assign(m, {
    client,
    store,
    controller,
    frame,
    waitFor,
    write: (text: string) => ink.stdin.write(text),
    async press(...keys: string[]) {
      for (const k of keys) {
        ink.stdin.write(raw(k));
        // a lone ESC is held briefly by Ink (it could start a sequence)
        await sleep(k === 'escape' ? 40 : 5);
      }
    },
    async until(what: string, check: () => boolean, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${frame()}`);
        await sleep(10);
      }
    },
    async unmount() {
      await controller.stop();
      ink.unmount();
      ink.cleanup();
    },
  });
  if (opts.connect !== false) {
    controller.start();
    await m.until('online', () => store.getState().conn.state === 'online' && client.openStreams > 0);
  }
  return m;
}
