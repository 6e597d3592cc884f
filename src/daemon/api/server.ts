import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { KrouterError } from '../../shared/errors.js';
import { extractApiKey } from '../auth/extract-key.js';
import { lockedOutError } from '../security/lockout.js';
import { ClientAbort } from './client-abort.js';
import type { ApiServices, RequestContext } from './context.js';
import { sendError } from './error-shapes.js';
import { handleCountTokens } from './handlers/count-tokens.js';
import { handleGenerate } from './handlers/generate.js';
import { handleModelInfo, handleModels } from './handlers/models.js';
import { formatOfPath, matchRoute, ROUTES_HELP } from './inbound.js';
import { checkJsonContentType, JsonBody, readBody } from './read-body.js';

/** The /v1 listener: node:http with the configured limits; every /v1 route needs a krouter key. */
export function createApiServer(services: ApiServices): Server {
  const { server: cfg } = services.config;
  const server = createServer(
    {
      headersTimeout: cfg.headersTimeoutMs,
      requestTimeout: cfg.requestTimeoutMs,
      keepAliveTimeout: cfg.keepAliveTimeoutMs,
      maxHeaderSize: 64 * 1024,
      // headersTimeout/requestTimeout are enforced on this tick (node's default, 30 s, would let a slow client hold on far longer).
      connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(Math.min(cfg.headersTimeoutMs, cfg.requestTimeoutMs) / 4))),
    },
    (req, res) => {
      services.counters.total++;
      services.counters.inFlight++;
      // One listener per request: the in-flight count, and the abort of whatever the request still waits on if the client left early.
      const abort = new ClientAbort();
      res.on('close', () => {
        services.counters.inFlight--;
        if (!res.writableFinished) abort.abort();
      });
      handle(services, req, res, abort).catch((e: unknown) => {
        services.log.error({ err: (e as Error).stack }, 'unhandled error on /v1');
        sendError(res, 'openai-chat', e);
      });
    },
  );
  // Connections stalled mid-request beyond the timeouts get a plain 408 from node; oversize headers a 431.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });
  return server;
}

/** A request target that URL parsing would leave as it is: no dot segments, percent-escaped dots, fragments or characters it would escape. */
const PLAIN_PATH = /^\/[A-Za-z0-9\-_~!$&'()*+,;=:@/.]*$/;

/** Splits the request target into its path and query without a URL object for the common, plain case. */
function splitTarget(target: string): { path: string; query: URLSearchParams | null } | null {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  if (PLAIN_PATH.test(path) && !path.includes('/.') && !target.includes('#')) {
    return { path, query: q < 0 ? null : new URLSearchParams(target.slice(q + 1)) };
  }
  try {
    const url = new URL(target, 'http://krouter.invalid');
    return { path: url.pathname, query: url.searchParams };
  } catch {
    return null;
  }
}

const NO_QUERY = new URLSearchParams();

async function handle(services: ApiServices, req: IncomingMessage, res: ServerResponse, abort: ClientAbort): Promise<void> {
  const target = splitTarget(req.url ?? '/');
  if (target === null) return sendError(res, 'openai-chat', new KrouterError('invalid_request', 'The request target is not a valid URL path.'));
  const { path, query } = target;
  const method = req.method ?? 'GET';

  if (path === '/healthz' || path === '/') {
    if (method !== 'GET' && method !== 'HEAD') return sendError(res, 'openai-chat', new KrouterError('method_not_allowed', `${path} answers GET and HEAD only.`), { allow: 'GET, HEAD' });
    const body = path === '/healthz' ? 'ok\n' : '';
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(method === 'HEAD' ? undefined : body);
    return;
  }
  const errFormat = formatOfPath(path);
  if (!path.startsWith('/v1/') && !path.startsWith('/v1beta/')) {
    return sendError(res, errFormat, new KrouterError('not_found', `No route ${path}. krouter serves ${ROUTES_HELP} (and GET /healthz).`));
  }

  // A locked-out client is refused before its key is even looked at, valid or not.
  const client = services.clients.resolve(req);
  const lockedFor = services.lockout.lockedFor(client.key);
  if (lockedFor > 0) return sendError(res, errFormat, lockedOutError(lockedFor), { 'retry-after': String(lockedFor) });
  const presented = extractApiKey(req.headers, query);
  if (presented === null) {
    services.lockout.recordFailure(client.key);
    return sendError(res, errFormat, new KrouterError('missing_api_key', 'No API key was sent. Send your krouter key as "Authorization: Bearer <key>" (or x-api-key). An operator creates keys with `krouter keys create --name NAME`.'));
  }
  const key = services.keys.authenticate(presented);
  if (key === null) {
    services.lockout.recordFailure(client.key);
    return sendError(res, errFormat, new KrouterError('invalid_api_key', 'The API key is not valid: it may be mistyped, rotated or revoked. Ask the operator for a current key.'));
  }

  const route = matchRoute(method, path, query ?? NO_QUERY);
  if (route === null) return sendError(res, errFormat, new KrouterError('not_found', `No route ${method} ${path}. krouter serves ${ROUTES_HELP}.`));
  if (route === 'method') return sendError(res, errFormat, new KrouterError('method_not_allowed', `${method} is not served on ${path}.`));

  const ctx: RequestContext = {
    req,
    res,
    services,
    key,
    clientIp: client.ip,
    route: path,
    startedAt: Date.now(),
    abort,
  };
  if (route.op === 'models') return handleModels(ctx, route.format);
  if (route.op === 'model_info') {
    if (await handleModelInfo(ctx, route.model!)) return;
    return sendError(res, 'gemini', new KrouterError('model_not_found', `The model "${route.model!.slice(0, 200)}" is neither a combo nor a listed provider/model of this krouter. GET /v1beta/models lists them.`));
  }

  let body: JsonBody;
  try {
    const raw = await readBody(req, services.config.server.bodyLimitBytes);
    checkJsonContentType(req, raw);
    // Generation is routed by a few top-level members: the rest is parsed only if a translation (or debug capture) needs it.
    body = JsonBody.parse(raw, (route.op !== 'generate' && route.op !== 'embeddings') || services.debug.on);
  } catch (e) {
    return sendError(res, route.format, e, e instanceof KrouterError && e.code === 'body_too_large' ? { connection: 'close' } : {});
  }
  if (route.op === 'count_tokens') return handleCountTokens(ctx, body.value, route.format === 'gemini' ? route.model : undefined);
  await handleGenerate(ctx, route, body);
}
