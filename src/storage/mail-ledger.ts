/**
 * What the SMTP relay has accepted, by Message-ID, kept in the object store every worker shares.
 * The email activity consults it before sending and records the relay's acceptance right after its
 * 250, so an activity retried after a crash (or after the Temporal server lost its completion)
 * does not send the message again. The window that remains, between the relay's 250 and the
 * record, is a single object write (docs/operations.md#no-duplicate-mail).
 */
import { createHash } from 'node:crypto';
import { PayloadDecryptionError } from '../codec/encryption-codec';
import type { Keyring } from '../codec/keyring';
import type { ObjectStore } from './object-store';
import { NotSealedError, seal, unseal } from './sealed';

export interface Delivery {
  readonly messageId: string;
  readonly accepted: readonly string[];
  readonly at: string;
}

export class MailLedger {
  constructor(
    private readonly objects: ObjectStore,
    private readonly keyring: Keyring,
    /** Where a record that is not ours is reported (no personal data: the record's key only). */
    private readonly warn: (line: string) => void = console.warn,
  ) {}

  private keyOf(messageId: string): string {
    return `mail/${createHash('sha256').update(messageId).digest('hex')}`;
  }

  /**
   * The recorded delivery of `messageId`, or null when the relay has not accepted it (as far as we
   * know). Only a record sealed with our ledger key counts: anything else under its name (written
   * by someone with access to the bucket, or damaged) would otherwise silence the message, so it is
   * reported and the message is sent.
   */
  async delivered(messageId: string): Promise<Delivery | null> {
    const key = this.keyOf(messageId);
    const stored = await this.objects.get(key);
    if (stored === null) return null;
    let delivery: Partial<Delivery>;
    try {
      const plaintext = unseal(this.keyring, 'mail-ledger', key, stored, { legacyPlaintext: false });
      delivery = JSON.parse(plaintext.toString('utf8')) as Partial<Delivery>;
    } catch (error) {
      if (!(
        error instanceof NotSealedError ||
        error instanceof PayloadDecryptionError ||
        error instanceof SyntaxError
      ))
        throw error; // a key missing from the keyring: loud, retried until it is given
      this.warn(
        `mail ledger record ${key} is not sealed by this keyring (${(error as Error).name}): ignored, the message is sent`,
      );
      return null;
    }
    if (delivery.messageId !== messageId || !Array.isArray(delivery.accepted)) {
      this.warn(`mail ledger record ${key} is not the record of its message: ignored, the message is sent`);
      return null;
    }
    return delivery as Delivery;
  }

  async record(delivery: Delivery): Promise<void> {
    const key = this.keyOf(delivery.messageId);
    await this.objects.putOnce(
      key,
      seal(this.keyring, 'mail-ledger', key, Buffer.from(JSON.stringify(delivery))),
    );
  }
}
