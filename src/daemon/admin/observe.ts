import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HealthDto, LogDetailDto, LogEntryDto, RouteExplainDto, RouteTargetDto, StatusDto, UsageDto, UsageGroupBy } from '../../shared/admin-types.js';
import { KrouterError } from '../../shared/errors.js';
import { resolvePlan } from '../routing/resolve.js';
import { toLogEntryDto } from '../telemetry/log-entry.js';
import type { AdminServices } from './context.js';

const iso = (t: number): string => new Date(t).toISOString();

export function status(s: AdminServices): StatusDto {
  const { bind, port } = s.listen();
  const host = bind.includes(':') ? `[${bind}]` : bind;
  const debug = s.debug.status();
  return {
    version: s.version,
    pid: process.pid,
    startedAt: iso(s.startedAt),
    uptimeSeconds: Math.floor((Date.now() - s.startedAt) / 1000),
    listen: { bind, port, url: `http://${host}:${port}` },
    home: s.paths.home,
    socket: s.paths.socket,
    counts: { keys: s.keys.count(), providers: [...s.catalog.providers()].length, combos: [...s.catalog.combos()].length },
    requests: { total: s.counters.total, inFlight: s.counters.inFlight },
    debug: { enabled: debug.enabled, until: debug.until },
  };
}

/** `krouter route MODEL`: the targets that would be tried, in order, with their state; nothing is sent and no turn is taken. */
export function explainRoute(s: AdminServices, model: string | null): RouteExplainDto {
  if (!model) throw new KrouterError('validation_failed', 'Give the model to explain: /admin/v1/route?model=NAME.');
  const plan = resolvePlan(model, s.catalog, s.turns.peek);
  if (!plan) {
    throw new KrouterError('model_not_found', `"${model}" is neither a combo nor provider/model of a configured provider. \`krouter combos list\` and \`krouter providers list\` show what exists.`);
  }
  const targets: RouteTargetDto[] = plan.targets.map((t) => {
    const p = s.catalog.provider(t.provider);
    const base = { target: t.id, provider: t.provider, model: t.model, via: t.via };
    if (!p) return { ...base, state: 'unknown_provider', until: null, reason: `no provider named "${t.provider}" is configured` };
    if (p.credentialProblem !== null) return { ...base, state: 'no_credentials', until: null, reason: p.credentialProblem };
    const v = s.health.view(t);
    return { ...base, state: v.state, until: v.until === null ? null : iso(v.until), reason: v.reason };
  });
  return { model, kind: plan.kind, strategy: plan.strategy, targets };
}

function parseTime(v: string | null, fallback: number, name: string): number {
  if (v === null || v === '') return fallback;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t)) throw new KrouterError('validation_failed', `${name}=${JSON.stringify(v)} is not a time: give ISO-8601 (2026-01-31T00:00:00Z) or epoch milliseconds.`);
  return t;
}

export function usage(s: AdminServices, q: URLSearchParams): UsageDto {
  const byRaw = q.get('by') ?? 'key';
  if (byRaw !== 'key' && byRaw !== 'model' && byRaw !== 'provider') throw new KrouterError('validation_failed', `by=${JSON.stringify(byRaw)} is not one of key, model, provider.`);
  const by: UsageGroupBy = byRaw;
  const now = Date.now();
  const until = parseTime(q.get('until'), now + 1, 'until');
  const since = parseTime(q.get('since'), now - 24 * 3600 * 1000, 'since');
  if (since > until) throw new KrouterError('validation_failed', 'since is after until.');
  s.writer.flush();
  const rows = s.store.requestLog.usage({ by, since, until });
  const totals = { requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, cachedTokens: 0, reasoningTokens: 0 };
  for (const r of rows) for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += r[k];
  return { by, since: iso(since), until: iso(until), rows, totals };
}

export function recentLogs(s: AdminServices, q: URLSearchParams): { entries: LogEntryDto[] } {
  const limit = Math.min(Math.max(Number(q.get('limit') ?? 100) || 100, 1), 1000);
  const before = q.get('before');
  s.writer.flush();
  const rows = s.store.requestLog.recent(before !== null && /^\d+$/.test(before) ? { limit, beforeId: Number(before) } : { limit });
  return { entries: rows.map(toLogEntryDto) };
}

/** Most bytes a slow live-log reader may have queued before entries are skipped for it (bounded memory). */
const STREAM_BACKLOG = 1024 * 1024;

/** GET /admin/v1/logs/stream: NDJSON (default) or SSE of new request entries until the client leaves. */
export function streamLogs(s: AdminServices, req: IncomingMessage, res: ServerResponse): void {
  const sse = (req.headers['accept'] ?? '').includes('text/event-stream');
  res.writeHead(200, { 'content-type': sse ? 'text/event-stream' : 'application/x-ndjson', 'cache-control': 'no-cache' });
  res.flushHeaders();
  const off = s.bus.on('request', (e) => {
    if (res.writableLength > STREAM_BACKLOG) return;
    const line = JSON.stringify(e);
    res.write(sse ? `data: ${line}\n\n` : `${line}\n`);
  });
  res.once('close', off);
}

export function health(s: AdminServices): HealthDto {
  return { marks: s.health.list().map((m) => ({ key: m.key, scope: m.scope, state: m.state, until: iso(m.until), reason: m.reason })) };
}

export function logDetail(s: AdminServices, idRaw: string): LogDetailDto {
  const id = /^\d+$/.test(idRaw) ? Number(idRaw) : NaN;
  s.writer.flush();
  const row = Number.isSafeInteger(id) ? s.store.requestLog.recent({ limit: 1, beforeId: id + 1 })[0] : undefined;
  if (!row || row.id !== id) throw new KrouterError('not_found', `No request-log entry ${idRaw}. \`krouter logs\` lists recent ones.`);
  return { entry: toLogEntryDto(row), capture: null };
}

/** logDetail with the bodies debug mode captured for that request, when there are any (secrets redacted). */
export async function logDetailWithCapture(s: AdminServices, idRaw: string): Promise<LogDetailDto> {
  const detail = logDetail(s, idRaw);
  return { ...detail, capture: await s.debug.find(detail.entry.id) };
}
