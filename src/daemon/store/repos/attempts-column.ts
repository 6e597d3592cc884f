import type { AttemptDto } from '../../../shared/admin-types.js';
import { KrouterError } from '../../../shared/errors.js';
import { parseJson } from '../json-column.js';

/** What of a request-log row the attempts column is written and read with. */
interface RowFacts {
  target: string | null;
  status: number;
}

/**
 * The request_log.attempts column. Most requests are served by their first
 * target at once; their one attempt repeats the row's target and status, so
 * it is stored as its latency alone (a JSON number, e.g. `12`): a fraction of
 * the bytes and no JSON.stringify on every log write. Anything else is the
 * JSON array of attempts. Both read back as the same AttemptDto[].
 */
export function encodeAttempts(attempts: readonly AttemptDto[], row: RowFacts): string {
  if (attempts.length === 0) return '[]';
  if (attempts.length === 1) {
    const a = attempts[0]!;
    if (a.outcome === 'ok' && a.reason === 'ok' && a.target === row.target && a.status === row.status && Number.isSafeInteger(a.latencyMs)) return String(a.latencyMs);
  }
  return JSON.stringify(attempts);
}

export function decodeAttempts(text: string, row: RowFacts): AttemptDto[] {
  const value = parseJson(text, 'request_log.attempts');
  if (typeof value === 'number' && row.target !== null) return [{ target: row.target, status: row.status, outcome: 'ok', reason: 'ok', latencyMs: value }];
  if (!Array.isArray(value)) {
    throw new KrouterError('store_unavailable', 'The database column request_log.attempts holds invalid data (expected an array or a latency).', {
      status: 500,
      details: { reason: 'corrupt_column', column: 'request_log.attempts' },
    });
  }
  // Written only by encodeAttempts from typed AttemptDto values.
  return value as AttemptDto[];
}
