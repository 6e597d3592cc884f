/** Row 1: the views, numbered (the number switches to it), the current one highlighted. */
import { Box, Text } from 'ink';
import { VIEW_IDS, VIEW_TITLES, viewKey, type ViewId } from '../keymap.js';

export function TabBar({ view, readOnly, columns }: { view: ViewId; readOnly: boolean; columns: number }) {
  // 80 columns hold the seven tabs and the read-only mark, but not the name as well.
  const name = columns >= 90 || !readOnly;
  return (
    <Box width={columns} height={1} overflow="hidden">
      {name ? (
        <Text bold color="cyan">
          krouter
        </Text>
      ) : null}
      {VIEW_IDS.map((v) => (
        <Text key={v} inverse={v === view} bold={v === view} wrap="truncate">
          {` ${viewKey(v)} ${VIEW_TITLES[v]}`}
        </Text>
      ))}
      {readOnly ? (
        <Text color="yellow" bold>
          {' [read-only]'}
        </Text>
      ) : null}
    </Box>
  );
}
