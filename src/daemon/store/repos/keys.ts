import type Database from 'better-sqlite3';
import { KrouterError } from '../../../shared/errors.js';
import type { ApiKeyRow, KeysRepo } from '../types.js';

interface KeyRecord {
  id: string;
  name: string;
  prefix: string;
  hash: Buffer;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  rotated_at: number | null;
}

const COLUMNS = 'id, name, prefix, hash, created_at, last_used_at, revoked_at, rotated_at';

function toRow(r: KeyRecord): ApiKeyRow {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    hash: r.hash,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
    rotatedAt: r.rotated_at,
  };
}

function isUniqueViolationOn(e: unknown, column: string): boolean {
  return (
    e instanceof Error &&
    (e as Error & { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    e.message.includes(`api_keys.${column}`)
  );
}

export function createKeysRepo(db: Database.Database): KeysRepo {
  const insert = db.prepare<[string, string, string, Buffer, number]>(
    'INSERT INTO api_keys (id, name, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  const list = db.prepare<[], KeyRecord>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`);
  const byId = db.prepare<[string], KeyRecord>(`SELECT ${COLUMNS} FROM api_keys WHERE id = ?`);
  const byName = db.prepare<[string], KeyRecord>(
    `SELECT ${COLUMNS} FROM api_keys WHERE name = ? AND revoked_at IS NULL`,
  );
  const byHash = db.prepare<[Buffer], KeyRecord>(`SELECT ${COLUMNS} FROM api_keys WHERE hash = ?`);
  const rotate = db.prepare<[Buffer, string, number, string]>(
    'UPDATE api_keys SET hash = ?, prefix = ?, rotated_at = ? WHERE id = ? AND revoked_at IS NULL',
  );
  // Revoking twice keeps the first revocation time.
  const revoke = db.prepare<[number, string]>('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?');
  // Batches can arrive out of order; last_used_at never moves backwards.
  const touch = db.prepare<[number, string]>(
    'UPDATE api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?',
  );
  const touchAll = db.transaction((entries: ReadonlyArray<{ id: string; at: number }>) => {
    for (const e of entries) touch.run(e.at, e.id);
  });

  return {
    insert(row) {
      try {
        insert.run(row.id, row.name, row.prefix, row.hash, row.createdAt);
      } catch (e) {
        if (isUniqueViolationOn(e, 'name')) {
          throw new KrouterError('name_taken', `An active key named "${row.name}" already exists. Choose another name or revoke that key first.`, {
            cause: e,
          });
        }
        throw e;
      }
    },
    list: () => list.all().map(toRow),
    byId(id) {
      const r = byId.get(id);
      return r === undefined ? undefined : toRow(r);
    },
    byName(name) {
      const r = byName.get(name);
      return r === undefined ? undefined : toRow(r);
    },
    byHash(hash) {
      const r = byHash.get(hash);
      return r === undefined ? undefined : toRow(r);
    },
    rotate(id, hash, prefix, at) {
      if (rotate.run(hash, prefix, at, id).changes === 0) {
        throw new KrouterError('not_found', `No active key with id ${id} (it does not exist or was revoked).`);
      }
    },
    revoke(id, at) {
      if (revoke.run(at, id).changes === 0) {
        throw new KrouterError('not_found', `No key with id ${id}.`);
      }
    },
    touch(entries) {
      if (entries.length > 0) touchAll(entries);
    },
  };
}
