#!/usr/bin/env node
// Bundles the daemon (compiled by tsc into dist/src) into dist/daemon/ with esbuild.
// Why: the daemon's cold start is dominated by Node resolving and reading a few
// hundred module files (undici, zod, pino, our own); one bundle loads in a
// fraction of that. Codecs and other lazily imported modules stay separate
// chunks (splitting), still loaded only when used. better-sqlite3 is native
// and stays external.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * zod re-exports every one of its ~50 error-message locales as `z.locales`, so
 * a bundle that imports `z` carries them all (~250 KB of source the daemon
 * would parse and hold) though it only ever uses English, which zod loads on
 * its own. This keeps `en` alone under that name.
 */
const englishOnlyZod = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir) ? { path: join(dirname(args.resolveDir), 'locales', 'index.js'), namespace: 'zod-en' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-en' }, (args) => ({ contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};`, loader: 'js', resolveDir: dirname(args.path) }));
  },
};

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
  plugins: [englishOnlyZod],
});
