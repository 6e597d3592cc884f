/**
 * `krouter daemon`: registered here only so that `krouter --help` and
 * `krouter daemon --help` describe it. bin/krouter.js sends `krouter daemon`
 * to the daemon's own entry point, so this handler runs only if that shim is
 * bypassed.
 */
import type { Argv } from 'yargs';
import { DAEMON_OPTIONS } from '../../shared/daemon-options.js';
import { UsageError } from '../cli-errors.js';
import { action, type GlobalArgs } from '../context.js';

export function daemonCommand(y: Argv<GlobalArgs>): Argv<GlobalArgs> {
  return y.command(
    'daemon',
    'Run the krouter daemon (the /v1 listener and the admin socket) in the foreground',
    (d) =>
      d
        .options({ ...DAEMON_OPTIONS })
        .epilog('Flags override the environment variables, which override config.json. Stop the daemon with Ctrl-C or SIGTERM; in-flight requests get a grace period.'),
    action(async () => {
      throw new UsageError('`daemon` was handed to the CLI entry point instead of the daemon. Run it as `krouter daemon` (bin/krouter.js) or `npm start`.');
    }),
  );
}
