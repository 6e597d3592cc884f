/** Settings: debug mode (body capture) with its expiry, and what this TUI is connected to. */
import { Box } from 'ink';
import { clock, relative, span } from '../format.js';
import type { UiState } from '../state.js';
import { debugInfo } from '../components/Banner.js';
import { Line } from '../components/Line.js';

export function SettingsView({ state: s, socketPath }: { state: UiState; width: number; height: number; socketPath: string }) {
  const d = debugInfo(s);
  const dto = s.res.debug.data;
  const st = s.res.status.data;
  return (
    <Box flexDirection="column">
      <Line bold>Debug mode</Line>
      {d.enabled ? (
        <Line color="red" bold>
          {`  ON ${d.until === null ? 'until turned off' : `until ${clock(d.until)} (${relative(d.until, s.now)}), then off by itself`}`}
        </Line>
      ) : (
        <Line>{'  off: only metadata is logged (no bodies)'}</Line>
      )}
      <Line>{'  When on, full request and response bodies are kept (secrets redacted).'}</Line>
      {dto !== null ? (
        <Line dim>{`  capture folder: ${dto.dir}`}</Line>
      ) : s.res.debug.unavailable ? (
        <Line color="yellow">{'  This daemon cannot switch debug mode yet (GET /admin/v1/debug is not implemented there).'}</Line>
      ) : s.res.debug.error !== null ? (
        <Line color="yellow">{`  ${s.res.debug.error}`}</Line>
      ) : (
        <Line dim>{'  loading…'}</Line>
      )}
      <Line dim>{s.readOnly ? '  (read-only: cannot be changed here)' : `  d turns it ${d.enabled ? 'off' : 'on (asks for how many minutes: 30 by default, 24 h at most)'}`}</Line>
      <Line />
      <Line bold>Daemon</Line>
      {st === null ? (
        <Line dim>{'  loading…'}</Line>
      ) : (
        <>
          <Line>{`  krouter ${st.version}, pid ${st.pid}, up ${span(st.uptimeSeconds * 1000)}`}</Line>
          <Line>{`  /v1 on ${st.listen.url}`}</Line>
          <Line>{`  home ${st.home}`}</Line>
          <Line>{`  keys ${st.counts.keys} · providers ${st.counts.providers} · combos ${st.counts.combos}`}</Line>
        </>
      )}
      <Line />
      <Line bold>This TUI</Line>
      <Line>{`  admin socket ${socketPath}`}</Line>
      <Line>{`  ${s.readOnly ? 'read-only: commands that change the daemon are hidden and refused' : 'read-write (start with --read-only to look without touching)'}`}</Line>
    </Box>
  );
}
