/** Hands every key press to the controller, one key at a time (see ../keys.ts for why a burst is split). */
import { useInput, type Key } from 'ink';
import { useCallback } from 'react';
import type { Controller } from '../controller.js';
import { keysFromInk } from '../keys.js';
import { act } from '../state.js';
import type { Store } from '../store.js';

export function useKeys(controller: Controller, store: Store): void {
  const onInput = useCallback(
    (input: string, key: Key) => {
      controller.handleKeys(keysFromInk(input, key)).catch((err: unknown) => {
        store.dispatch(act.flash(`unexpected error: ${err instanceof Error ? err.message : String(err)}`, 'error', Date.now()));
      });
    },
    [controller, store],
  );
  useInput(onInput);
}
