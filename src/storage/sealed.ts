/**
 * Encryption at rest for what the project keeps in its object store: letters, signatures,
 * certificates, minutes and the mail ledger are personal data, and a bucket or a backup of it is
 * a system of others. AES-256-GCM with the payload keyring, a fresh IV per object, bound (as
 * additional data) to the object's key, so an object cannot be moved under another name.
 *
 *   "MFS1" | key id length (1 byte) | key id | IV (12) | ciphertext | tag (16)
 *
 * Objects stored before encryption (no "MFS1" header) are read as they are.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { PayloadDecryptionError, PayloadKeyUnknownError } from '../codec/encryption-codec';
import type { Keyring } from '../codec/keyring';

const MAGIC = Buffer.from('MFS1');

export function seal(keyring: Keyring, objectKey: string, plaintext: Uint8Array): Buffer {
  const keyId = Buffer.from(keyring.currentKeyId);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyring.keys.get(keyring.currentKeyId)!, iv);
  cipher.setAAD(Buffer.concat([Buffer.from(objectKey), keyId]));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([MAGIC, Buffer.from([keyId.length]), keyId, iv, ciphertext, cipher.getAuthTag()]);
}

export function unseal(keyring: Keyring, objectKey: string, stored: Buffer): Buffer {
  if (stored.length < MAGIC.length || !stored.subarray(0, MAGIC.length).equals(MAGIC)) return stored;
  const idLength = stored[MAGIC.length]!;
  const idEnd = MAGIC.length + 1 + idLength;
  const keyId = stored.subarray(MAGIC.length + 1, idEnd);
  const key = keyring.keys.get(keyId.toString());
  if (key === undefined) throw new PayloadKeyUnknownError(keyId.toString());
  if (stored.length < idEnd + 12 + 16)
    throw new PayloadDecryptionError(`stored object ${objectKey} is truncated`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, stored.subarray(idEnd, idEnd + 12));
    decipher.setAAD(Buffer.concat([Buffer.from(objectKey), keyId]));
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
