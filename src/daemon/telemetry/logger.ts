import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The daemon's own log (lifecycle, warnings) as JSON lines on stderr. Request
 * metadata goes to the request log in SQLite, not here. Secret-bearing fields
 * are redacted by path as a second line of defence; code never logs them.
 */
export function createLogger(level: string = process.env['KROUTER_LOG_LEVEL'] ?? 'info'): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: ['apiKey', '*.apiKey', 'secret', '*.secret', 'authorization', '*.authorization', 'headers.*'], censor: '[redacted]' },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}
