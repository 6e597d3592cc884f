/**
 * Errors the CLI raises itself (before or instead of asking the daemon).
 * Errors from the daemon arrive as KrouterError and keep the daemon's code.
 */
import type { ErrorCode } from '../shared/errors.js';

export class CliError extends Error {
  readonly code: ErrorCode | 'cancelled';
  readonly exitCode: number;

  constructor(code: ErrorCode | 'cancelled', message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** The command line itself is wrong: exit 2, like yargs' own usage errors. */
export class UsageError extends CliError {
  constructor(message: string) {
    super('invalid_request', message, 2);
    this.name = 'UsageError';
  }
}
