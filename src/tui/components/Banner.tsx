/** Row 2: what matters most right now — the daemon unreachable, debug mode on, or who we are talking to. */
import { Box, Text } from 'ink';
import { clock, relative, span } from '../format.js';
import type { UiState } from '../state.js';

export function debugInfo(s: UiState): { enabled: boolean; until: string | null } {
  const d = s.res.debug.data ?? s.res.status.data?.debug;
  return { enabled: d?.enabled === true, until: d?.until ?? null };
}

export function Banner({ state: s, socketPath }: { state: UiState; socketPath: string }) {
  const w = s.size.columns;
  if (s.conn.state === 'offline') {
    const next = s.conn.retryAt === null ? '' : `, next try ${relative(new Date(s.conn.retryAt).toISOString(), s.now).replace(/^now$/, 'now')}`;
    return (
      <Box width={w} height={1} overflow="hidden">
        <Text wrap="truncate" backgroundColor="red" color="white" bold>
          {` daemon unreachable — reconnecting (attempt ${s.conn.attempt}${next}) `}
        </Text>
        <Text wrap="truncate" color="red">{` ${s.conn.message ?? ''}`}</Text>
      </Box>
    );
  }
  if (s.conn.state === 'connecting') {
    return (
      <Box width={w} height={1} overflow="hidden">
        <Text wrap="truncate" color="yellow">{`connecting to ${socketPath}…`}</Text>
      </Box>
    );
  }
  const debug = debugInfo(s);
  if (debug.enabled) {
    const until = debug.until === null ? 'until turned off' : `until ${clock(debug.until)} (${relative(debug.until, s.now)})`;
    return (
      <Box width={w} height={1} overflow="hidden">
        <Text wrap="truncate" backgroundColor="red" color="white" bold>
          {` DEBUG MODE ON ${until}: bodies are being captured (7 Settings) `}
        </Text>
      </Box>
    );
  }
  const st = s.res.status.data;
  const text =
    st === null
      ? `connected to ${socketPath}`
      : `krouter ${st.version} · pid ${st.pid} · up ${span(st.uptimeSeconds * 1000)} · ${st.listen.url} · ${st.requests.total} req, ${st.requests.inFlight} in flight`;
  return (
    <Box width={w} height={1} overflow="hidden">
      <Text wrap="truncate" dimColor>
        {text}
      </Text>
    </Box>
  );
}
