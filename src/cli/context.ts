/**
 * What every command shares: the global options, the admin client they select,
 * output (JSON or human), and the one place errors become a message and an
 * exit code.
 */
import { AdminClient, type DebugState } from '../shared/admin-client.js';
import { isKrouterError } from '../shared/errors.js';
import { krouterPaths } from '../shared/paths.js';
import { CliError } from './cli-errors.js';
import { localTime } from './format.js';

export interface GlobalArgs {
  json: boolean;
  socket: string | undefined;
  home: string | undefined;
}

/** The admin socket: --socket, else KROUTER_SOCKET, else <--home or KROUTER_HOME or ~/.krouter>/admin.sock. */
export function socketPath(args: GlobalArgs): string {
  return krouterPaths({ home: args.home, socket: args.socket }).socket;
}

export function adminClient(args: GlobalArgs, opts: { debugBanner?: boolean } = {}): AdminClient {
  return new AdminClient(socketPath(args), opts.debugBanner === false ? {} : { onDebugState: debugBanner });
}

let bannerShown = false;

/** While debug mode is on, every command says so once, on stderr (so `$(krouter …)` and --json stay clean). */
function debugBanner(d: DebugState): void {
  if (!d.enabled || bannerShown) return;
  bannerShown = true;
  const until = d.until === null ? '' : ` until ${localTime(d.until)}`;
  process.stderr.write(`krouter: DEBUG MODE IS ON${until}: full request and response bodies are being recorded. Stop it with \`krouter debug off\`.\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Human notes that are not the command's result (so `$(krouter …)` captures only the result). */
export function printNote(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** One JSON document on stdout: exactly the DTO. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One compact JSON document per line (NDJSON), for streams. */
export function printJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** The result of a command: the DTO with --json, else the human rendering. */
export function output<T>(args: GlobalArgs, dto: T, human: (dto: T) => string): void {
  if (args.json) printJson(dto);
  else printLine(human(dto));
}

interface Failure {
  code: string;
  message: string;
  exitCode: number;
}

function describeFailure(err: unknown): Failure {
  if (err instanceof CliError) return { code: err.code, message: err.message, exitCode: err.exitCode };
  if (isKrouterError(err)) return { code: err.code, message: err.message, exitCode: 1 };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal_error', message: `unexpected error: ${message}. This is a bug in krouter; please report it.`, exitCode: 1 };
}

/** Prints `krouter: <message>` on stderr (and the error document on stdout with --json); sets the exit code. */
export function reportFailure(err: unknown, json: boolean, hint?: string): void {
  const f = describeFailure(err);
  process.stderr.write(`krouter: ${f.message}\n`);
  if (hint !== undefined) process.stderr.write(`${hint}\n`);
  if (json) printJson({ error: { code: f.code, message: f.message } });
  process.exitCode = f.exitCode;
}

export const USAGE_HINT = 'Run `krouter --help` or `krouter COMMAND --help` for usage.';

/** Wraps a command handler: failures are reported, never thrown back into yargs. */
export function action<A extends GlobalArgs>(fn: (args: A) => Promise<void>): (args: A) => Promise<void> {
  return async (args: A) => {
    try {
      await fn(args);
    } catch (err) {
      reportFailure(err, args.json, err instanceof CliError && err.exitCode === 2 ? USAGE_HINT : undefined);
    }
  };
}
