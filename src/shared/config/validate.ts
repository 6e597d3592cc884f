import { z } from 'zod';
import { configSchema, type KrouterConfig } from './schema.js';

/** One problem in a config document: where (JSON path) and what is allowed there. */
export interface ConfigIssue {
  path: string;
  message: string;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '$';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : `.${String(seg)}`;
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (remove ${issue.keys.length > 1 ? 'them' : 'it'}; see schema/config.schema.json for the allowed keys)`;
    default:
      return issue.message;
  }
}

export function validateConfig(input: unknown): { ok: true; config: KrouterConfig } | { ok: false; issues: ConfigIssue[] } {
  const res = configSchema.safeParse(input);
  if (res.success) return { ok: true, config: res.data };
  return { ok: false, issues: res.error.issues.map((i) => ({ path: formatPath(i.path), message: describeIssue(i) })) };
}
