import assert from 'node:assert/strict';
import { createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { KeyHasher, generateApiKey, keyPrefix, looksLikeKrouterKey } from '../../src/daemon/security/key-hash.js';
import { machineValue } from '../../src/daemon/security/machine-id.js';
import { SecretBox } from '../../src/daemon/security/secret-box.js';
import { loadOrCreateSecret } from '../../src/daemon/security/secret-file.js';
import { isKrouterError } from '../../src/shared/errors.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'krouter-sec-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function secretUnavailable(...patterns: RegExp[]): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isKrouterError(e), `expected a KrouterError, got ${String(e)}`);
    assert.equal(e.code, 'secret_unavailable');
    for (const re of patterns) assert.match(e.message, re);
    return true;
  };
}

describe('loadOrCreateSecret', () => {
  it('creates 32 random bytes, base64, in a 0600 file under a 0700 directory, and reloads them', () => {
    const path = join(dir, 'home', 'secret.key');
    const first = loadOrCreateSecret(path);
    assert.equal(first.length, 32);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'home')).mode & 0o777, 0o700);
    assert.equal(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64').toString('hex'), first.toString('hex'));
    assert.deepEqual(loadOrCreateSecret(path), first);
    assert.deepEqual(readdirSync(join(dir, 'home')), ['secret.key'], 'a temporary file was left behind');
    const other = loadOrCreateSecret(join(dir, 'other.key'));
    assert.notDeepEqual(other, first);
  });

  it('refuses a file readable by others and says how to fix it', () => {
    const path = join(dir, 'secret.key');
    loadOrCreateSecret(path);
    chmodSync(path, 0o644);
    assert.throws(() => loadOrCreateSecret(path), secretUnavailable(new RegExp(`chmod 600 ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), /644/));
    chmodSync(path, 0o620);
    assert.throws(() => loadOrCreateSecret(path), secretUnavailable(/chmod 600/));
    chmodSync(path, 0o600);
    assert.equal(loadOrCreateSecret(path).length, 32);
  });

  it('refuses content that is not exactly 32 bytes of base64', () => {
    const path = join(dir, 'secret.key');
    for (const content of [Buffer.alloc(16).toString('base64'), Buffer.alloc(33).toString('base64'), 'not base64 at all!!', '']) {
      writeFileSync(path, content, { mode: 0o600 });
      assert.throws(() => loadOrCreateSecret(path), secretUnavailable(/32-byte base64/));
    }
  });
});

describe('machineValue', () => {
  it('takes the first non-empty source, trimmed, else the hostname', () => {
    const empty = join(dir, 'empty');
    const second = join(dir, 'second');
    writeFileSync(empty, '  \n');
    writeFileSync(second, '  abc123\n');
    assert.equal(machineValue([join(dir, 'missing'), empty, second]), 'abc123');
    assert.equal(machineValue([join(dir, 'missing')]), hostname());
  });

  it('reads the system machine id by default', () => {
    const v = machineValue();
    assert.ok(v.length > 0);
    assert.equal(v, v.trim());
  });
});

describe('SecretBox', () => {
  const master = Buffer.alloc(32, 7);
  const aad = 'providers:openai:api_key';
  const plaintext = 'sk-upstream-SECRET-Ünïcode-✓';

  it('round-trips and uses a fresh nonce each time', () => {
    const box = new SecretBox(master, 'machine-a');
    const a = box.seal(plaintext, aad);
    const b = box.seal(plaintext, aad);
    assert.match(a, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    assert.notEqual(a, b);
    assert.equal(box.open(a, aad), plaintext);
    assert.equal(box.open(b, aad), plaintext);
    assert.equal(box.open(box.seal('', aad), aad), '');
    // A second box built from the same inputs opens it (the key is derived, not random).
    assert.equal(new SecretBox(Buffer.from(master), 'machine-a').open(a, aad), plaintext);
  });

  it('envelopes never contain the plaintext', () => {
    const box = new SecretBox(master, null);
    const secret = 'PLAINTEXT-MARKER-1234567890';
    const env = box.seal(secret, aad);
    assert.ok(!env.includes(secret));
    assert.ok(!env.includes(Buffer.from(secret).toString('base64url').slice(0, 12)));
    assert.ok(!env.includes(Buffer.from(secret).toString('base64').slice(0, 12)));
  });

  it('fails closed on any flipped byte (nonce, ciphertext or tag)', () => {
    const box = new SecretBox(master, 'machine-a');
    const env = box.seal(plaintext, aad);
    const [v, n, c] = env.split('.') as [string, string, string];
    const flip = (part: string, index: number): string => {
      const buf = Buffer.from(part, 'base64url');
      buf[index] = buf[index]! ^ 0x01;
      return buf.toString('base64url');
    };
    const body = Buffer.from(c, 'base64url');
    const tampered = [
      `${v}.${flip(n, 0)}.${c}`,
      `${v}.${n}.${flip(c, 0)}`,
      `${v}.${n}.${flip(c, body.length - 1)}`,
      `${v}.${n}.${flip(c, body.length - 17)}`,
    ];
    for (const t of tampered) {
      assert.notEqual(t, env);
      assert.throws(
        () => box.open(t, aad),
        (e: unknown) => {
          secretUnavailable(/cannot be decrypted on this machine/, /--api-key -/, /krouter providers add openai/)(e);
          assert.ok(!(e as Error).message.includes(plaintext));
          return true;
        },
      );
    }
  });

  it('fails on a wrong aad, another machine, another master, or a malformed envelope', () => {
    const box = new SecretBox(master, 'machine-a');
    const env = box.seal(plaintext, aad);
    assert.throws(() => box.open(env, 'providers:other:api_key'), secretUnavailable());
    assert.throws(() => box.open(env, 'providers:openai:headers'), secretUnavailable());
    assert.throws(() => new SecretBox(master, 'machine-b').open(env, aad), secretUnavailable());
    assert.throws(() => new SecretBox(master, null).open(env, aad), secretUnavailable());
    assert.throws(() => new SecretBox(Buffer.alloc(32, 8), 'machine-a').open(env, aad), secretUnavailable());
    const [, n, c] = env.split('.') as [string, string, string];
    for (const bad of [`v2.${n}.${c}`, `v1.${n}`, `v1.${n}.${c}.x`, `v1.${n}.`, `v1.${n}.${c.slice(0, 10)}`, `v1.${n}.${c}!`, '']) {
      assert.throws(() => box.open(bad, aad), secretUnavailable(), `accepted ${bad}`);
    }
  });

  it('is AES-256-GCM under HKDF(master, salt machine, info krouter/secret-box/v1) with the caller aad', () => {
    const env = new SecretBox(master, 'machine-a').seal(plaintext, aad);
    const [, n, c] = env.split('.') as [string, string, string];
    const body = Buffer.from(c, 'base64url');
    const key = Buffer.from(hkdfSync('sha256', master, Buffer.from('machine-a'), 'krouter/secret-box/v1', 32));
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(n, 'base64url'));
    d.setAAD(Buffer.from(aad));
    d.setAuthTag(body.subarray(body.length - 16));
    assert.equal(Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]).toString('utf8'), plaintext);
  });

  it('refuses a short master secret', () => {
    assert.throws(() => new SecretBox(Buffer.alloc(16), null), RangeError);
  });
});

describe('API keys', () => {
  it('generates well-formed, distinct keys with a short prefix', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    assert.match(a, /^sk-krouter-[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b);
    assert.ok(looksLikeKrouterKey(a));
    assert.equal(keyPrefix(a), a.slice(0, 16));
    assert.equal(keyPrefix(a).length, 16);
    assert.ok(keyPrefix(a).startsWith('sk-krouter-'));
  });

  it('looksLikeKrouterKey rejects other shapes', () => {
    const a = generateApiKey();
    for (const s of ['', 'sk-krouter-', `${a}x`, a.slice(0, -1), `Sk-krouter-${a.slice(11)}`, `sk-krouter-${'+'.repeat(43)}`, 'sk-proj-abc']) {
      assert.equal(looksLikeKrouterKey(s), false, s);
    }
  });

  it('KeyHasher is deterministic, keyed, and compares safely', () => {
    const master = Buffer.alloc(32, 1);
    const h = new KeyHasher(master);
    const key = generateApiKey();
    const x = h.hash(key);
    assert.equal(x.length, 32);
    assert.deepEqual(new KeyHasher(Buffer.from(master)).hash(key), x);
    assert.notDeepEqual(h.hash(`${key}a`), x);
    assert.notDeepEqual(new KeyHasher(Buffer.alloc(32, 2)).hash(key), x);
    assert.ok(!x.includes(Buffer.from(key)));
    assert.equal(h.equals(x, h.hash(key)), true);
    assert.equal(h.equals(x, h.hash(`${key}a`)), false);
    assert.equal(h.equals(x, x.subarray(0, 31)), false);
    assert.equal(h.equals(x, Buffer.alloc(0)), false);
    assert.equal(h.equals(Buffer.alloc(0), Buffer.alloc(0)), true);
  });

  it('is HMAC-SHA256 under HKDF(master, info krouter/api-key-hash/v1), with no machine input', () => {
    const master = Buffer.alloc(32, 3);
    const key = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'krouter/api-key-hash/v1', 32));
    const expected = createHmac('sha256', key).update('sk-krouter-x').digest();
    assert.deepEqual(new KeyHasher(master).hash('sk-krouter-x'), expected);
    assert.notDeepEqual(createHmac('sha256', master).update('sk-krouter-x').digest(), expected);
  });
});
