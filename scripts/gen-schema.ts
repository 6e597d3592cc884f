/**
 * Writes schema/config.schema.json from the zod schema (the one source of
 * truth), so editors can validate config.json and users can read what is
 * allowed. Runs as part of `npm run build`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { configSchema } from '../src/shared/config/schema.js';

const out = new URL('../../schema/config.schema.json', import.meta.url);
const schema = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' });
const doc = { $id: 'https://krouter.invalid/schema/config.schema.json', title: 'krouter config.json', ...schema };
const text = `${JSON.stringify(doc, null, 2)}\n`;
mkdirSync(new URL('.', out), { recursive: true });
let current = '';
try {
  current = readFileSync(out, 'utf8');
} catch {
  // first build
}
if (current !== text) writeFileSync(out, text);
