/** What a verification is asked: the signature and its document, or a certificate alone, and the bounds of the work. */
import { MAX_CERTIFICATE_BYTES, MAX_SIGNATURE_BYTES } from '../domain/limits';
import type { SignatureFormat } from '../domain/verification-report';
import type { KeyAlgorithm } from './algorithms';
import type { Certificate } from './certificate';
import type { DigestName } from './oids';

export interface VerifyInput {
  /** The exact bytes that were to be signed. */
  readonly document: Uint8Array;
  /** CMS (DER, PEM or base64) or a raw PKCS #1 v1.5 signature (binary or base64). */
  readonly signature: Uint8Array;
  /** Detected when absent: CMS when the bytes are a SignedData, otherwise PKCS #1. */
  readonly format?: SignatureFormat | undefined;
  /** The signer's certificate (DER, PEM or base64): required for PKCS #1, optional for CMS. */
  readonly certificate?: Uint8Array | undefined;
  /** Who should have signed (see {@link ExpectedSigner}); no identity check when absent. */
  readonly expectedSigner?: ExpectedSigner | undefined;
  /** When validity and revocation are judged; now when absent. */
  readonly at?: Date | undefined;
  /**
   * The document's SHA-256 (hex) when the caller knows it: a report that stops before any check
   * (VERIFICATION_TIMEOUT) states it without hashing. The checks always hash the bytes themselves.
   */
  readonly documentSha256?: string | undefined;
  /**
   * OCSP responses (DER) the caller fetched for the signer's certificate (src/revocation/ocsp-source.ts)
   * or found in the file's /DSS: judged like CRLs, each one for the certificate it names.
   */
  readonly ocspResponses?: readonly Uint8Array[] | undefined;
}

/** A certificate judged before signing (see {@link SignatureVerifier.verifyCertificate}). */
export interface CertificateInput {
  readonly certificate: Uint8Array;
  readonly expectedSigner?: ExpectedSigner | undefined;
  readonly at?: Date | undefined;
  /** The format the signature will have, for the report (e.g. `pades`). */
  readonly format?: SignatureFormat | undefined;
  /** The document's SHA-256, for the report. */
  readonly documentSha256?: string | undefined;
  /**
   * OCSP responses (DER) the caller fetched for the signer's certificate (src/revocation/ocsp-source.ts)
   * or found in the file's /DSS: judged like CRLs, each one for the certificate it names.
   */
  readonly ocspResponses?: readonly Uint8Array[] | undefined;
}

/**
 * The person a signature must come from. With an RFC and/or a CURP, the certificate must carry
 * them. Without either, the certificate's name must be this name (accents, case and spacing
 * aside), unless the coordinator chose to accept any signer.
 */
export interface ExpectedSigner {
  readonly rfc?: string | null | undefined;
  readonly curp?: string | null | undefined;
  readonly name?: string | null | undefined;
  readonly acceptAnySigner?: boolean | undefined;
}

/**
 * Limits on inputs. Larger signatures or certificates are refused with PAYLOAD_TOO_LARGE before
 * any parsing; a CMS carrying more certificates than a real e.firma chain needs is refused with
 * VERIFICATION_LIMIT_EXCEEDED before they are read (path building has limits of its own:
 * PATH_LIMITS in chain.ts).
 */
export const LIMITS = {
  signatureBytes: MAX_SIGNATURE_BYTES,
  certificateBytes: MAX_CERTIFICATE_BYTES,
  carriedCertificates: 16,
} as const;

/** What a signature presents, as read from its bytes (presented.ts). */
export interface Presented {
  readonly format: SignatureFormat;
  readonly digest: DigestName;
  /** The kind of key the signature's algorithm is for (a SignerInfo's; RSA for PKCS #1). */
  readonly keyAlgorithm: KeyAlgorithm;
  readonly signer: Certificate;
  /** False when no certificate matches the SignerInfo's identifier (a swapped certificate). */
  readonly signerIdentified: boolean;
  readonly carried: readonly Certificate[];
  readonly signedBytes: Uint8Array;
  /** Null when only the certificate is judged, before anything is signed. */
  readonly signature: Uint8Array | null;
  readonly messageDigest: Uint8Array | null;
  readonly signingTime: Date | null;
}
