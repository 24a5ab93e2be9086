/**
 * PAdES baseline T for a signature already in the letter: its CMS gains the TSA's token as the
 * unsigned attribute signature-time-stamp, written into the same /Contents. The signature's
 * ByteRange leaves /Contents out, so nothing it signed changes; but every later revision's
 * signature covers these bytes, so this is done only while the signature is the file's last
 * revision (the process stamps a signature before the next signer prepares theirs).
 */
import { parseCms } from '../signatures/cms';
import { withSignatureTimestamp } from './cms';
import { readEmbeddedSignatures, type EmbeddedSignature } from './embedded';
import { PdfSigningError } from './pades';

/** The signature of `field`, which must be the last thing in the file. */
function lastSignature(pdf: Uint8Array, field: string): EmbeddedSignature {
  const signature = readEmbeddedSignatures(pdf).find((s) => s.field === field && s.kind === 'signature');
  if (signature === undefined) throw new PdfSigningError('MALFORMED_INPUT', `no signature in field ${field}`);
  if (!signature.coversWholeFile)
    throw new PdfSigningError(
      'DOCUMENT_MODIFIED_AFTER_SIGNING',
      `the signature in ${field} is not the file's last revision: its /Contents is covered by what follows`,
    );
  return signature;
}

/** The SignerInfo's signature value: what a signature time-stamp stamps (its SHA-256 is the imprint). */
export function signatureValue(pdf: Uint8Array, field: string): Buffer {
  return Buffer.from(parseCms(lastSignature(pdf, field).cms).signer.signature);
}

/**
 * `pdf` with `token` added to the signature of `field`; the bytes outside that /Contents unchanged.
 * @throws PdfSigningError when the field holds no signature, the signature is not the last
 *   revision, it carries unsigned attributes already, or the CMS with the token does not fit
 */
export function addSignatureTimestamp(pdf: Uint8Array, field: string, token: Uint8Array): Buffer {
  const signature = lastSignature(pdf, field);
  let cms: Buffer;
  try {
    cms = withSignatureTimestamp(signature.cms, token);
  } catch (error) {
    throw new PdfSigningError('MALFORMED_INPUT', (error as Error).message, { cause: error });
  }
  const [, a, b] = signature.byteRange;
  const hex = cms.toString('hex');
  if (hex.length > b - a - 2)
    throw new PdfSigningError(
      'PAYLOAD_TOO_LARGE',
      `the CMS with its time-stamp needs ${hex.length / 2} bytes; ${(b - a - 2) / 2} are reserved`,
    );
  const stamped = Buffer.from(pdf);
  stamped.write(hex.padEnd(b - a - 2, '0'), a + 1, 'latin1');
  return stamped;
}
