import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KrouterError } from '../../shared/errors.js';

export const SECRET_BYTES = 32;
// 32 bytes in standard base64 is 43 characters and one '=' of padding.
const SECRET_SHAPE = /^[A-Za-z0-9+/]{43}=$/;

function errnoCode(e: unknown): string | undefined {
  return e instanceof Error ? (e as NodeJS.ErrnoException).code : undefined;
}

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(3, '0');
}

function readSecret(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      throw new KrouterError('secret_unavailable', `The secret file ${path} is not a regular file. Move it away; krouter creates a new one on start.`);
    }
    if ((st.mode & 0o077) !== 0) {
      throw new KrouterError(
        'secret_unavailable',
        `The secret file ${path} has mode ${octal(st.mode)}: other users may be able to read it. Fix it with: chmod 600 ${path}`,
        { details: { path, mode: octal(st.mode) } },
      );
    }
    const text = readFileSync(fd, 'utf8').trim();
    if (!SECRET_SHAPE.test(text)) {
      throw new KrouterError(
        'secret_unavailable',
        `The secret file ${path} does not hold a ${SECRET_BYTES}-byte base64 secret. Restore it from a backup; replacing it makes every stored provider secret undecryptable and every API key invalid.`,
        { details: { path } },
      );
    }
    return Buffer.from(text, 'base64');
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a fresh secret so that no reader ever sees a partial file: the bytes go
 * to a private temporary file which is then hard-linked into place (link fails
 * if the target exists, so a concurrent creator wins cleanly).
 * Returns false if another process created the file first.
 */
function createSecret(path: string): boolean {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    try {
      writeSync(fd, `${randomBytes(SECRET_BYTES).toString('base64')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, path);
    } catch (e) {
      if (errnoCode(e) === 'EEXIST') return false;
      throw e;
    }
    fsyncDir(dir);
    return true;
  } finally {
    unlinkSync(tmp);
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the file itself is already synced.
  }
}

/** The daemon's master secret: 32 random bytes, created on first use, kept base64 in a 0600 file. */
export function loadOrCreateSecret(path: string): Buffer {
  try {
    return readSecret(path);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw wrap(path, e);
  }
  try {
    createSecret(path);
  } catch (e) {
    throw wrap(path, e);
  }
  try {
    return readSecret(path);
  } catch (e) {
    throw wrap(path, e);
  }
}

function wrap(path: string, e: unknown): unknown {
  if (e instanceof KrouterError) return e;
  const why = e instanceof Error ? e.message : String(e);
  return new KrouterError('secret_unavailable', `Cannot read or create the secret file ${path}: ${why}`, {
    cause: e,
    details: { path },
  });
}
