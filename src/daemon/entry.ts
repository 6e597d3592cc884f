import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { KrouterError } from '../shared/errors.js';
import { startDaemon } from './main.js';

/**
 * Old-generation growth. Under load the daemon promotes a steady stream of
 * short-lived request objects (alive across two scavenges) into the old
 * space; V8's default growing factor (up to 4x the live size) lets that
 * garbage pile up to ~60 MiB of old space over a ~20 MiB live set before the
 * next mark-compact. 1.75x the live size keeps the peak RSS under load near
 * 126-133 MiB (bench, with the smaller SQLite cache; ~140 at 2x, ~185 at the
 * default) for ~2-3% more CPU per request than 2x; 1.5x cost ~+10%. Read by
 * V8 at every GC, so setting it here (not on the command line) works. An
 * operator's own --heap-growing-percent (node flag or NODE_OPTIONS) wins.
 */
const HEAP_GROWING_PERCENT = 75;
if (![...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].some((a) => a.includes('--heap-growing-percent') || a.includes('--heap_growing_percent'))) {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

/** `krouter daemon [--home DIR] [--bind ADDR] [--port N] [--socket PATH]`: runs in the foreground until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { values } = parseArgs({
    args: argv.slice(argv.indexOf('daemon') + 1),
    options: { home: { type: 'string' }, bind: { type: 'string' }, port: { type: 'string' }, socket: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  let port: number | undefined;
  if (values.port !== undefined) {
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) throw new KrouterError('config_invalid', `--port ${values.port} is not a port number: use an integer from 0 to 65535.`);
    port = Number(values.port);
  }
  const daemon = await startDaemon(process.env, { home: values.home, bind: values.bind, port, socket: values.socket });
  let signals = 0;
  const stop = (sig: NodeJS.Signals): void => {
    if (++signals > 1) {
      process.stderr.write(`krouter: second ${sig}, exiting now\n`);
      process.exit(1);
    }
    daemon.shutdown(sig).then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`krouter: shutdown failed: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  if (e instanceof KrouterError) process.stderr.write(`krouter: ${e.message}\n`);
  else if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) process.stderr.write(`krouter daemon: ${e.message}. See \`krouter daemon --help\`.\n`);
  else process.stderr.write(`krouter: could not start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
