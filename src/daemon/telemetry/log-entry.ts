import type { LogEntryDto } from '../../shared/admin-types.js';
import type { RequestLogRow, StoredLogRow } from '../store/types.js';

export function toLogEntryDto(row: StoredLogRow): LogEntryDto {
  return newLogEntryDto(row, row.id, row.keyName);
}

/** The entry of a row just written (its id and key name beside it, not copied into it: the writer publishes every row while someone watches). */
export function newLogEntryDto(row: RequestLogRow, id: number, keyName: string | null): LogEntryDto {
  return {
    id,
    time: new Date(row.time).toISOString(),
    keyId: row.keyId,
    keyName,
    clientIp: row.clientIp,
    route: row.route,
    modelAsked: row.modelAsked,
    target: row.target,
    attempts: row.attempts,
    status: row.status,
    errorCode: row.errorCode,
    stream: row.stream,
    latencyMs: row.latencyMs,
    ttfbMs: row.ttfbMs,
    promptTokens: row.promptTokens,
    completionTokens: row.completionTokens,
    totalTokens: row.totalTokens,
    cachedTokens: row.cachedTokens,
    reasoningTokens: row.reasoningTokens,
  };
}
