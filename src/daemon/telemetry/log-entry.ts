import type { LogEntryDto } from '../../shared/admin-types.js';
import type { StoredLogRow } from '../store/types.js';

export function toLogEntryDto(row: StoredLogRow): LogEntryDto {
  return {
    id: row.id,
    time: new Date(row.time).toISOString(),
    keyId: row.keyId,
    keyName: row.keyName,
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
