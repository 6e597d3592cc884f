/** `krouter keys create|list|rotate|revoke`: the API keys clients use on /v1. */
import type { Argv } from 'yargs';
import type { KeyDto, KeySecretDto } from '../../shared/admin-types.js';
import { action, adminClient, printJson, printLine, printNote, output, type GlobalArgs } from '../context.js';
import { localTime, NONE, table } from '../format.js';

export function keysCommand(y: Argv<GlobalArgs>): Argv<GlobalArgs> {
  return y.command('keys', 'Manage the API keys clients use to call /v1', (k) =>
    k
      .command(
        'create',
        'Create a key; its secret is printed once, on stdout',
        (c) => c.option('name', { type: 'string', demandOption: true, describe: 'A name to recognise the key by (e.g. the machine or app using it)' }),
        action(async (args) => {
          const res = await adminClient(args).createKey(args.name);
          showSecret(args, res, 'Created');
        }),
      )
      .command(
        'list',
        'List keys (never their secrets)',
        (c) => c,
        action(async (args) => {
          const res = await adminClient(args).listKeys();
          output(args, res, ({ keys }) => (keys.length === 0 ? 'No API keys yet. Create one with `krouter keys create --name NAME`.' : keyTable(keys)));
        }),
      )
      .command(
        'rotate <ref>',
        'Replace a key\'s secret (the old one stops working now); the new secret is printed once',
        (c) => c.positional('ref', { type: 'string', demandOption: true, describe: 'Key id or name' }),
        action(async (args) => {
          const res = await adminClient(args).rotateKey(args.ref);
          showSecret(args, res, 'Rotated');
        }),
      )
      .command(
        'revoke <ref>',
        'Revoke a key: clients using it get 401 from now on',
        (c) => c.positional('ref', { type: 'string', demandOption: true, describe: 'Key id or name' }),
        action(async (args) => {
          const res = await adminClient(args).revokeKey(args.ref);
          output(args, res, ({ key }) => `Revoked key "${key.name}" (id ${key.id}). Clients using it now get 401.`);
        }),
      )
      .demandCommand(1, 'Name a keys subcommand: create, list, rotate or revoke.'),
  );
}

/** The secret alone on stdout (so `KEY=$(krouter keys create --name x)` works), the explanation on stderr. */
function showSecret(args: GlobalArgs, res: KeySecretDto, verb: 'Created' | 'Rotated'): void {
  if (args.json) {
    printJson(res);
    return;
  }
  printNote(`${verb} key "${res.key.name}" (id ${res.key.id}). Its secret:`);
  printLine(res.secret);
  printNote('This is the only time the secret is shown: store it now. It cannot be shown again (`krouter keys rotate` makes a new one).');
}

function keyTable(keys: KeyDto[]): string {
  return table(
    [{ header: 'ID' }, { header: 'NAME' }, { header: 'PREFIX' }, { header: 'CREATED' }, { header: 'LAST USED' }, { header: 'REVOKED' }],
    keys.map((k) => [k.id, k.name, `${k.prefix}…`, localTime(k.createdAt), k.lastUsedAt === null ? 'never' : localTime(k.lastUsedAt), k.revokedAt === null ? NONE : localTime(k.revokedAt)]),
  );
}
