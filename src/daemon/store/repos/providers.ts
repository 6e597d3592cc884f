import type Database from 'better-sqlite3';
import type { ProviderType } from '../../../shared/admin-types.js';
import { nullableStringArrayColumn, stringArrayColumn } from '../json-column.js';
import type { ProviderRow, ProvidersRepo } from '../types.js';

interface ProviderRecord {
  name: string;
  type: string;
  base_url: string;
  api_key_enc: string | null;
  headers_enc: string | null;
  header_names: string;
  models: string | null;
  fetched_models: string | null;
  fetched_at: number | null;
  created_at: number;
  updated_at: number;
}

const COLUMNS =
  'name, type, base_url, api_key_enc, headers_enc, header_names, models, fetched_models, fetched_at, created_at, updated_at';

function toRow(r: ProviderRecord): ProviderRow {
  return {
    name: r.name,
    // Not re-validated here: rows are validated on write, and refusing to list a
    // provider whose type a newer krouter wrote would hide it from removal.
    type: r.type as ProviderType,
    baseUrl: r.base_url,
    apiKeyEnc: r.api_key_enc,
    headersEnc: r.headers_enc,
    headerNames: stringArrayColumn(r.header_names, 'providers.header_names'),
    models: nullableStringArrayColumn(r.models, 'providers.models'),
    fetchedModels: nullableStringArrayColumn(r.fetched_models, 'providers.fetched_models'),
    fetchedAt: r.fetched_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

type WriteParams = [
  type: string,
  baseUrl: string,
  apiKeyEnc: string | null,
  headersEnc: string | null,
  headerNames: string,
  models: string | null,
  fetchedModels: string | null,
  fetchedAt: number | null,
  updatedAt: number,
  name: string,
];

function writeParams(row: ProviderRow): WriteParams {
  return [
    row.type,
    row.baseUrl,
    row.apiKeyEnc,
    row.headersEnc,
    JSON.stringify(row.headerNames),
    row.models === null ? null : JSON.stringify(row.models),
    row.fetchedModels === null ? null : JSON.stringify(row.fetchedModels),
    row.fetchedAt,
    row.updatedAt,
    row.name,
  ];
}

export function createProvidersRepo(db: Database.Database): ProvidersRepo {
  const list = db.prepare<[], ProviderRecord>(`SELECT ${COLUMNS} FROM providers ORDER BY name`);
  const get = db.prepare<[string], ProviderRecord>(`SELECT ${COLUMNS} FROM providers WHERE name = ?`);
  const exists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM providers WHERE name = ?');
  const insert = db.prepare<[...WriteParams, number]>(
    `INSERT INTO providers (type, base_url, api_key_enc, headers_enc, header_names, models, fetched_models, fetched_at, updated_at, name, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // created_at is kept on update: it records when the provider first appeared.
  const update = db.prepare<WriteParams>(
    `UPDATE providers SET type = ?, base_url = ?, api_key_enc = ?, headers_enc = ?, header_names = ?, models = ?,
       fetched_models = ?, fetched_at = ?, updated_at = ? WHERE name = ?`,
  );
  const setFetched = db.prepare<[string, number, string]>(
    'UPDATE providers SET fetched_models = ?, fetched_at = ? WHERE name = ?',
  );
  const remove = db.prepare<[string]>('DELETE FROM providers WHERE name = ?');

  const upsert = db.transaction((row: ProviderRow): { created: boolean } => {
    if (exists.get(row.name) !== undefined) {
      update.run(...writeParams(row));
      return { created: false };
    }
    insert.run(...writeParams(row), row.createdAt);
    return { created: true };
  });

  return {
    list: () => list.all().map(toRow),
    get(name) {
      const r = get.get(name);
      return r === undefined ? undefined : toRow(r);
    },
    upsert: (row) => upsert.immediate(row),
    setFetchedModels(name, models, at) {
      // A provider removed while its models were being fetched is simply gone.
      setFetched.run(JSON.stringify(models), at, name);
    },
    remove: (name) => remove.run(name).changes > 0,
  };
}
