/**
 * Reading a secret for `--api-key -`: from piped stdin, or typed at a prompt
 * without echo when stdin is a terminal. Secrets never come from argv, which
 * every user of the machine can read with `ps`.
 */
import { CliError, UsageError } from './cli-errors.js';

const MAX_SECRET_BYTES = 64 * 1024;

export interface SecretSource {
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
}

/** The secret, without its trailing newline. Refuses an empty or multi-line value. */
export async function readSecret(prompt: string, what: string, io: SecretSource = { stdin: process.stdin, stderr: process.stderr }): Promise<string> {
  const raw = io.stdin.isTTY ? await promptHidden(prompt, io) : await readPiped(io.stdin, what);
  const value = raw.replace(/[\r\n]+$/, '');
  if (value.length === 0) {
    throw new UsageError(`${what} is empty: nothing was read from stdin. Pipe it in, e.g. \`printf %s "$KEY" | krouter …\`, or type it at the prompt.`);
  }
  if (/[\r\n]/.test(value)) {
    throw new UsageError(`${what} read from stdin spans several lines; pipe exactly one value (e.g. \`printf %s "$KEY" | krouter …\`).`);
  }
  return value;
}

async function readPiped(stdin: NodeJS.ReadStream, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_SECRET_BYTES) throw new UsageError(`${what} on stdin is larger than ${MAX_SECRET_BYTES / 1024} KiB; pipe only the key.`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A line typed on the terminal, not echoed. Enter ends it, Ctrl-C cancels, Backspace erases. */
function promptHidden(prompt: string, io: SecretSource): Promise<string> {
  const { stdin, stderr } = io;
  return new Promise<string>((resolve, reject) => {
    const wasRaw = stdin.isRaw;
    let value = '';
    const done = (err?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new CliError('cancelled', 'cancelled at the prompt; nothing was changed.', 130));
        if (ch === '\u007f' || ch === '\b') {
          value = Array.from(value).slice(0, -1).join('');
          continue;
        }
        if (ch < ' ') continue;
        value += ch;
      }
    };
    stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}
