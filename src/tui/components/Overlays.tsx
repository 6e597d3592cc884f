/** What replaces a view's body for a moment: the `?` help, a new key's secret, an information panel. */
import { Box, Text } from 'ink';
import { commandsFor, keyLabel, VIEW_TITLES, type KeyCommand, type Mode, type ViewId } from '../keymap.js';
import type { Info, Secret } from '../state.js';
import { Line } from './Line.js';

function keysOf(c: KeyCommand): string {
  return c.keys.map(keyLabel).join(' ');
}

/** Help lines for a view: its own commands, then the global ones (view switching and list moves folded into one line each). */
export function helpLines(view: ViewId, mode: Mode, readOnly: boolean): string[] {
  const all = commandsFor(view, mode, readOnly);
  const row = (keys: string, description: string): string => `  ${keys.padEnd(18)} ${description}`;
  const own = all.filter((c) => c.views !== 'global' && !c.id.startsWith('list.'));
  const moves = all.filter((c) => c.id.startsWith('list.'));
  const global = all.filter((c) => c.views === 'global' && (!c.id.startsWith('view.') || c.id === 'view.next' || c.id === 'view.prev'));
  const lines = [`${VIEW_TITLES[view]}: keys${readOnly ? ' (read-only: commands that change the daemon are hidden)' : ''}`, ''];
  for (const c of own) lines.push(row(keysOf(c), `${c.description}${c.dangerous === true ? ' (asks first)' : ''}`));
  if (moves.length > 0) lines.push(row(moves.map((c) => keyLabel(c.keys[0] ?? '')).join(' '), 'Move (also arrows, home, end)'));
  lines.push('', 'Everywhere:');
  lines.push(row('1 … 7', 'Overview, Logs, Combos, Keys, Providers, Lockouts, Settings'));
  for (const c of global.filter((c) => c.mode === undefined)) lines.push(row(keysOf(c), c.description));
  return lines;
}

export function HelpOverlay({ view, mode, readOnly }: { view: ViewId; mode: Mode; readOnly: boolean }) {
  return (
    <Box flexDirection="column">
      {helpLines(view, mode, readOnly).map((l, i) => (
        <Line key={i} bold={i === 0}>
          {l}
        </Line>
      ))}
    </Box>
  );
}

export function SecretPanel({ secret, apiUrl }: { secret: Secret; apiUrl: string | null }) {
  return (
    <Box flexDirection="column">
      <Line bold color="green">
        {secret.title}
      </Line>
      <Line />
      <Line>Its secret, shown this once:</Line>
      <Line />
      <Text wrap="truncate">
        {'    '}
        <Text bold color="yellow">
          {secret.secret}
        </Text>
      </Text>
      <Line />
      <Line>Copy it now: select it with the mouse (in tmux: prefix [ enters copy mode).</Line>
      <Line>krouter keeps only a hash of it and can never show it again;</Line>
      <Line>rotating the key (r) makes a new one.</Line>
      <Line />
      <Line>{`Clients send it as "Authorization: Bearer <secret>" (or x-api-key)`}</Line>
      <Line>{`to ${apiUrl ?? 'the /v1 endpoint'}.`}</Line>
      <Line />
      <Line bold>Press enter once it is stored.</Line>
    </Box>
  );
}

export function InfoPanel({ info }: { info: Info }) {
  return (
    <Box flexDirection="column">
      <Line bold>{info.title}</Line>
      <Line />
      {info.lines.map((l, i) => (
        <Line key={i}>{l}</Line>
      ))}
    </Box>
  );
}
