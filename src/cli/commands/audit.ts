/** `krouter audit [--url URL]`: the security checklist against the running deployment; exit 1 if anything fails. */
import type { Argv } from 'yargs';
import type { AuditDto } from '../../shared/admin-types.js';
import { action, adminClient, output, type GlobalArgs } from '../context.js';

export function renderAudit(a: AuditDto): string {
  const lines: string[] = [];
  for (const c of a.checks) {
    lines.push(`${c.ok ? 'PASS' : 'FAIL'}  ${c.title}`, `      ${c.detail}`);
    if (!c.ok && c.fix !== null) lines.push(`      fix: ${c.fix}`);
  }
  const failed = a.checks.filter((c) => !c.ok).length;
  lines.push('', failed === 0 ? `All ${a.checks.length} checks passed.` : `${failed} of ${a.checks.length} checks failed: see "fix:" above.`);
  return lines.join('\n');
}

export function auditCommand(y: Argv<GlobalArgs>): Argv<GlobalArgs> {
  return y.command(
    'audit',
    'Check the running deployment: bind address, file and socket permissions, debug mode, lockout, key ages, and /v1 answering 401 and 429 as it should',
    (c) =>
      c
        .option('url', { type: 'string', describe: 'The /v1 URL clients use (e.g. https://ai.example.com behind a reverse proxy); default: the daemon\'s own listener' })
        .example('$0 audit', 'check this daemon')
        .example('$0 audit --url https://ai.example.com', 'also check through the public reverse proxy'),
    action(async (args) => {
      const res = await adminClient(args).audit(args.url === undefined ? {} : { url: args.url });
      output(args, res, renderAudit);
      if (!res.ok) process.exitCode = 1;
    }),
  );
}
