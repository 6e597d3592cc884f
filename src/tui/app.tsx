/**
 * The root components. `Screen` draws a state (pure: tests render it
 * directly); `App` connects it to the store, the keyboard and the terminal size.
 */
import { Box, Text } from 'ink';
import { useSyncExternalStore } from 'react';
import type { Controller } from './controller.js';
import { bodyHeight, MIN_COLUMNS, MIN_ROWS, tooSmall } from './layout.js';
import { currentMode, viewMode, type UiState } from './state.js';
import type { Store } from './store.js';
import { Banner } from './components/Banner.js';
import { HintBar } from './components/HintBar.js';
import { MessageLine } from './components/MessageLine.js';
import { HelpOverlay, InfoPanel, SecretPanel } from './components/Overlays.js';
import { TabBar } from './components/TabBar.js';
import { useKeys } from './hooks/useKeys.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { CombosView } from './views/CombosView.js';
import { KeysView } from './views/KeysView.js';
import { LockoutsView } from './views/LockoutsView.js';
import { LogsView } from './views/LogsView.js';
import { OverviewView } from './views/OverviewView.js';
import { ProvidersView } from './views/ProvidersView.js';
import { SettingsView } from './views/SettingsView.js';

function Body({ state: s, socketPath, width, height }: { state: UiState; socketPath: string; width: number; height: number }) {
  if (s.secret !== null) return <SecretPanel secret={s.secret} apiUrl={s.res.status.data === null ? null : `${s.res.status.data.listen.url}/v1`} />;
  if (s.help) return <HelpOverlay view={s.view} mode={viewMode(s)} readOnly={s.readOnly} />;
  if (s.info !== null) return <InfoPanel info={s.info} />;
  const props = { state: s, width, height };
  switch (s.view) {
    case 'overview':
      return <OverviewView {...props} />;
    case 'logs':
      return <LogsView {...props} />;
    case 'combos':
      return <CombosView {...props} />;
    case 'keys':
      return <KeysView {...props} />;
    case 'providers':
      return <ProvidersView {...props} />;
    case 'lockouts':
      return <LockoutsView {...props} />;
    case 'settings':
      return <SettingsView {...props} socketPath={socketPath} />;
  }
}

export function Screen({ state: s, socketPath }: { state: UiState; socketPath: string }) {
  const { columns, rows } = s.size;
  if (tooSmall(s.size)) {
    return (
      <Box flexDirection="column" width={columns}>
        <Text wrap="truncate" color="yellow">{`krouter tui needs at least ${MIN_COLUMNS}×${MIN_ROWS}; this terminal is ${columns}×${rows}.`}</Text>
        <Text wrap="truncate">Make it bigger, or press q to quit.</Text>
      </Box>
    );
  }
  const height = bodyHeight(s.size);
  return (
    <Box flexDirection="column" width={columns} height={rows - 1}>
      <TabBar view={s.view} readOnly={s.readOnly} columns={columns} />
      <Banner state={s} socketPath={socketPath} />
      <Box flexDirection="column" height={height} width={columns} overflow="hidden">
        <Body state={s} socketPath={socketPath} width={columns} height={height} />
      </Box>
      <MessageLine state={s} />
      <HintBar view={s.view} mode={currentMode(s)} readOnly={s.readOnly} columns={columns} />
    </Box>
  );
}

export function App({ store, controller, socketPath }: { store: Store; controller: Controller; socketPath: string }) {
  const state = useSyncExternalStore(store.subscribe, store.getState);
  useTerminalSize(store);
  useKeys(controller, store);
  return <Screen state={state} socketPath={socketPath} />;
}
