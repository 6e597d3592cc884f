/** Finding secrets in files: every file under a folder, and every form a secret could take in the clear. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function walkFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...walkFiles(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/**
 * The ways a secret could sit in a file: as is, its last 16 and 20 characters
 * (a secret stored without its well-known prefix is still a secret), UTF-16,
 * base64 (padded or url-safe) and hex.
 */
export function secretEncodings(s: string): Buffer[] {
  const b64 = Buffer.from(s).toString('base64').replace(/=+$/, '');
  return [s, s.slice(-20), s.slice(-16), b64, Buffer.from(s).toString('base64url'), Buffer.from(s).toString('hex')].map((x) => Buffer.from(x, 'utf8')).concat([Buffer.from(s, 'utf16le')]);
}
