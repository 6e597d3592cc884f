/** AdminClient.listLockouts/clearLockouts and `krouter lockouts`, against the fake admin API. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { AdminClient } from '../../src/shared/admin-client.js';
import type { LockoutDto } from '../../src/shared/admin-types.js';
import { startFakeAdmin, type FakeAdminServer } from './fake-admin-server.js';

const BIN = fileURLToPath(new URL('../../../bin/krouter.js', import.meta.url));

const LOCKED: LockoutDto = { ip: '2001:db8:1:2::/64', failures: 10, windowStartedAt: '2025-01-01T00:00:00.000Z', lockedUntil: new Date(Date.now() + 600_000).toISOString() };
const COUNTING: LockoutDto = { ip: '203.0.113.7', failures: 3, windowStartedAt: '2025-01-01T00:00:10.000Z', lockedUntil: null };

function krouter(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', KROUTER_HOME: '/nonexistent/krouter-test-home' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('lockouts over the admin client and the CLI', () => {
  let fake: FakeAdminServer;
  before(async () => {
    fake = await startFakeAdmin({
      'GET /admin/v1/lockouts': () => ({ body: { lockouts: [LOCKED, COUNTING] } }),
      'DELETE /admin/v1/lockouts': () => ({ body: { cleared: 2 } }),
      'DELETE /admin/v1/lockouts/2001%3Adb8%3A1%3A2%3A%3A%2F64': () => ({ body: { cleared: 1 } }),
      'DELETE /admin/v1/lockouts/203.0.113.7': () => ({ body: { cleared: 0 } }),
    });
  });
  after(() => fake.close());

  it('AdminClient: list, clear all, clear one (the /64 URL-encoded as one segment)', async () => {
    const c = new AdminClient(fake.socketPath);
    assert.deepEqual(await c.listLockouts(), { lockouts: [LOCKED, COUNTING] });
    assert.deepEqual(await c.clearLockouts(), { cleared: 2 });
    assert.equal(fake.requests.at(-1)!.method, 'DELETE');
    assert.deepEqual(await c.clearLockouts('2001:db8:1:2::/64'), { cleared: 1 });
    assert.equal(fake.requests.at(-1)!.url, '/admin/v1/lockouts/2001%3Adb8%3A1%3A2%3A%3A%2F64');
  });

  it('krouter lockouts list: a table, or the DTO with --json', async () => {
    const t = await krouter(['lockouts', 'list', '--socket', fake.socketPath]);
    assert.equal(t.code, 0, t.stderr);
    const lines = t.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ADDRESS\s+FAILURES\s+SINCE\s+LOCKED UNTIL\s+LEFT$/);
    assert.match(lines[1]!, /^2001:db8:1:2::\/64\s+10\s.*\s(9|10)m \d+s$/);
    assert.match(lines[2]!, /^203\.0\.113\.7\s+3\s.*-\s+-$/);
    const j = await krouter(['lockouts', 'list', '--json', '--socket', fake.socketPath]);
    assert.deepEqual(JSON.parse(j.stdout), { lockouts: [LOCKED, COUNTING] });
  });

  it('krouter lockouts clear [IP]', async () => {
    const all = await krouter(['lockouts', 'clear', '--socket', fake.socketPath]);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, 'Cleared 2 entries.\n');
    const one = await krouter(['lockouts', 'clear', '2001:db8:1:2::/64', '--json', '--socket', fake.socketPath]);
    assert.deepEqual(JSON.parse(one.stdout), { cleared: 1 });
    const none = await krouter(['lockouts', 'clear', '203.0.113.7', '--socket', fake.socketPath]);
    assert.equal(none.stdout, 'Nothing to clear for 203.0.113.7.\n');
    const bad = await krouter(['lockouts', 'wipe', '--socket', fake.socketPath]);
    assert.equal(bad.code, 2, bad.stderr);
  });
});
