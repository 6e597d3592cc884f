/** `krouter lockouts list|clear`: client addresses locked out of /v1 after failed authentications. */
import type { Argv } from 'yargs';
import type { LockoutDto } from '../../shared/admin-types.js';
import { action, adminClient, output, type GlobalArgs } from '../context.js';
import { duration, localTime, NONE, plural, table } from '../format.js';

export function lockoutsCommand(y: Argv<GlobalArgs>): Argv<GlobalArgs> {
  return y.command('lockouts', 'Show or lift the per-address lockouts of /v1 (after repeated bad or missing keys)', (c) =>
    c
      .command(
        'list',
        'List addresses with recent failed authentications, and those locked out',
        (s) => s,
        action(async (args) => {
          const res = await adminClient(args).listLockouts();
          output(args, res, ({ lockouts }) => (lockouts.length === 0 ? 'No failed authentications in the current window, and no address is locked out.' : lockoutTable(lockouts)));
        }),
      )
      .command(
        'clear [ip]',
        'Lift the lockout and forget the failures of one address (an IPv6 address: its /64), or of every address',
        (s) =>
          s
            .positional('ip', { type: 'string', describe: 'An address as `lockouts list` shows it (IPv6: the /64 or any address in it); omit to clear all' })
            .example('$0 lockouts clear 203.0.113.7', 'unlock one client')
            .example('$0 lockouts clear', 'unlock everyone'),
        action(async (args) => {
          const res = await adminClient(args).clearLockouts(args.ip);
          output(args, res, ({ cleared }) =>
            cleared === 0 ? `Nothing to clear${args.ip === undefined ? '' : ` for ${args.ip}`}.` : `Cleared ${plural(cleared, 'entry', 'entries')}${args.ip === undefined ? '' : ` for ${args.ip}`}.`,
          );
        }),
      )
      .demandCommand(1, 'Name a lockouts subcommand: list or clear.'),
  );
}

function lockoutTable(lockouts: LockoutDto[], now = Date.now()): string {
  return table(
    [{ header: 'ADDRESS' }, { header: 'FAILURES', align: 'right' }, { header: 'SINCE' }, { header: 'LOCKED UNTIL' }, { header: 'LEFT', align: 'right' }],
    lockouts.map((l) => {
      const until = l.lockedUntil === null ? null : new Date(l.lockedUntil).getTime();
      return [l.ip, String(l.failures), localTime(l.windowStartedAt), l.lockedUntil === null ? NONE : localTime(l.lockedUntil), until === null ? NONE : duration(Math.ceil((until - now) / 1000))];
    }),
  );
}
