/**
 * Who is calling: the client address of a /v1 request, as the lockout counts
 * it and the request log records it. The TCP peer, unless that peer is a
 * configured trusted proxy: then the right-most address of X-Forwarded-For
 * that is not itself a trusted proxy. No other header (X-Real-IP, Host,
 * x-request-source …) is ever read here.
 */
import type { IncomingHttpHeaders } from 'node:http';
import ipaddr from 'ipaddr.js';

export type ParsedIp = ipaddr.IPv4 | ipaddr.IPv6;

/** X-Forwarded-For hops examined at most (right to left); a longer chain ends at the last one examined. */
export const MAX_FORWARDED_HOPS = 32;

/**
 * Parses one address as a socket or a proxy header gives it: `1.2.3.4`,
 * `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:443`, `fe80::1%eth0`.
 * IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes IPv4; the zone is dropped.
 * IPv4 only in four-part decimal (no `127.1`, `0x7f.0.0.1`, `2130706433`).
 * Null when it is not an address.
 */
export function parseIp(text: string): ParsedIp | null {
  let s = text.trim();
  if (s.length === 0 || s.length > 64) return null;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0 || (end + 1 < s.length && !/^:\d{1,5}$/.test(s.slice(end + 1)))) return null;
    s = s.slice(1, end);
  } else if (/^[\d.]+:\d{1,5}$/.test(s)) {
    s = s.slice(0, s.lastIndexOf(':'));
  }
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return ipaddr.IPv4.parse(s);
  if (!s.includes(':') || !ipaddr.IPv6.isValid(s)) return null;
  const v6 = ipaddr.IPv6.parse(s);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/** The canonical text of an address: dotted IPv4, RFC 5952 IPv6 (`2001:db8::1`). */
export function formatIp(ip: ParsedIp): string {
  return ip.kind() === 'ipv4' ? ip.toString() : (ip as ipaddr.IPv6).toRFC5952String();
}

/**
 * The bucket failures are counted in: an IPv4 address itself, an IPv6
 * address's /64 (`2001:db8:1:2::/64`), since one host commonly holds a whole
 * /64 and would otherwise rotate through it.
 */
export function lockoutKeyOf(ip: ParsedIp): string {
  if (ip.kind() === 'ipv4') return ip.toString();
  const p = (ip as ipaddr.IPv6).parts;
  return `${new ipaddr.IPv6([p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p[3] ?? 0, 0, 0, 0, 0]).toRFC5952String()}/64`;
}

/**
 * What an operator may type to name a bucket (`krouter lockouts clear X`):
 * an address (an IPv6 one names its /64) or an IPv6 `/64` as listed.
 * Null when it is neither.
 */
export function lockoutKeyFromInput(text: string): string | null {
  const s = text.trim();
  const slash = s.indexOf('/');
  if (slash >= 0) {
    if (s.slice(slash + 1) !== '64') return null;
    const ip = parseIp(s.slice(0, slash));
    return ip !== null && ip.kind() === 'ipv6' ? lockoutKeyOf(ip) : null;
  }
  const ip = parseIp(s);
  return ip === null ? null : lockoutKeyOf(ip);
}

/** Is `text` an address or CIDR range `trustedProxies` accepts? */
export function isValidProxyEntry(text: string): boolean {
  return parseRange(text) !== null;
}

function parseRange(text: string): [ParsedIp, number] | null {
  const s = text.trim();
  const slash = s.indexOf('/');
  const ip = parseIp(slash >= 0 ? s.slice(0, slash) : s);
  if (ip === null) return null;
  const max = ip.kind() === 'ipv4' ? 32 : 128;
  if (slash < 0) return [ip, max];
  const bitsText = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return null;
  let bits = Number(bitsText);
  // `::ffff:10.0.0.0/104` was parsed as IPv4 10.0.0.0: its prefix counts within the IPv4 part.
  if (ip.kind() === 'ipv4' && s.slice(0, slash).includes(':')) {
    if (bits < 96) return null;
    bits -= 96;
  }
  return bits <= max ? [ip, bits] : null;
}

/** The configured `security.trustedProxies`: addresses and CIDR ranges, IPv4 and IPv6. */
export class TrustedProxies {
  readonly #ranges: ReadonlyArray<[ParsedIp, number]>;

  /** Throws on an entry that is not an address or CIDR (the config schema refuses those first). */
  constructor(entries: readonly string[]) {
    this.#ranges = entries.map((e) => {
      const r = parseRange(e);
      if (r === null) throw new Error(`not an IP address or CIDR range: ${JSON.stringify(e)}`);
      return r;
    });
  }

  get size(): number {
    return this.#ranges.length;
  }

  has(ip: ParsedIp): boolean {
    for (const [net, bits] of this.#ranges) {
      if (net.kind() === ip.kind() && ip.match(net, bits)) return true;
    }
    return false;
  }
}

/** A request's client: `ip` for the request log, `key` for the lockout (an IPv6 /64). */
export interface ClientAddress {
  ip: string;
  key: string;
}

const UNKNOWN: ClientAddress = { ip: 'unknown', key: 'unknown' };

function client(ip: ParsedIp): ClientAddress {
  return { ip: formatIp(ip), key: lockoutKeyOf(ip) };
}

/**
 * The client behind a connection. `peer` is the socket's remote address;
 * `forwardedFor` the X-Forwarded-For header, read only when the peer is a
 * trusted proxy. Walks the chain right to left, skipping trusted proxies, and
 * stops at the first address that is not one (a client can prepend anything,
 * but not what the proxies append after it). A malformed hop ends the walk at
 * the last good one.
 */
export function resolveClient(peer: string | undefined, forwardedFor: string | string[] | undefined, trusted: TrustedProxies): ClientAddress {
  const peerIp = peer === undefined ? null : parseIp(peer);
  if (peerIp === null) return UNKNOWN;
  if (forwardedFor === undefined || trusted.size === 0 || !trusted.has(peerIp)) return client(peerIp);
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  let current = peerIp;
  for (let i = hops.length - 1, seen = 0; i >= 0 && seen < MAX_FORWARDED_HOPS; i--, seen++) {
    const hop = parseIp(hops[i]!);
    if (hop === null) break;
    current = hop;
    if (!trusted.has(hop)) break;
  }
  return client(current);
}

/** Resolves the client of each /v1 request under the configured trusted proxies. */
export class ClientResolver {
  readonly #trusted: TrustedProxies;
  /** Without trusted proxies the client is the peer: parsed once per connection, not per keep-alive request. */
  readonly #byConnection = new WeakMap<object, ClientAddress>();

  constructor(trustedProxies: readonly string[]) {
    this.#trusted = new TrustedProxies(trustedProxies);
  }

  resolve(req: { socket: { remoteAddress?: string | undefined }; headers: IncomingHttpHeaders }): ClientAddress {
    if (this.#trusted.size > 0) return resolveClient(req.socket.remoteAddress, req.headers['x-forwarded-for'], this.#trusted);
    const known = this.#byConnection.get(req.socket);
    if (known !== undefined) return known;
    const found = resolveClient(req.socket.remoteAddress, undefined, this.#trusted);
    if (found !== UNKNOWN) this.#byConnection.set(req.socket, found);
    return found;
  }
}
