/**
 * Documents and evidence, content-addressed by SHA-256 over an {@link ObjectStore}: a file's key is
 * its digest, so storing twice is harmless (activity retries, two workers) and every read is
 * verified: bytes that no longer match their digest are an error, never served. Sealed at rest with
 * the keyring's evidence key (see sealed.ts).
 */
import { createHash } from 'node:crypto';
import type { Keyring } from '../codec/keyring';
import type { ObjectStore } from './object-store';
import { seal, unseal } from './sealed';

/** Stored bytes that no longer hash to their name. */
export class EvidenceAlteredError extends Error {
  override readonly name = 'EvidenceAlteredError';
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Bytes kept under their SHA-256 in one namespace of the object store, sealed, verified on read. */
export class ContentAddressedStore {
  constructor(
    readonly objects: ObjectStore,
    /** The keyring its objects are sealed with (records kept beside them are sealed with it too). */
    readonly keyring: Keyring,
    /** Where in the store: `''` for evidence (`ab/abcd…`), `preparations/` for preparations. */
    private readonly namespace: string,
  ) {}

  protected keyOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a SHA-256 digest: ${sha256}`);
    return `${this.namespace}${sha256.slice(0, 2)}/${sha256}`;
  }

  /** Stores bytes (once); returns their SHA-256 (hex). */
  async put(bytes: Uint8Array): Promise<string> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const key = this.keyOf(sha256);
    await this.objects.putOnce(key, seal(this.keyring, 'evidence', key, bytes));
    return sha256;
  }

  /** The bytes stored under `sha256`, or null when absent; throws when they no longer match it. */
  async get(sha256: string): Promise<Buffer | null> {
    const key = this.keyOf(sha256);
    const stored = await this.objects.get(key);
    if (stored === null) return null;
    // Plaintext is read only here, where the digest check below holds it to be the genuine bytes:
    // evidence stored before sealing existed.
    const bytes = unseal(this.keyring, 'evidence', key, stored, { legacyPlaintext: true });
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256)
      throw new EvidenceAlteredError(`evidence ${sha256} was altered in the store (now ${actual})`);
    return bytes;
  }

  ready(): Promise<void> {
    return this.objects.ready();
  }
}

/** Evidence: written once, never deleted. */
export class EvidenceStore extends ContentAddressedStore {
  constructor(objects: ObjectStore, keyring: Keyring) {
    super(objects, keyring, '');
  }
}

/**
 * PAdES preparations (the prepared revision of the letter and the bytes to sign), kept between a
 * signer's two steps. Not evidence: a preparation that a newer one superseded, or that a signature
 * used, is discarded, so a link holder who prepares again and again leaves nothing behind.
 */
export class PreparationStore extends ContentAddressedStore {
  constructor(objects: ObjectStore, keyring: Keyring) {
    super(objects, keyring, 'preparations/');
  }

  /** Removes a preparation's object (nothing when it is already gone). */
  discard(sha256: string): Promise<void> {
    return this.objects.delete(this.keyOf(sha256));
  }
}
