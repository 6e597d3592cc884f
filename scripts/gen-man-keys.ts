/**
 * Writes the KEYS section of man/krouter.1 from the TUI's keymap (the one
 * source of truth for keys). Runs as part of `npm run build`; `--check` only
 * reports (exit 1) when the page is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withManKeys } from '../src/tui/man-keys.js';

// dist/scripts/gen-man-keys.js -> <package root>/man/krouter.1
const page = new URL('../../man/krouter.1', import.meta.url);
const current = readFileSync(page, 'utf8');
const next = withManKeys(current);
if (process.argv.includes('--check')) {
  if (next !== current) {
    process.stderr.write(`${fileURLToPath(page)}: the KEYS section is out of date; run \`npm run build\`.\n`);
    process.exit(1);
  }
} else if (next !== current) {
  writeFileSync(page, next);
}
