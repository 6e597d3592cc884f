/**
 * The state container: the reducer's state outside React, so that the key
 * handler can apply a burst of keys one by one against the state each
 * previous key left (React's own state would not be updated in between), and
 * the controller can read it. React subscribes with useSyncExternalStore.
 */
import { reducer, type Action, type UiState } from './state.js';

export interface Store {
  getState(): UiState;
  dispatch(action: Action): void;
  subscribe(listener: () => void): () => void;
}

export function createStore(initial: UiState): Store {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = reducer(state, action);
      if (next === state) return;
      state = next;
      for (const l of [...listeners]) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
