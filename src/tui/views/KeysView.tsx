/** Keys: the client API keys (never their secrets), when each was last used, and which are old. */
import { Box } from 'ink';
import { ageDays, cell, dateTime, relative } from '../format.js';
import { windowStart } from '../layout.js';
import { cursorOf, type UiState } from '../state.js';
import { Line, Row } from '../components/Line.js';
import { Problem, resourceProblem, staleNote } from './common.js';

/** Keys older than this get a warning: rotate them. */
export const KEY_MAX_AGE_DAYS = 90;

export function KeysView({ state: s, height }: { state: UiState; width: number; height: number }) {
  const keys = s.res.keys.data ?? [];
  const problem = resourceProblem(s.res.keys, 'Keys', 'GET /admin/v1/keys');
  const rows = Math.max(1, height - 4);
  const cur = cursorOf(s, 'keys');
  const start = windowStart(keys.length, cur, rows);
  const nameW = Math.min(24, Math.max(8, ...keys.map((k) => k.name.length)));
  const old = keys.filter((k) => k.revokedAt === null && ageDays(k.createdAt, s.now) > KEY_MAX_AGE_DAYS).length;
  return (
    <Box flexDirection="column">
      <Line bold>{`Keys (${keys.length})${staleNote(s.res.keys)}`}</Line>
      {problem !== null ? (
        <Problem text={problem} />
      ) : keys.length === 0 ? (
        <Line dim>{'  No keys yet: n creates one. Clients need a key to call /v1.'}</Line>
      ) : (
        <>
          <Line dim>{`  ${cell('NAME', nameW)} ${cell('PREFIX', 18)} ${cell('CREATED', 16)} ${cell('AGE', 10)} ${cell('LAST USED', 12)} STATE`}</Line>
          {keys.slice(start, start + rows).map((k, i) => {
            const days = ageDays(k.createdAt, s.now);
            const revoked = k.revokedAt !== null;
            const tooOld = !revoked && days > KEY_MAX_AGE_DAYS;
            const text = `${cell(k.name, nameW)} ${cell(`${k.prefix}…`, 18)} ${cell(dateTime(k.createdAt), 16)} ${cell(`${days}d${tooOld ? ' old!' : ''}`, 10)} ${cell(relative(k.lastUsedAt, s.now), 12)} ${revoked ? `revoked ${dateTime(k.revokedAt)}` : 'active'}`;
            return <Row key={k.id} text={text} selected={start + i === cur} dim={revoked} color={tooOld ? 'yellow' : undefined} />;
          })}
        </>
      )}
      <Line />
      <Line dim>
        {old > 0
          ? `${old} active key${old === 1 ? ' is' : 's are'} older than ${KEY_MAX_AGE_DAYS} days ("old!"): rotate (r) and update the clients.`
          : 'Secrets are shown once, at creation or rotation; krouter stores only a hash.'}
      </Line>
    </Box>
  );
}
