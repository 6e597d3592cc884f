#!/usr/bin/env node
// Installs the real AI clients the end-to-end tests drive (Claude Code, Codex CLI)
// into .cache/clients (git-ignored), at pinned versions. They are 200-400 MB each
// and are never product dependencies: nothing in package.json names them.
//
//   node scripts/install-test-clients.mjs           install if missing or at the wrong version
//   node scripts/install-test-clients.mjs --force   reinstall
//   node scripts/install-test-clients.mjs --check   only report; exit 1 when an install is needed
//
// Idempotent: when both packages are present at the pinned versions and their
// binaries answer `--version`, it does nothing. Several test files may call it at
// once (node --test runs files in parallel), so the install runs under a lock dir.
// Prints one JSON line on stdout at the end ({"claude":…,"codex":…,"installed":bool})
// and its progress on stderr.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned versions. Claude Code after 2.1.197 declares node>=22; krouter supports Node 20. */
const CLIENTS = {
  claude: { pkg: '@anthropic-ai/claude-code', version: '2.1.197', bin: 'claude', versionOut: /^2\.1\.197 \(Claude Code\)/ },
  codex: { pkg: '@openai/codex', version: '0.171.0', bin: 'codex', versionOut: /^codex-cli 0\.171\.0\b/ },
};

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PREFIX = join(ROOT, '.cache', 'clients');
const LOCK = join(ROOT, '.cache', 'clients.lock');
const INSTALL_TIMEOUT_MS = 9 * 60_000;
const LOCK_WAIT_MS = 10 * 60_000;

const log = (msg) => process.stderr.write(`install-test-clients: ${msg}\n`);

function binPath(name) {
  return join(PREFIX, 'node_modules', '.bin', CLIENTS[name].bin);
}

function installedVersion(name) {
  try {
    return JSON.parse(readFileSync(join(PREFIX, 'node_modules', ...CLIENTS[name].pkg.split('/'), 'package.json'), 'utf8')).version ?? null;
  } catch {
    return null;
  }
}

/** Runs `<bin> --version` with a throwaway HOME (so it never touches the user's config). */
function runVersion(name) {
  const bin = binPath(name);
  if (!existsSync(bin)) return { ok: false, out: `${bin} does not exist` };
  const home = join(PREFIX, '.version-home');
  mkdirSync(home, { recursive: true });
  const r = spawnSync(bin, ['--version'], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, CODEX_HOME: join(home, 'codex'), CLAUDE_CONFIG_DIR: join(home, 'claude'), NO_COLOR: '1', DISABLE_AUTOUPDATER: '1' },
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim();
  return { ok: r.status === 0 && CLIENTS[name].versionOut.test((r.stdout ?? '').trim()), out };
}

function status() {
  const s = {};
  for (const name of Object.keys(CLIENTS)) {
    const version = installedVersion(name);
    const run = version === CLIENTS[name].version ? runVersion(name) : { ok: false, out: `installed version ${version ?? 'none'}` };
    s[name] = { version, ok: run.ok, out: run.out };
  }
  return s;
}

const allOk = (s) => Object.values(s).every((c) => c.ok);

/**
 * Claude Code's package ships a placeholder bin/claude.exe that its postinstall
 * (install.cjs) replaces with the native binary from the platform package. npm
 * versions that skip install scripts leave the placeholder: run it ourselves.
 */
function repairClaude() {
  const dir = join(PREFIX, 'node_modules', '@anthropic-ai', 'claude-code');
  const script = join(dir, 'install.cjs');
  if (!existsSync(script)) return;
  log(`claude --version failed; running its postinstall (${script}) by hand`);
  const r = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  log(`postinstall exit ${r.status}: ${`${r.stdout ?? ''}${r.stderr ?? ''}`.trim().slice(0, 2000)}`);
}

function npmInstall() {
  mkdirSync(PREFIX, { recursive: true });
  const specs = Object.values(CLIENTS).map((c) => `${c.pkg}@${c.version}`);
  const args = ['install', '--prefix', PREFIX, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', ...specs];
  // Under `npm test`, npm_execpath is npm's own CLI script: reuse the npm running us.
  const execPath = process.env.npm_execpath;
  const [cmd, cmdArgs] = execPath && /npm-cli\.js$/.test(execPath) ? [process.execPath, [execPath, ...args]] : [process.platform === 'win32' ? 'npm.cmd' : 'npm', args];
  log(`npm ${args.join(' ')}`);
  const started = Date.now();
  const r = spawnSync(cmd, cmdArgs, {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: INSTALL_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
    // a fresh install is ~660 MB; never let an inherited `omit=optional` drop the native binaries
    env: { ...process.env, npm_config_omit: '', npm_config_include: 'optional', npm_config_optional: 'true', npm_config_update_notifier: 'false' },
  });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (out) log(out);
  if (r.error || r.status !== 0) {
    throw new Error(`npm install failed after ${secs} s (exit ${r.status}${r.signal ? `, signal ${r.signal}` : ''}${r.error ? `, ${r.error.message}` : ''})`);
  }
  log(`npm install done in ${secs} s`);
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** mkdir is atomic: whoever creates the lock dir installs; the others wait, then re-check. */
function withLock(fn) {
  mkdirSync(dirname(LOCK), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch {
        /* being created or removed */
      }
      let age = 0;
      try {
        age = Date.now() - statSync(LOCK).mtimeMs;
      } catch {
        continue;
      }
      const stale = Number.isInteger(holder) ? !pidAlive(holder) : age > 30_000;
      if (stale) {
        log(`removing stale lock ${LOCK} (holder ${Number.isInteger(holder) ? holder : 'unknown'})`);
        rmSync(LOCK, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`lock ${LOCK} still held by pid ${holder} after ${LOCK_WAIT_MS / 1000} s`);
      if (!announced) log(`waiting for pid ${holder}, which is installing the clients`);
      announced = true;
      sleepSync(500);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function summary(s, installed) {
  const o = { installed, prefix: PREFIX };
  for (const [name, c] of Object.entries(s)) o[name] = { version: c.version, bin: binPath(name), ok: c.ok };
  return JSON.stringify(o);
}

function main() {
  const force = process.argv.includes('--force');
  const checkOnly = process.argv.includes('--check');
  let s = status();
  if (allOk(s) && !force) {
    log(`already installed: ${Object.entries(s).map(([n, c]) => `${CLIENTS[n].pkg}@${c.version}`).join(', ')} in ${PREFIX}`);
    process.stdout.write(summary(s, false) + '\n');
    return 0;
  }
  if (checkOnly) {
    for (const [n, c] of Object.entries(s)) log(`${CLIENTS[n].pkg}: ${c.ok ? 'ok' : `needs install (${c.out})`}`);
    process.stdout.write(summary(s, false) + '\n');
    return 1;
  }
  let installed = false;
  withLock(() => {
    // another process may have finished the install while we waited
    s = status();
    if (allOk(s) && !force) return;
    for (const [n, c] of Object.entries(s)) log(`${CLIENTS[n].pkg}@${CLIENTS[n].version}: ${c.ok ? (force ? 'reinstalling (--force)' : 'ok') : `installing (${c.out})`}`);
    if (force) rmSync(join(PREFIX, 'node_modules'), { recursive: true, force: true });
    npmInstall();
    installed = true;
    s = status();
    if (!s.claude.ok) {
      repairClaude();
      s = status();
    }
  });
  for (const [n, c] of Object.entries(s)) log(`${CLIENTS[n].pkg}@${c.version ?? '-'}: ${c.ok ? `ok (${c.out.split('\n')[0]})` : `NOT WORKING: ${c.out}`}`);
  process.stdout.write(summary(s, installed) + '\n');
  return allOk(s) ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (e) {
  log(`failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
