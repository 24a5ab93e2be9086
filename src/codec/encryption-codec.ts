/**
 * Every payload the project hands to Temporal is encrypted here (AES-256-GCM, Node's crypto): the
 * server, its database, its backups and anyone reading histories see ciphertext. The original
 * Payload (metadata and data) is serialized and encrypted whole, with a fresh 96-bit IV per
 * payload; the key id travels in the encrypted payload's metadata (and is bound to the ciphertext
 * as additional data), so rotated keys keep decrypting what they wrote.
 *
 * The key is the keyring's `temporal-payloads` key, derived from the master key (keyring.ts);
 * payloads written before keys were derived name the cipher `AES256GCM` and were encrypted with
 * the master key itself, and still decrypt.
 *
 * Payloads without our encoding pass through decode untouched: histories recorded before
 * encryption replay, and search attributes (which Temporal indexes) are never encoded by codecs.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { legacyKey, purposeKey, type Keyring } from './keyring';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** AES-256-GCM with the payload key derived from the master key (HKDF-SHA256). */
export const CIPHER = 'AES256GCM-HKDF';
/** AES-256-GCM with the master key itself: payloads written before keys were derived. */
export const LEGACY_CIPHER = 'AES256GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const text = (value: string): Uint8Array => Buffer.from(value, 'utf8');
const read = (value: Uint8Array | null | undefined): string | undefined =>
  value == null ? undefined : Buffer.from(value).toString('utf8');

/** A payload encrypted with a key this keyring lacks: named, so operators know which key to add. */
export class PayloadKeyUnknownError extends Error {
  override readonly name = 'PayloadKeyUnknownError';
  constructor(readonly keyId: string) {
    super(
      `payload encrypted with key "${keyId}", which PAYLOAD_KEYS does not hold: add that key to the keyring`,
    );
  }
}

/** A payload that does not decrypt: altered, or encrypted with another key under the same id. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keyring: Keyring) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.keyring.currentKeyId;
    const key = purposeKey(this.keyring, keyId, 'temporal-payloads')!;
    return payloads.map((payload) => {
      const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(text(keyId));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return {
        metadata: {
          encoding: text(ENCRYPTED_ENCODING),
          'encryption-cipher': text(CIPHER),
          'encryption-key-id': text(keyId),
        },
        data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (read(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const cipherName = read(payload.metadata?.['encryption-cipher']);
      if (cipherName !== CIPHER && cipherName !== LEGACY_CIPHER)
        throw new PayloadDecryptionError(`unknown payload cipher "${cipherName}"`);
      const keyId = read(payload.metadata?.['encryption-key-id']) ?? '';
      const key =
        cipherName === CIPHER
          ? purposeKey(this.keyring, keyId, 'temporal-payloads')
          : legacyKey(this.keyring, keyId);
      if (key === undefined) throw new PayloadKeyUnknownError(keyId);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES)
        throw new PayloadDecryptionError(`payload encrypted with key "${keyId}" is truncated`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAAD(text(keyId));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plaintext = Buffer.concat([
          decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return temporal.api.common.v1.Payload.decode(plaintext);
      } catch {
        throw new PayloadDecryptionError(
          `payload encrypted with key "${keyId}" does not decrypt: it was altered, or the key with that id is not the one that encrypted it`,
        );
      }
    });
  }
}
