/** `krouter debug on [--for 30m] | off | status`: capture full request/response pairs for a while. */
import type { Argv } from 'yargs';
import type { DebugDto } from '../../shared/admin-types.js';
import { UsageError } from '../cli-errors.js';
import { action, adminClient, output, type GlobalArgs } from '../context.js';
import { duration, localTime } from '../format.js';

const MAX_SECONDS = 24 * 3600;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `30m`, `2h`, `90s`, `1h30m`, or plain seconds. */
export function parseDuration(value: string): number {
  const v = value.trim().toLowerCase();
  let secs = 0;
  if (/^\d+$/.test(v)) secs = Number(v);
  else if (/^(\d+[smhd])+$/.test(v)) for (const m of v.matchAll(/(\d+)([smhd])/g)) secs += Number(m[1]) * (UNIT_SECONDS[m[2] ?? 's'] ?? 1);
  else throw new UsageError(`--for "${value}" is not a duration: use 30m, 2h, 90s or 1h30m (at most 24h).`);
  if (secs < 1 || secs > MAX_SECONDS) throw new UsageError(`--for ${value}: debug mode lasts from 1 second to 24h (it records full bodies and must not stay on).`);
  return secs;
}

export function renderDebug(d: DebugDto): string {
  if (!d.enabled) return `Debug mode is off. Captures from earlier sessions (if any) are in ${d.dir}.`;
  const left = d.until === null ? '' : ` until ${localTime(d.until)} (${duration((Date.parse(d.until) - Date.now()) / 1000)} left)`;
  return `Debug mode is ON${left}: full request/response pairs of /v1 requests are written to ${d.dir} (secrets redacted; one request's pair: GET /admin/v1/logs/ID). Stop it with \`krouter debug off\`.`;
}

export function debugCommand(y: Argv<GlobalArgs>): Argv<GlobalArgs> {
  return y.command('debug', 'Debug mode: record full /v1 request/response pairs for a while (off by default)', (c) =>
    c
      .command(
        'on',
        'Turn debug mode on; it turns itself off after --for (default 30m, at most 24h)',
        (s) => s.option('for', { type: 'string', describe: 'How long: 30m, 2h, 90s (default 30m, at most 24h)' }).example('$0 debug on --for 10m', 'capture for ten minutes'),
        action(async (args) => {
          const forSeconds = args.for === undefined ? undefined : parseDuration(args.for);
          const res = await adminClient(args, { debugBanner: false }).setDebug({ enabled: true, ...(forSeconds === undefined ? {} : { forSeconds }) });
          output(args, res, renderDebug);
        }),
      )
      .command(
        'off',
        'Turn debug mode off (captures already written stay until you delete them)',
        (s) => s,
        action(async (args) => {
          const res = await adminClient(args, { debugBanner: false }).setDebug({ enabled: false });
          output(args, res, renderDebug);
        }),
      )
      .command(
        'status',
        'Show whether debug mode is on, until when, and where captures go',
        (s) => s,
        action(async (args) => {
          const res = await adminClient(args, { debugBanner: false }).getDebug();
          output(args, res, renderDebug);
        }),
      )
      .demandCommand(1, 'Name a debug subcommand: on, off or status.'),
  );
}
