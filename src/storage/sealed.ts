/**
 * Encryption at rest for what the project keeps in its object store: letters, signatures,
 * certificates, minutes and the mail ledger are personal data, and a bucket or a backup of it is
 * a system of others. AES-256-GCM with the purpose's key derived from the keyring (keyring.ts), a
 * fresh IV per object, bound (as additional data) to the object's key, so an object cannot be
 * moved under another name:
 *
 *   "MFS2" | key id length (1 byte) | key id | IV (12) | ciphertext | tag (16)
 *
 * Read as well: "MFS1", the same layout sealed with the master key itself (before keys were
 * derived per purpose); and, where the caller allows it, plaintext (objects stored before sealing
 * existed, see {@link UnsealOptions.legacyPlaintext}).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { PayloadDecryptionError, PayloadKeyUnknownError } from '../codec/encryption-codec';
import { legacyKey, purposeKey, type KeyPurpose, type Keyring } from '../codec/keyring';

const MAGIC = Buffer.from('MFS2');
const LEGACY_MAGIC = Buffer.from('MFS1');

/** A stored object that is not sealed where only sealed objects may be. */
export class NotSealedError extends Error {
  override readonly name = 'NotSealedError';
}

export function seal(
  keyring: Keyring,
  purpose: KeyPurpose,
  objectKey: string,
  plaintext: Uint8Array,
): Buffer {
  const keyId = Buffer.from(keyring.currentKeyId);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', purposeKey(keyring, keyring.currentKeyId, purpose)!, iv);
  cipher.setAAD(Buffer.concat([Buffer.from(objectKey), keyId]));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([MAGIC, Buffer.from([keyId.length]), keyId, iv, ciphertext, cipher.getAuthTag()]);
}

export interface UnsealOptions {
  /**
   * Accept bytes without a seal as they are. Only for content-addressed evidence, whose reader
   * checks that the bytes hash to their name (so a planted object can only be the genuine
   * bytes): letters and signatures stored before sealing existed. Never for anything else, such as
   * the mail ledger, where a planted plaintext record would silence mail.
   */
  readonly legacyPlaintext: boolean;
}

/** How an object is sealed: by which master key, and whether with the purpose's derived key. */
export interface SealInfo {
  readonly keyId: string | null;
  readonly scheme: 'derived' | 'master' | 'plaintext';
}

export function sealInfo(stored: Buffer): SealInfo {
  const magic = stored.subarray(0, 4);
  const scheme = magic.equals(MAGIC) ? 'derived' : magic.equals(LEGACY_MAGIC) ? 'master' : 'plaintext';
  if (scheme === 'plaintext' || stored.length < 5) return { keyId: null, scheme: 'plaintext' };
  return { keyId: stored.subarray(5, 5 + stored[4]!).toString(), scheme };
}

export function unseal(
  keyring: Keyring,
  purpose: KeyPurpose,
  objectKey: string,
  stored: Buffer,
  options: UnsealOptions,
): Buffer {
  const { keyId, scheme } = sealInfo(stored);
  if (scheme === 'plaintext' || keyId === null) {
    if (options.legacyPlaintext) return stored;
    throw new NotSealedError(`stored object ${objectKey} is not sealed`);
  }
  const key = scheme === 'derived' ? purposeKey(keyring, keyId, purpose) : legacyKey(keyring, keyId);
  if (key === undefined) throw new PayloadKeyUnknownError(keyId);
  const idEnd = MAGIC.length + 1 + Buffer.byteLength(keyId);
  if (stored.length < idEnd + 12 + 16)
    throw new PayloadDecryptionError(`stored object ${objectKey} is truncated`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, stored.subarray(idEnd, idEnd + 12));
    decipher.setAAD(Buffer.concat([Buffer.from(objectKey), Buffer.from(keyId)]));
    decipher.setAuthTag(stored.subarray(stored.length - 16));
    return Buffer.concat([
      decipher.update(stored.subarray(idEnd + 12, stored.length - 16)),
      decipher.final(),
    ]);
  } catch {
    throw new PayloadDecryptionError(
      `stored object ${objectKey} does not decrypt: altered, or not this keyring's`,
    );
  }
}
