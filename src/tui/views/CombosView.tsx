/** Combos: the named fallback chains, and the selected one's targets in order (to reorder them). */
import { Box, Text } from 'ink';
import { cell } from '../format.js';
import { targetHealth } from '../health.js';
import { windowStart } from '../layout.js';
import { comboTargetIndex, cursorOf, selectedCombo, type UiState } from '../state.js';
import { Line, Row } from '../components/Line.js';
import { Problem, resourceProblem, staleNote } from './common.js';

const STRATEGY_TEXT = {
  fallback: 'fallback: in order until one answers',
  'round-robin': 'round-robin: each request starts one further',
} as const;

export function CombosView({ state: s, width, height }: { state: UiState; width: number; height: number }) {
  const combos = s.res.combos.data ?? [];
  const problem = resourceProblem(s.res.combos, 'Combos', 'GET /admin/v1/combos');
  const combo = selectedCombo(s);
  const inTargets = s.combos.mode === 'targets';
  const targetRows = combo === undefined ? 0 : Math.min(combo.targets.length, Math.max(3, Math.floor(height / 2) - 2));
  const listRows = Math.max(1, height - 2 - (combo === undefined ? 0 : targetRows + 3));
  const cur = cursorOf(s, 'combos');
  const start = windowStart(combos.length, cur, listRows);
  const nameW = Math.min(24, Math.max(8, ...combos.map((c) => c.name.length)));
  const tIndex = comboTargetIndex(s);
  const targetW = Math.min(40, Math.max(10, ...(combo?.targets ?? []).map((t) => t.length)), Math.max(10, width - 50));
  const tStart = combo === undefined ? 0 : windowStart(combo.targets.length, tIndex, targetRows);

  return (
    <Box flexDirection="column">
      <Line bold>{`Combos (${combos.length})${staleNote(s.res.combos)}`}</Line>
      {problem !== null ? (
        <Problem text={problem} />
      ) : combos.length === 0 ? (
        <Line dim>{'  No combos yet. n creates one: a name clients use as "model", and its targets in order.'}</Line>
      ) : (
        <>
          <Line dim>{`  ${cell('NAME', nameW)} ${cell('STRATEGY', 11)} TARGETS`}</Line>
          {combos.slice(start, start + listRows).map((c, i) => (
            <Row key={c.name} selected={!inTargets && start + i === cur} dim={inTargets && start + i !== cur} text={`${cell(c.name, nameW)} ${cell(c.strategy, 11)} ${c.targets.join(' → ')}`} />
          ))}
        </>
      )}
      {combo === undefined ? null : (
        <>
          <Line />
          <Line bold color={inTargets ? 'cyan' : undefined}>
            {`Targets of "${combo.name}" (${STRATEGY_TEXT[combo.strategy]})${inTargets ? '' : ' · enter to reorder'}`}
          </Line>
          {combo.targets.slice(tStart, tStart + targetRows).map((t, i) => {
            const h = targetHealth(t, s.res.health.data, s.now);
            const n = tStart + i;
            const text = `${String(n + 1).padStart(2)}. ${cell(t, targetW)}  `;
            return inTargets && n === tIndex ? (
              <Row key={`${n}:${t}`} selected text={`${text}${h.text}`} />
            ) : (
              <Text key={`${n}:${t}`} wrap="truncate">
                {`  ${text}`}
                <Text color={h.state === 'ok' ? 'green' : h.state === 'cooling_down' ? 'yellow' : 'red'}>{h.text}</Text>
              </Text>
            );
          })}
        </>
      )}
    </Box>
  );
}
