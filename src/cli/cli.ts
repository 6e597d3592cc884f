/**
 * The `krouter` command line (everything but the daemon itself): yargs setup,
 * global options, and the command groups, each in ./commands/.
 */
import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { UsageError } from './cli-errors.js';
import { auditCommand } from './commands/audit.js';
import { combosCommand } from './commands/combos.js';
import { daemonCommand } from './commands/daemon.js';
import { debugCommand } from './commands/debug.js';
import { keysCommand } from './commands/keys.js';
import { lockoutsCommand } from './commands/lockouts.js';
import { logsCommand } from './commands/logs.js';
import { providersCommand } from './commands/providers.js';
import { routeCommand } from './commands/route.js';
import { statusCommand } from './commands/status.js';
import { tuiCommand } from './commands/tui.js';
import { usageCommand } from './commands/usage.js';
import { reportFailure, USAGE_HINT, type GlobalArgs } from './context.js';

const EPILOG = `The commands other than \`daemon\` talk to the running daemon over its admin socket
(--socket, else $KROUTER_SOCKET, else $KROUTER_HOME/admin.sock; KROUTER_HOME defaults to ~/.krouter).
Only the user who runs the daemon can open that socket. Add --json to any command for machine output.

Getting started:
  krouter daemon                                   # in another terminal, or as a service
  printf %s "$OPENAI_API_KEY" | krouter providers add openai --type openai \\
      --base-url https://api.openai.com/v1 --api-key -
  krouter combos set best openai/gpt-4o openai/gpt-4o-mini
  krouter keys create --name laptop                # give this key to your clients
  krouter logs --follow`;

/** Builds the parser for `argv` (without the node and script paths). */
export function buildCli(argv: readonly string[]): Argv<GlobalArgs> {
  const base = yargs(attachDashValues(argv, DASH_VALUE_OPTIONS))
    .scriptName('krouter')
    .usage('$0 <command> [options]\n\nSelf-hosted AI router: one endpoint for every AI client, routed to your providers.')
    .option('json', { type: 'boolean', default: false, describe: 'Machine output: the API\'s JSON document on stdout (errors too)' })
    .option('socket', { type: 'string', describe: 'Admin socket path (else $KROUTER_SOCKET, else $KROUTER_HOME/admin.sock)' })
    .option('home', { type: 'string', describe: 'krouter home folder (else $KROUTER_HOME, else ~/.krouter)' });
  let y: Argv<GlobalArgs> = base;
  for (const register of [daemonCommand, statusCommand, keysCommand, providersCommand, combosCommand, routeCommand, logsCommand, usageCommand, lockoutsCommand, debugCommand, auditCommand, tuiCommand]) {
    y = register(y);
  }
  let suggestion = '';
  return y
    .demandCommand(1, 'Name a command.')
    .strict()
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version(readVersion())
    .epilog(EPILOG)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg: string | null | undefined, err: Error | undefined) => {
      // Only yargs' own validation ends up here (command handlers report their failures themselves).
      // recommendCommands() reports its "Did you mean …?" first, then the actual error follows.
      if (msg?.startsWith('Did you mean') === true) {
        suggestion = `. ${msg}`;
        return;
      }
      // Throwing stops yargs: with exitProcess(false) it would otherwise go on to run the handler.
      throw new UsageError(`${msg ?? err?.message ?? 'invalid command line.'}${suggestion}`);
    });
}

/** Runs one command line; the outcome is in process.exitCode (0 ok, 1 failed, 2 usage error). */
export async function runCli(argv: readonly string[]): Promise<void> {
  const json = argv.includes('--json');
  try {
    await buildCli(argv).parseAsync();
  } catch (err) {
    if (argv.length === 0) buildCli(['--help']).showHelp('error');
    reportFailure(err, json, err instanceof UsageError ? USAGE_HINT : undefined);
  }
}

/** Options whose value may be `-` (read from stdin). */
const DASH_VALUE_OPTIONS = ['--api-key'];

/**
 * yargs-parser takes a lone `-` for a positional, not for the value of the
 * option before it: `--api-key -` becomes `--api-key=-` here (up to a `--`).
 */
export function attachDashValues(argv: readonly string[], options: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (options.includes(a) && argv[i + 1] === '-') {
      out.push(`${a}=-`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

function readVersion(): string {
  try {
    // dist/src/cli/cli.js -> <package root>/package.json
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
