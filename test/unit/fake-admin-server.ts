/**
 * A stand-in for the daemon's admin API in unit tests: a real node:http server
 * on a Unix socket in a temp dir, answering from a route table and recording
 * every request it receives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyDto, LogEntryDto, RouteExplainDto, StatusDto, UsageDto } from '../../src/shared/admin-types.js';

export interface RecordedRequest {
  method: string;
  /** Path and query as sent, e.g. `/admin/v1/route?model=a%2Fb`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Answers a request: return JSON to send, or take over `res` (streams) and return undefined. */
export type FakeRoute = (req: RecordedRequest, res: ServerResponse) => { status?: number; body: unknown } | undefined;

export interface FakeAdminServer {
  readonly dir: string;
  readonly socketPath: string;
  readonly requests: RecordedRequest[];
  /** `"METHOD /path"` (path without the query) -> handler. Replace entries freely between tests. */
  readonly routes: Map<string, FakeRoute>;
  close(): Promise<void>;
}

export async function startFakeAdmin(routes: Record<string, FakeRoute> = defaultRoutes()): Promise<FakeAdminServer> {
  const dir = mkdtempSync(join(tmpdir(), 'krouter-admin-test-'));
  const socketPath = join(dir, 'admin.sock');
  const table = new Map(Object.entries(routes));
  const requests: RecordedRequest[] = [];
  const open = new Set<ServerResponse>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      const path = rec.url.split('?')[0] ?? '';
      const route = table.get(`${rec.method} ${path}`);
      if (route === undefined) {
        sendJson(res, 404, { error: { code: 'not_found', message: `no route ${rec.method} ${path}` } });
        return;
      }
      open.add(res);
      res.on('close', () => open.delete(res));
      const answer = route(rec, res);
      if (answer !== undefined) sendJson(res, answer.status ?? 200, answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));

  return {
    dir,
    socketPath,
    requests,
    routes: table,
    async close() {
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function errorRoute(status: number, code: string, message: string): FakeRoute {
  return () => ({ status, body: { error: { code, message } } });
}

// ---- fixtures -------------------------------------------------------------

export const STATUS: StatusDto = {
  version: '0.1.0',
  pid: 4242,
  startedAt: '2025-01-31T12:00:00.000Z',
  uptimeSeconds: 3723,
  listen: { bind: '127.0.0.1', port: 20128, url: 'http://127.0.0.1:20128' },
  home: '/home/u/.krouter',
  socket: '/home/u/.krouter/admin.sock',
  counts: { keys: 2, providers: 1, combos: 1 },
  requests: { total: 1234, inFlight: 1 },
  debug: { enabled: false, until: null },
};

export const KEY: KeyDto = {
  id: 'k_1',
  name: 'laptop',
  prefix: 'kr-ab12',
  createdAt: '2025-01-31T12:00:00.000Z',
  lastUsedAt: null,
  revokedAt: null,
};

export const SECRET = 'kr-ab12-THE-ONE-TIME-SECRET';

export function logEntry(id: number, over: Partial<LogEntryDto> = {}): LogEntryDto {
  return {
    id,
    time: new Date(Date.UTC(2025, 0, 31, 12, 0, id)).toISOString(),
    keyId: 'k_1',
    keyName: 'laptop',
    clientIp: '127.0.0.1',
    route: '/v1/chat/completions',
    modelAsked: 'best',
    target: 'openai/gpt-4o',
    attempts: [{ target: 'openai/gpt-4o', status: 200, outcome: 'ok', reason: 'ok', latencyMs: 120 }],
    status: 200,
    errorCode: null,
    stream: false,
    latencyMs: 130,
    ttfbMs: 90,
    promptTokens: 10,
    completionTokens: 5,
    totalTokens: 15,
    cachedTokens: null,
    reasoningTokens: null,
    ...over,
  };
}

export const ROUTE: RouteExplainDto = {
  model: 'best',
  kind: 'combo',
  strategy: 'fallback',
  targets: [
    { target: 'openai/gpt-4o', provider: 'openai', model: 'gpt-4o', via: ['best'], state: 'cooling_down', until: '2025-01-31T12:05:00.000Z', reason: '429 rate limited' },
    { target: 'groq/llama', provider: 'groq', model: 'llama', via: ['best', 'fast'], state: 'unknown_provider', until: null, reason: null },
  ],
};

export const USAGE: UsageDto = {
  by: 'model',
  since: '2025-01-30T12:00:00.000Z',
  until: '2025-01-31T12:00:00.000Z',
  rows: [{ group: 'best', requests: 3, errors: 1, promptTokens: 30, completionTokens: 15, totalTokens: 45, cachedTokens: 0, reasoningTokens: 0 }],
  totals: { requests: 3, errors: 1, promptTokens: 30, completionTokens: 15, totalTokens: 45, cachedTokens: 0, reasoningTokens: 0 },
};

/** A plausible answer for every admin route. */
export function defaultRoutes(): Record<string, FakeRoute> {
  return {
    'GET /admin/v1/status': () => ({ body: STATUS }),
    'GET /admin/v1/keys': () => ({ body: { keys: [KEY] } }),
    'POST /admin/v1/keys': (req) => {
      const { name } = JSON.parse(req.body) as { name: string };
      return { status: 201, body: { key: { ...KEY, name }, secret: SECRET } };
    },
    'GET /admin/v1/providers': () => ({
      body: {
        providers: [
          { name: 'openai', type: 'openai', baseUrl: 'https://api.openai.com/v1', hasApiKey: true, credentialProblem: null, headerNames: [], models: null, modelsSource: 'fetched', createdAt: KEY.createdAt, updatedAt: KEY.createdAt },
        ],
      },
    }),
    'GET /admin/v1/route': () => ({ body: ROUTE }),
    'GET /admin/v1/usage': () => ({ body: USAGE }),
    // Newest first, like the daemon.
    'GET /admin/v1/logs': () => ({ body: { entries: [logEntry(2), logEntry(1)] } }),
  };
}
