/**
 * SSRF policy: every spelling of a refused address is recognised, the allow
 * list lifts only what it may, refusals name their rule and the way out, and
 * the connect-time guard (a real undici Agent with an injected resolver)
 * refuses what a host name resolves to, not what it looks like.
 */
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { classifyNetworkError } from '../../src/daemon/routing/classify.js';
import { classifyAddress, embeddedIPv4, parseAllowEntry, parseHostAddress, SsrfPolicy, SsrfRefusedError, ssrfPolicyFromConfig } from '../../src/daemon/security/ssrf.js';
import { Upstream } from '../../src/daemon/upstream/dispatcher.js';
import { allowedAddresses, checkBaseUrlTarget, type ResolveAll } from '../../src/daemon/upstream/ssrf-connector.js';
import { isKrouterError } from '../../src/shared/errors.js';

const policy = new SsrfPolicy();

/** The rule refusing `host` (as a URL would carry it), or null when allowed. */
function ruleFor(p: SsrfPolicy, host: string): string | null {
  const r = p.checkLiteral(new URL(`http://${host}/`).hostname);
  assert.notEqual(r, undefined, `${host} should be an address literal`);
  return r?.rule ?? null;
}

describe('parseHostAddress: every IPv4 spelling becomes the real address', () => {
  const metadata = ['169.254.169.254', '2852039166', '0251.0376.0251.0376', '0xa9fea9fe', '0xA9.0xFE.0xA9.0xFE', '169.254.43518', '169.16689662', '0251.254.169.254'];
  for (const s of metadata) {
    it(`${s} → 169.254.169.254 (directly and through the URL parser)`, () => {
      assert.equal(parseHostAddress(s)?.toString(), '169.254.169.254');
      const viaUrl = new URL(`http://${s}/`).hostname;
      assert.equal(parseHostAddress(viaUrl)?.toString(), '169.254.169.254');
      assert.equal(ruleFor(policy, s), 'metadata');
    });
  }
  it('loopback spellings are still loopback (and allowed)', () => {
    for (const s of ['127.0.0.1', '127.1', '2130706433', '0x7f000001', '0177.0.0.1', '[::1]', '[0:0:0:0:0:0:0:1]', '[::ffff:127.0.0.1]']) {
      assert.equal(ruleFor(policy, s), null, s);
    }
  });
  it('host names are not addresses', () => {
    for (const s of ['example.com', 'cafe.bad', 'localhost', 'a.b.c.d', '1.2.3.4.nip.io']) assert.equal(parseHostAddress(s), null, s);
  });
  it('010.0.0.1 is octal (8.0.0.1), as the URL parser reads it', () => {
    assert.equal(parseHostAddress('010.0.0.1')?.toString(), '8.0.0.1');
    assert.equal(new URL('http://010.0.0.1/').hostname, '8.0.0.1');
  });
});

describe('IPv6 forms are unwrapped before the check', () => {
  const cases: Array<[string, string]> = [
    ['[::ffff:169.254.169.254]', 'metadata'],
    ['[::ffff:a9fe:a9fe]', 'metadata'],
    ['[0:0:0:0:0:ffff:a9fe:a9fe]', 'metadata'],
    ['[64:ff9b::169.254.169.254]', 'metadata'],
    ['[64:ff9b::a9fe:a9fe]', 'metadata'],
    ['[::169.254.169.254]', 'metadata'],
    ['[2002:a9fe:a9fe::1]', 'metadata'],
    ['[::ffff:0:a9fe:a9fe]', 'metadata'],
    ['[fd00:ec2::254]', 'metadata'],
    ['[::ffff:10.0.0.1]', 'private'],
    ['[64:ff9b::192.168.1.1]', 'private'],
    ['[::ffff:0.0.0.0]', 'unspecified'],
    ['[::]', 'unspecified'],
    ['[ff02::1]', 'multicast'],
    ['[fc00::1]', 'unique-local'],
    ['[fd12:3456::1]', 'unique-local'],
    ['[fe80::1]', 'link-local'],
  ];
  for (const [host, rule] of cases) {
    it(`${host} → ${rule}`, () => assert.equal(ruleFor(policy, host), rule));
  }
  it('embeddedIPv4 finds the IPv4 inside mapped, NAT64, compatible and 6to4 addresses only', () => {
    const v6 = (s: string) => parseHostAddress(s) as Parameters<typeof embeddedIPv4>[0];
    assert.equal(embeddedIPv4(v6('::ffff:1.2.3.4'))?.toString(), '1.2.3.4');
    assert.equal(embeddedIPv4(v6('64:ff9b::1.2.3.4'))?.toString(), '1.2.3.4');
    assert.equal(embeddedIPv4(v6('2002:0102:0304::'))?.toString(), '1.2.3.4');
    assert.equal(embeddedIPv4(v6('::1')), null);
    assert.equal(embeddedIPv4(v6('2001:db8::1')), null);
  });
  it('public IPv6 and IPv4 are allowed', () => {
    for (const s of ['[2606:4700::1111]', '1.1.1.1', '8.8.8.8', '[64:ff9b::8.8.8.8]', '[::ffff:8.8.8.8]']) assert.equal(ruleFor(policy, s), null, s);
  });
});

describe('built-in rules', () => {
  const cases: Array<[string, string | null]> = [
    ['169.254.169.254', 'metadata'],
    ['169.254.1.1', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.20', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['172.32.0.1', null],
    ['127.0.0.1', null],
    ['127.255.255.254', null],
    ['93.184.216.34', null],
  ];
  for (const [ip, rule] of cases) it(`${ip} → ${rule ?? 'allowed'}`, () => assert.equal(ruleFor(policy, ip), rule));

  it('metadata host names are refused whatever they resolve to', () => {
    for (const h of ['metadata.google.internal', 'METADATA.GOOGLE.INTERNAL.', 'metadata.goog', 'metadata']) {
      const r = policy.checkName(h);
      assert.ok(r instanceof SsrfRefusedError, h);
      assert.equal(r.rule, 'metadata');
    }
    assert.equal(policy.checkName('api.openai.com'), null);
  });
});

describe('the allow list', () => {
  const p = new SsrfPolicy(['192.168.1.20/32', '10.0.0.0/8', 'fd12:3456::/32', 'nas.lan', '*.corp.example', '100.64.0.0/10', '169.254.169.254/32', '0.0.0.0/8', '224.0.0.0/4']);
  it('lifts private, CGNAT and unique-local refusals for listed ranges', () => {
    assert.equal(ruleFor(p, '192.168.1.20'), null);
    assert.equal(ruleFor(p, '192.168.1.21'), 'private');
    assert.equal(ruleFor(p, '10.200.0.1'), null);
    assert.equal(ruleFor(p, '[::ffff:10.200.0.1]'), null, 'a mapped address matches the IPv4 range');
    assert.equal(ruleFor(p, '[fd12:3456::9]'), null);
    assert.equal(ruleFor(p, '[fd99::9]'), 'unique-local');
    assert.equal(ruleFor(p, '100.64.1.1'), null);
  });
  it('never lifts metadata, unspecified, multicast or broadcast, even when listed', () => {
    assert.equal(ruleFor(p, '169.254.169.254'), 'metadata');
    assert.equal(ruleFor(p, '100.100.100.200'), 'metadata', 'inside the allowed CGNAT range, still metadata');
    assert.equal(ruleFor(p, '0.0.0.0'), 'unspecified');
    assert.equal(ruleFor(p, '224.0.0.1'), 'multicast');
  });
  it('host-name entries allow what that name resolves to (private ranges only)', () => {
    const lan = parseHostAddress('192.168.7.7')!;
    assert.equal(p.checkAddress('nas.lan', lan), null);
    assert.equal(p.checkAddress('NAS.LAN.', lan), null);
    assert.equal(p.checkAddress('gpu.corp.example', lan), null);
    assert.equal(p.checkAddress('other.lan', lan)?.rule, 'private');
    assert.equal(p.checkAddress('nas.lan', parseHostAddress('169.254.169.254')!)?.rule, 'metadata');
  });
  it('bad entries are refused with the config path', () => {
    assert.throws(() => parseAllowEntry('10.0.0.0/33'), /not a CIDR/);
    assert.throws(() => parseAllowEntry('not a host!'), /neither a CIDR/);
    assert.throws(
      () => ssrfPolicyFromConfig(['10.0.0.0/8', 'bad entry']),
      (e: unknown) => isKrouterError(e) && e.code === 'config_invalid' && /security\.ssrf\.allow\[1\]/.test(e.message),
    );
  });
});

describe('refusal messages', () => {
  it('name the rule, the address and, for LAN ranges, the exact config.json line', () => {
    const r = policy.checkLiteral('192.168.1.20')!;
    assert.match(r.message, /SSRF rule "private"/);
    assert.match(r.message, /192\.168\.1\.20/);
    assert.match(r.message, /"security": \{"ssrf": \{"allow": \["192\.168\.1\.20\/32"\]\}\}/);
    assert.match(r.message, /config\.json/);
    assert.equal(r.code, 'KROUTER_SSRF_REFUSED');
  });
  it('say a metadata refusal cannot be lifted', () => {
    const r = policy.checkLiteral(parseHostAddress('2852039166')!.toString())!;
    assert.match(r.message, /SSRF rule "metadata"/);
    assert.match(r.message, /169\.254\.169\.254/);
    assert.match(r.message, /cannot be lifted/);
  });
  it('suggest the embedded IPv4 for a mapped private address', () => {
    const r = policy.checkLiteral('::ffff:192.168.1.5')!;
    assert.match(r.message, /"192\.168\.1\.5\/32"/);
  });
  it('classify as a provider-wide target_fatal failure whose reason names the rule', () => {
    const c = classifyNetworkError(policy.checkLiteral('10.0.0.1'));
    assert.equal(c.outcome, 'target_fatal');
    assert.equal(c.scope, 'provider');
    assert.match(c.reason, /SSRF rule "private"/);
  });
  it('classifyAddress is the built-in verdict', () => {
    assert.deepEqual(classifyAddress(parseHostAddress('8.8.8.8')!), { ok: true });
  });
});

/** A resolver from a fixed table: what DNS would answer, including a rebinding attacker's answers. */
function fakeDns(table: Record<string, string[]>): ResolveAll & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (host: string, family: 0 | 4 | 6): Promise<LookupAddress[]> => {
    calls.push(host);
    const ips = table[host.toLowerCase()];
    if (!ips) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return ips.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })).filter((a) => family === 0 || a.family === family);
  };
  return Object.assign(fn, { calls });
}

describe('save-time check (checkBaseUrlTarget)', () => {
  const dns = fakeDns({
    'evil.test': ['169.254.169.254'],
    'mixed.test': ['93.184.216.34', '10.0.0.7'],
    'lan.test': ['192.168.1.20'],
    'good.test': ['93.184.216.34'],
    'local.test': ['127.0.0.1', '::1'],
  });
  async function refused(url: string, rule: string, p = policy): Promise<void> {
    await assert.rejects(checkBaseUrlTarget(p, url, dns), (e: unknown) => {
      assert.ok(isKrouterError(e), String(e));
      assert.equal(e.code, 'validation_failed');
      assert.equal(e.status, 400);
      assert.match(e.message, new RegExp(`SSRF rule "${rule}"`));
      return true;
    });
  }
  it('refuses literals in every spelling, metadata names, and names resolving to refused addresses', async () => {
    await refused('http://169.254.169.254/latest', 'metadata');
    await refused('http://2852039166/', 'metadata');
    await refused('http://0xa9fea9fe/', 'metadata');
    await refused('http://0251.0376.0251.0376/', 'metadata');
    await refused('http://169.254.43518/', 'metadata');
    await refused('http://[fd00:ec2::254]/', 'metadata');
    await refused('http://[::ffff:169.254.169.254]/', 'metadata');
    await refused('http://[64:ff9b::a9fe:a9fe]/', 'metadata');
    await refused('http://metadata.google.internal/computeMetadata/v1', 'metadata');
    await refused('http://168.63.129.16/', 'metadata');
    await refused('http://100.100.100.200/', 'metadata');
    await refused('http://0.0.0.0:11434/v1', 'unspecified');
    await refused('http://224.0.0.1/', 'multicast');
    await refused('http://255.255.255.255/', 'broadcast');
    await refused('http://evil.test/v1', 'metadata');
    await refused('http://mixed.test/v1', 'private');
    await refused('http://lan.test/v1', 'private');
    await refused('http://192.168.1.20:8000/v1', 'private');
    await refused('ftp://example.com/', 'scheme');
    await refused('file:///etc/passwd', 'scheme');
    await refused('http://user:pw@example.com/', 'userinfo');
  });
  it('accepts public names, loopback, listed LAN hosts, and names that do not resolve now', async () => {
    await checkBaseUrlTarget(policy, 'https://good.test/v1', dns);
    await checkBaseUrlTarget(policy, 'http://local.test:11434/v1', dns);
    await checkBaseUrlTarget(policy, 'http://127.0.0.1:11434/v1', dns);
    await checkBaseUrlTarget(policy, 'http://[::1]:8080/v1', dns);
    await checkBaseUrlTarget(policy, 'http://nowhere.test/v1', dns);
    const lanOk = new SsrfPolicy(['192.168.1.20/32']);
    await checkBaseUrlTarget(lanOk, 'http://lan.test/v1', dns);
    await checkBaseUrlTarget(lanOk, 'http://192.168.1.20:8000/v1', dns);
    await checkBaseUrlTarget(new SsrfPolicy(['lan.test']), 'http://lan.test/v1', dns);
  });
});

describe('connect-time guard: the address actually dialled', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  before(async () => {
    server = createServer((req, res) => {
      hits++;
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const timeouts = { connectTimeoutMs: 2000, headersTimeoutMs: 2000, bodyTimeoutMs: 2000 };
  const send = (up: Upstream, url: string) => up.send(url, { method: 'GET', headers: {}, signal: AbortSignal.timeout(5000) });

  it('connects to a name resolving to loopback', async () => {
    const up = new Upstream(timeouts, { resolve: fakeDns({ 'good.test': ['127.0.0.1'] }) });
    try {
      const res = await send(up, `http://good.test:${port}/x`);
      assert.equal(res.statusCode, 200);
      await res.body.text();
    } finally {
      await up.close();
    }
  });

  for (const [name, ip, rule] of [
    ['meta.test', '169.254.169.254', 'metadata'],
    ['lan.test', '192.168.1.20', 'private'],
    ['ula.test', 'fd00::1', 'unique-local'],
    ['mapped.test', '::ffff:169.254.169.254', 'metadata'],
    ['zero.test', '0.0.0.0', 'unspecified'],
  ] as const) {
    it(`refuses ${name} resolving to ${ip} (${rule}) without opening a connection`, async () => {
      const before = hits;
      const up = new Upstream(timeouts, { resolve: fakeDns({ [name]: [ip] }) });
      try {
        await assert.rejects(send(up, `http://${name}:${port}/x`), (e: unknown) => {
          assert.equal((e as { code?: string }).code, 'KROUTER_SSRF_REFUSED', String(e));
          assert.match((e as Error).message, new RegExp(`SSRF rule "${rule}"`));
          return true;
        });
        assert.equal(hits, before);
      } finally {
        await up.close();
      }
    });
  }

  it('DNS rebinding: a name that passed the save-time check and now resolves to metadata is refused at connect', async () => {
    const table: Record<string, string[]> = { 'rebind.test': ['93.184.216.34'] };
    const dns = fakeDns(table);
    await checkBaseUrlTarget(policy, 'http://rebind.test/v1', dns);
    table['rebind.test'] = ['169.254.169.254'];
    const up = new Upstream(timeouts, { resolve: dns });
    try {
      await assert.rejects(send(up, `http://rebind.test:${port}/x`), /SSRF rule "metadata"/);
    } finally {
      await up.close();
    }
  });

  it('of several addresses, only the allowed ones are dialled', async () => {
    const dns = fakeDns({ 'multi.test': ['169.254.169.254', '127.0.0.1'] });
    assert.deepEqual((await allowedAddresses(policy, dns, 'multi.test')).map((a) => a.address), ['127.0.0.1']);
    const up = new Upstream(timeouts, { resolve: dns });
    try {
      const res = await send(up, `http://multi.test:${port}/x`);
      assert.equal(res.statusCode, 200);
      await res.body.text();
    } finally {
      await up.close();
    }
  });

  it('address literals in any spelling are refused on the dial itself', async () => {
    const up = new Upstream(timeouts);
    try {
      for (const host of ['169.254.169.254', '2852039166', '0xa9fea9fe', '[::ffff:a9fe:a9fe]', '[fd00:ec2::254]', '10.0.0.1']) {
        await assert.rejects(send(up, `http://${host}:${port}/x`), (e: unknown) => (e as { code?: string }).code === 'KROUTER_SSRF_REFUSED', host);
      }
    } finally {
      await up.close();
    }
  });

  it('a listed LAN range is dialled (the allow list reaches the connector)', async () => {
    const up = new Upstream(timeouts, { ssrf: new SsrfPolicy(['lan.test']), resolve: fakeDns({ 'lan.test': ['127.0.0.1'] }) });
    try {
      const res = await send(up, `http://lan.test:${port}/x`);
      assert.equal(res.statusCode, 200);
      await res.body.text();
    } finally {
      await up.close();
    }
  });

  it('a redirect is returned as it is, never followed', async () => {
    const up = new Upstream(timeouts);
    try {
      const before = hits;
      const res = await send(up, `http://127.0.0.1:${port}/redirect`);
      assert.equal(res.statusCode, 302);
      assert.equal(res.headers['location'], 'http://169.254.169.254/latest/meta-data/');
      await res.body.text();
      assert.equal(hits, before + 1);
    } finally {
      await up.close();
    }
  });
});
