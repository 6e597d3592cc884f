/** Providers: the upstream accounts, their health and cooldowns, and how to add one. */
import { Box, Text } from 'ink';
import { cell } from '../format.js';
import { describeMark, providerHealth } from '../health.js';
import { windowStart } from '../layout.js';
import { cursorOf, selectedProvider, type UiState } from '../state.js';
import { Line, Row } from '../components/Line.js';
import { Problem, resourceProblem, staleNote } from './common.js';

/** Two lines, so that it fits 80 columns and still pastes as one command. */
export const ADD_PROVIDER_LINES = ['printf %s "$KEY" | krouter providers add NAME --type openai \\', '    --base-url URL --api-key -'];

const STATE_COLOR = { ok: 'green', cooling_down: 'yellow', locked: 'red', no_credentials: 'red' } as const;

export function ProvidersView({ state: s, width, height }: { state: UiState; width: number; height: number }) {
  const providers = s.res.providers.data ?? [];
  const problem = resourceProblem(s.res.providers, 'Providers', 'GET /admin/v1/providers');
  const sel = selectedProvider(s);
  const selHealth = sel === undefined ? undefined : providerHealth(sel, s.res.health.data, s.res.providerRoutes.data?.[sel.name], s.now);
  const markRows = Math.min(5, Math.max(1, selHealth?.marks.length ?? 1));
  const footer = 3 + markRows + 4;
  const rows = Math.max(1, height - 2 - footer);
  const cur = cursorOf(s, 'providers');
  const start = windowStart(providers.length, cur, rows);
  const nameW = Math.min(20, Math.max(8, ...providers.map((p) => p.name.length)));
  const typeW = Math.max(4, ...providers.map((p) => p.type.length));
  // The state (the point of this view) gets 50 columns first; the base URL what is left, if that is 16 or more.
  const room = width - 2 - nameW - typeW - 3 - 10 - 5 - 50;
  const urlW = room < 16 ? 0 : Math.min(40, room);
  const url = (text: string): string => (urlW === 0 ? '' : `${cell(text, urlW)} `);
  return (
    <Box flexDirection="column">
      <Line bold>{`Providers (${providers.length})${staleNote(s.res.providers)}`}</Line>
      {problem !== null ? (
        <Problem text={problem} />
      ) : providers.length === 0 ? (
        <Line dim>{'  No providers yet: see below.'}</Line>
      ) : (
        <>
          <Line dim>{`  ${cell('NAME', nameW)} ${cell('TYPE', typeW)} ${url('BASE URL')}${cell('KEY', 3)} ${cell('MODELS', 10)} STATE`}</Line>
          {providers.slice(start, start + rows).map((p, i) => {
            const h = providerHealth(p, s.res.health.data, s.res.providerRoutes.data?.[p.name], s.now);
            const models = p.models === null ? 'fetched' : `${p.models.length} ${p.modelsSource === 'configured' ? 'set' : p.modelsSource}`;
            const text = `${cell(p.name, nameW)} ${cell(p.type, typeW)} ${url(p.baseUrl)}${cell(p.hasApiKey ? 'yes' : 'no', 3)} ${cell(models, 10)} ${h.text}`;
            return <Row key={p.name} text={text} selected={start + i === cur} color={h.state === 'ok' ? undefined : STATE_COLOR[h.state]} />;
          })}
        </>
      )}
      <Line />
      {sel === undefined || selHealth === undefined ? (
        <Line />
      ) : (
        <>
          <Line bold>{`${sel.name}: cooldowns and locks`}</Line>
          {selHealth.marks.length === 0 ? (
            <Line dim>{'  none: every target of this provider is ok'}</Line>
          ) : (
            selHealth.marks.slice(0, markRows).map((m) => (
              <Text key={m.key} wrap="truncate">
                {`  ${cell(m.key, 30)} `}
                <Text color={m.state === 'locked' ? 'red' : 'yellow'}>{describeMark(m, s.now)}</Text>
              </Text>
            ))
          )}
        </>
      )}
      <Line />
      <Line bold>Add one from a shell; the key comes from stdin, never argv (a: more):</Line>
      {ADD_PROVIDER_LINES.map((l) => (
        <Line key={l} color="cyan">{`  ${l}`}</Line>
      ))}
    </Box>
  );
}
