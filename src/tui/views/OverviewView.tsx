/** Overview: live traffic sparklines, tokens today, each provider's health. */
import { Box, Text } from 'ink';
import { cell, clock, count, localMidnight, millis, percent, span } from '../format.js';
import { providerHealth } from '../health.js';
import { trafficSeries } from '../metrics.js';
import type { UiState } from '../state.js';
import { Line } from '../components/Line.js';
import { Sparkline } from '../components/Sparkline.js';
import { Problem, resourceProblem, staleNote } from './common.js';

/** One sparkline column per 5 seconds. */
export const BUCKET_MS = 5_000;
const LABEL = 10;

const STATE_COLOR = { ok: 'green', cooling_down: 'yellow', locked: 'red', no_credentials: 'red' } as const;

export function OverviewView({ state: s, width, height }: { state: UiState; width: number; height: number }) {
  const buckets = Math.max(10, Math.min(150, width - LABEL - 34));
  const t = trafficSeries(s.logs.entries, s.now, buckets, BUCKET_MS);
  const usage = s.res.usageToday;
  const totals = usage.data?.totals;
  const providers = s.res.providers.data ?? [];
  const providersProblem = resourceProblem(s.res.providers, 'Providers', 'GET /admin/v1/providers');
  const fixedLines = 12;
  const room = Math.max(0, height - fixedLines - 1);
  const shown = providers.slice(0, room);
  const nameW = Math.min(20, Math.max(8, ...providers.map((p) => p.name.length)));
  const typeW = 16;

  return (
    <Box flexDirection="column">
      <Line bold>{`Traffic, last ${span(buckets * BUCKET_MS)} (one column = ${BUCKET_MS / 1000} s)`}</Line>
      <Text wrap="truncate">
        {' '}
        {cell('req/s', LABEL - 1)}
        <Sparkline values={t.rate} color="cyan" />
        {`  ${t.currentRate.toFixed(2)}/s now · ${t.requests} requests`}
      </Text>
      <Text wrap="truncate">
        {' '}
        {cell('errors', LABEL - 1)}
        <Sparkline values={t.errorRate} max={1} color="red" />
        {`  ${percent(t.errors, t.requests)} (${t.errors} of ${t.requests})`}
      </Text>
      <Text wrap="truncate">
        {' '}
        {cell('latency', LABEL - 1)}
        <Sparkline values={t.latency} color="magenta" />
        {`  p50 ${millis(t.p50)} · p95 ${millis(t.p95)}`}
      </Text>
      <Line />
      <Line bold>{`Today, since ${clock(localMidnight(s.now))}${staleNote(usage)}`}</Line>
      {totals === undefined ? (
        <Problem text={resourceProblem(usage, 'Usage', 'GET /admin/v1/usage') ?? ''} />
      ) : (
        <>
          <Line>{` requests ${count(totals.requests)} · errors ${count(totals.errors)} (${percent(totals.errors, totals.requests)})`}</Line>
          <Line>{` tokens   ${count(totals.totalTokens)}: prompt ${count(totals.promptTokens)}, completion ${count(totals.completionTokens)}, cached ${count(totals.cachedTokens)}, reasoning ${count(totals.reasoningTokens)}`}</Line>
        </>
      )}
      <Line dim>{' cost     not shown: krouter has no pricing data yet (tokens only)'}</Line>
      <Line />
      <Line bold>{`Providers (${providers.length})${staleNote(s.res.providers)}`}</Line>
      {providersProblem !== null ? (
        <Problem text={providersProblem} />
      ) : providers.length === 0 ? (
        <Line dim>{' none yet: 5 (Providers), then a, shows how to add one'}</Line>
      ) : (
        shown.map((p) => {
          const h = providerHealth(p, s.res.health.data, s.res.providerRoutes.data?.[p.name], s.now);
          return (
            <Text key={p.name} wrap="truncate">
              {` ${cell(p.name, nameW)} ${cell(p.type, typeW)} `}
              <Text color={STATE_COLOR[h.state]}>{h.text}</Text>
            </Text>
          );
        })
      )}
      {providers.length > shown.length ? <Line dim>{` … ${providers.length - shown.length} more in 5 (Providers)`}</Line> : null}
    </Box>
  );
}
