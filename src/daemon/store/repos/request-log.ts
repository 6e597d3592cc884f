import type Database from 'better-sqlite3';
import type { UsageGroupBy } from '../../../shared/admin-types.js';
import { decodeAttempts } from './attempts-column.js';
import type { RequestLogRepo, StoredLogRow, UsageAggregate } from '../types.js';
import { createLogInserter } from './request-log-insert.js';

interface LogRecord {
  id: number;
  time: number;
  key_id: string | null;
  key_name: string | null;
  client_ip: string;
  route: string;
  model_asked: string | null;
  target: string | null;
  attempts: string;
  status: number;
  error_code: string | null;
  stream: number;
  latency_ms: number;
  ttfb_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  cached_tokens: number | null;
  reasoning_tokens: number | null;
}

function toRow(r: LogRecord): StoredLogRow {
  return {
    id: r.id,
    time: r.time,
    keyId: r.key_id,
    keyName: r.key_name,
    clientIp: r.client_ip,
    route: r.route,
    modelAsked: r.model_asked,
    target: r.target,
    attempts: decodeAttempts(r.attempts, { target: r.target, status: r.status }),
    status: r.status,
    errorCode: r.error_code,
    stream: r.stream !== 0,
    latencyMs: r.latency_ms,
    ttfbMs: r.ttfb_ms,
    promptTokens: r.prompt_tokens,
    completionTokens: r.completion_tokens,
    totalTokens: r.total_tokens,
    cachedTokens: r.cached_tokens,
    reasoningTokens: r.reasoning_tokens,
  };
}

const SELECT_LOG = `
  SELECT l.id, l.time, l.key_id, k.name AS key_name, l.client_ip, l.route, l.model_asked, l.target, l.attempts,
         l.status, l.error_code, l.stream, l.latency_ms, l.ttfb_ms, l.prompt_tokens, l.completion_tokens,
         l.total_tokens, l.cached_tokens, l.reasoning_tokens
  FROM request_log l LEFT JOIN api_keys k ON k.id = l.key_id`;

const GROUP_EXPR: Record<UsageGroupBy, string> = {
  key: `COALESCE(k.name, l.key_id, '(none)')`,
  model: `COALESCE(l.model_asked, '(none)')`,
  provider: `CASE
      WHEN l.target IS NULL THEN '(none)'
      WHEN instr(l.target, '/') > 0 THEN substr(l.target, 1, instr(l.target, '/') - 1)
      ELSE l.target
    END`,
};

/** Half-open window: since <= time < until. */
function usageSql(by: UsageGroupBy): string {
  return `
    SELECT ${GROUP_EXPR[by]} AS grp,
           COUNT(*) AS requests,
           SUM(CASE WHEN l.status >= 400 THEN 1 ELSE 0 END) AS errors,
           COALESCE(SUM(l.prompt_tokens), 0) AS prompt_tokens,
           COALESCE(SUM(l.completion_tokens), 0) AS completion_tokens,
           COALESCE(SUM(l.total_tokens), 0) AS total_tokens,
           COALESCE(SUM(l.cached_tokens), 0) AS cached_tokens,
           COALESCE(SUM(l.reasoning_tokens), 0) AS reasoning_tokens
    FROM request_log l LEFT JOIN api_keys k ON k.id = l.key_id
    WHERE l.time >= ? AND l.time < ?
    GROUP BY grp
    ORDER BY requests DESC, grp ASC`;
}

interface UsageRecord {
  grp: string;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
}

export function createRequestLogRepo(db: Database.Database): RequestLogRepo {
  const insertRows = createLogInserter(db);
  const recentAll = db.prepare<[number], LogRecord>(`${SELECT_LOG} ORDER BY l.id DESC LIMIT ?`);
  const recentBefore = db.prepare<[number, number], LogRecord>(`${SELECT_LOG} WHERE l.id < ? ORDER BY l.id DESC LIMIT ?`);
  const usage: Record<UsageGroupBy, Database.Statement<[number, number], UsageRecord>> = {
    key: db.prepare<[number, number], UsageRecord>(usageSql('key')),
    model: db.prepare<[number, number], UsageRecord>(usageSql('model')),
    provider: db.prepare<[number, number], UsageRecord>(usageSql('provider')),
  };
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM request_log');
  const deleteOlder = db.prepare<[number]>('DELETE FROM request_log WHERE time < ?');

  const insertMany = db.transaction(insertRows);

  return {
    insertMany: (rows) => (rows.length === 0 ? [] : insertMany(rows)),
    recent({ limit, beforeId }) {
      const n = Math.max(0, Math.floor(limit));
      const records = beforeId === undefined ? recentAll.all(n) : recentBefore.all(beforeId, n);
      return records.map(toRow);
    },
    usage({ by, since, until }) {
      return usage[by].all(since, until).map(
        (r): UsageAggregate => ({
          group: r.grp,
          requests: r.requests,
          errors: r.errors,
          promptTokens: r.prompt_tokens,
          completionTokens: r.completion_tokens,
          totalTokens: r.total_tokens,
          cachedTokens: r.cached_tokens,
          reasoningTokens: r.reasoning_tokens,
        }),
      );
    },
    count: () => count.get()?.n ?? 0,
    deleteOlderThan: (time) => deleteOlder.run(time).changes,
  };
}
