/**
 * Raw HTTP for attack tests: bytes written as given on a node:net socket (no
 * client-side validation of headers or framing), and a plain node:http
 * request helper for everything a normal client can send.
 */
import { request as httpRequest } from 'node:http';
import { connect, createServer } from 'node:net';

export interface RawResult {
  /** Status code of the first response, or null if none came. */
  status: number | null;
  /** Everything received, as latin1 text. */
  text: string;
  /** How the exchange ended. */
  ended: 'closed' | 'reset' | 'complete' | 'timeout';
  elapsedMs: number;
}

/** Index just past the first complete response in `text` (Content-Length framing), or -1. */
function responseEnd(text: string): number {
  const head = text.indexOf('\r\n\r\n');
  if (head < 0) return -1;
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, head));
  if (m === null) return -1;
  const end = head + 4 + Number(m[1]);
  return Buffer.byteLength(text, 'latin1') >= end ? end : -1;
}

/**
 * Writes `data` (strings as latin1, so any byte can be sent) on a fresh TCP
 * connection and collects the answer until the server closes the connection,
 * one full Content-Length response arrived, or `timeoutMs` passed.
 */
export function rawExchange(port: number, data: string | Buffer | Array<string | Buffer>, opts: { host?: string; timeoutMs?: number; gapMs?: number } = {}): Promise<RawResult> {
  return new Promise((resolve) => {
    const started = Date.now();
    const sock = connect(port, opts.host ?? '127.0.0.1');
    let text = '';
    let done = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (ended: RawResult['ended']): void => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      sock.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, text, ended, elapsedMs: Date.now() - started });
    };
    sock.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (responseEnd(text) >= 0) finish('complete');
    });
    sock.on('end', () => finish('closed'));
    sock.on('close', () => finish('closed'));
    sock.on('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNRESET' || e.code === 'EPIPE' ? 'reset' : 'closed'));
    timers.push(setTimeout(() => finish('timeout'), opts.timeoutMs ?? 5_000));
    const parts = (Array.isArray(data) ? data : [data]).map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p));
    // Several parts: written one by one, `gapMs` apart (for slow-client tests).
    parts.forEach((p, i) => {
      timers.push(
        setTimeout(() => {
          if (!done && !sock.destroyed) sock.write(p, () => undefined);
        }, i * (opts.gapMs ?? 0)),
      );
    });
  });
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** One request on its own connection (agent: false), so concurrent calls are concurrent connections. */
export function httpCall(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string; host?: string; timeoutMs?: number },
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = httpRequest({ host: opts.host ?? '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers, agent: false, timeout: opts.timeoutMs ?? 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text.length > 0 ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${opts.path}: no answer within ${opts.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Can this machine listen and connect on the IPv6 loopback? */
export function ipv6LoopbackWorks(): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer((s) => s.end());
    srv.once('error', () => resolve(false));
    srv.listen(0, '::1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      const c = connect(port, '::1');
      c.once('connect', () => {
        c.destroy();
        srv.close(() => resolve(true));
      });
      c.once('error', () => srv.close(() => resolve(false)));
    });
  });
}
