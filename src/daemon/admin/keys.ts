import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { KeyDto, KeySecretDto } from '../../shared/admin-types.js';
import { KrouterError } from '../../shared/errors.js';
import { generateApiKey, keyPrefix } from '../security/key-hash.js';
import type { ApiKeyRow } from '../store/types.js';
import type { AdminServices } from './context.js';

export const keyCreateSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, 'a key needs a name (who or what uses it)')
    .max(64)
    .refine((n) => ![...n].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f), 'no control characters'),
});

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

export function keyDto(s: AdminServices, row: ApiKeyRow): KeyDto {
  const mem = s.keys.lastUsed(row.id);
  const last = mem !== undefined && (row.lastUsedAt === null || mem > row.lastUsedAt) ? mem : row.lastUsedAt;
  return { id: row.id, name: row.name, prefix: row.prefix, createdAt: iso(row.createdAt)!, lastUsedAt: iso(last), revokedAt: iso(row.revokedAt) };
}

function findKey(s: AdminServices, ref: string): ApiKeyRow {
  const row = s.store.keys.byId(ref) ?? s.store.keys.byName(ref);
  if (!row) throw new KrouterError('not_found', `No key has the id or name "${ref}". \`krouter keys list\` shows them.`);
  return row;
}

export function listKeys(s: AdminServices): { keys: KeyDto[] } {
  return { keys: s.store.keys.list().map((r) => keyDto(s, r)) };
}

export function createKey(s: AdminServices, name: string): KeySecretDto {
  const secret = generateApiKey();
  const id = `key_${randomBytes(8).toString('hex')}`;
  s.store.keys.insert({ id, name, prefix: keyPrefix(secret), hash: s.hasher.hash(secret), createdAt: Date.now() });
  s.keys.reload();
  return { key: keyDto(s, s.store.keys.byId(id)!), secret };
}

export function rotateKey(s: AdminServices, ref: string): KeySecretDto {
  const row = findKey(s, ref);
  if (row.revokedAt !== null) throw new KrouterError('validation_failed', `The key "${row.name}" (${row.id}) is revoked and cannot be rotated. Create a new one with \`krouter keys create --name NAME\`.`);
  const secret = generateApiKey();
  s.store.keys.rotate(row.id, s.hasher.hash(secret), keyPrefix(secret), Date.now());
  s.keys.reload();
  return { key: keyDto(s, s.store.keys.byId(row.id)!), secret };
}

export function revokeKey(s: AdminServices, ref: string): { key: KeyDto } {
  const row = findKey(s, ref);
  if (row.revokedAt === null) s.store.keys.revoke(row.id, Date.now());
  s.keys.reload();
  return { key: keyDto(s, s.store.keys.byId(row.id)!) };
}
