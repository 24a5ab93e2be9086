/** The object store from configuration, and what the project keeps in it. */
import type { Keyring } from '../codec/keyring';
import { EvidenceStore, PreparationStore } from './evidence-store';
import { MailLedger } from './mail-ledger';
import { FolderObjectStore, type ObjectStore } from './object-store';
import { S3ObjectStore, type S3Location } from './s3-object-store';

export {
  ContentAddressedStore,
  EvidenceAlteredError,
  EvidenceStore,
  PreparationStore,
} from './evidence-store';
export { MailLedger, type Delivery } from './mail-ledger';
export { FolderObjectStore, StoreUnavailableError, type ObjectStore } from './object-store';
export { NotSealedError, sealInfo } from './sealed';
export { S3ObjectStore, type S3Location } from './s3-object-store';

/** `EVIDENCE_DIR` (a folder) or `EVIDENCE_URL=s3://bucket/prefix` (an S3-compatible store). */
export type StoreLocation =
  { readonly kind: 'folder'; readonly dir: string } | ({ readonly kind: 's3' } & S3Location);

export function openObjectStore(location: StoreLocation): ObjectStore {
  return location.kind === 'folder' ? new FolderObjectStore(location.dir) : new S3ObjectStore(location);
}

export interface Stores {
  readonly evidence: EvidenceStore;
  readonly preparations: PreparationStore;
  readonly ledger: MailLedger;
}

/** The evidence, the PAdES preparations and the mail ledger, sharing one object store and the keyring. */
export function openStores(location: StoreLocation, keyring: Keyring): Stores {
  const objects = openObjectStore(location);
  return {
    evidence: new EvidenceStore(objects, keyring),
    preparations: new PreparationStore(objects, keyring),
    ledger: new MailLedger(objects, keyring),
  };
}
