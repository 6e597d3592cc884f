/**
 * Who the client is: address parsing and normalisation, IPv6 /64 buckets,
 * CIDR matching of trusted proxies, X-Forwarded-For walking; and the
 * start-up check of the bind address.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exposureWarning, isLoopbackBind } from '../../src/daemon/security/bind-check.js';
import {
  ClientResolver,
  MAX_FORWARDED_HOPS,
  TrustedProxies,
  formatIp,
  isValidProxyEntry,
  lockoutKeyFromInput,
  lockoutKeyOf,
  parseIp,
  resolveClient,
} from '../../src/daemon/security/client-ip.js';
import { validateConfig } from '../../src/shared/config/validate.js';

const norm = (s: string): string | null => {
  const ip = parseIp(s);
  return ip === null ? null : formatIp(ip);
};
const key = (s: string): string => lockoutKeyOf(parseIp(s)!);

describe('parseIp / formatIp', () => {
  it('IPv4 as is; IPv4-mapped IPv6 becomes IPv4', () => {
    assert.equal(norm('1.2.3.4'), '1.2.3.4');
    assert.equal(norm('::ffff:1.2.3.4'), '1.2.3.4');
    assert.equal(norm('::FFFF:7f00:1'), '127.0.0.1');
    assert.equal(norm('  10.0.0.1 '), '10.0.0.1');
  });

  it('IPv6 in RFC 5952 form, zone dropped, brackets and ports removed', () => {
    assert.equal(norm('2001:0DB8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
    assert.equal(norm('fe80::1%eth0'), 'fe80::1');
    assert.equal(norm('[2001:db8::1]:443'), '2001:db8::1');
    assert.equal(norm('[::1]'), '::1');
    assert.equal(norm('1.2.3.4:8080'), '1.2.3.4');
  });

  it('refuses what is not an address, and non-canonical IPv4 forms', () => {
    for (const bad of ['', ' ', 'unknown', 'localhost', '127.1', '0x7f.0.0.1', '2130706433', '01.2.3.4', '1.2.3.256', '1.2.3', '[::1', '[::1]x', '::g', 'a'.repeat(100), '1.2.3.4, 5.6.7.8', '\u0000', '１.２.３.４']) {
      assert.equal(parseIp(bad), null, JSON.stringify(bad));
    }
  });
});

describe('lockout buckets', () => {
  it('IPv4: the address itself', () => {
    assert.equal(key('203.0.113.7'), '203.0.113.7');
    assert.equal(key('::ffff:203.0.113.7'), '203.0.113.7');
  });

  it('IPv6: the /64, so one host cannot rotate through its prefix', () => {
    assert.equal(key('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
    assert.equal(key('2001:db8:1:2::1'), key('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    assert.notEqual(key('2001:db8:1:2::1'), key('2001:db8:1:3::1'));
    assert.equal(key('::1'), '::/64');
    assert.equal(key('fe80::1%eth0'), 'fe80::/64');
  });

  it('what an operator types maps to the same bucket', () => {
    assert.equal(lockoutKeyFromInput('203.0.113.7'), '203.0.113.7');
    assert.equal(lockoutKeyFromInput('2001:db8:1:2::/64'), '2001:db8:1:2::/64');
    assert.equal(lockoutKeyFromInput('2001:db8:1:2::99'), '2001:db8:1:2::/64');
    assert.equal(lockoutKeyFromInput('2001:DB8:1:2:0:0:0:0/64'), '2001:db8:1:2::/64');
    assert.equal(lockoutKeyFromInput('::1'), '::/64');
    for (const bad of ['', 'x', '1.2.3.4/32', '2001:db8::/48', '1.2.3.4/64', 'unknown']) assert.equal(lockoutKeyFromInput(bad), null, bad);
  });
});

describe('TrustedProxies (CIDR matching)', () => {
  it('single addresses and ranges, IPv4 and IPv6', () => {
    const t = new TrustedProxies(['10.0.0.0/8', '192.168.1.5', 'fd00::/8', '2001:db8::1']);
    const has = (s: string): boolean => t.has(parseIp(s)!);
    assert.ok(has('10.1.2.3'));
    assert.ok(has('::ffff:10.1.2.3'), 'a mapped address matches the IPv4 range');
    assert.ok(!has('11.0.0.1'));
    assert.ok(has('192.168.1.5'));
    assert.ok(!has('192.168.1.6'));
    assert.ok(has('fd12:3456::1'));
    assert.ok(!has('fe80::1'));
    assert.ok(has('2001:db8::1'));
    assert.ok(!has('2001:db8::2'));
  });

  it('an IPv4-mapped range counts within its IPv4 part; /0 matches its whole family only', () => {
    const t = new TrustedProxies(['::ffff:172.16.0.0/108', '0.0.0.0/0']);
    assert.ok(t.has(parseIp('172.16.9.9')!));
    assert.ok(t.has(parseIp('8.8.8.8')!));
    assert.ok(!t.has(parseIp('2001:db8::1')!));
  });

  it('refuses what is not an address or range', () => {
    for (const bad of ['10.0.0.0/33', 'fd00::/129', '10.0.0.0/', '10.0.0.0/8/8', 'proxy.local', '::ffff:10.0.0.0/90', '10.0.0.0/-1']) {
      assert.ok(!isValidProxyEntry(bad), bad);
      assert.throws(() => new TrustedProxies([bad]), /not an IP address/, bad);
    }
  });

  it('the config schema accepts exactly the entries the daemon can use', () => {
    const samples = ['127.0.0.1', '10.0.0.0/8', 'fd00::/8', '::1', '::ffff:10.0.0.0/104', '0.0.0.0/0', '::/0', '10.0.0.0/33', 'fd00::/129', 'x', '127.1', '::ffff:10.0.0.0/90', '1.2.3.4/', '1.2.3.4/08x'];
    for (const s of samples) {
      const r = validateConfig({ security: { trustedProxies: [s] } });
      assert.equal(r.ok, isValidProxyEntry(s), s);
    }
    const bad = validateConfig({ security: { trustedProxies: ['nope'] } });
    assert.ok(!bad.ok && bad.issues[0]!.path === '$.security.trustedProxies[0]', JSON.stringify(bad));
  });

  it('defaults: lockout on (10 in 60 s, 15 min), no trusted proxies', () => {
    const r = validateConfig({});
    assert.ok(r.ok);
    assert.deepEqual(r.config.security.bruteForceLockout, { enabled: true, maxAttempts: 10, windowSeconds: 60, lockoutSeconds: 900 });
    assert.deepEqual(r.config.security.trustedProxies, []);
  });
});

describe('resolveClient (X-Forwarded-For)', () => {
  const none = new TrustedProxies([]);
  const proxies = new TrustedProxies(['127.0.0.1', '10.0.0.0/8']);

  it('no trusted proxies: the TCP peer, whatever the headers say', () => {
    assert.deepEqual(resolveClient('127.0.0.1', '203.0.113.9', none), { ip: '127.0.0.1', key: '127.0.0.1' });
    assert.deepEqual(resolveClient('::ffff:127.0.0.1', undefined, none), { ip: '127.0.0.1', key: '127.0.0.1' });
    assert.deepEqual(resolveClient('2001:db8:1:2::5', '1.1.1.1', none), { ip: '2001:db8:1:2::5', key: '2001:db8:1:2::/64' });
  });

  it('an untrusted peer: XFF ignored', () => {
    assert.equal(resolveClient('198.51.100.1', '203.0.113.9', proxies).ip, '198.51.100.1');
  });

  it('a trusted peer: the right-most address that is not a trusted proxy', () => {
    assert.equal(resolveClient('127.0.0.1', '203.0.113.9', proxies).ip, '203.0.113.9');
    assert.equal(resolveClient('127.0.0.1', '1.1.1.1, 203.0.113.9', proxies).ip, '203.0.113.9', 'a client-written left part is ignored');
    assert.equal(resolveClient('127.0.0.1', '1.1.1.1, 203.0.113.9, 10.1.1.1', proxies).ip, '203.0.113.9', 'inner trusted hops are skipped');
    assert.equal(resolveClient('::ffff:127.0.0.1', ' 203.0.113.9 ', proxies).ip, '203.0.113.9');
    assert.deepEqual(resolveClient('127.0.0.1', '2001:db8:9:9::1', proxies), { ip: '2001:db8:9:9::1', key: '2001:db8:9:9::/64' });
    assert.equal(resolveClient('127.0.0.1', ['1.1.1.1', '203.0.113.9'], proxies).ip, '203.0.113.9', 'repeated headers are one chain');
  });

  it('all hops trusted: the left-most; a trusted peer without XFF: the peer', () => {
    assert.equal(resolveClient('127.0.0.1', '10.0.0.2, 10.0.0.3', proxies).ip, '10.0.0.2');
    assert.equal(resolveClient('127.0.0.1', undefined, proxies).ip, '127.0.0.1');
  });

  it('a malformed hop ends the walk at the last good one (never a made-up bucket)', () => {
    assert.equal(resolveClient('127.0.0.1', 'garbage', proxies).ip, '127.0.0.1');
    assert.equal(resolveClient('127.0.0.1', '203.0.113.9, , 10.0.0.1', proxies).ip, '10.0.0.1');
    assert.equal(resolveClient('127.0.0.1', '203.0.113.9, x', proxies).ip, '127.0.0.1');
    assert.equal(resolveClient('127.0.0.1', '', proxies).ip, '127.0.0.1');
  });

  it('a very long all-trusted chain is examined only so far', () => {
    const chain = Array.from({ length: 1000 }, (_, i) => `10.0.${Math.floor(i / 250)}.${i % 250}`).join(',');
    const r = resolveClient('127.0.0.1', `203.0.113.9,${chain}`, proxies);
    assert.ok(r.ip.startsWith('10.'), r.ip);
    assert.ok(MAX_FORWARDED_HOPS < 1000);
  });

  it('an unknown peer (socket already gone)', () => {
    assert.deepEqual(resolveClient(undefined, '1.1.1.1', proxies), { ip: 'unknown', key: 'unknown' });
  });

  it('ClientResolver reads only the socket and X-Forwarded-For', () => {
    const r = new ClientResolver([]);
    const spoof = { 'x-forwarded-for': '1.1.1.1', 'x-real-ip': '2.2.2.2', 'x-request-source': 'local', host: 'localhost', forwarded: 'for=3.3.3.3' };
    assert.equal(r.resolve({ socket: { remoteAddress: '198.51.100.4' }, headers: spoof }).ip, '198.51.100.4');
    const behind = new ClientResolver(['198.51.100.4']);
    assert.equal(behind.resolve({ socket: { remoteAddress: '198.51.100.4' }, headers: spoof }).ip, '1.1.1.1');
  });
});

describe('bind check', () => {
  it('loopback binds are quiet', () => {
    for (const b of ['127.0.0.1', '127.8.9.10', '::1', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) {
      assert.ok(isLoopbackBind(b), b);
      assert.equal(exposureWarning(b, 20128), null, b);
    }
  });

  it('anything else warns, naming the checklist and what to do', () => {
    for (const b of ['0.0.0.0', '::', '192.168.1.10', '2001:db8::1', 'example.com']) {
      assert.ok(!isLoopbackBind(b), b);
      const w = exposureWarning(b, 20128)!;
      assert.match(w, /WARNING/);
      assert.match(w, /Security checklist/);
      assert.match(w, /127\.0\.0\.1/);
      assert.match(w, /trustedProxies/);
    }
    assert.match(exposureWarning('::', 1)!, /\[::\]:1/);
  });
});
