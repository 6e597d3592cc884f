/**
 * SSRF policy: where krouter may open a connection on a provider's behalf.
 * Pure decisions on host names and addresses; the save-time check
 * (admin/providers) and the connect-time check (upstream/ssrf-connector, on
 * the address actually dialled) both ask this module.
 *
 * Always refused: cloud metadata (169.254.0.0/16, fd00:ec2::254,
 * 168.63.129.16, 100.100.100.200, metadata host names), 0.0.0.0/8 and ::,
 * multicast, broadcast, 240.0.0.0/4. Allowed: loopback and public addresses.
 * Allowed only when listed in `security.ssrf.allow`: 10/8, 172.16/12,
 * 192.168/16, 100.64/10, fc00::/7, fe80::/10.
 *
 * Every IPv4 spelling (2852039166, 0251.0376.0251.0376, 0xa9fea9fe,
 * 169.254.43518) is read the way the WHATWG URL parser and inet_aton read it,
 * and IPv4 inside IPv6 (::ffff:a.b.c.d, 64:ff9b::/96 NAT64, ::a.b.c.d,
 * 2002::/16 6to4) is unwrapped before the check.
 */
import ipaddr from 'ipaddr.js';
import { KrouterError } from '../../shared/errors.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

export type SsrfRule =
  | 'scheme'
  | 'userinfo'
  | 'metadata'
  | 'unspecified'
  | 'broadcast'
  | 'multicast'
  | 'reserved'
  | 'private'
  | 'cgnat'
  | 'unique-local'
  | 'link-local'
  | 'unresolved';

/** Rules that `security.ssrf.allow` can lift; every other refusal is final. */
export const ALLOWABLE_RULES: ReadonlySet<SsrfRule> = new Set<SsrfRule>(['private', 'cgnat', 'unique-local', 'link-local']);

export const SSRF_ERROR_CODE = 'KROUTER_SSRF_REFUSED';

/** A connection krouter will not open. `code` is stable: the fallback policy classifies on it. */
export class SsrfRefusedError extends Error {
  readonly code = SSRF_ERROR_CODE;

  constructor(
    readonly rule: SsrfRule,
    readonly host: string,
    readonly address: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'SsrfRefusedError';
  }
}

export type Verdict = { ok: true } | { ok: false; rule: SsrfRule; what: string };

interface RangeRule {
  cidr: [IpAddress, number];
  rule: SsrfRule;
  what: string;
}

const cidr = (text: string): [IpAddress, number] => ipaddr.parseCIDR(text);

/** Checked in order; the first match decides. */
const V4_RULES: readonly RangeRule[] = [
  { cidr: cidr('169.254.169.254/32'), rule: 'metadata', what: 'the cloud metadata service (AWS, GCP, Azure, OpenStack…)' },
  { cidr: cidr('168.63.129.16/32'), rule: 'metadata', what: 'the Azure platform endpoint (WireServer)' },
  { cidr: cidr('100.100.100.200/32'), rule: 'metadata', what: 'the Alibaba Cloud metadata service' },
  { cidr: cidr('169.254.0.0/16'), rule: 'metadata', what: 'a link-local address (169.254.0.0/16, where cloud metadata services live)' },
  { cidr: cidr('0.0.0.0/8'), rule: 'unspecified', what: 'an unspecified address (0.0.0.0/8)' },
  { cidr: cidr('255.255.255.255/32'), rule: 'broadcast', what: 'the broadcast address' },
  { cidr: cidr('224.0.0.0/4'), rule: 'multicast', what: 'a multicast address (224.0.0.0/4)' },
  { cidr: cidr('240.0.0.0/4'), rule: 'reserved', what: 'a reserved address (240.0.0.0/4)' },
  { cidr: cidr('10.0.0.0/8'), rule: 'private', what: 'a private address (10.0.0.0/8)' },
  { cidr: cidr('172.16.0.0/12'), rule: 'private', what: 'a private address (172.16.0.0/12)' },
  { cidr: cidr('192.168.0.0/16'), rule: 'private', what: 'a private address (192.168.0.0/16)' },
  { cidr: cidr('100.64.0.0/10'), rule: 'cgnat', what: 'a carrier-grade NAT / shared address (100.64.0.0/10)' },
];

const V6_RULES: readonly RangeRule[] = [
  { cidr: cidr('fd00:ec2::254/128'), rule: 'metadata', what: 'the AWS metadata service (IPv6)' },
  { cidr: cidr('::/128'), rule: 'unspecified', what: 'the unspecified address (::)' },
  { cidr: cidr('ff00::/8'), rule: 'multicast', what: 'a multicast address (ff00::/8)' },
  { cidr: cidr('fc00::/7'), rule: 'unique-local', what: 'a unique-local address (fc00::/7)' },
  { cidr: cidr('fe80::/10'), rule: 'link-local', what: 'a link-local address (fe80::/10)' },
];

/** Host names of metadata services that answer on some clouds without any special address. */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.internal']);

function inRange(ip: IpAddress, [net, bits]: [IpAddress, number]): boolean {
  return ip.kind() === net.kind() && ip.match(net, bits);
}

/** `[::1]` → `::1`, `Example.COM.` → `example.com`. */
export function bareHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  while (h.endsWith('.') && h.length > 1) h = h.slice(0, -1);
  return h;
}

function v4FromBits(hi: number, lo: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

/**
 * The IPv4 address an IPv6 address stands for, when it embeds one that a
 * connection would really reach: IPv4-mapped, IPv4-translated, NAT64
 * (64:ff9b::/96), IPv4-compatible (::a.b.c.d) and 6to4 (2002::/16).
 */
export function embeddedIPv4(ip: ipaddr.IPv6): ipaddr.IPv4 | null {
  const p = ip.parts;
  const w = (i: number): number => p[i] ?? 0;
  const zero = (from: number, to: number): boolean => p.slice(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated, RFC 6145)
  if (zero(0, 5) && w(5) === 0xffff) return v4FromBits(w(6), w(7));
  if (zero(0, 4) && w(4) === 0xffff && w(5) === 0) return v4FromBits(w(6), w(7));
  // 64:ff9b::/96 (NAT64 well-known prefix, RFC 6052)
  if (w(0) === 0x64 && w(1) === 0xff9b && zero(2, 6)) return v4FromBits(w(6), w(7));
  // ::a.b.c.d (deprecated IPv4-compatible), but not :: or ::1
  if (zero(0, 6) && (w(6) !== 0 || w(7) > 1)) return v4FromBits(w(6), w(7));
  // 2002:AABB:CCDD::/48 (6to4)
  if (w(0) === 0x2002) return v4FromBits(w(1), w(2));
  return null;
}

/**
 * The address a host string names, or null for a host name. IPv4 is read in
 * every spelling the URL parser accepts (so `2852039166` is 169.254.169.254);
 * an IPv6 zone (`%eth0`) is ignored.
 */
export function parseHostAddress(host: string): IpAddress | null {
  const h = bareHost(host);
  if (h.includes(':')) {
    const noZone = h.split('%')[0] ?? '';
    return ipaddr.IPv6.isValid(noZone) ? ipaddr.IPv6.parse(noZone) : null;
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(h)) return ipaddr.IPv4.parse(h);
  // Let the WHATWG URL parser decide whether it is an IPv4 spelling (0x7f.1, 0251.0376…, 2852039166):
  // it is the parser every base URL went through, and it agrees with inet_aton.
  if (!/^[0-9a-fx.]+$/.test(h)) return null;
  let normal: string;
  try {
    normal = new URL(`http://${h}/`).hostname;
  } catch {
    return null;
  }
  return ipaddr.IPv4.isValidFourPartDecimal(normal) ? ipaddr.IPv4.parse(normal) : null;
}

/** Canonical text: dotted IPv4, RFC 5952 IPv6. */
export function formatAddress(ip: IpAddress): string {
  return ip.kind() === 'ipv4' ? ip.toString() : (ip as ipaddr.IPv6).toRFC5952String();
}

function classifyV4(ip: ipaddr.IPv4): Verdict {
  for (const r of V4_RULES) if (inRange(ip, r.cidr)) return { ok: false, rule: r.rule, what: r.what };
  return { ok: true };
}

/** The built-in verdict on one address, before any allow-list entry. Loopback and public addresses are ok. */
export function classifyAddress(ip: IpAddress): Verdict {
  if (ip.kind() === 'ipv4') return classifyV4(ip as ipaddr.IPv4);
  const v6 = ip as ipaddr.IPv6;
  for (const r of V6_RULES) if (inRange(v6, r.cidr)) return { ok: false, rule: r.rule, what: r.what };
  const v4 = embeddedIPv4(v6);
  if (v4 !== null) {
    const inner = classifyV4(v4);
    if (!inner.ok) return { ...inner, what: `${inner.what}, as ${v4.toString()} embedded in the IPv6 address` };
  }
  return { ok: true };
}

type AllowEntry = { kind: 'cidr'; net: [IpAddress, number]; text: string } | { kind: 'name'; name: string } | { kind: 'suffix'; suffix: string };

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Parses one `security.ssrf.allow` entry; throws a message naming what is accepted. */
export function parseAllowEntry(raw: string): AllowEntry {
  const text = raw.trim();
  if (text.includes('/')) {
    try {
      const [net, bits] = ipaddr.parseCIDR(text);
      return { kind: 'cidr', net: [net, bits], text };
    } catch {
      throw new Error(`"${raw}" is not a CIDR range (like 192.168.1.20/32 or fd12:3456::/48)`);
    }
  }
  const ip = parseHostAddress(text);
  if (ip !== null) return { kind: 'cidr', net: [ip, ip.kind() === 'ipv4' ? 32 : 128], text };
  const name = bareHost(text);
  if (name.startsWith('*.') && HOST_NAME.test(name.slice(2))) return { kind: 'suffix', suffix: name.slice(1) };
  if (HOST_NAME.test(name)) return { kind: 'name', name };
  throw new Error(`"${raw}" is neither a CIDR range (192.168.1.0/24), an address, a host name (nas.lan) nor a wildcard name (*.lan)`);
}

/**
 * The configured policy: built-in rules plus the operator's allow list.
 * Immutable; the daemon builds one from config at start.
 */
export class SsrfPolicy {
  readonly #allow: AllowEntry[];

  constructor(allow: readonly string[] = []) {
    this.#allow = allow.map((a) => parseAllowEntry(a));
  }

  /** Refusals that depend on the name alone (metadata host names); null when the name is fine so far. */
  checkName(host: string): SsrfRefusedError | null {
    const h = bareHost(host);
    if (METADATA_NAMES.has(h)) {
      return this.#refuse({ ok: false, rule: 'metadata', what: `the cloud metadata host name ${h}` }, h, null);
    }
    return null;
  }

  /** Whether a connection to `address`, reached through the name `host`, is allowed; the refusal otherwise. */
  checkAddress(host: string, address: IpAddress): SsrfRefusedError | null {
    const v = classifyAddress(address);
    if (v.ok) return null;
    if (ALLOWABLE_RULES.has(v.rule) && this.#allowed(bareHost(host), address)) return null;
    return this.#refuse(v, bareHost(host), address);
  }

  /** For a host that is an address literal: the verdict; undefined when `host` is a name (it needs resolving). */
  checkLiteral(host: string): SsrfRefusedError | null | undefined {
    const byName = this.checkName(host);
    if (byName) return byName;
    const ip = parseHostAddress(host);
    if (ip === null) return undefined;
    return this.checkAddress(host, ip);
  }

  #allowed(host: string, ip: IpAddress): boolean {
    const v4 = ip.kind() === 'ipv6' ? embeddedIPv4(ip as ipaddr.IPv6) : null;
    for (const e of this.#allow) {
      if (e.kind === 'name' && e.name === host) return true;
      if (e.kind === 'suffix' && host.endsWith(e.suffix)) return true;
      if (e.kind === 'cidr' && (inRange(ip, e.net) || (v4 !== null && inRange(v4, e.net)))) return true;
    }
    return false;
  }

  #refuse(v: Extract<Verdict, { ok: false }>, host: string, ip: IpAddress | null): SsrfRefusedError {
    const addr = ip === null ? null : formatAddress(ip);
    const target = addr === null || addr === host ? host : `${host} (${addr})`;
    let how: string;
    if (ALLOWABLE_RULES.has(v.rule) && addr !== null) {
      const v4 = ip?.kind() === 'ipv6' ? embeddedIPv4(ip as ipaddr.IPv6) : null;
      const entry = v4 !== null ? `${v4.toString()}/32` : ip?.kind() === 'ipv4' ? `${addr}/32` : `${addr}/128`;
      how = ` If this is your own LAN or VPN host, allow it in ${'$'}KROUTER_HOME/config.json with "security": {"ssrf": {"allow": ["${entry}"]}} (a CIDR or a host name) and restart the daemon.`;
    } else {
      how = ' This rule cannot be lifted.';
    }
    return new SsrfRefusedError(v.rule, host, addr, `refused by SSRF rule "${v.rule}": ${target} is ${v.what}.${how}`);
  }
}

/** The policy of `security.ssrf.allow`; a bad entry stops the daemon with its path and what is accepted. */
export function ssrfPolicyFromConfig(allow: readonly string[]): SsrfPolicy {
  allow.forEach((entry, i) => {
    try {
      parseAllowEntry(entry);
    } catch (e) {
      throw new KrouterError('config_invalid', `security.ssrf.allow[${i}]: ${(e as Error).message}. Fix it in config.json and start again.`);
    }
  });
  return new SsrfPolicy(allow);
}
