/** `krouter route MODEL`: how a model name would be routed right now. */
import type { Argv } from 'yargs';
import type { RouteExplainDto, RouteTargetDto } from '../../shared/admin-types.js';
import { action, adminClient, output, type GlobalArgs } from '../context.js';
import { localTime, NONE, plural, table } from '../format.js';

export function routeCommand(y: Argv<GlobalArgs>): Argv<GlobalArgs> {
  return y.command(
    'route <model>',
    'Explain how a model name is routed: its targets in order and the state of each',
    (r) => r.positional('model', { type: 'string', demandOption: true, describe: 'A combo name or provider/model' }),
    action(async (args) => {
      const res = await adminClient(args).explainRoute(args.model);
      output(args, res, renderRoute);
    }),
  );
}

export function renderRoute(r: RouteExplainDto): string {
  const head =
    r.kind === 'combo'
      ? `${r.model}: combo (${r.strategy ?? 'fallback'}), ${plural(r.targets.length, 'target')} in order:`
      : `${r.model}: direct target${r.targets.length > 1 ? `s (${r.targets.length})` : ''}:`;
  if (r.targets.length === 0) return `${head}\n  (none: requests for ${r.model} will fail)`;
  const body = table(
    [{ header: '#', align: 'right' }, { header: 'TARGET' }, { header: 'STATE' }, { header: 'VIA' }],
    r.targets.map((t, i) => [String(i + 1), t.target, describeState(t), t.via.length > 0 ? t.via.join(' → ') : NONE]),
  );
  return `${head}\n${indent(body)}`;
}

export function describeState(t: RouteTargetDto): string {
  const why = t.reason !== null && t.reason.length > 0 ? ` (${t.reason})` : '';
  switch (t.state) {
    case 'ok':
      return 'ok';
    case 'cooling_down':
      return `cooling down until ${localTime(t.until)}${why}`;
    case 'locked':
      return `locked until ${localTime(t.until)}${why}`;
    case 'no_credentials':
      return `no credentials${why}`;
    case 'unknown_provider':
      return `unknown provider "${t.provider}"${why}`;
    default:
      // A state added to the daemon after this CLI was built.
      return `${String(t.state)}${t.until !== null ? ` until ${localTime(t.until)}` : ''}${why}`;
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
