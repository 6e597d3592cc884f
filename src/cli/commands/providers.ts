/** `krouter providers add|list|remove`: the upstream accounts requests are routed to. */
import type { Argv } from 'yargs';
import { PROVIDER_TYPES, type ProviderDto, type ProviderInput } from '../../shared/admin-types.js';
import { UsageError } from '../cli-errors.js';
import { action, adminClient, output, type GlobalArgs } from '../context.js';
import { NONE, table } from '../format.js';
import { readSecret } from '../read-secret.js';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function providersCommand(y: Argv<GlobalArgs>): Argv<GlobalArgs> {
  return y.command('providers', 'Manage providers (upstream API accounts and local model servers)', (p) =>
    p
      .command(
        'add <name>',
        'Add a provider, or update it if NAME exists (an update without --api-key keeps the stored key)',
        (c) =>
          c
            .positional('name', { type: 'string', demandOption: true, describe: 'Provider name, used in targets as NAME/model' })
            .option('type', { choices: PROVIDER_TYPES, demandOption: true, describe: 'Wire protocol: openai = any OpenAI-compatible server' })
            .option('base-url', { type: 'string', demandOption: true, describe: 'API base URL, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1' })
            .option('api-key', { type: 'string', describe: 'Only `-`: read the key from stdin (prompted without echo on a terminal). Never put a key on the command line.' })
            .option('header', { type: 'string', array: true, describe: 'Extra upstream header "Name: value" (repeatable). Note: argv is visible in `ps`; do not put secrets here.' })
            .option('model', { type: 'string', array: true, describe: 'Model id this provider serves (repeatable); omit to fetch the list from its /models' })
            .example('printf %s "$OPENAI_API_KEY" | $0 providers add openai --type openai --base-url https://api.openai.com/v1 --api-key -', 'key from stdin')
            .example('$0 providers add ollama --type openai --base-url http://127.0.0.1:11434/v1 --model llama3.2', 'local server, no key'),
        action(async (args) => {
          // Everything is checked before anything is read or sent.
          if (args.apiKey !== undefined && args.apiKey !== '-') {
            throw new UsageError(
              'refusing --api-key with a value: keys are never accepted on the command line, because argv is visible to every user of this machine (`ps`) and lands in shell history. ' +
                `Pass \`--api-key -\` and pipe the key on stdin: printf %s "$KEY" | krouter providers add ${args.name} --type ${args.type} --base-url URL --api-key -`,
            );
          }
          const input: ProviderInput = { type: args.type, baseUrl: args.baseUrl };
          if (args.header !== undefined) input.headers = parseHeaders(args.header);
          if (args.model !== undefined) input.models = args.model;
          if (args.apiKey === '-') input.apiKey = await readSecret(`API key for ${args.name}: `, `the API key for ${args.name}`);
          const res = await adminClient(args).putProvider(args.name, input);
          output(args, res, ({ provider, created }) => {
            const key = provider.hasApiKey ? (input.apiKey !== undefined ? 'key stored' : 'stored key kept') : 'no key';
            return `${created ? 'Added' : 'Updated'} provider "${provider.name}" (${provider.type}, ${provider.baseUrl}, ${key}). Use it as ${provider.name}/MODEL in combos and requests.`;
          });
        }),
      )
      .command(
        'list',
        'List providers (never their keys or header values)',
        (c) => c,
        action(async (args) => {
          const res = await adminClient(args).listProviders();
          output(args, res, ({ providers }) =>
            providers.length === 0 ? 'No providers yet. Add one with `krouter providers add NAME --type openai --base-url URL --api-key -`.' : providerTable(providers),
          );
        }),
      )
      .command(
        'remove <name>',
        'Remove a provider and its stored key',
        (c) => c.positional('name', { type: 'string', demandOption: true, describe: 'Provider name' }),
        action(async (args) => {
          const res = await adminClient(args).removeProvider(args.name);
          output(args, res, ({ removed }) => `Removed provider "${removed}".`);
        }),
      )
      .demandCommand(1, 'Name a providers subcommand: add, list or remove.'),
  );
}

function parseHeaders(raw: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of raw) {
    const colon = h.indexOf(':');
    const name = colon < 0 ? '' : h.slice(0, colon).trim();
    if (colon < 0 || !HEADER_NAME.test(name)) {
      // Not echoed: the value part may be a secret.
      throw new UsageError('--header must look like "Name: value" with a valid header name (letters, digits and -).');
    }
    headers[name] = h.slice(colon + 1).trim();
  }
  return headers;
}

function providerTable(providers: ProviderDto[]): string {
  const unreadable = providers.filter((p) => typeof p.credentialProblem === 'string');
  const notes = unreadable.map((p) => `\n! ${p.name}: no usable credentials (skipped by routing): ${p.credentialProblem ?? ''}`).join('');
  return table(
    [{ header: 'NAME' }, { header: 'TYPE' }, { header: 'BASE URL' }, { header: 'KEY' }, { header: 'HEADERS' }, { header: 'MODELS' }],
    providers.map((p) => [
      p.name,
      p.type,
      p.baseUrl,
      typeof p.credentialProblem === 'string' ? 'UNREADABLE' : p.hasApiKey ? 'set' : 'none',
      p.headerNames.length > 0 ? p.headerNames.join(',') : NONE,
      p.models === null ? `${NONE} (${p.modelsSource})` : `${p.models.length} (${p.modelsSource})`,
    ]),
  ) + notes;
}
