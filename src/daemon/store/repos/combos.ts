import type Database from 'better-sqlite3';
import type { ComboStrategy } from '../../../shared/admin-types.js';
import { stringArrayColumn } from '../json-column.js';
import type { ComboRow, CombosRepo } from '../types.js';

interface ComboRecord {
  name: string;
  strategy: string;
  targets: string;
  created_at: number;
  updated_at: number;
}

const COLUMNS = 'name, strategy, targets, created_at, updated_at';

function toRow(r: ComboRecord): ComboRow {
  return {
    name: r.name,
    // Validated on write; see providers.ts for why reads do not re-check.
    strategy: r.strategy as ComboStrategy,
    targets: stringArrayColumn(r.targets, 'combos.targets'),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function createCombosRepo(db: Database.Database): CombosRepo {
  const list = db.prepare<[], ComboRecord>(`SELECT ${COLUMNS} FROM combos ORDER BY name`);
  const get = db.prepare<[string], ComboRecord>(`SELECT ${COLUMNS} FROM combos WHERE name = ?`);
  const exists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM combos WHERE name = ?');
  const insert = db.prepare<[string, string, string, number, number]>(
    'INSERT INTO combos (name, strategy, targets, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
  );
  // created_at is kept on update.
  const update = db.prepare<[string, string, number, string]>(
    'UPDATE combos SET strategy = ?, targets = ?, updated_at = ? WHERE name = ?',
  );
  const remove = db.prepare<[string]>('DELETE FROM combos WHERE name = ?');

  const upsert = db.transaction((row: ComboRow): { created: boolean } => {
    const targets = JSON.stringify(row.targets);
    if (exists.get(row.name) !== undefined) {
      update.run(row.strategy, targets, row.updatedAt, row.name);
      return { created: false };
    }
    insert.run(row.name, row.strategy, targets, row.createdAt, row.updatedAt);
    return { created: true };
  });

  return {
    list: () => list.all().map(toRow),
    get(name) {
      const r = get.get(name);
      return r === undefined ? undefined : toRow(r);
    },
    upsert: (row) => upsert.immediate(row),
    remove: (name) => remove.run(name).changes > 0,
  };
}
