import { z } from 'zod';

/**
 * config.json, validated strictly: unknown keys and bad values are refused with
 * the JSON path and what is allowed. Every field has an embedded default, so an
 * absent file (or `{}`) is a complete, safe configuration.
 */
const port = z.number().int().min(0).max(65535);
const ms = (def: number, min = 1) => z.number().int().min(min).max(24 * 3600 * 1000).default(def);
const seconds = (def: number) => z.number().int().min(1).max(7 * 24 * 3600).default(def);

export const serverSchema = z
  .strictObject({
    bind: z.string().min(1).default('127.0.0.1').describe('Address the /v1 listener binds to. Keep 127.0.0.1 unless a reverse proxy or VPN needs more.'),
    port: port.default(20128).describe('TCP port of the /v1 listener (0 picks a free port).'),
    bodyLimitBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(32 * 1024 * 1024).describe('Largest request body accepted on /v1 (413 beyond).'),
    headersTimeoutMs: ms(30_000, 100).describe('Time a client has to send all request headers.'),
    requestTimeoutMs: ms(120_000, 100).describe('Time a client has to send the whole request body.'),
    keepAliveTimeoutMs: ms(5_000, 100).describe('Idle keep-alive time for client connections.'),
    shutdownGraceMs: ms(30_000, 0).describe('On SIGTERM, how long in-flight requests and streams may finish before they are cut.'),
  })
  .prefault({});

export const upstreamSchema = z
  .strictObject({
    connectTimeoutMs: ms(10_000, 100).describe('Time to open a TCP/TLS connection to a provider.'),
    headersTimeoutMs: ms(120_000, 100).describe('Time a provider has to send response headers (long for slow, non-streamed completions).'),
    bodyTimeoutMs: ms(120_000, 100).describe('Longest silence allowed between two chunks of a provider response.'),
    firstEventTimeoutMs: ms(120_000, 100).describe('For streams: time the first SSE event may take before the target counts as failed and the next one is tried.'),
  })
  .prefault({});

export const routingSchema = z
  .strictObject({
    cooldownSeconds: seconds(30).describe('Cooldown after a transient failure (429, 5xx, timeout) when the provider gives no Retry-After.'),
    maxCooldownSeconds: seconds(3600).describe('Upper bound for any Retry-After honoured.'),
    lockSeconds: seconds(300).describe('How long a target that failed fatally (401/403/404, unknown model) is skipped.'),
    maxAttempts: z.number().int().min(1).max(32).default(8).describe('Most targets tried for one request.'),
  })
  .prefault({});

export const logSchema = z
  .strictObject({
    flushIntervalMs: ms(50, 1).describe('Request-log writer: longest time a row waits before it is written.'),
    flushRows: z.number().int().min(1).max(10_000).default(256).describe('Request-log writer: rows that trigger an immediate write.'),
    retentionDays: z.number().int().min(1).max(3650).default(90).describe('Request-log rows older than this are deleted.'),
    enabled: z.boolean().default(true).describe('Write request metadata to the request log.'),
  })
  .prefault({});

export const modelsSchema = z
  .strictObject({
    cacheSeconds: seconds(3600).describe('How long a provider model list fetched from /models is cached.'),
  })
  .prefault({});

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  server: serverSchema,
  upstream: upstreamSchema,
  routing: routingSchema,
  log: logSchema,
  models: modelsSchema,
});

export type KrouterConfig = z.output<typeof configSchema>;
export type KrouterConfigInput = z.input<typeof configSchema>;

export const DEFAULT_CONFIG: KrouterConfig = configSchema.parse({});
