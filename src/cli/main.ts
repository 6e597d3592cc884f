/** Entry point of every `krouter` command except `krouter daemon` (see bin/krouter.js). */
import { hideBin } from 'yargs/helpers';
import { runCli } from './cli.js';

// `krouter logs --follow | head`: the reader went away, which is a normal way to stop.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

await runCli(hideBin(process.argv));
