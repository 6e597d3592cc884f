import { isIP } from 'node:net';
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
    flushIntervalMs: ms(50, 1).describe('Request-log writer: how long rows wait for company while requests keep coming (a pause of 5 ms writes them at once; no row waits longer than this plus 5 ms).'),
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

/** An address or CIDR range, IPv4 or IPv6 (an IPv4-mapped range needs a prefix of at least 96). */
function isAddressOrCidr(text: string): boolean {
  const [addr = '', bits, ...rest] = text.split('/');
  const family = isIP(addr);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  const n = Number(bits);
  if (family === 6 && addr.includes('.')) return n >= 96 && n <= 128;
  return n <= (family === 4 ? 32 : 128);
}

export const bruteForceLockoutSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Lock a client address out of /v1 after repeated failed authentications (missing or invalid key).'),
    maxAttempts: z.number().int().min(1).max(1_000_000).default(10).describe('Failed authentications within windowSeconds that lock the address (IPv6: its /64).'),
    windowSeconds: seconds(60).describe('The window failures are counted in, from the first failure.'),
    lockoutSeconds: seconds(900).describe('How long a locked address gets 429 ip_locked_out on /v1, even with a valid key.'),
  })
  .prefault({});

/** A host name (`nas.lan`) or a wildcard for a domain's hosts (`*.lan`). */
const ALLOW_HOST_NAME = /^(\*\.)?(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

export const ssrfSchema = z
  .strictObject({
    allow: z
      .array(z.string().refine((s) => isAddressOrCidr(s) || ALLOW_HOST_NAME.test(s), 'a CIDR range (192.168.1.20/32), an address, a host name (nas.lan) or *.domain'))
      .max(1024)
      .default([])
      .describe(
        'Private provider hosts krouter may connect to (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, fe80::/10 are refused otherwise): CIDR ranges or host names. Loopback is always allowed; cloud metadata, 0.0.0.0/8, multicast and broadcast never are.',
      ),
  })
  .prefault({});

export const securitySchema = z
  .strictObject({
    ssrf: ssrfSchema,
    bindSecretsToMachine: z
      .boolean()
      .default(true)
      .describe('Mix this machine\'s id into the key that encrypts provider secrets, so a copied database does not decrypt elsewhere. Set false in containers whose machine id changes on every start (secrets then depend on secret.key alone). Changing it makes stored provider keys unreadable until re-added.'),
    bruteForceLockout: bruteForceLockoutSchema,
    trustedProxies: z
      .array(z.string().refine(isAddressOrCidr, 'an IP address or CIDR range (e.g. 127.0.0.1, 10.0.0.0/8, fd00::/8)'))
      .max(1024)
      .default([])
      .describe('Reverse proxies whose X-Forwarded-For is believed: the client is the right-most address in it that is not one of these. Empty: the TCP peer is the client and X-Forwarded-For is ignored.'),
  })
  .prefault({});

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  server: serverSchema,
  upstream: upstreamSchema,
  routing: routingSchema,
  log: logSchema,
  models: modelsSchema,
  security: securitySchema,
});

export type KrouterConfig = z.output<typeof configSchema>;

export const DEFAULT_CONFIG: KrouterConfig = configSchema.parse({});
