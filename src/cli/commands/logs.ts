/** `krouter logs [--limit N] [--follow]`: the request log (metadata only). */
import type { Argv } from 'yargs';
import type { LogEntryDto } from '../../shared/admin-types.js';
import { KrouterError } from '../../shared/errors.js';
import { UsageError } from '../cli-errors.js';
import { action, adminClient, printJson, printJsonLine, printLine, type GlobalArgs } from '../context.js';
import { count, fixedWidths, formatRow, localTime, millis, NONE, type Column } from '../format.js';

/** Fixed widths, so that rows printed one at a time by --follow line up with the first ones. */
const COLUMNS: Column[] = [
  { header: 'TIME', width: 19 },
  { header: 'KEY', width: 12 },
  { header: 'MODEL → TARGET', width: 44 },
  { header: 'TRIES', align: 'right' },
  { header: 'STATUS', align: 'right' },
  { header: 'LATENCY', align: 'right' },
  { header: 'TTFB', align: 'right', width: 7 },
  { header: 'TOKENS', align: 'right', width: 9 },
  { header: 'ERROR', width: Infinity },
];
const WIDTHS = fixedWidths(COLUMNS);

/** How long `--follow` waits for the stream to open before it prints the recent entries anyway. */
const OPEN_WAIT_MS = 1_000;

export function logsCommand(y: Argv<GlobalArgs>): Argv<GlobalArgs> {
  return y.command(
    'logs',
    'Show recent requests (oldest first); --follow keeps printing new ones until Ctrl-C',
    (l) =>
      l
        .option('limit', { type: 'number', default: 20, describe: 'How many recent entries to show first' })
        .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'Keep printing new entries as they happen (with --json: NDJSON, one entry per line)' }),
    action(async (args) => {
      if (!Number.isInteger(args.limit) || args.limit < 0) throw new UsageError(`--limit must be a whole number ≥ 0 (got ${String(args.limit)}).`);
      if (args.follow) await follow(args, args.limit);
      else await recent(args, args.limit);
    }),
  );
}

async function recent(args: GlobalArgs, limit: number): Promise<void> {
  const res = await adminClient(args).recentLogs({ limit });
  if (args.json) {
    printJson(res);
    return;
  }
  const entries = oldestFirst(res.entries);
  if (entries.length === 0) {
    printLine('No requests logged yet.');
    return;
  }
  printLine(header());
  for (const e of entries) printLine(logRow(e));
}

async function follow(args: GlobalArgs, limit: number): Promise<void> {
  const client = adminClient(args);
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  let lastId = -Infinity;
  let live = false;
  const pending: LogEntryDto[] = [];
  const emit = (e: LogEntryDto): void => {
    if (e.id <= lastId) return; // already shown by the recent list
    lastId = e.id;
    if (args.json) printJsonLine(e);
    else printLine(logRow(e));
  };

  try {
    // Open the stream first and buffer it, so nothing logged between the two calls is lost.
    let opened: () => void = () => {};
    const open = new Promise<void>((resolve) => (opened = resolve));
    const streaming = client.streamLogs((e) => (live ? emit(e) : pending.push(e)), ac.signal, { onOpen: opened });
    await Promise.race([open, streaming, delay(OPEN_WAIT_MS)]);

    const { entries } = limit > 0 ? await client.recentLogs({ limit }) : { entries: [] };
    if (!args.json) printLine(header());
    for (const e of oldestFirst(entries)) emit(e);
    for (const e of pending.sort(byId)) emit(e);
    pending.length = 0;
    live = true;

    await streaming;
    if (!ac.signal.aborted) {
      throw new KrouterError('daemon_unreachable', 'the krouter daemon ended the log stream (it is stopping or restarting). Run `krouter status` to check, then follow again.');
    }
  } finally {
    ac.abort();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function header(): string {
  return formatRow(COLUMNS, COLUMNS.map((c) => c.header), WIDTHS);
}

export function logRow(e: LogEntryDto): string {
  const tokens = e.totalTokens ?? (e.promptTokens !== null || e.completionTokens !== null ? (e.promptTokens ?? 0) + (e.completionTokens ?? 0) : null);
  return formatRow(
    COLUMNS,
    [
      localTime(e.time),
      e.keyName ?? e.keyId ?? NONE,
      modelAndTarget(e),
      String(e.attempts.length),
      String(e.status),
      millis(e.latencyMs),
      millis(e.ttfbMs),
      count(tokens),
      e.errorCode ?? '',
    ],
    WIDTHS,
  );
}

/** `best → openai/gpt-4o`; a direct `provider/model` request is shown once. */
function modelAndTarget(e: LogEntryDto): string {
  if (e.target !== null && e.target === e.modelAsked) return e.target;
  return `${e.modelAsked ?? NONE} → ${e.target ?? NONE}`;
}

const byId = (a: LogEntryDto, b: LogEntryDto): number => a.id - b.id;

function oldestFirst(entries: readonly LogEntryDto[]): LogEntryDto[] {
  return [...entries].sort(byId);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
