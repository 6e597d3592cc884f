/**
 * `krouter tui`: full-screen Ink app on the terminal, a client of the admin
 * socket. Loaded only by the tui command (dynamic import), so other commands
 * never load Ink or React.
 */
import { render } from 'ink';
import { App } from './app.js';
import type { TuiClient } from './client.js';
import { Controller } from './controller.js';
import { act, initialState } from './state.js';
import { createStore } from './store.js';

export interface RunTuiOptions {
  client: TuiClient;
  readOnly: boolean;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  /** Registers for the debug-mode state the daemon announces on every answer (the client's onDebugState). */
  onDebugState?: (listener: (enabled: boolean, until: string | null) => void) => void;
}

const ALT_SCREEN_ON = '\x1b[?1049h\x1b[H';
const ALT_SCREEN_OFF = '\x1b[?1049l';

/** Runs until the user quits (q, ctrl-c) or a SIGTERM/SIGHUP arrives; restores the terminal either way. */
export async function runTui(opts: RunTuiOptions): Promise<void> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  const store = createStore(initialState({ readOnly: opts.readOnly, size: { columns: stdout.columns || 80, rows: stdout.rows || 24 }, now: Date.now() }));
  opts.onDebugState?.((enabled, until) => store.dispatch(act.debugState(enabled, until)));
  let quit: () => void = () => {};
  const controller = new Controller(opts.client, store, { onQuit: () => quit() });

  stdout.write(ALT_SCREEN_ON);
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    stdout.write(ALT_SCREEN_OFF);
  };
  process.once('exit', restore);

  const app = render(<App store={store} controller={controller} socketPath={opts.client.socketPath} />, { stdout, stdin, exitOnCtrlC: false, patchConsole: true });
  quit = () => app.unmount();
  const onSignal = (): void => app.unmount();
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];
  for (const sig of signals) process.on(sig, onSignal);
  controller.start();
  try {
    await app.waitUntilExit();
  } finally {
    for (const sig of signals) process.off(sig, onSignal);
    await controller.stop();
    app.cleanup();
    restore();
    process.off('exit', restore);
  }
}
