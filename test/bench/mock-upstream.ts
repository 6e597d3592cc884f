/**
 * Bench mock upstream (run as its own process): OpenAI chat completions
 * (POST /v1/chat/completions) and Anthropic messages (POST /v1/messages),
 * whole or streamed. Cheap on purpose — it must never be the bottleneck —
 * and it keeps no per-request records, only counters, so it can run a soak.
 *
 * Control (same port): POST /_bench/config {delayMs, chunks, intervalMs},
 * GET /_bench/stats, POST /_bench/reset. Prints `LISTENING <port>` when ready.
 *
 * Every streamed content frame carries the marker `~t` exactly once; the
 * generator counts markers to find lost frames.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FRAME_MARKER, type MockConfig, type MockStats } from './protocol.js';

const config: MockConfig = { delayMs: 0, chunks: 20, intervalMs: 10 };
const stats: MockStats = { requests: 0, streamsStarted: 0, streamsFinished: 0, streamsCut: 0, framesSent: 0, config };

const CREATED = 1_700_000_000;
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
const PROMPT_TOKENS = 250;

const OPENAI_WHOLE = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: CREATED,
  model: 'gpt-bench',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the bench mock. This answer is about as long as a short chat reply would be, a sentence or two.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: PROMPT_TOKENS, completion_tokens: 24, total_tokens: PROMPT_TOKENS + 24 },
});

const ANTHROPIC_WHOLE = JSON.stringify({
  id: 'msg_bench',
  type: 'message',
  role: 'assistant',
  model: 'claude-bench',
  content: [{ type: 'text', text: 'Hello from the bench mock. This answer is about as long as a short chat reply would be, a sentence or two.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: PROMPT_TOKENS, output_tokens: 24 },
});

function frameText(i: number): string {
  return `${FRAME_MARKER}${i} word `;
}

function openAIFrame(i: number, withNullUsage: boolean): string {
  const delta = i === 0 ? `{"role":"assistant","content":${JSON.stringify(frameText(i))}}` : `{"content":${JSON.stringify(frameText(i))}}`;
  return `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":${CREATED},"model":"gpt-bench","choices":[{"index":0,"delta":${delta},"finish_reason":null}]${withNullUsage ? ',"usage":null' : ''}}\n\n`;
}

function openAITail(n: number, includeUsage: boolean): string {
  let s = `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":${CREATED},"model":"gpt-bench","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]${includeUsage ? ',"usage":null' : ''}}\n\n`;
  if (includeUsage) {
    s += `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":${CREATED},"model":"gpt-bench","choices":[],"usage":{"prompt_tokens":${PROMPT_TOKENS},"completion_tokens":${n},"total_tokens":${PROMPT_TOKENS + n}}}\n\n`;
  }
  return s + 'data: [DONE]\n\n';
}

function anthropicHead(): string {
  return (
    `event: message_start\ndata: {"type":"message_start","message":{"id":"msg_bench","type":"message","role":"assistant","model":"claude-bench","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":${PROMPT_TOKENS},"output_tokens":1}}}\n\n` +
    'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n'
  );
}

function anthropicFrame(i: number): string {
  return `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(frameText(i))}}}\n\n`;
}

function anthropicTail(n: number): string {
  return (
    'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' +
    `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":${n}}}\n\n` +
    'event: message_stop\ndata: {"type":"message_stop"}\n\n'
  );
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function stream(res: ServerResponse, format: 'openai' | 'anthropic', includeUsage: boolean): void {
  const { chunks, intervalMs } = config;
  stats.streamsStarted++;
  let i = 0;
  let timer: NodeJS.Timeout | null = null;
  let finished = false;
  res.on('close', () => {
    if (timer) clearTimeout(timer);
    if (!finished) stats.streamsCut++;
  });
  res.writeHead(200, SSE_HEADERS);
  if (format === 'anthropic') res.write(anthropicHead());
  const tick = (): void => {
    timer = null;
    if (res.destroyed) return;
    res.write(format === 'openai' ? openAIFrame(i, includeUsage) : anthropicFrame(i));
    stats.framesSent++;
    i++;
    if (i < chunks) {
      timer = setTimeout(tick, intervalMs);
      return;
    }
    finished = true;
    stats.streamsFinished++;
    res.end(format === 'openai' ? openAITail(chunks, includeUsage) : anthropicTail(chunks));
  };
  tick();
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  if (url.startsWith('/_bench/')) {
    if (url === '/_bench/stats') return sendJson(res, 200, JSON.stringify(stats));
    const text = await readAll(req);
    if (url === '/_bench/reset') {
      stats.requests = stats.streamsStarted = stats.streamsFinished = stats.streamsCut = stats.framesSent = 0;
      return sendJson(res, 200, JSON.stringify(stats));
    }
    if (url === '/_bench/config') {
      const c = JSON.parse(text) as Partial<MockConfig>;
      if (typeof c.delayMs === 'number') config.delayMs = c.delayMs;
      if (typeof c.chunks === 'number') config.chunks = Math.max(1, Math.floor(c.chunks));
      if (typeof c.intervalMs === 'number') config.intervalMs = c.intervalMs;
      return sendJson(res, 200, JSON.stringify(config));
    }
    return sendJson(res, 404, '{"error":"no such control route"}');
  }
  const format = url.startsWith('/v1/chat/completions') ? 'openai' : url.startsWith('/v1/messages') ? 'anthropic' : null;
  if (format === null || req.method !== 'POST') {
    if (url === '/healthz') return sendJson(res, 200, '{"ok":true}');
    if (url.startsWith('/v1/models')) return sendJson(res, 200, '{"object":"list","data":[{"id":"gpt-bench","object":"model"},{"id":"claude-bench","type":"model"}]}');
    return sendJson(res, 404, '{"error":{"message":"not found","type":"invalid_request_error"}}');
  }
  stats.requests++;
  const text = await readAll(req);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return sendJson(res, 400, '{"error":{"message":"body is not JSON","type":"invalid_request_error"}}');
  }
  const isStream = body['stream'] === true;
  const so = body['stream_options'];
  const includeUsage = format === 'openai' && so !== null && typeof so === 'object' && (so as Record<string, unknown>)['include_usage'] === true;
  const go = (): void => {
    if (res.destroyed) return;
    if (isStream) stream(res, format, includeUsage);
    else sendJson(res, 200, format === 'openai' ? OPENAI_WHOLE : ANTHROPIC_WHOLE);
  };
  if (config.delayMs > 0) setTimeout(go, config.delayMs);
  else go();
}

const server = createServer((req, res) => {
  handle(req, res).catch((e: unknown) => {
    if (!res.headersSent) sendJson(res, 500, JSON.stringify({ error: { message: String(e) } }));
    else res.destroy();
  });
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 70_000;
server.listen(Number(process.env['BENCH_PORT'] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
