import { readFileSync } from 'node:fs';
import { KrouterError } from '../../shared/errors.js';
import type { KrouterConfig } from '../../shared/config/schema.js';
import { validateConfig, type ConfigIssue } from '../../shared/config/validate.js';
import type { DaemonFlags } from '../../shared/daemon-options.js';
import type { Env } from '../../shared/paths.js';

/**
 * Reads $KROUTER_HOME/config.json (absent = all defaults), validates it, then
 * lays env vars and flags on top (flag > env > file > default). Throws
 * KrouterError('config_invalid') naming the file, each JSON path and what is
 * allowed there; the daemon refuses to start on it.
 */
export function loadConfig(file: string, env: Env, flags: DaemonFlags): KrouterConfig {
  let text: string | null = null;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new KrouterError('config_invalid', `cannot read ${file}: ${(e as Error).message}. Check its permissions, or remove it to run on the defaults.`);
    }
  }
  let doc: unknown = {};
  if (text !== null && text.trim().length > 0) {
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new KrouterError('config_invalid', `${file} is not valid JSON (${(e as Error).message}). Fix the syntax, or remove the file to run on the defaults.`);
    }
  }
  // The file is checked as written (an override must not hide a bad value in it), then with the overrides laid on.
  const asWritten = validateConfig(doc);
  if (!asWritten.ok) throw invalid(file, asWritten.issues);
  const res = validateConfig(applyOverrides(doc, env, flags));
  if (!res.ok) throw invalid('the flags and KROUTER_* environment variables', res.issues);
  return res.config;
}

function invalid(source: string, issues: ConfigIssue[]): KrouterError {
  const lines = issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
  return new KrouterError('config_invalid', `${source} ${source.startsWith('the ') ? 'are' : 'is'} invalid:\n${lines}\nFix these values (or remove them to use the defaults) and start again.`, {
    details: { issues },
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function applyOverrides(doc: unknown, env: Env, flags: DaemonFlags): unknown {
  // A wrong shape is left as it is: validation then reports it with its path.
  if (!isPlainObject(doc)) return doc;
  if (doc['server'] !== undefined && !isPlainObject(doc['server'])) return doc;
  const srv: Record<string, unknown> = { ...((doc['server'] as Record<string, unknown> | undefined) ?? {}) };

  const bind = flags.bind ?? nonEmpty(env['KROUTER_BIND']);
  if (bind !== undefined) srv['bind'] = bind;
  const portEnv = nonEmpty(env['KROUTER_PORT']);
  if (flags.port !== undefined) srv['port'] = flags.port;
  else if (portEnv !== undefined) {
    if (!/^\d{1,5}$/.test(portEnv)) {
      throw new KrouterError('config_invalid', `KROUTER_PORT=${JSON.stringify(portEnv)} is not a port number. Use an integer from 0 to 65535.`);
    }
    srv['port'] = Number(portEnv);
  }
  return { ...doc, server: srv };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.length > 0 ? v : undefined;
}
