import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { loadConfig } from '../../src/daemon/config/load.js';
import { DEFAULT_CONFIG } from '../../src/shared/config/schema.js';
import { validateConfig } from '../../src/shared/config/validate.js';
import { isKrouterError } from '../../src/shared/errors.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'krouter-config-'));
  file = join(dir, 'config.json');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(doc: unknown): void {
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
}

/** Asserts a config_invalid KrouterError whose message matches every pattern. */
function configInvalid(...patterns: RegExp[]): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isKrouterError(e), `expected a KrouterError, got ${String(e)}`);
    assert.equal(e.code, 'config_invalid');
    for (const re of patterns) assert.match(e.message, re);
    return true;
  };
}

function issuesOf(fn: () => unknown): Array<{ path: string; message: string }> {
  try {
    fn();
  } catch (e) {
    assert.ok(isKrouterError(e), String(e));
    assert.equal(e.code, 'config_invalid');
    return (e.details?.['issues'] ?? []) as Array<{ path: string; message: string }>;
  }
  assert.fail('expected loadConfig to throw');
}

describe('loadConfig: defaults', () => {
  it('an absent file gives the full default configuration', () => {
    const c = loadConfig(file, {}, {});
    assert.equal(c.server.port, 20128);
    assert.equal(c.server.bind, '127.0.0.1');
    assert.equal(c.server.bodyLimitBytes, 32 * 1024 * 1024);
    assert.equal(c.upstream.connectTimeoutMs, 10_000);
    assert.equal(c.upstream.firstEventTimeoutMs, 120_000);
    assert.equal(c.routing.maxAttempts, 8);
    assert.equal(c.routing.cooldownSeconds, 30);
    assert.equal(c.log.enabled, true);
    assert.equal(c.models.cacheSeconds, 3600);
    assert.deepEqual(c, DEFAULT_CONFIG);
  });

  it('an empty or blank file, or {}, gives the defaults too', () => {
    write('');
    assert.deepEqual(loadConfig(file, {}, {}), DEFAULT_CONFIG);
    write('  \n');
    assert.deepEqual(loadConfig(file, {}, {}), DEFAULT_CONFIG);
    write({});
    assert.deepEqual(loadConfig(file, {}, {}), DEFAULT_CONFIG);
  });

  it('a partial section keeps the defaults of its other fields', () => {
    write({ $schema: './schema/config.schema.json', upstream: { connectTimeoutMs: 2500 }, log: { enabled: false } });
    const c = loadConfig(file, {}, {});
    assert.equal(c.upstream.connectTimeoutMs, 2500);
    assert.equal(c.upstream.headersTimeoutMs, 120_000);
    assert.equal(c.log.enabled, false);
    assert.equal(c.log.retentionDays, 90);
    assert.equal(c.server.port, 20128);
  });
});

describe('loadConfig: errors name the file and the JSON path', () => {
  it('unknown nested key', () => {
    write({ server: { prot: 8080 } });
    assert.throws(() => loadConfig(file, {}, {}), configInvalid(/\$\.server\.prot: unknown key/, new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))));
    assert.deepEqual(
      issuesOf(() => loadConfig(file, {}, {})).map((i) => i.path),
      ['$.server.prot'],
    );
  });

  it('unknown top-level key', () => {
    write({ sever: {}, routing: {} });
    const issues = issuesOf(() => loadConfig(file, {}, {}));
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.path, '$.sever');
    assert.match(issues[0]?.message ?? '', /^unknown key/);
  });

  it('several unknown keys are each reported at their own path', () => {
    write({ log: { level: 'debug', colour: true } });
    const issues = issuesOf(() => loadConfig(file, {}, {}));
    assert.deepEqual(issues.map((i) => i.path), ['$.log.level', '$.log.colour']);
    assert.match(issues[1]?.message ?? '', /unknown key/);
  });

  it('bad type and out-of-range values name their full path', () => {
    write({ upstream: { connectTimeoutMs: 'fast' }, server: { port: 70000 }, log: { enabled: 'yes' } });
    const paths = issuesOf(() => loadConfig(file, {}, {})).map((i) => i.path).sort();
    assert.deepEqual(paths, ['$.log.enabled', '$.server.port', '$.upstream.connectTimeoutMs']);
    assert.throws(() => loadConfig(file, {}, {}), configInvalid(/\$\.upstream\.connectTimeoutMs: /, /\$\.server\.port: /));
  });

  it('a section of the wrong shape is reported at its path (overrides do not hide it)', () => {
    write({ server: 5 });
    assert.deepEqual(issuesOf(() => loadConfig(file, { KROUTER_BIND: '0.0.0.0' }, { port: 1 })).map((i) => i.path), ['$.server']);
    write([1, 2]);
    assert.deepEqual(issuesOf(() => loadConfig(file, {}, {})).map((i) => i.path), ['$']);
  });

  it('invalid JSON says so, with the parser message', () => {
    write('{"server": {"port": 1,}}');
    assert.throws(() => loadConfig(file, {}, {}), configInvalid(/is not valid JSON \(/, /config\.json/));
  });

  it('an unreadable path (a directory) is config_invalid, not a crash', () => {
    assert.throws(() => loadConfig(dir, {}, {}), configInvalid(/cannot read/));
  });
});

describe('loadConfig: env and flags override the file (flag > env > file)', () => {
  it('port', () => {
    write({ server: { port: 1111 } });
    assert.equal(loadConfig(file, {}, {}).server.port, 1111);
    assert.equal(loadConfig(file, { KROUTER_PORT: '2222' }, {}).server.port, 2222);
    assert.equal(loadConfig(file, { KROUTER_PORT: '2222' }, { port: 3333 }).server.port, 3333);
    assert.equal(loadConfig(file, {}, { port: 0 }).server.port, 0);
  });

  it('bind', () => {
    write({ server: { bind: '0.0.0.0' } });
    assert.equal(loadConfig(file, {}, {}).server.bind, '0.0.0.0');
    assert.equal(loadConfig(file, { KROUTER_BIND: '10.0.0.1' }, {}).server.bind, '10.0.0.1');
    assert.equal(loadConfig(file, { KROUTER_BIND: '10.0.0.1' }, { bind: '::1' }).server.bind, '::1');
  });

  it('env over defaults with no file; empty env values are ignored', () => {
    const c = loadConfig(file, { KROUTER_PORT: '4000', KROUTER_BIND: '127.0.0.2' }, {});
    assert.equal(c.server.port, 4000);
    assert.equal(c.server.bind, '127.0.0.2');
    assert.equal(c.server.bodyLimitBytes, DEFAULT_CONFIG.server.bodyLimitBytes);
    write({ server: { port: 1111, bind: '0.0.0.0' } });
    const d = loadConfig(file, { KROUTER_PORT: '', KROUTER_BIND: '' }, {});
    assert.equal(d.server.port, 1111);
    assert.equal(d.server.bind, '0.0.0.0');
  });

  it('overrides do not drop other server fields from the file', () => {
    write({ server: { bodyLimitBytes: 4096, port: 1 } });
    const c = loadConfig(file, { KROUTER_PORT: '5' }, { bind: '::' });
    assert.equal(c.server.bodyLimitBytes, 4096);
    assert.equal(c.server.port, 5);
    assert.equal(c.server.bind, '::');
  });

  it('KROUTER_PORT that is not a number is refused, naming the variable', () => {
    for (const v of ['abc', '80x', '-1', '1.5', ' 80', '123456']) {
      assert.throws(() => loadConfig(file, { KROUTER_PORT: v }, {}), configInvalid(/KROUTER_PORT=/, /not a port number/), v);
    }
  });

  it('KROUTER_PORT out of range is refused by validation at $.server.port', () => {
    assert.deepEqual(issuesOf(() => loadConfig(file, { KROUTER_PORT: '65536' }, {})).map((i) => i.path), ['$.server.port']);
  });

  it('a port flag wins over a bad KROUTER_PORT', () => {
    assert.equal(loadConfig(file, { KROUTER_PORT: 'abc' }, { port: 8080 }).server.port, 8080);
  });
});

describe('validateConfig', () => {
  it('returns the parsed config or the issues', () => {
    const ok = validateConfig({ routing: { maxAttempts: 3 } });
    assert.ok(ok.ok);
    assert.equal(ok.config.routing.maxAttempts, 3);
    const bad = validateConfig({ routing: { maxAttempts: 0 } });
    assert.ok(!bad.ok);
    assert.deepEqual(bad.issues.map((i) => i.path), ['$.routing.maxAttempts']);
  });
});
