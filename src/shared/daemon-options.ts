/**
 * The flags of `krouter daemon`. They mirror the environment variables
 * (flag wins over env, env over config.json, config.json over defaults).
 * Shared so that `krouter --help` (CLI) and the daemon parse the same set.
 */
export const DAEMON_OPTIONS = {
  home: { type: 'string', describe: 'State folder (config.json, db/, certs/, logs/). Env: KROUTER_HOME. Default: ~/.krouter' },
  bind: { type: 'string', describe: 'Address for the /v1 listener. Env: KROUTER_BIND. Default: 127.0.0.1' },
  port: { type: 'number', describe: 'Port for the /v1 listener (0 = any free port). Env: KROUTER_PORT. Default: 20128' },
  socket: { type: 'string', describe: 'Admin Unix socket path. Env: KROUTER_SOCKET. Default: $KROUTER_HOME/admin.sock' },
} as const;

export interface DaemonFlags {
  home?: string | undefined;
  bind?: string | undefined;
  port?: number | undefined;
  socket?: string | undefined;
}
