/**
 * `krouter audit` against real daemons: a default deployment passes every
 * check (and the lockout its probes caused is lifted again); each way of
 * weakening it is reported as FAIL with its fix and exit code 1.
 */
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { AuditDto, LockoutDto } from '../../src/shared/admin-types.js';
import { createKey, startDaemon, type CreatedKey, type DaemonHandle } from '../support/daemon.js';

function check(a: AuditDto, id: string) {
  const c = a.checks.find((x) => x.id === id);
  assert.ok(c, `no check ${id} in ${a.checks.map((x) => x.id).join(', ')}`);
  return c;
}

async function audit(d: DaemonHandle, extra: string[] = []): Promise<{ code: number | null; dto: AuditDto; stdout: string; stderr: string }> {
  const r = await d.cli(['audit', '--json', ...extra], { timeoutMs: 60_000 });
  return { code: r.code, dto: r.json<AuditDto>(), stdout: r.stdout, stderr: r.stderr };
}

describe('krouter audit', () => {
  describe('a default deployment', () => {
    let d: DaemonHandle;
    let key: CreatedKey;
    before(async () => {
      d = await startDaemon();
      key = await createKey(d, 'auditee');
    });
    after(async () => d?.cleanup());

    it('passes every check and exits 0', async () => {
      const r = await audit(d);
      assert.equal(r.code, 0, JSON.stringify(r.dto, null, 2));
      assert.equal(r.dto.ok, true);
      const ids = r.dto.checks.map((c) => c.id);
      for (const id of ['bind', 'socket', 'files', 'debug', 'lockout-config', 'keys', 'mitm-ca', 'net-no-key', 'net-wrong-key', 'net-lockout']) assert.ok(ids.includes(id), id);
      assert.match(check(r.dto, 'mitm-ca').detail, /no MITM CA installed/);
      assert.match(check(r.dto, 'net-lockout').detail, /429/);
    });

    it('prints PASS per item in human form', async () => {
      const r = await d.cli(['audit'], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^PASS {2}The \/v1 listener/m);
      assert.match(r.stdout, /All \d+ checks passed\./);
      assert.doesNotMatch(r.stdout, /FAIL/);
    });

    it('lifts the lockout it caused: the auditing address can still use its key', async () => {
      await audit(d);
      const l = await d.cli(['lockouts', 'list', '--json']);
      assert.deepEqual(l.json<{ lockouts: LockoutDto[] }>().lockouts.filter((x) => x.lockedUntil !== null), []);
      const res = await fetch(`${d.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${key.secret}` } });
      assert.equal(res.status, 200);
    });

    it('--url accepts the /v1 URL (with or without /v1) and probes it', async () => {
      const r = await audit(d, ['--url', `${d.baseUrl}/v1`]);
      assert.equal(r.code, 0, JSON.stringify(r.dto, null, 2));
      assert.match(check(r.dto, 'net-no-key').title, new RegExp(`${d.baseUrl.replace(/[.]/g, '\\.')}/v1/models`));
    });

    it('--url that is not krouter: the network checks fail with the reason', async () => {
      const fake: Server = createServer((_req, res) => res.end('{"data":[]}'));
      await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
      try {
        const r = await audit(d, ['--url', `http://127.0.0.1:${(fake.address() as AddressInfo).port}`]);
        assert.equal(r.code, 1);
        assert.equal(check(r.dto, 'net-no-key').ok, false);
        assert.match(check(r.dto, 'net-no-key').detail, /expected HTTP 401, got HTTP 200/);
        assert.equal(check(r.dto, 'net-wrong-key').ok, false);
        assert.equal(check(r.dto, 'net-lockout').ok, false);
        assert.ok(check(r.dto, 'net-no-key').fix);
      } finally {
        await new Promise<void>((r) => fake.close(() => r()));
      }
    });

    it('refuses a --url that is not http(s)', async () => {
      const r = await d.cli(['audit', '--url', 'file:///etc/passwd']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /http:\/\/ or https:\/\//);
    });

    it('debug mode on, a loose database file and an old key each FAIL with their fix (exit 1)', async () => {
      assert.equal((await d.cli(['debug', 'on', '--for', '5m'])).code, 0);
      await d.stop('SIGTERM');
      const db = new Database(join(d.home, 'db', 'data.sqlite'));
      db.prepare('UPDATE api_keys SET created_at = ? WHERE name = ?').run(Date.now() - 100 * 86_400_000, 'auditee');
      db.close();
      await d.restart();
      chmodSync(join(d.home, 'db', 'data.sqlite'), 0o644); // the daemon tightens it on start; loosen it again
      const r = await audit(d);
      assert.equal(r.code, 1);
      assert.equal(r.dto.ok, false);
      const dbg = check(r.dto, 'debug');
      assert.equal(dbg.ok, false);
      assert.equal(dbg.fix, 'krouter debug off');
      const files = check(r.dto, 'files');
      assert.equal(files.ok, false);
      assert.match(files.detail, /data\.sqlite is 644/);
      assert.match(files.fix ?? '', /chmod 600/);
      const keys = check(r.dto, 'keys');
      assert.equal(keys.ok, false);
      assert.match(keys.detail, /auditee \(100 days\)/);
      assert.match(keys.fix ?? '', /krouter keys rotate auditee/);
      const human = await d.cli(['audit'], { timeoutMs: 60_000 });
      assert.equal(human.code, 1);
      assert.match(human.stdout, /^FAIL {2}Debug mode is off/m);
      assert.match(human.stdout, /fix: krouter debug off/);
      // Rotation resets the age.
      assert.equal((await d.cli(['keys', 'rotate', 'auditee'])).code, 0);
      assert.equal((await d.cli(['debug', 'off'])).code, 0);
      chmodSync(join(d.home, 'db', 'data.sqlite'), 0o600);
      const again = await audit(d);
      assert.equal(again.code, 0, JSON.stringify(again.dto, null, 2));
    });
  });

  describe('a weakened deployment', () => {
    let d: DaemonHandle;
    before(async () => {
      d = await startDaemon({ config: { security: { bruteForceLockout: { enabled: false } } }, env: { KROUTER_BIND: '0.0.0.0' } });
    });
    after(async () => d?.cleanup());

    it('a public bind and a disabled lockout FAIL with their fixes', async () => {
      const r = await audit(d);
      assert.equal(r.code, 1);
      const bind = check(r.dto, 'bind');
      assert.equal(bind.ok, false);
      assert.match(bind.detail, /every interface/);
      assert.match(bind.fix ?? '', /127\.0\.0\.1/);
      const lc = check(r.dto, 'lockout-config');
      assert.equal(lc.ok, false);
      assert.match(lc.fix ?? '', /"bruteForceLockout": \{"enabled": true\}/);
      const net = check(r.dto, 'net-lockout');
      assert.equal(net.ok, false);
      assert.match(net.detail, /lockout is disabled/);
      // The other network checks still pass through the loopback address.
      assert.equal(check(r.dto, 'net-no-key').ok, true);
      assert.equal(check(r.dto, 'net-wrong-key').ok, true);
    });
  });
});
