import { connect } from 'node:net';
import { lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { KrouterError } from '../../shared/errors.js';

/**
 * Prepares the admin socket path: its folder exists (created 0700); a live
 * socket there means another daemon, refused; a stale socket we own is
 * removed; anything else (a file, a link, another user's socket) is refused.
 */
export async function prepareSocketPath(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (st.isSymbolicLink() || !st.isSocket()) {
    throw new KrouterError('socket_in_use', `${path} exists and is not a socket (it is a ${st.isSymbolicLink() ? 'symbolic link' : 'file or folder'}); krouter will not replace it. Move it away, or choose another path with --socket / KROUTER_SOCKET.`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new KrouterError('socket_in_use', `${path} is a socket owned by another user (uid ${st.uid}); krouter will not replace it. Choose another path with --socket / KROUTER_SOCKET.`);
  }
  if (await isLive(path)) {
    throw new KrouterError('socket_in_use', `Another krouter daemon is already serving the admin socket ${path}. Stop it first (or use \`krouter status\` to talk to it), or run this one with another KROUTER_HOME / --socket.`);
  }
  unlinkSync(path);
}

function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    const done = (live: boolean): void => {
      s.destroy();
      resolve(live);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}
