/**
 * Verifying a signed letter: every embedded signature with the project's SignatureVerifier (the
 * CMS over its byte ranges: signature, document, key usage, chain, validity, revocation, identity)
 * and, for each one, what the later revisions changed.
 *
 * A PDF signature proves the bytes of one revision. Someone could append a revision that draws on
 * the page and every signature would still verify cryptographically (poppler's pdfsig says
 * "Signature is Valid."); only the modification check tells that the document shown is not the
 * document signed.
 */
import { createHash } from 'node:crypto';
import { ERROR_CODES, type VerificationErrorCode } from '../domain/errors';
import type { ExpectedSigner, SignatureVerifier, VerificationReport } from '../signatures';
import { modificationsAfter, originalRevision, readEmbeddedSignatures, type Modifications } from './embedded';

export interface PdfVerifyOptions {
  /** When validity and revocation are judged; now when absent. */
  readonly at?: Date;
  /** Who must have signed each field, by field name (e.g. `SIGNATURE_FIELD.municipal`). */
  readonly expectedSigners?: Readonly<Record<string, ExpectedSigner>>;
}

export interface PdfSignatureVerification {
  readonly field: string;
  /** The verifier's report valid, the signature dictionary sound, and nothing but signing after it. */
  readonly valid: boolean;
  /**
   * When invalid: MALFORMED_INPUT for a broken signature dictionary, else the report's code, else
   * DOCUMENT_MODIFIED_AFTER_SIGNING.
   */
  readonly code?: VerificationErrorCode;
  /** The Spanish message for `code`. */
  readonly message?: string;
  /** The CMS verified over the signed byte ranges. */
  readonly report: VerificationReport;
  /** /M: the time the signer's software claims; nothing proves it. */
  readonly signingTime: string | null;
  readonly byteRange: readonly [number, number, number, number];
  readonly revisionEnd: number;
  readonly coversWholeFile: boolean;
  /** Problems of the signature dictionary itself (ByteRange, /SubFilter, /Contents), English. */
  readonly problems: readonly string[];
  readonly modifications: Modifications;
}

export interface PdfVerification {
  /** At least one signature, and every signature valid. */
  readonly valid: boolean;
  /** SHA-256 (hex) of revision 1, the original letter: the document's identity. */
  readonly originalSha256: string;
  readonly signatures: readonly PdfSignatureVerification[];
}

/**
 * Verifies every signature embedded in `pdf`. Bad signatures give invalid results, never
 * exceptions.
 * @throws PdfStructureError when the PDF itself cannot be read (no revisions, broken xref)
 */
export function verifyPdfSignatures(
  pdf: Uint8Array,
  verifier: SignatureVerifier,
  options: PdfVerifyOptions = {},
): PdfVerification {
  const originalSha256 = createHash('sha256').update(originalRevision(pdf)).digest('hex');
  const signatures = readEmbeddedSignatures(pdf).map((signature): PdfSignatureVerification => {
    const report = verifier.verify({
      format: 'cms',
      document: signature.signedBytes(),
      signature: signature.cms,
      expectedSigner: options.expectedSigners?.[signature.field],
      at: options.at,
    });
    const modifications = modificationsAfter(pdf, signature);
    const code: VerificationErrorCode | undefined =
      signature.problems.length > 0
        ? 'MALFORMED_INPUT'
        : (report.code ?? (modifications.allowed ? undefined : 'DOCUMENT_MODIFIED_AFTER_SIGNING'));
    return {
      field: signature.field,
      valid: code === undefined,
      ...(code === undefined ? {} : { code, message: ERROR_CODES[code].message }),
      report,
      signingTime: signature.signingTime?.toISOString() ?? null,
      byteRange: signature.byteRange,
      revisionEnd: signature.revisionEnd,
      coversWholeFile: signature.coversWholeFile,
      problems: signature.problems,
      modifications,
    };
  });
  return { valid: signatures.length > 0 && signatures.every((s) => s.valid), originalSha256, signatures };
}
