/** `krouter combos set|list|remove`: named, ordered lists of targets. */
import type { Argv } from 'yargs';
import type { ComboDto, ComboStrategy } from '../../shared/admin-types.js';
import { action, adminClient, output, type GlobalArgs } from '../context.js';
import { table } from '../format.js';

const STRATEGIES: readonly ComboStrategy[] = ['fallback', 'round-robin'];

export function combosCommand(y: Argv<GlobalArgs>): Argv<GlobalArgs> {
  return y.command('combos', 'Manage combos (a model name that routes to an ordered list of targets)', (c) =>
    c
      .command(
        'set <name> <targets..>',
        'Create or replace a combo; targets are provider/model or other combos, tried in order',
        (s) =>
          s
            .positional('name', { type: 'string', demandOption: true, describe: 'The model name clients will ask for' })
            .positional('targets', { type: 'string', array: true, demandOption: true, describe: 'provider/model or combo names' })
            .option('strategy', { choices: STRATEGIES, describe: 'fallback: first healthy target first (default); round-robin: rotate the starting target' })
            .example('$0 combos set best openai/gpt-4o groq/llama-3.3-70b-versatile', 'try OpenAI, fall back to Groq'),
        action(async (args) => {
          const res = await adminClient(args).putCombo(args.name, { targets: args.targets, ...(args.strategy === undefined ? {} : { strategy: args.strategy }) });
          output(args, res, ({ combo, created }) => `${created ? 'Created' : 'Updated'} combo "${combo.name}" (${combo.strategy}): ${combo.targets.join(' → ')}`);
        }),
      )
      .command(
        'list',
        'List combos',
        (s) => s,
        action(async (args) => {
          const res = await adminClient(args).listCombos();
          output(args, res, ({ combos }) => (combos.length === 0 ? 'No combos yet. Create one with `krouter combos set NAME provider/model…`.' : comboTable(combos)));
        }),
      )
      .command(
        'remove <name>',
        'Remove a combo',
        (s) => s.positional('name', { type: 'string', demandOption: true, describe: 'Combo name' }),
        action(async (args) => {
          const res = await adminClient(args).removeCombo(args.name);
          output(args, res, ({ removed }) => `Removed combo "${removed}".`);
        }),
      )
      .demandCommand(1, 'Name a combos subcommand: set, list or remove.'),
  );
}

function comboTable(combos: ComboDto[]): string {
  return table(
    [{ header: 'NAME' }, { header: 'STRATEGY' }, { header: 'TARGETS' }],
    combos.map((c) => [c.name, c.strategy, c.targets.join(' → ')]),
  );
}
