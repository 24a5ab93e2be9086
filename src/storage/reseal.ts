/**
 * Re-sealing the object store under the keyring's current key (`manifiesta reseal`). Evidence is
 * kept for decades and keys are rotated far more often: rather than keeping every key that ever
 * sealed an object, an operator re-seals the store after a rotation, and then needs only the
 * current key for it (Temporal's histories still need the keys their payloads were written with,
 * for as long as Temporal keeps them).
 *
 * Each object is read and checked first (evidence must still hash to its name; a ledger record
 * must be sealed), sealed again with the current key for its purpose, written over the old one and
 * read back. Objects already sealed with the current key are left alone, so it can be run again at
 * any time; an object that cannot be read is reported and left as it was.
 */
import { createHash } from 'node:crypto';
import type { Keyring, KeyPurpose } from '../codec/keyring';
import type { ObjectStore } from './object-store';
import { seal, sealInfo, unseal } from './sealed';

/** Evidence and preparations: named by the SHA-256 of their bytes. */
const CONTENT_ADDRESSED = /^(?:preparations\/)?[0-9a-f]{2}\/([0-9a-f]{64})$/;

export interface ResealSummary {
  /** Objects read. */
  readonly examined: number;
  /** Objects already sealed with the current key and its derived purpose key. */
  readonly current: number;
  /** Objects sealed again with the current key (or, with `dryRun`, that would be). */
  readonly resealed: number;
  /** How the objects were sealed before: `<scheme>:<key id>` (or `plaintext`) → count. */
  readonly before: Readonly<Record<string, number>>;
  /** Objects that could not be read or checked, with why; left as they were. */
  readonly failures: readonly { readonly key: string; readonly reason: string }[];
  readonly dryRun: boolean;
}

function purposeOf(key: string): KeyPurpose {
  return key.startsWith('mail/') ? 'mail-ledger' : 'evidence';
}

export async function resealStore(
  objects: ObjectStore,
  keyring: Keyring,
  options: { readonly dryRun: boolean },
): Promise<ResealSummary> {
  let examined = 0;
  let current = 0;
  let resealed = 0;
  const before: Record<string, number> = {};
  const failures: { key: string; reason: string }[] = [];
  for await (const key of objects.list('')) {
    const stored = await objects.get(key);
    if (stored === null) continue; // removed meanwhile (a used preparation)
    examined++;
    const info = sealInfo(stored);
    const label = info.scheme === 'plaintext' ? 'plaintext' : `${info.scheme}:${info.keyId}`;
    before[label] = (before[label] ?? 0) + 1;
    if (info.scheme === 'derived' && info.keyId === keyring.currentKeyId) {
      current++;
      continue;
    }
    const purpose = purposeOf(key);
    const digest = CONTENT_ADDRESSED.exec(key)?.[1];
    try {
      const plaintext = unseal(keyring, purpose, key, stored, { legacyPlaintext: digest !== undefined });
      if (digest !== undefined && createHash('sha256').update(plaintext).digest('hex') !== digest)
        throw new Error('its bytes no longer hash to its name (altered)');
      if (!options.dryRun) {
        const resealedBytes = seal(keyring, purpose, key, plaintext);
        const opens = (bytes: Buffer | null): boolean =>
          bytes !== null &&
          unseal(keyring, purpose, key, bytes, { legacyPlaintext: false }).equals(plaintext);
        if (!opens(resealedBytes)) throw new Error('the new seal does not open to the same bytes');
        await objects.replace(key, resealedBytes);
        if (!opens(await objects.get(key))) {
          await objects.replace(key, stored); // put back what was there
          throw new Error('the store did not give back what was written; the old object was put back');
        }
      }
      resealed++;
    } catch (error) {
      failures.push({ key, reason: `${(error as Error).name}: ${(error as Error).message}` });
    }
  }
  return { examined, current, resealed, before, failures, dryRun: options.dryRun };
}
