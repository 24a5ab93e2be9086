/**
 * Which keys and certificates may sign: RSA 2048–4096 or ECDSA P-256/384/521, and a certificate
 * whose key usage and extended key usage allow signing documents.
 */
import { type Certificate, type KeyAlgorithm } from './certificate';
import { OID, type DigestName, type NamedCurve } from './oids';
import { type SignatureFormat } from '../domain/verification-report';

const SIGNER_KEY_BITS = { min: 2048, max: 4096 } as const;

const SIGNER_CURVES: ReadonlySet<NamedCurve> = new Set(['P-256', 'P-384', 'P-521']);

/** Extended key usages that let a certificate sign documents. */
const SIGNING_EXTENDED_USAGES: ReadonlySet<string> = new Set([
  OID.emailProtection,
  OID.documentSigning,
  OID.microsoftDocumentSigning,
  OID.anyExtendedKeyUsage,
]);

export const KEY_NAMES: Readonly<Record<KeyAlgorithm, string>> = { rsa: 'RSA', ec: 'EC' };

/** E.g. `RSA-SHA256` or `ECDSA-SHA384`: the report's `algorithm`. */
export function algorithmName(signer: Certificate, digest: DigestName): string {
  return `${signer.keyAlgorithm === 'rsa' ? 'RSA' : 'ECDSA'}-${digest.toUpperCase()}`;
}

/** E.g. `2048-bit key` or `P-256 key`. */
export function keyText(signer: Certificate): string {
  return signer.keyAlgorithm === 'rsa' ? `${signer.keyBits}-bit key` : `${signer.curve} key`;
}

/**
 * Why the signer's key may not make this signature, or null when it may: RSA of 2048 to 4096
 * bits, or EC on P-256, P-384 or P-521; and RSA only for the formats that are PKCS #1 by name
 * (`pkcs1-sha256`, and `pades`, whose signature the browser makes as PKCS #1 over the attributes).
 */
export function signerKeyProblem(signer: Certificate, format: SignatureFormat): string | null {
  if (signer.keyAlgorithm === 'ec') {
    if (format !== 'cms')
      return `a ${format} signature is RSA PKCS #1 v1.5; the certificate’s key is EC (${signer.curve})`;
    if (signer.curve === null || !SIGNER_CURVES.has(signer.curve))
      return `EC key on ${signer.curve}; accepted: ${[...SIGNER_CURVES].join(', ')}`;
    return null;
  }
  if (signer.keyBits < SIGNER_KEY_BITS.min || signer.keyBits > SIGNER_KEY_BITS.max)
    return `RSA key of ${signer.keyBits} bits; accepted: 2048 to 4096`;
  return null;
}

/** Why the signer's certificate may not sign documents, or null when it may. */
export function signingUsageProblem(cert: Certificate): string | null {
  if (cert.kind === 'csd') return 'a CSD (seal certificate for invoices) is not a person’s signature';
  if (cert.basicConstraints?.ca === true) return 'a CA certificate does not sign documents';
  if (cert.keyUsage !== null && !cert.keyUsage.digitalSignature && !cert.keyUsage.nonRepudiation) {
    return 'keyUsage allows neither digitalSignature nor nonRepudiation';
  }
  if (cert.extKeyUsage !== null && !cert.extKeyUsage.some((u) => SIGNING_EXTENDED_USAGES.has(u))) {
    return `extendedKeyUsage (${cert.extKeyUsage.join(', ')}) does not include document signing`;
  }
  if (cert.unknownCriticalExtensions.length > 0) {
    return `unprocessed critical extensions ${cert.unknownCriticalExtensions.join(', ')}`;
  }
  return null;
}
