/**
 * The bench's yardstick: a bare pass-through proxy, node:http in and undici
 * out, as thin as Node allows. It forwards method, path, headers and body to
 * BENCH_UPSTREAM and streams the answer back chunk by chunk (SSE frames pass
 * as they come). No parsing, no auth, no logging.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, type Dispatcher } from 'undici';

const upstream = process.env['BENCH_UPSTREAM'] ?? 'http://127.0.0.1:1';
const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, pipelining: 1 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'proxy-connection', 'te', 'trailer']);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !HOP.has(k)) headers[k] = v;
    const body = chunks.length === 0 ? null : Buffer.concat(chunks);
    const opts = { origin: upstream, path: req.url ?? '/', method: (req.method ?? 'GET') as Dispatcher.HttpMethod, headers, body };
    agent
      .stream(opts, ({ statusCode, headers: h }) => {
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP.has(k)) out[k] = v;
        return res.writeHead(statusCode, out);
      })
      .catch(() => (res.headersSent ? res.destroy() : res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway\n')));
  });
});
server.listen(Number(process.env['BENCH_PORT'] ?? 0), '127.0.0.1', () => process.stdout.write(`LISTENING ${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => process.exit(0));
