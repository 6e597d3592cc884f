import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { KrouterError } from '../../shared/errors.js';

const VERSION = 'v1';
const INFO = 'krouter/secret-box/v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

function decodeStrict(part: string): Buffer | undefined {
  const buf = Buffer.from(part, 'base64url');
  // Buffer.from skips characters it does not understand; insist on the canonical form.
  return buf.toString('base64url') === part ? buf : undefined;
}

function cannotDecrypt(aad: string): KrouterError {
  const provider = /^providers:(.+):[^:]+$/.exec(aad)?.[1];
  const name = provider ?? 'NAME';
  return new KrouterError(
    'secret_unavailable',
    `The stored secret ${aad} cannot be decrypted on this machine: it was tampered with, or the database was copied from another machine, or the secret file changed. ` +
      `Re-enter it with: krouter providers add ${name} --type TYPE --base-url URL --api-key -`,
    { details: { aad } },
  );
}

/**
 * Authenticated encryption of secrets at rest (AES-256-GCM). The key is bound to
 * the master secret and to the machine; the caller's AAD binds each envelope to
 * its row and column, so an envelope moved elsewhere in the database fails.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(master: Buffer, machine: string | null) {
    if (master.length < 32) throw new RangeError('SecretBox needs a master secret of at least 32 bytes');
    this.#key = Buffer.from(hkdfSync('sha256', master, Buffer.from(machine ?? '', 'utf8'), INFO, 32));
  }

  seal(plaintext: string, aad: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
  }

  open(envelope: string, aad: string): string {
    const parts = envelope.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION) throw cannotDecrypt(aad);
    const nonce = decodeStrict(parts[1] ?? '');
    const body = decodeStrict(parts[2] ?? '');
    if (nonce?.length !== NONCE_BYTES || body === undefined || body.length < TAG_BYTES) throw cannotDecrypt(aad);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw cannotDecrypt(aad);
    }
  }
}
