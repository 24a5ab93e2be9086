/** The object store from configuration, and what the project keeps in it. */
import type { Keyring } from '../codec/keyring';
import { EvidenceStore } from './evidence-store';
import { MailLedger } from './mail-ledger';
import { FolderObjectStore, type ObjectStore } from './object-store';
import { S3ObjectStore, type S3Location } from './s3-object-store';

export { EvidenceAlteredError, EvidenceStore } from './evidence-store';
export { MailLedger, type Delivery } from './mail-ledger';
export { FolderObjectStore, StoreUnavailableError, type ObjectStore } from './object-store';
export { S3ObjectStore, type S3Location } from './s3-object-store';

/** `EVIDENCE_DIR` (a folder) or `EVIDENCE_URL=s3://bucket/prefix` (an S3-compatible store). */
export type StoreLocation =
  { readonly kind: 'folder'; readonly dir: string } | ({ readonly kind: 's3' } & S3Location);

export function openObjectStore(location: StoreLocation): ObjectStore {
  return location.kind === 'folder' ? new FolderObjectStore(location.dir) : new S3ObjectStore(location);
}

/** The evidence store and the mail ledger, sharing one object store and the payload keyring. */
export function openStores(
  location: StoreLocation,
  keyring: Keyring,
): { evidence: EvidenceStore; ledger: MailLedger } {
  const objects = openObjectStore(location);
  return { evidence: new EvidenceStore(objects, keyring), ledger: new MailLedger(objects, keyring) };
}
