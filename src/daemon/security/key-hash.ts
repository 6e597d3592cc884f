import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_PREFIX = 'sk-krouter-';
const INFO = 'krouter/api-key-hash/v1';
const KEY_SHAPE = /^sk-krouter-[A-Za-z0-9_-]{43}$/;

/** A new client API key: 'sk-krouter-' and 32 random bytes in base64url. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** Enough of a key to recognise it in a list ('sk-krouter-' and 5 characters), far too little to use it. */
export function keyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 5);
}

/** Cheap shape check to skip hashing obvious garbage; a key failing it would not match any hash anyway. */
export function looksLikeKrouterKey(s: string): boolean {
  return KEY_SHAPE.test(s);
}

/**
 * Keyed hash of API keys (HMAC-SHA256). Not machine-bound on purpose: keys must
 * keep working when the daemon moves, as long as the secret file moves with it.
 */
export class KeyHasher {
  readonly #key: Buffer;

  constructor(master: Buffer) {
    if (master.length < 32) throw new RangeError('KeyHasher needs a master secret of at least 32 bytes');
    this.#key = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), INFO, 32));
  }

  hash(key: string): Buffer {
    return createHmac('sha256', this.#key).update(key, 'utf8').digest();
  }

  equals(a: Buffer, b: Buffer): boolean {
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
