/**
 * Documents and evidence, content-addressed by SHA-256 over an {@link ObjectStore}: a file's key is
 * its digest, so storing twice is harmless (activity retries, two workers) and every read is
 * verified: bytes that no longer match their digest are an error, never served. Encrypted at rest
 * with the payload keyring (see sealed.ts).
 */
import { createHash } from 'node:crypto';
import type { Keyring } from '../codec/keyring';
import type { ObjectStore } from './object-store';
import { seal, unseal } from './sealed';

/** Stored bytes that no longer hash to their name. */
export class EvidenceAlteredError extends Error {
  override readonly name = 'EvidenceAlteredError';
}

export class EvidenceStore {
  constructor(
    readonly objects: ObjectStore,
    private readonly keyring: Keyring,
  ) {}

  private keyOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a SHA-256 digest: ${sha256}`);
    return `${sha256.slice(0, 2)}/${sha256}`;
  }

  /** Stores bytes (once); returns their SHA-256 (hex). */
  async put(bytes: Uint8Array): Promise<string> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const key = this.keyOf(sha256);
    await this.objects.putOnce(key, seal(this.keyring, key, bytes));
    return sha256;
  }

  /** The bytes stored under `sha256`, or null when absent; throws when they no longer match it. */
  async get(sha256: string): Promise<Buffer | null> {
    const key = this.keyOf(sha256);
    const stored = await this.objects.get(key);
    if (stored === null) return null;
    const bytes = unseal(this.keyring, key, stored);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256)
      throw new EvidenceAlteredError(`evidence ${sha256} was altered in the store (now ${actual})`);
    return bytes;
  }

  ready(): Promise<void> {
    return this.objects.ready();
  }
}
