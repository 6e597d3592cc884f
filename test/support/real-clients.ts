/**
 * Real AI clients (Claude Code, Codex CLI) driven by the end-to-end tests.
 *
 * The clients are installed at pinned versions into `.cache/clients` by
 * scripts/install-test-clients.mjs — never as product dependencies. The tests
 * call ensureClients() from `before()`: it runs that script (bounded) when the
 * binaries are missing or stale, and throws with the script's output when the
 * install fails, so the tests fail rather than skip.
 *
 * Each run gets a throwaway HOME and config dir, a minimal environment (none of
 * the developer's API keys, proxies or settings leak in), everything that could
 * reach the network off, and a hard timeout after which its whole process group
 * is killed.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './daemon.js';

export const CLIENTS_PREFIX = join(REPO_ROOT, '.cache', 'clients');
export const INSTALL_SCRIPT = join(REPO_ROOT, 'scripts', 'install-test-clients.mjs');
export const CLAUDE_BIN = join(CLIENTS_PREFIX, 'node_modules', '.bin', 'claude');
export const CODEX_BIN = join(CLIENTS_PREFIX, 'node_modules', '.bin', 'codex');

/** The install script's bound: a cold install downloads ~200 MB. */
const INSTALL_TIMEOUT_MS = 10 * 60_000;
/** One client run: a prompt answered by a local mock takes a few seconds; this only catches hangs. */
export const CLIENT_TIMEOUT_MS = 120_000;

export interface InstalledClients {
  claude: { bin: string; version: string };
  codex: { bin: string; version: string };
}

interface InstallSummary {
  installed: boolean;
  claude?: { version: string | null; bin: string; ok: boolean };
  codex?: { version: string | null; bin: string; ok: boolean };
}

let installing: Promise<InstalledClients> | undefined;

/**
 * Installs the pinned clients if needed (once per process; the script itself is
 * idempotent and serialises concurrent callers with a lock) and checks that both
 * binaries run. Rejects with the script's full output on failure.
 */
export function ensureClients(): Promise<InstalledClients> {
  installing ??= runInstallScript();
  return installing;
}

async function runInstallScript(): Promise<InstalledClients> {
  const run = await runProcess(process.execPath, [INSTALL_SCRIPT], { cwd: REPO_ROOT, env: { ...process.env }, timeoutMs: INSTALL_TIMEOUT_MS });
  const fail = (why: string) =>
    new Error(`installing the test clients (node ${INSTALL_SCRIPT}) ${why}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`);
  if (run.timedOut) throw fail(`did not finish within ${INSTALL_TIMEOUT_MS / 1000} s`);
  if (run.code !== 0) throw fail(`failed (exit ${run.code}${run.signal ? `, signal ${run.signal}` : ''})`);
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  let s: InstallSummary;
  try {
    s = JSON.parse(line) as InstallSummary;
  } catch {
    throw fail('printed no summary line');
  }
  if (!s.claude?.ok || !s.codex?.ok || !s.claude.version || !s.codex.version) throw fail(`reported a client that does not run: ${line}`);
  if (s.installed) process.stderr.write(`# real-clients: installed ${line}\n`);
  return { claude: { bin: s.claude.bin, version: s.claude.version }, codex: { bin: s.codex.bin, version: s.codex.version } };
}

// ------------------------------------------------------------------ running a client

export interface ProcessRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Written to stdin, which is then closed (default: closed at once, so nothing waits for input). */
  stdin?: string;
}

/**
 * Spawns `cmd` in its own process group and resolves when it exits. After
 * timeoutMs the whole group gets SIGKILL (the npm shims start the native binary
 * as a child, which a kill of the shim alone would orphan).
 */
export function runProcess(cmd: string, args: string[], opts: RunOptions): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timeoutMs = opts.timeoutMs ?? CLIENT_TIMEOUT_MS;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // helpers a client left behind (its group) must not outlive the test
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* group already gone */
        }
      }
      resolve({ code, signal, stdout, stderr, timedOut, durationMs: Date.now() - started });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');
  });
}

/** A readable account of a run for assertion messages (output tails only). */
export function describeRun(what: string, r: ProcessRun, extra: Record<string, string> = {}): string {
  const tail = (s: string, n = 6000) => (s.length > n ? `…${s.slice(-n)}` : s);
  const lines = [
    `${what}: exit ${r.code}${r.signal ? ` signal ${r.signal}` : ''}${r.timedOut ? ' (TIMED OUT, killed)' : ''} after ${r.durationMs} ms`,
    `--- stdout ---\n${tail(r.stdout)}`,
    `--- stderr ---\n${tail(r.stderr)}`,
  ];
  for (const [k, v] of Object.entries(extra)) lines.push(`--- ${k} ---\n${tail(v)}`);
  return lines.join('\n');
}

// ------------------------------------------------------------------ sandboxes

export interface ClientSandbox {
  /** The temp root holding everything below. */
  root: string;
  /** HOME for the client. */
  home: string;
  /** An empty working directory (not a git repo, no CLAUDE.md / AGENTS.md). */
  work: string;
  cleanup(): void;
}

export function makeSandbox(prefix: string): ClientSandbox {
  const root = mkdtempSync(join(tmpdir(), `krouter-${prefix}-`));
  const home = join(root, 'home');
  const work = join(root, 'work');
  mkdirSync(home, { recursive: true });
  mkdirSync(work, { recursive: true });
  return { root, home, work, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * The environment every client run starts from: PATH and a temp HOME, nothing
 * else from the developer's shell (no ANTHROPIC_/OPENAI_ keys, no proxies, no
 * XDG dirs). Loopback is exempted from any proxy a client might still find.
 */
export function baseClientEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    USER: process.env['USER'] ?? 'krouter-test',
    SHELL: '/bin/sh',
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    NO_COLOR: '1',
    CI: '1',
    TMPDIR: tmpdir(),
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  };
}

// ------------------------------------------------------------------ Claude Code

export interface ClaudeEnvOptions {
  /** The daemon's root URL (`http://127.0.0.1:PORT`): Claude Code appends /v1/messages itself. */
  baseUrl: string;
  /** A krouter key, sent as `Authorization: Bearer`. */
  token: string;
  /** The krouter model name (combo or provider/model) every request of the session must use. */
  model: string;
}

/**
 * Environment for `claude -p` against krouter: every model slot (main, small/fast,
 * haiku/sonnet/opus aliases, subagents) is the krouter model, and all
 * non-essential traffic (telemetry, error reports, updates, feature flags) is off.
 */
export function claudeEnv(sb: ClientSandbox, o: ClaudeEnvOptions): NodeJS.ProcessEnv {
  return {
    ...baseClientEnv(sb.home),
    CLAUDE_CONFIG_DIR: join(sb.home, '.claude'),
    ANTHROPIC_BASE_URL: o.baseUrl,
    ANTHROPIC_AUTH_TOKEN: o.token,
    ANTHROPIC_MODEL: o.model,
    ANTHROPIC_SMALL_FAST_MODEL: o.model,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: o.model,
    ANTHROPIC_DEFAULT_SONNET_MODEL: o.model,
    ANTHROPIC_DEFAULT_OPUS_MODEL: o.model,
    CLAUDE_CODE_SUBAGENT_MODEL: o.model,
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_UPDATES: '1',
    DISABLE_INSTALLATION_CHECKS: '1',
    DISABLE_GROWTHBOOK: '1',
    CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
    CLAUDE_CODE_DISABLE_TERMINAL_TITLE: '1',
    // a daemon error must fail the run at once, not after minutes of retries
    CLAUDE_CODE_MAX_RETRIES: '0',
    API_TIMEOUT_MS: '60000',
  };
}

/** `claude -p PROMPT` in the sandbox's work dir. */
export function runClaude(sb: ClientSandbox, env: NodeJS.ProcessEnv, prompt: string, extraArgs: string[] = [], timeoutMs = CLIENT_TIMEOUT_MS): Promise<ProcessRun> {
  return runProcess(CLAUDE_BIN, ['-p', prompt, ...extraArgs], { cwd: sb.work, env, timeoutMs });
}

// ------------------------------------------------------------------ Codex CLI

export interface CodexConfigOptions {
  /** The daemon's `/v1` URL. */
  baseUrl: string;
  /** Name of the env var that holds the krouter key. */
  envKey: string;
  /** The krouter model name. */
  model: string;
  /** model_providers id (default `krouter`). */
  providerId?: string;
}

/** CODEX_HOME inside the sandbox. */
export function codexHome(sb: ClientSandbox): string {
  return join(sb.home, '.codex');
}

const tomlString = (s: string) => JSON.stringify(s);

/**
 * Writes CODEX_HOME/config.toml: a `model_providers` entry speaking the Responses
 * API to krouter, selected with `model_provider`/`model`; no retries; update
 * checks, analytics and the plugin/app machinery off (they call github.com and
 * chatgpt.com otherwise). Every key is checked by `--strict-config` at run time.
 */
export function writeCodexConfig(sb: ClientSandbox, o: CodexConfigOptions): string {
  const id = o.providerId ?? 'krouter';
  const dir = codexHome(sb);
  mkdirSync(dir, { recursive: true });
  const toml = [
    `model = ${tomlString(o.model)}`,
    `model_provider = ${tomlString(id)}`,
    'approval_policy = "never"',
    'sandbox_mode = "read-only"',
    'check_for_update_on_startup = false',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[features]',
    'plugins = false',
    'remote_plugin = false',
    'apps = false',
    'in_app_updates = false',
    '',
    `[model_providers.${id}]`,
    'name = "krouter"',
    `base_url = ${tomlString(o.baseUrl)}`,
    'wire_api = "responses"',
    `env_key = ${tomlString(o.envKey)}`,
    'request_max_retries = 0',
    'stream_max_retries = 0',
    'stream_idle_timeout_ms = 60000',
    '',
  ].join('\n');
  const file = join(dir, 'config.toml');
  writeFileSync(file, toml);
  return file;
}

export function codexEnv(sb: ClientSandbox, envKey: string, key: string): NodeJS.ProcessEnv {
  return { ...baseClientEnv(sb.home), CODEX_HOME: codexHome(sb), [envKey]: key, RUST_LOG: 'error' };
}

/** `codex exec PROMPT`: non-interactive, outside a git repo, read-only sandbox, never asks for approval. */
export function runCodex(sb: ClientSandbox, env: NodeJS.ProcessEnv, prompt: string, extraArgs: string[] = [], timeoutMs = CLIENT_TIMEOUT_MS): Promise<ProcessRun> {
  return runProcess(CODEX_BIN, ['exec', '--strict-config', '--skip-git-repo-check', '--sandbox', 'read-only', '--color', 'never', '--cd', sb.work, ...extraArgs, prompt], {
    cwd: sb.work,
    env,
    timeoutMs,
  });
}
