/** `krouter tui [--read-only]`: the full-screen terminal UI (Ink), a client of the admin socket like every command. */
import type { Argv } from 'yargs';
import { CliError, UsageError } from '../cli-errors.js';
import { AdminClient } from '../../shared/admin-client.js';
import { action, socketPath, type GlobalArgs } from '../context.js';

export function tuiCommand(y: Argv<GlobalArgs>): Argv<GlobalArgs> {
  return y.command(
    'tui',
    'Full-screen terminal UI: live traffic and logs, combos, keys, providers, lockouts, debug mode (? lists its keys)',
    (c) => c.option('read-only', { type: 'boolean', default: false, describe: 'Look without touching: commands that change the daemon are hidden and refused' }),
    action(async (args) => {
      if (args.json) throw new UsageError('krouter tui is interactive and has no --json output; use `krouter status --json`, `krouter logs --follow --json` and the like in scripts.');
      let onDebug: ((enabled: boolean, until: string | null) => void) | null = null;
      const admin = new AdminClient(socketPath(args), { onDebugState: (d) => onDebug?.(d.enabled, d.until) });
      // Fail before taking over the screen when the socket cannot be used (missing, refused, not ours).
      await admin.status();
      if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
        throw new CliError('invalid_request', 'krouter tui needs an interactive terminal (stdin and stdout must be a TTY). In scripts use `krouter status`, `krouter logs --follow` and the other commands.');
      }
      // Ink renders only the final frame when it believes it runs in CI (it checks CI and
      // CONTINUOUS_INTEGRATION when it loads). This is an interactive terminal: draw live.
      delete process.env['CI'];
      delete process.env['CONTINUOUS_INTEGRATION'];
      // Loaded here, so that no other command pays for Ink and React.
      const [{ runTui }, { tuiClient }] = await Promise.all([import('../../tui/run.js'), import('../../tui/client.js')]);
      await runTui({ client: tuiClient(admin), readOnly: args.readOnly, onDebugState: (listener) => (onDebug = listener) });
    }),
  );
}
