#!/usr/bin/env node
// Bundles the daemon (compiled by tsc into dist/src) into dist/daemon/ with esbuild.
// Why: the daemon's cold start is dominated by Node resolving and reading a few
// hundred module files (undici, zod, pino, our own); one bundle loads in a
// fraction of that. Codecs and other lazily imported modules stay separate
// chunks (splitting), still loaded only when used. better-sqlite3 is native
// and stays external.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync('dist/daemon', { recursive: true, force: true });
await build({
  entryPoints: { entry: 'dist/src/daemon/entry.js' },
  outdir: 'dist/daemon',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3'],
  // CommonJS dependencies (pino, better-sqlite3's loader) call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __krouterCreateRequire } from 'node:module'; const require = __krouterCreateRequire(import.meta.url);" },
  legalComments: 'linked',
  // Less to parse at start; identifiers kept so stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});
