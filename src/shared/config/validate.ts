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

export function validateConfig(input: unknown): { ok: true; config: KrouterConfig } | { ok: false; issues: ConfigIssue[] } {
  const res = configSchema.safeParse(input);
  if (res.success) return { ok: true, config: res.data };
  const issues: ConfigIssue[] = [];
  for (const i of res.error.issues) {
    if (i.code === 'unrecognized_keys') {
      // One issue per key, at the key's own path: "$.server.prot: unknown key".
      for (const k of i.keys) issues.push({ path: formatPath([...i.path, k]), message: 'unknown key (remove it, or check its spelling against schema/config.schema.json)' });
    } else issues.push({ path: formatPath(i.path), message: i.message });
  }
  return { ok: false, issues };
}
