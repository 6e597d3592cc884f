import { chmodSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ADMIN_PREFIX } from '../../shared/admin-types.js';
import { KrouterError } from '../../shared/errors.js';
import { comboInputSchema, listCombos, putCombo, removeCombo } from './combos.js';
import type { AdminServices } from './context.js';
import { readInput, sendAdminError, sendJson } from './http.js';
import { runAudit } from './audit.js';
import { debugInputSchema, getDebug, putDebug } from './debug.js';
import { DEBUG_HEADER } from '../telemetry/debug-capture.js';
import { createKey, keyCreateSchema, listKeys, revokeKey, rotateKey } from './keys.js';
import { clearLockouts, listLockouts } from './lockouts.js';
import { explainRoute, health, logDetailWithCapture, recentLogs, status, streamLogs, usage } from './observe.js';
import { listProviders, providerInputSchema, putProvider, removeProvider } from './providers.js';
import { prepareSocketPath } from './socket-guard.js';

/**
 * The admin API: HTTP/1.1 on a Unix socket (0600 in a 0700 folder), the only
 * way to change the running daemon. Browsers cannot reach a Unix socket, and a
 * request carrying Origin is refused anyway.
 */
export async function startAdminServer(s: AdminServices): Promise<Server> {
  await prepareSocketPath(s.paths.socket);
  const server = createServer((req, res) => {
    // Every admin answer says when debug mode is on, so each CLI command (and the TUI) can warn about it.
    const debug = s.debug.headerValue();
    if (debug !== null) res.setHeader(DEBUG_HEADER, debug);
    route(s, req, res).catch((e: unknown) => {
      if (!(e instanceof KrouterError)) s.log.error({ err: (e as Error).stack }, 'admin API error');
      sendAdminError(res, e);
    });
  });
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(s.paths.socket, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldMask);
  }
  chmodSync(s.paths.socket, 0o600);
  return server;
}

async function route(s: AdminServices, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.headers.origin !== undefined) {
    throw new KrouterError('origin_refused', 'Requests carrying an Origin header (browsers) are refused on the admin socket. Use the krouter CLI or curl --unix-socket.');
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (!url.pathname.startsWith(`${ADMIN_PREFIX}/`)) throw new KrouterError('not_found', `No admin route ${url.pathname}; routes live under ${ADMIN_PREFIX}/.`);
  const parts = url.pathname.slice(ADMIN_PREFIX.length + 1).split('/').map(decodeURIComponent);
  const m = req.method ?? 'GET';
  const [a, b, c] = parts;
  const q = url.searchParams;

  if (a === 'status' && parts.length === 1 && m === 'GET') return sendJson(res, 200, status(s));
  if (a === 'keys') {
    if (parts.length === 1 && m === 'GET') return sendJson(res, 200, listKeys(s));
    if (parts.length === 1 && m === 'POST') return sendJson(res, 201, createKey(s, (await readInput(req, keyCreateSchema)).name));
    if (parts.length === 3 && b && c === 'rotate' && m === 'POST') return sendJson(res, 200, rotateKey(s, b));
    if (parts.length === 3 && b && c === 'revoke' && m === 'POST') return sendJson(res, 200, revokeKey(s, b));
  }
  if (a === 'providers') {
    if (parts.length === 1 && m === 'GET') return sendJson(res, 200, listProviders(s));
    if (parts.length === 2 && b && m === 'PUT') {
      const out = await putProvider(s, b, await readInput(req, providerInputSchema));
      return sendJson(res, out.created ? 201 : 200, out);
    }
    if (parts.length === 2 && b && m === 'DELETE') return sendJson(res, 200, removeProvider(s, b));
  }
  if (a === 'combos') {
    if (parts.length === 1 && m === 'GET') return sendJson(res, 200, listCombos(s));
    if (parts.length === 2 && b && m === 'PUT') {
      const out = putCombo(s, b, await readInput(req, comboInputSchema));
      return sendJson(res, out.created ? 201 : 200, out);
    }
    if (parts.length === 2 && b && m === 'DELETE') return sendJson(res, 200, removeCombo(s, b));
  }
  if (a === 'route' && parts.length === 1 && m === 'GET') return sendJson(res, 200, explainRoute(s, q.get('model')));
  if (a === 'usage' && parts.length === 1 && m === 'GET') return sendJson(res, 200, usage(s, q));
  if (a === 'logs' && parts.length === 1 && m === 'GET') return sendJson(res, 200, recentLogs(s, q));
  if (a === 'logs' && b === 'stream' && parts.length === 2 && m === 'GET') return streamLogs(s, req, res);
  if (a === 'logs' && b && parts.length === 2 && m === 'GET') return sendJson(res, 200, await logDetailWithCapture(s, b));
  if (a === 'health' && parts.length === 1 && m === 'GET') return sendJson(res, 200, health(s));
  if (a === 'debug' && parts.length === 1 && m === 'GET') return sendJson(res, 200, getDebug(s));
  if (a === 'debug' && parts.length === 1 && m === 'PUT') return sendJson(res, 200, putDebug(s, await readInput(req, debugInputSchema), res));
  if (a === 'audit' && parts.length === 1 && m === 'GET') return sendJson(res, 200, await runAudit(s, q.get('url')));
  if (a === 'lockouts') {
    if (parts.length === 1 && m === 'GET') return sendJson(res, 200, listLockouts(s));
    if (parts.length === 1 && m === 'DELETE') return sendJson(res, 200, clearLockouts(s, undefined));
    if (parts.length === 2 && b && m === 'DELETE') return sendJson(res, 200, clearLockouts(s, b));
  }
  throw new KrouterError('not_found', `No admin route ${m} ${url.pathname}. See the route list in the krouter documentation (src/shared/admin-types.ts).`);
}
