/** The line above the hint bar: the input prompt, a confirmation, a write in flight, or the last result. */
import { Box, Text } from 'ink';
import { visibleFlash, type UiState } from '../state.js';

export function MessageLine({ state: s }: { state: UiState }) {
  const w = s.size.columns;
  let body;
  if (s.confirm !== null) {
    body = (
      <Text wrap="truncate" color="red" bold>
        {`${s.confirm.message} [y/N] `}
      </Text>
    );
  } else if (s.prompt !== null) {
    body = (
      <Text wrap="truncate">
        <Text color="cyan" bold>{`${s.prompt.label}: `}</Text>
        <Text>{s.prompt.value}</Text>
        <Text inverse> </Text>
      </Text>
    );
  } else if (s.busy !== null) {
    body = (
      <Text wrap="truncate" color="yellow">
        {s.busy}
      </Text>
    );
  } else {
    const f = visibleFlash(s);
    body =
      f === null ? (
        <Text> </Text>
      ) : (
        <Text wrap="truncate" color={f.level === 'error' ? 'red' : f.level === 'success' ? 'green' : undefined}>
          {f.text}
        </Text>
      );
  }
  return (
    <Box width={w} height={1} overflow="hidden">
      {body}
    </Box>
  );
}
