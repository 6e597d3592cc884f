/** Only `krouter tui` pays for Ink and React: the CLI reaches the TUI through a dynamic import alone. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

// dist/test/unit/tui/lazy-load.test.js -> dist/src
const DIST_SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? jsFiles(p) : name.endsWith('.js') ? [p] : [];
  });
}

/** Specifiers of static imports and re-exports (not `import()`). */
function staticImports(code: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(/^\s*(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"]+)['"]/gm)) out.push(m[1] ?? '');
  for (const m of code.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) out.push(m[1] ?? '');
  return out;
}

describe('tui lazy loading', () => {
  it('no CLI module statically imports ink, react or the TUI', () => {
    for (const f of jsFiles(join(DIST_SRC, 'cli'))) {
      for (const spec of staticImports(readFileSync(f, 'utf8'))) {
        assert.ok(!/^(ink|react)(\/|$)/.test(spec) && !spec.includes('/tui/'), `${relative(DIST_SRC, f)} imports ${spec} statically`);
      }
    }
  });

  it('the tui command loads the TUI with a dynamic import', () => {
    const code = readFileSync(join(DIST_SRC, 'cli', 'commands', 'tui.js'), 'utf8');
    assert.match(code, /import\(['"]\.\.\/\.\.\/tui\/run\.js['"]\)/);
  });

  it('the TUI never imports the daemon', () => {
    for (const f of jsFiles(join(DIST_SRC, 'tui'))) {
      for (const spec of staticImports(readFileSync(f, 'utf8'))) assert.ok(!spec.includes('/daemon/') && spec !== 'better-sqlite3' && spec !== 'mockttp', `${relative(DIST_SRC, f)} imports ${spec}`);
    }
  });
});
