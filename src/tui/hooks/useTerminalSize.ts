/** Keeps the state's terminal size in step with stdout (columns × rows), so every resize re-lays out the screen. */
import { useStdout } from 'ink';
import { useEffect } from 'react';
import { act } from '../state.js';
import type { Store } from '../store.js';

export function useTerminalSize(store: Store): void {
  const { stdout } = useStdout();
  useEffect(() => {
    const onResize = (): void => {
      const cur = store.getState().size;
      store.dispatch(act.resize({ columns: stdout.columns || cur.columns, rows: stdout.rows || cur.rows }));
    };
    onResize();
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, store]);
}
