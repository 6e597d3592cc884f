/**
 * `krouter audit` (GET /admin/v1/audit?url=): the security checklist run
 * against the running deployment. Local checks read the daemon's own state
 * (bind address, file modes, debug mode, lockout, keys); three network checks
 * call the /v1 URL the way an attacker would (no key, a wrong key, many wrong
 * keys) and then lift the lockout they caused.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ipaddr from 'ipaddr.js';
import type { AuditCheckDto, AuditDto } from '../../shared/admin-types.js';
import { KrouterError } from '../../shared/errors.js';
import { isLoopbackBind } from '../security/bind-check.js';
import type { AdminServices } from './context.js';

/** Keys whose secret is older than this are flagged for rotation. */
export const KEY_MAX_AGE_DAYS = 90;
/** The lockout check gives up after this many wrong keys. */
const MAX_LOCKOUT_PROBES = 100;
const PROBE_TIMEOUT_MS = 5_000;

type Check = AuditCheckDto;

const pass = (id: string, title: string, detail: string): Check => ({ id, title, ok: true, detail, fix: null });
const fail = (id: string, title: string, detail: string, fix: string): Check => ({ id, title, ok: false, detail, fix });

function mode(path: string): { mode: number; uid: number } | null {
  try {
    const st = statSync(path);
    return { mode: st.mode & 0o777, uid: st.uid };
  } catch {
    return null;
  }
}

const octal = (m: number): string => m.toString(8).padStart(3, '0');

/** Paths (with their expected mode) that must not be open to group or others. */
function privatePaths(checks: Array<{ path: string; want: number; optional?: boolean }>): { bad: string[]; seen: string[] } {
  const bad: string[] = [];
  const seen: string[] = [];
  const uid = process.getuid?.();
  for (const c of checks) {
    const m = mode(c.path);
    if (m === null) {
      if (!c.optional) bad.push(`${c.path} is missing`);
      continue;
    }
    seen.push(`${c.path} ${octal(m.mode)}`);
    if ((m.mode & 0o077) !== 0) bad.push(`${c.path} is ${octal(m.mode)} (want ${octal(c.want)})`);
    if (uid !== undefined && m.uid !== uid) bad.push(`${c.path} is owned by uid ${m.uid}, not the daemon's uid ${uid}`);
  }
  return { bad, seen };
}

function bindCheck(s: AdminServices): Check {
  const { bind, port } = s.listen();
  const title = 'The /v1 listener is not exposed to the internet';
  if (isLoopbackBind(bind)) return pass('bind', title, `listens on ${bind}:${port}: this machine only.`);
  let range = 'unknown';
  try {
    range = ipaddr.parse(bind).range();
  } catch {
    // a host name: judged as exposed
  }
  if (['private', 'uniqueLocal', 'carrierGradeNat', 'linkLocal'].includes(range)) {
    return pass('bind', title, `listens on ${bind}:${port}, a private (LAN/VPN) address: reachable from that network only. Keep the lockout on and give every user their own key.`);
  }
  const where = range === 'unspecified' ? 'every interface (reachable from any network this machine is on)' : `${bind}, a public address`;
  return fail(
    'bind',
    title,
    `listens on ${where}, port ${port}.`,
    'Set "server": {"bind": "127.0.0.1"} in config.json (or KROUTER_BIND=127.0.0.1) and put a TLS reverse proxy in front (listed in security.trustedProxies); or bind to a VPN address.',
  );
}

function socketCheck(s: AdminServices): Check {
  const sock = s.paths.socket;
  const dir = dirname(sock);
  const r = privatePaths([
    { path: dir, want: 0o700 },
    { path: sock, want: 0o600 },
  ]);
  const title = 'The admin socket is the owner\'s only';
  if (r.bad.length === 0) return pass('socket', title, r.seen.join(', '));
  return fail('socket', title, r.bad.join('; '), `chmod 700 ${dir} && chmod 600 ${sock} (restarting the daemon recreates the socket 0600).`);
}

function homeCheck(s: AdminServices): Check {
  const p = s.paths;
  const r = privatePaths([
    { path: p.home, want: 0o700 },
    { path: p.secretKeyFile, want: 0o600 },
    { path: p.dbDir, want: 0o700 },
    { path: p.db, want: 0o600 },
    { path: `${p.db}-wal`, want: 0o600, optional: true },
    { path: `${p.db}-shm`, want: 0o600, optional: true },
  ]);
  const title = 'KROUTER_HOME, secret.key and the database are private';
  if (r.bad.length === 0) return pass('files', title, r.seen.join(', '));
  return fail('files', title, r.bad.join('; '), `chmod 700 ${p.home} ${p.dbDir} && chmod 600 ${p.secretKeyFile} ${p.db}*`);
}

function debugCheck(s: AdminServices): Check {
  const title = 'Debug mode is off (no bodies are being recorded)';
  const d = s.debug.status();
  const files = captureFiles(s.debug.dir);
  const r = privatePaths([{ path: s.debug.dir, want: 0o700, optional: true }, ...files.map((f) => ({ path: f, want: 0o600 }))]);
  if (d.enabled) return fail('debug', title, `debug mode is ON until ${d.until}: request and response bodies are written to ${d.dir}.`, 'krouter debug off');
  if (r.bad.length > 0) return fail('debug', title, `debug is off, but capture files are open to others: ${r.bad.join('; ')}`, `chmod 700 ${s.debug.dir} && chmod 600 ${s.debug.dir}/*, or delete the old captures: rm ${s.debug.dir}/capture-*.jsonl`);
  return pass('debug', title, files.length > 0 ? `off; ${files.length} old capture file(s) remain in ${s.debug.dir} (private; delete them when done).` : 'off.');
}

function captureFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.startsWith('capture-'))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

function lockoutConfigCheck(s: AdminServices): Check {
  const title = 'Brute-force lockout is on';
  const c = s.config.security.bruteForceLockout;
  if (c.enabled) return pass('lockout-config', title, `on: ${c.maxAttempts} failed authentications within ${c.windowSeconds}s lock the address for ${c.lockoutSeconds}s.`);
  return fail('lockout-config', title, 'security.bruteForceLockout.enabled is false: key guessing is not slowed down.', 'Set "security": {"bruteForceLockout": {"enabled": true}} in config.json and restart the daemon.');
}

function keysCheck(s: AdminServices, now: number): Check {
  const title = `API keys are strong and younger than ${KEY_MAX_AGE_DAYS} days`;
  const active = s.store.keys.list().filter((k) => k.revokedAt === null);
  if (active.length === 0) return pass('keys', title, 'no active keys: /v1 refuses every request.');
  const old = active.filter((k) => now - (k.rotatedAt ?? k.createdAt) > KEY_MAX_AGE_DAYS * 86_400_000);
  const strength = `${active.length} active key(s), each 32 random bytes generated by krouter (keys cannot be imported or chosen)`;
  if (old.length === 0) return pass('keys', title, `${strength}; none older than ${KEY_MAX_AGE_DAYS} days.`);
  const names = old.map((k) => `${k.name} (${Math.floor((now - (k.rotatedAt ?? k.createdAt)) / 86_400_000)} days)`);
  return fail('keys', title, `${strength}; older than ${KEY_MAX_AGE_DAYS} days: ${names.join(', ')}.`, old.map((k) => `krouter keys rotate ${k.name}`).join('; ') + ' (then give the new key to its user).');
}

function mitmCheck(): Check {
  return pass('mitm-ca', 'No MITM CA is trusted without need', 'no MITM CA installed.');
}

/** The /v1 root to probe: `--url` (with or without /v1), or the daemon's own listener. */
export function auditBaseUrl(s: AdminServices, raw: string | null): string {
  if (raw === null || raw === '') {
    const { bind, port } = s.listen();
    let host = bind;
    if (bind === '0.0.0.0' || bind === '') host = '127.0.0.1';
    else if (bind === '::') host = '::1';
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new KrouterError('validation_failed', `url=${JSON.stringify(raw)} is not a URL: give the public URL clients use, e.g. https://ai.example.com or https://ai.example.com/v1.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new KrouterError('validation_failed', `url must be http:// or https:// (got ${u.protocol}).`);
  if (u.username !== '' || u.password !== '') throw new KrouterError('validation_failed', 'url must not contain a user or password.');
  return `${u.origin}${u.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`;
}

interface Probe {
  status: number | null;
  code: string | null;
  error: string | null;
}

async function probe(url: string, key: string | null): Promise<Probe> {
  try {
    const res = await fetch(url, {
      method: 'GET',
      headers: key === null ? {} : { authorization: `Bearer ${key}` },
      redirect: 'manual',
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    const text = await res.text().catch(() => '');
    let code: string | null = null;
    try {
      const j = JSON.parse(text) as { error?: { code?: unknown; type?: unknown } };
      code = typeof j.error?.code === 'string' ? j.error.code : typeof j.error?.type === 'string' ? j.error.type : null;
    } catch {
      // not JSON
    }
    return { status: res.status, code, error: null };
  } catch (e) {
    const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
    const why = typeof cause?.code === 'string' ? cause.code : (e as Error).message;
    return { status: null, code: null, error: why };
  }
}

const wrongKey = (): string => `sk-krouter-${randomBytes(32).toString('base64url')}`;
const got = (p: Probe): string => (p.status === null ? `no answer (${p.error ?? 'error'})` : `HTTP ${p.status}${p.code ? ` ${p.code}` : ''}`);

async function networkChecks(s: AdminServices, base: string): Promise<Check[]> {
  const url = `${base}/v1/models`;
  const out: Check[] = [];
  const before = new Map(s.lockout.list().map((r) => [r.ip, `${r.failures}:${r.lockedUntil ?? ''}`]));
  try {
    const noKey = await probe(url, null);
    out.push(
      noKey.status === 401
        ? pass('net-no-key', `${url} refuses a request without a key`, `${got(noKey)}.`)
        : fail('net-no-key', `${url} refuses a request without a key`, `expected HTTP 401, got ${got(noKey)}.`, noKey.status === null ? 'Check that the URL is right and reaches this daemon (--url for the public URL behind a proxy).' : noKey.status === 429 ? 'This address is locked out already: `krouter lockouts clear`, then audit again.' : 'Something in front of krouter answers for it, or it is not krouter: check the reverse proxy configuration.'),
    );
    const bad = await probe(url, wrongKey());
    out.push(
      bad.status === 401
        ? pass('net-wrong-key', `${url} refuses a wrong key`, `${got(bad)}.`)
        : fail('net-wrong-key', `${url} refuses a wrong key`, `expected HTTP 401, got ${got(bad)}.`, bad.status === null ? 'Check that the URL reaches this daemon.' : 'Something in front of krouter answers for it: check the reverse proxy configuration.'),
    );
    out.push(await lockoutProbe(s, url, noKey.status === null || bad.status === null));
  } finally {
    clearAuditLockouts(s, before);
  }
  return out;
}

async function lockoutProbe(s: AdminServices, url: string, unreachable: boolean): Promise<Check> {
  const title = 'Repeated wrong keys get the client locked out (HTTP 429)';
  const c = s.config.security.bruteForceLockout;
  if (!c.enabled) return fail('net-lockout', title, 'not tried: the lockout is disabled.', 'Set "security": {"bruteForceLockout": {"enabled": true}} in config.json and restart the daemon.');
  if (unreachable) return fail('net-lockout', title, `not tried: ${url} did not answer.`, 'Check that the URL reaches this daemon.');
  const limit = Math.min(c.maxAttempts + 2, MAX_LOCKOUT_PROBES);
  let last: Probe = { status: null, code: null, error: 'not sent' };
  for (let i = 0; i < limit; i++) {
    last = await probe(url, wrongKey());
    if (last.status === 429) return pass('net-lockout', title, `locked out (${got(last)}) after at most ${i + 3} failed attempts; the audit lifted the lock it caused.`);
    if (last.status !== 401) break;
  }
  return fail(
    'net-lockout',
    title,
    `no 429 after ${limit} wrong keys (last answer: ${got(last)}).`,
    c.maxAttempts + 2 > MAX_LOCKOUT_PROBES
      ? `security.bruteForceLockout.maxAttempts is ${c.maxAttempts}: lower it (10 is the default).`
      : 'If a reverse proxy is in front, list it in security.trustedProxies so the lockout sees the real client address; otherwise check the daemon log.',
  );
}

/** Lifts every lockout bucket whose failures or lock changed while the audit ran (the audit's own address, seen through any proxy). */
function clearAuditLockouts(s: AdminServices, before: Map<string, string>): void {
  try {
    for (const r of s.lockout.list()) {
      if (before.get(r.ip) !== `${r.failures}:${r.lockedUntil ?? ''}`) s.lockout.clear(r.ip);
    }
  } catch (e) {
    s.log.warn({ err: (e as Error).message }, 'audit: could not clear the lockout it caused');
  }
}

export async function runAudit(s: AdminServices, url: string | null): Promise<AuditDto> {
  const base = auditBaseUrl(s, url);
  const now = Date.now();
  const checks: Check[] = [bindCheck(s), socketCheck(s), homeCheck(s), debugCheck(s), lockoutConfigCheck(s), keysCheck(s, now), mitmCheck()];
  checks.push(...(await networkChecks(s, base)));
  return { ok: checks.every((c) => c.ok), checks };
}
