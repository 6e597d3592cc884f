/** Lockouts: client addresses locked out after too many bad keys; clear one or all. */
import { Box } from 'ink';
import { cell, clock, dateTime, relative } from '../format.js';
import { windowStart } from '../layout.js';
import { cursorOf, type UiState } from '../state.js';
import { Line, Row } from '../components/Line.js';
import { Problem, resourceProblem, staleNote } from './common.js';

export function LockoutsView({ state: s, height }: { state: UiState; width: number; height: number }) {
  const list = s.res.lockouts.data ?? [];
  const problem = resourceProblem(s.res.lockouts, 'Lockouts', 'GET /admin/v1/lockouts');
  const rows = Math.max(1, height - 4);
  const cur = cursorOf(s, 'lockouts');
  const start = windowStart(list.length, cur, rows);
  const ipW = Math.min(42, Math.max(16, ...list.map((l) => l.ip.length)));
  return (
    <Box flexDirection="column">
      <Line bold>{`Lockouts (${list.length})${staleNote(s.res.lockouts)}`}</Line>
      {problem !== null ? (
        <Problem text={problem} />
      ) : list.length === 0 ? (
        <Line dim>{'  No client address is locked out or counting failed keys.'}</Line>
      ) : (
        <>
          <Line dim>{`  ${cell('ADDRESS', ipW)} ${cell('FAILURES', 8, true)}  ${cell('WINDOW STARTED', 16)}  LOCKED UNTIL`}</Line>
          {list.slice(start, start + rows).map((l, i) => {
            const locked = l.lockedUntil !== null && Date.parse(l.lockedUntil) > s.now;
            const until = l.lockedUntil === null ? 'not locked (counting failures)' : `${clock(l.lockedUntil)} (${relative(l.lockedUntil, s.now)})`;
            return <Row key={l.ip} selected={start + i === cur} color={locked ? 'red' : undefined} text={`${cell(l.ip, ipW)} ${cell(String(l.failures), 8, true)}  ${cell(dateTime(l.windowStartedAt), 16)}  ${until}`} />;
          })}
        </>
      )}
      <Line />
      <Line dim>Addresses are locked out after repeated requests with bad keys; IPv6 clients are grouped by /64.</Line>
    </Box>
  );
}
