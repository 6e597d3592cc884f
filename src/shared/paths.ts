import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Env {
  readonly [name: string]: string | undefined;
}

/** Every on-disk location krouter uses, derived from KROUTER_HOME (default ~/.krouter). */
export interface KrouterPaths {
  home: string;
  config: string;
  dbDir: string;
  db: string;
  certsDir: string;
  logsDir: string;
  secretKeyFile: string;
  socket: string;
}

export function resolveHome(env: Env = process.env, flag?: string): string {
  const raw = flag ?? env['KROUTER_HOME'];
  return resolve(raw && raw.length > 0 ? raw : join(homedir(), '.krouter'));
}

export function resolveSocket(home: string, env: Env = process.env, flag?: string): string {
  const raw = flag ?? env['KROUTER_SOCKET'];
  return resolve(raw && raw.length > 0 ? raw : join(home, 'admin.sock'));
}

export function krouterPaths(opts: { env?: Env; home?: string; socket?: string } = {}): KrouterPaths {
  const env = opts.env ?? process.env;
  const home = resolveHome(env, opts.home);
  return {
    home,
    config: join(home, 'config.json'),
    dbDir: join(home, 'db'),
    db: join(home, 'db', 'data.sqlite'),
    certsDir: join(home, 'certs'),
    logsDir: join(home, 'logs'),
    secretKeyFile: join(home, 'secret.key'),
    socket: resolveSocket(home, env, opts.socket),
  };
}
