/**
 * What the SMTP relay has accepted, by Message-ID, kept in the object store every worker shares.
 * The email activity consults it before sending and records the relay's acceptance right after its
 * 250, so an activity retried after a crash (or after the Temporal server lost its completion)
 * does not send the message again. The window that remains, between the relay's 250 and the
 * record, is a single object write (README "No duplicate mail").
 */
import { createHash } from 'node:crypto';
import type { Keyring } from '../codec/keyring';
import type { ObjectStore } from './object-store';
import { seal, unseal } from './sealed';

export interface Delivery {
  readonly messageId: string;
  readonly accepted: readonly string[];
  readonly at: string;
}

export class MailLedger {
  constructor(
    private readonly objects: ObjectStore,
    private readonly keyring: Keyring,
  ) {}

  private keyOf(messageId: string): string {
    return `mail/${createHash('sha256').update(messageId).digest('hex')}`;
  }

  /** The recorded delivery of `messageId`, or null when the relay has not accepted it (as far as we know). */
  async delivered(messageId: string): Promise<Delivery | null> {
    const key = this.keyOf(messageId);
    const stored = await this.objects.get(key);
    return stored === null
      ? null
      : (JSON.parse(unseal(this.keyring, key, stored).toString('utf8')) as Delivery);
  }

  async record(delivery: Delivery): Promise<void> {
    const key = this.keyOf(delivery.messageId);
    await this.objects.putOnce(key, seal(this.keyring, key, Buffer.from(JSON.stringify(delivery))));
  }
}
