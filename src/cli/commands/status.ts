/** `krouter status`: is the daemon up, where, and how busy. */
import type { Argv } from 'yargs';
import type { StatusDto } from '../../shared/admin-types.js';
import { action, adminClient, output, type GlobalArgs } from '../context.js';
import { count, duration, localTime, plural } from '../format.js';

export function statusCommand(y: Argv<GlobalArgs>): Argv<GlobalArgs> {
  return y.command(
    'status',
    'Show the running daemon: version, pid, uptime, listen URL, paths, counts',
    (s) => s,
    action(async (args) => {
      const res = await adminClient(args).status();
      output(args, res, renderStatus);
    }),
  );
}

export function renderStatus(s: StatusDto): string {
  const lines: string[] = [];
  if (s.debug.enabled) {
    lines.push(
      `DEBUG MODE ON: request and response bodies are being recorded${s.debug.until !== null ? ` until ${localTime(s.debug.until)}` : ''}. Turn it off with \`krouter debug off\`.`,
      '',
    );
  }
  const rows: Array<[string, string]> = [
    ['version', s.version],
    ['pid', String(s.pid)],
    ['uptime', `${duration(s.uptimeSeconds)} (since ${localTime(s.startedAt)})`],
    ['listen', s.listen.url],
    ['home', s.home],
    ['socket', s.socket],
    ['config', `${plural(s.counts.keys, 'key')}, ${plural(s.counts.providers, 'provider')}, ${plural(s.counts.combos, 'combo')}`],
    ['requests', `${count(s.requests.total)} total, ${count(s.requests.inFlight)} in flight`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  lines.push(`krouter daemon is running`, ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`));
  return lines.join('\n');
}
