/**
 * The admin socket belongs to the daemon's user: another uid (here `nobody`,
 * via runuser or setpriv — the tests run as root in CI) cannot open it, and
 * the CLI says why and what to do. Both layers are tried: the 0700 folder,
 * and the 0600 socket itself once the folder is opened up.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KROUTER_BIN, REPO_ROOT, startDaemon, type DaemonHandle } from '../support/daemon.js';

/** A way to run a command as `nobody`, or why there is none here. */
function asNobody(): { run: (args: string[]) => { code: number | null; stdout: string; stderr: string } } | string {
  if (process.getuid?.() !== 0) return 'not running as root: cannot switch to another uid';
  const wrappers: Array<(cmd: string[]) => [string, string[]]> = [
    (cmd) => ['runuser', ['-u', 'nobody', '--', ...cmd]],
    (cmd) => ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', ...cmd]],
  ];
  for (const wrap of wrappers) {
    const [bin, args] = wrap([process.execPath, KROUTER_BIN, '--version']);
    const probe = spawnSync(bin, args, { cwd: '/', encoding: 'utf8' });
    if (probe.status === 0) {
      return {
        run: (cli) => {
          const [b, a] = wrap([process.execPath, KROUTER_BIN, ...cli]);
          const r = spawnSync(b, a, { cwd: '/', encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NO_COLOR: '1' }, timeout: 15_000 });
          return { code: r.status, stdout: r.stdout, stderr: r.stderr };
        },
      };
    }
  }
  return `neither runuser nor setpriv can run node as nobody here (repo at ${REPO_ROOT})`;
}

describe('attack: the admin socket from another uid', () => {
  let d: DaemonHandle;
  const nobody = asNobody();

  before(async () => {
    d = await startDaemon();
  });
  after(async () => d?.cleanup());

  it('the socket is 0600 in a 0700 folder, owned by the daemon user', () => {
    assert.equal(statSync(d.socket).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(d.socket)).mode & 0o777, 0o700);
    assert.equal(statSync(d.socket).uid, process.getuid?.());
  });

  it('nobody is refused by the folder, with a clear message', (t) => {
    if (typeof nobody === 'string') return t.skip(nobody);
    const r = nobody.run(['status', '--socket', d.socket]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /permission denied on the admin socket/);
    assert.match(r.stderr, /only the user who runs the krouter daemon can administer it/);
  });

  it('nobody is refused by the socket itself when the folder is opened up', (t) => {
    if (typeof nobody === 'string') return t.skip(nobody);
    const dir = dirname(d.socket);
    chmodSync(dir, 0o711);
    try {
      for (const args of [['status'], ['keys', 'create', '--name', 'intruder'], ['debug', 'on']]) {
        const r = nobody.run([...args, '--socket', d.socket, '--json']);
        assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /permission denied on the admin socket/);
        assert.equal(JSON.parse(r.stdout).error.code, 'daemon_unreachable');
      }
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it('nothing changed: no key was created, debug mode stayed off', async () => {
    const keys = await d.cli(['keys', 'list', '--json']);
    assert.deepEqual(keys.json<{ keys: unknown[] }>().keys, []);
    const dbg = await d.cli(['debug', 'status', '--json']);
    assert.equal(dbg.json<{ enabled: boolean }>().enabled, false);
  });
});
