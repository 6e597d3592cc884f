/** Logs: the live request log (a tail that follows the newest), filter, pause, and one request's detail. */
import { Box } from 'ink';
import type { LogDetailDto, LogEntryDto } from '../../shared/admin-types.js';
import { cell, clock, count, dateTime, millis, NONE } from '../format.js';
import { windowStart } from '../layout.js';
import { pendingCount, selectedLogIndex, visibleLogs, type LogDetailState, type UiState } from '../state.js';
import { Line, Row } from '../components/Line.js';

/** Column widths; MODEL → TARGET takes what is left. */
const W = { time: 8, key: 12, tries: 3, status: 6, latency: 8, ttfb: 8, tokens: 7 } as const;
const FIXED = W.time + W.key + W.tries + W.status + W.latency + W.ttfb + W.tokens + 8 + 2;

export function modelAndTarget(e: LogEntryDto): string {
  if (e.target !== null && e.target === e.modelAsked) return e.target;
  return `${e.modelAsked ?? NONE} → ${e.target ?? NONE}`;
}

function tokens(e: LogEntryDto): number | null {
  return e.totalTokens ?? (e.promptTokens !== null || e.completionTokens !== null ? (e.promptTokens ?? 0) + (e.completionTokens ?? 0) : null);
}

export function logRow(e: LogEntryDto, width: number): string {
  const modelW = Math.max(12, width - FIXED);
  return [
    cell(clock(e.time), W.time),
    cell(e.keyName ?? e.keyId ?? NONE, W.key),
    cell(modelAndTarget(e), modelW),
    cell(String(e.attempts.length), W.tries, true),
    cell(String(e.status), W.status, true),
    cell(millis(e.latencyMs), W.latency, true),
    cell(millis(e.ttfbMs), W.ttfb, true),
    cell(count(tokens(e)), W.tokens, true),
  ].join(' ');
}

export function logHeader(width: number): string {
  const modelW = Math.max(12, width - FIXED);
  return `  ${[
    cell('TIME', W.time),
    cell('KEY', W.key),
    cell('MODEL → TARGET', modelW),
    cell('TRY', W.tries, true),
    cell('STATUS', W.status, true),
    cell('LATENCY', W.latency, true),
    cell('TTFB', W.ttfb, true),
    cell('TOKENS', W.tokens, true),
  ].join(' ')}`;
}

const statusColor = (status: number): string | undefined => (status >= 500 ? 'red' : status >= 400 ? 'yellow' : undefined);

export function LogsView({ state: s, width, height }: { state: UiState; width: number; height: number }) {
  if (s.logs.detail !== null) return <LogDetail detail={s.logs.detail} width={width} height={height} />;
  const visible = visibleLogs(s);
  const sel = selectedLogIndex(s, visible);
  const rows = Math.max(1, height - 2);
  const start = windowStart(visible.length, sel, rows);
  const pending = pendingCount(s);
  const total = s.logs.entries.length;
  const parts = [
    s.logs.pausedAtId === null ? (s.logs.follow ? 'Live tail' : 'Live (scrolled back; G follows the newest)') : `PAUSED, ${pending} new waiting (p resumes)`,
    s.logs.filter === '' ? `${total} requests` : `${visible.length} of ${total} requests match "${s.logs.filter}" (esc clears)`,
  ];
  return (
    <Box flexDirection="column">
      <Line bold color={s.logs.pausedAtId === null ? undefined : 'yellow'}>
        {parts.join(' · ')}
      </Line>
      <Line dim>{logHeader(width)}</Line>
      {visible.length === 0 ? (
        <Line dim>{s.logs.filter === '' ? '  No requests yet: they appear here as clients call /v1.' : '  Nothing matches the filter.'}</Line>
      ) : (
        visible.slice(start, start + rows).map((e, i) => <Row key={e.id} text={logRow(e, width)} selected={start + i === sel} color={statusColor(e.status)} />)
      )}
    </Box>
  );
}

function prettyBody(body: unknown): string[] {
  let text: string;
  try {
    text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
  } catch {
    text = String(body);
  }
  return (text ?? 'null').split('\n').map((l) => `    ${l}`);
}

export function detailLines(d: LogDetailDto): string[] {
  const e = d.entry;
  const lines = [
    `Request #${e.id}  ${dateTime(e.time)}:${clock(e.time).slice(6)}  ${e.route}${e.stream ? '  (stream)' : ''}`,
    `  key       ${e.keyName ?? NONE}${e.keyId === null ? '' : ` (id ${e.keyId})`} from ${e.clientIp}`,
    `  model     ${modelAndTarget(e)}`,
    `  status    ${e.status}${e.errorCode === null ? '' : ` ${e.errorCode}`}   latency ${millis(e.latencyMs)}   TTFB ${millis(e.ttfbMs)}`,
    `  tokens    prompt ${count(e.promptTokens)} · completion ${count(e.completionTokens)} · total ${count(e.totalTokens)} · cached ${count(e.cachedTokens)} · reasoning ${count(e.reasoningTokens)}`,
    '',
    `Attempts (${e.attempts.length})`,
    ...e.attempts.map((a, i) => `  ${i + 1}. ${a.target}  ${a.status ?? NONE}  ${a.outcome}  ${millis(a.latencyMs)}  ${a.reason}`),
    '',
  ];
  if (d.capture === null) {
    lines.push('Bodies: not captured (debug mode was off). 7 (Settings) turns it on for the next ones.');
  } else {
    lines.push('Request body (secrets redacted):', ...prettyBody(d.capture.request), '', 'Response body:', ...prettyBody(d.capture.response));
  }
  return lines;
}

function LogDetail({ detail, width, height }: { detail: LogDetailState; width: number; height: number }) {
  if (detail.data === null) {
    return (
      <Box flexDirection="column">
        <Line bold>{`Request #${detail.id}`}</Line>
        <Line color={detail.error === null ? 'gray' : 'red'}>{detail.error ?? 'Loading…'}</Line>
      </Box>
    );
  }
  const lines = detailLines(detail.data);
  const room = Math.max(1, height - 1);
  const scroll = Math.min(detail.scroll, Math.max(0, lines.length - room));
  const more = lines.length - scroll - room;
  return (
    <Box flexDirection="column" width={width}>
      {lines.slice(scroll, scroll + room).map((l, i) => (
        <Line key={i} bold={scroll + i === 0}>
          {l}
        </Line>
      ))}
      <Line dim>{more > 0 ? `… ${more} more lines (j/k scroll, esc back)` : 'esc back'}</Line>
    </Box>
  );
}
