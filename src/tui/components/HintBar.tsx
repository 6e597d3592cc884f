/** The last row: the keys of the current view and mode, generated from the keymap (k9s-style). */
import { Box, Text } from 'ink';
import { hintsFor, keyLabel, type Mode, type ViewId } from '../keymap.js';

export function hintText(view: ViewId, mode: Mode, readOnly: boolean): string {
  const parts = hintsFor(view, mode, readOnly).map((c) => `${keyLabel(c.keys[0] ?? '')} ${c.hint}`);
  const modal = mode === 'prompt' || mode === 'confirm' || mode === 'secret' || mode === 'help' || mode === 'info';
  if (!modal) parts.push('1-7 views');
  return parts.join('  ');
}

export function HintBar({ view, mode, readOnly, columns }: { view: ViewId; mode: Mode; readOnly: boolean; columns: number }) {
  return (
    <Box width={columns} height={1} overflow="hidden">
      <Text wrap="truncate" color="gray">
        {hintText(view, mode, readOnly)}
      </Text>
    </Box>
  );
}
