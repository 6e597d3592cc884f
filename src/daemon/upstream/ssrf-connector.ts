/**
 * The SSRF check where it cannot be dodged: on the address a provider
 * connection really dials. An undici connector that refuses address literals
 * outright and gives net/tls a `lookup` that drops every resolved address the
 * policy refuses, so a name that resolves (or re-resolves: DNS rebinding) to
 * a metadata or private address is never connected to. The save-time check
 * (checkBaseUrlTarget) is the same policy asked earlier, for a clear 400.
 */
import { promises as dnsPromises, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { buildConnector as Connectors } from 'undici';
import { buildConnector } from './undici-core.js';
import { KrouterError } from '../../shared/errors.js';
import { parseHostAddress, SsrfRefusedError, type SsrfPolicy } from '../security/ssrf.js';

/** Resolves a host name to all its addresses (family 0 = both). */
export type ResolveAll = (host: string, family: 0 | 4 | 6) => Promise<LookupAddress[]>;

export const systemResolve: ResolveAll = (host, family) => dnsPromises.lookup(host, { all: true, family, verbatim: true });

function familyOf(options: unknown): 0 | 4 | 6 {
  const f = (options as { family?: unknown } | null)?.family;
  return f === 4 || f === 'IPv4' ? 4 : f === 6 || f === 'IPv6' ? 6 : 0;
}

/**
 * The addresses of `host` the policy allows; throws the first refusal when it
 * allows none, or the resolver's own error.
 */
export async function allowedAddresses(policy: SsrfPolicy, resolve: ResolveAll, host: string, family: 0 | 4 | 6 = 0): Promise<LookupAddress[]> {
  const byName = policy.checkName(host);
  if (byName) throw byName;
  const found = await resolve(host, family);
  const allowed: LookupAddress[] = [];
  let refusal: SsrfRefusedError | null = null;
  for (const a of found) {
    const ip = parseHostAddress(a.address);
    const r = ip === null ? new SsrfRefusedError('unresolved', host, a.address, `refused by SSRF rule "unresolved": ${host} resolved to "${a.address}", which is not an address.`) : policy.checkAddress(host, ip);
    if (r === null) allowed.push(a);
    else refusal ??= r;
  }
  if (allowed.length === 0) {
    throw refusal ?? Object.assign(new Error(`${host} did not resolve to any address`), { code: 'ENOTFOUND', hostname: host });
  }
  return allowed;
}

/** A `lookup` for net.connect / tls.connect that only ever hands over allowed addresses. */
export function guardedLookup(policy: SsrfPolicy, resolve: ResolveAll = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    allowedAddresses(policy, resolve, hostname, familyOf(options)).then(
      (addrs) => {
        if ((options as { all?: boolean }).all === true) callback(null, addrs);
        else callback(null, addrs[0]!.address, addrs[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

export interface SsrfConnectorOptions {
  /** Connect timeout (ms). */
  timeout: number;
  /** Name resolution; the system resolver unless a test injects another. */
  resolve?: ResolveAll;
}

/** The undici `connect` option of the daemon's one Agent. */
export function ssrfConnector(policy: SsrfPolicy, opts: SsrfConnectorOptions): Connectors.connector {
  const base = buildConnector({ timeout: opts.timeout, lookup: guardedLookup(policy, opts.resolve) });
  return (options, callback) => {
    // net.connect skips `lookup` for an address literal: judge those here.
    const refusal = policy.checkLiteral(options.hostname);
    if (refusal) {
      queueMicrotask(() => callback(refusal, null));
      return;
    }
    base(options, callback);
  };
}

const SAVE_LOOKUP_TIMEOUT_MS = 5_000;

/**
 * The save-time check of a provider base URL (already parsed and known to be
 * http(s) without credentials): its host must not be, or resolve to, an
 * address the policy refuses. A name that does not resolve now is accepted:
 * the connect-time check still guards every real connection.
 */
export async function checkBaseUrlTarget(policy: SsrfPolicy, baseUrl: string, resolve: ResolveAll = systemResolve): Promise<void> {
  const u = new URL(baseUrl);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new KrouterError('validation_failed', `base URL refused by SSRF rule "scheme": ${u.protocol} is not allowed; use http:// or https://.`, { details: { rule: 'scheme' } });
  }
  if (u.username !== '' || u.password !== '') {
    throw new KrouterError('validation_failed', 'base URL refused by SSRF rule "userinfo": it must not contain a user or password; pass the secret with --api-key - (read from stdin).', { details: { rule: 'userinfo' } });
  }
  const literal = policy.checkLiteral(u.hostname);
  if (literal) throw refusedAtSave(literal);
  if (literal === null) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('lookup timed out'), { code: 'ETIMEOUT' })), SAVE_LOOKUP_TIMEOUT_MS);
    });
    await Promise.race([allowedAddressesStrict(policy, resolve, u.hostname), timeout]);
  } catch (e) {
    if (e instanceof SsrfRefusedError) throw refusedAtSave(e);
    // Did not resolve (offline, VPN down, typo): not a refusal; the connect-time check decides later.
  } finally {
    clearTimeout(timer);
  }
}

/** At save time every address must pass (at connect time the refused ones are merely skipped). */
async function allowedAddressesStrict(policy: SsrfPolicy, resolve: ResolveAll, host: string): Promise<void> {
  const byName = policy.checkName(host);
  if (byName) throw byName;
  for (const a of await resolve(host, 0)) {
    const ip = parseHostAddress(a.address);
    const r = ip === null ? null : policy.checkAddress(host, ip);
    if (r) throw r;
  }
}

function refusedAtSave(e: SsrfRefusedError): KrouterError {
  return new KrouterError('validation_failed', `base URL ${e.message}`, { details: { rule: e.rule, host: e.host, address: e.address } });
}
