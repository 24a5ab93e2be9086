/**
 * A verification thread of {@link VerificationPool}: the same {@link SignatureVerifier}, built once
 * per thread from the trust material the pool hands over, so that CPU spent on one signature never
 * holds up the event loop of the portal or the worker that asked for it.
 */
import { workerData } from 'node:worker_threads';
import { parseCertificate } from './certificate';
import { parseCrl } from './crl';
import type { VerificationReport } from '../domain/verification-report';
import { TrustStore, type RevocationPolicy } from './trust-store';
import { SignatureVerifier } from './verify';
import type { CertificateInput, VerifyInput } from './inputs';

/** What the pool passes to each thread: certificates and CRLs as DER (structured-cloneable). */
export interface TrustMaterial {
  readonly anchors: readonly Uint8Array[];
  readonly crls: readonly { readonly der: Uint8Array; readonly source: string }[];
  readonly revocationPolicy: RevocationPolicy;
  readonly ocspResponders: readonly Uint8Array[];
}

const material = workerData as TrustMaterial;
const verifier = new SignatureVerifier(
  new TrustStore(
    material.anchors.map((der) => parseCertificate(der)),
    material.crls.map((crl) => parseCrl(crl.der, crl.source)),
    material.revocationPolicy,
    material.ocspResponders.map((der) => parseCertificate(der)),
  ),
);

/** One verification: of a signature, or of a certificate before it signs. */
export type VerificationTask =
  | { readonly kind: 'signature'; readonly input: VerifyInput }
  | { readonly kind: 'certificate'; readonly input: CertificateInput };

export default function run(task: VerificationTask): VerificationReport {
  return task.kind === 'signature' ? verifier.verify(task.input) : verifier.verifyCertificate(task.input);
}
