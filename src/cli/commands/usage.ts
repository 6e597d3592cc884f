/** `krouter usage`: requests and tokens per key, model or provider over a time range. */
import type { Argv } from 'yargs';
import type { UsageDto, UsageGroupBy } from '../../shared/admin-types.js';
import { action, adminClient, output, type GlobalArgs } from '../context.js';
import { count, localTime, table, type Column } from '../format.js';
import { parseTimeArg } from '../time-arg.js';

const GROUPS: readonly UsageGroupBy[] = ['key', 'model', 'provider'];

export function usageCommand(y: Argv<GlobalArgs>): Argv<GlobalArgs> {
  return y.command(
    'usage',
    'Show usage (requests, errors, tokens) grouped by key, model or provider',
    (u) =>
      u
        .option('by', { choices: GROUPS, default: 'key' as UsageGroupBy, describe: 'Group rows by' })
        .option('since', { type: 'string', describe: 'Start: relative (30m, 24h, 7d, 2w) or ISO-8601. Default: the daemon\'s default range (printed with the result)' })
        .option('until', { type: 'string', describe: 'End: relative, `now` or ISO-8601. Default: now' })
        .example('$0 usage --by model --since 7d', 'last week, per model'),
    action(async (args) => {
      const since = args.since === undefined ? undefined : parseTimeArg('since', args.since);
      const until = args.until === undefined ? undefined : parseTimeArg('until', args.until);
      const res = await adminClient(args).usage({ by: args.by, since, until });
      output(args, res, renderUsage);
    }),
  );
}

export function renderUsage(u: UsageDto): string {
  const head = `Usage by ${u.by} from ${localTime(u.since)} to ${localTime(u.until)}:`;
  if (u.rows.length === 0) return `${head}\n  no requests in this range.`;
  const columns: Column[] = [
    { header: u.by.toUpperCase() },
    { header: 'REQUESTS', align: 'right' },
    { header: 'ERRORS', align: 'right' },
    { header: 'PROMPT', align: 'right' },
    { header: 'COMPLETION', align: 'right' },
    { header: 'CACHED', align: 'right' },
    { header: 'REASONING', align: 'right' },
    { header: 'TOTAL TOKENS', align: 'right' },
  ];
  const cells = (group: string, r: UsageDto['totals']): string[] => [
    group,
    count(r.requests),
    count(r.errors),
    count(r.promptTokens),
    count(r.completionTokens),
    count(r.cachedTokens),
    count(r.reasoningTokens),
    count(r.totalTokens),
  ];
  return `${head}\n${table(columns, [...u.rows.map((r) => cells(r.group, r)), cells('TOTAL', u.totals)])}`;
}
