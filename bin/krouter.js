#!/usr/bin/env node
// Tiny shim. `krouter daemon …` loads only the daemon; every other command loads
// only the CLI (a thin client of the admin socket), so neither pays for the other.
const args = process.argv.slice(2);
const first = args.find((a) => !a.startsWith('-'));
const entry = first === 'daemon' && !args.includes('--help') && !args.includes('-h')
  ? '../dist/daemon/entry.js'
  : '../dist/src/cli/main.js';
import(entry).catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('/dist/src/')) {
    process.stderr.write('krouter: not built yet. Run `npm ci` (or `npm run build`) in the krouter folder first.\n');
    process.exit(1);
  }
  throw err;
});
