/**
 * PAdES baseline-B signing (ETSI EN 319 142-1) with the private key in the signer's browser, in
 * two server steps with the browser in between:
 *
 * 1. {@link prepareSignature} appends the signing revision to the letter, with /Contents reserved
 *    (all zeros), and computes `toBeSigned`, the DER signed attributes. The caller stores the whole
 *    {@link PreparedSignature} and sends `toBeSigned` to the browser.
 * 2. The browser signs `toBeSigned` with RSA PKCS #1 v1.5 / SHA-256 and the e.firma key.
 * 3. {@link embedSignature} checks that signature and writes the CMS into /Contents.
 *
 * Store the prepared bytes; never prepare again to embed. A week may pass between the steps, and
 * a deployment in between (pdf-lib, the appearance) would change the bytes and so the digest.
 *
 * The signing revision only fills the existing empty field: the field's /V and /AP, a new /Sig
 * dictionary, the appearance XObject and its two fonts (see signature-fields.ts for why).
 */
import { createHash, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { PDFArray, PDFDict, PDFName, PDFNumber, PDFRef, PDFString } from 'pdf-lib';
import type { ErrorCode } from '../domain/errors';
import { buildSignatureAppearance } from './appearance';
import { buildSignedAttributes, buildSignedData, readSignedAttributes } from './cms';
import { PdfFile } from './document';
import { editableContext } from './editable';
import { placeholderIsEmpty } from './embedded';
import { PdfLimitError, PdfStructureError } from './errors';
import { appendIncrementalUpdate } from './incremental';
import { DocumentStructure } from './structure';
import { isDict, PdfRef } from './syntax';

/**
 * Bytes reserved for the CMS (twice as many hex digits in /Contents). A signer, an intermediate
 * and a 4096-bit root come to about 4–5 KB; 16 KiB leaves room for a longer SAT chain and, later,
 * a signature time-stamp (PAdES B-T).
 */
export const SIGNATURE_PLACEHOLDER_BYTES = 16 * 1024;

export type PdfSigningErrorCode = Extract<
  ErrorCode,
  | 'MALFORMED_INPUT'
  | 'ALREADY_SIGNED'
  | 'DOCUMENT_MISMATCH'
  | 'SIGNATURE_INVALID'
  | 'UNSUPPORTED_ALGORITHM'
  | 'PAYLOAD_TOO_LARGE'
  | 'DOCUMENT_MODIFIED_AFTER_SIGNING'
>;

/**
 * Why a PDF could not be prepared or a signature not embedded; `code` is a public error code. None
 * of them is helped by retrying with the same input.
 */
export class PdfSigningError extends Error {
  override readonly name = 'PdfSigningError';
  constructor(
    readonly code: PdfSigningErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Who signs, as the appearance shows it. */
export interface PadesSigner {
  readonly name: string;
  readonly rfc: string | null;
  /** In Spanish, e.g. "Presidenta Municipal de Huixquilucan". */
  readonly role: string;
}

export interface PreparedSignature {
  /** The base revision plus the signing update, /Contents all zeros. */
  readonly pdf: Buffer;
  readonly field: string;
  /** `[0, a, b, c]`: everything but the /Contents value, its `<` and `>` included in the gap. */
  readonly byteRange: readonly [number, number, number, number];
  /** DER of the signed attributes (a SET): what the signer signs with RSA PKCS #1 v1.5 SHA-256. */
  readonly toBeSigned: Buffer;
  /** SHA-256 (hex) of the certificate the signature was prepared for. */
  readonly certificateSha256: string;
}

export interface PrepareSignatureInput {
  /** The field to sign, e.g. `SIGNATURE_FIELD.municipal` (src/domain/process.ts). */
  readonly field: string;
  /** The signer's certificate (DER), named in the signed attributes. */
  readonly certificate: Uint8Array;
  readonly signer: PadesSigner;
  /** The claimed signing time: written to /M and shown in the appearance. */
  readonly signingTime: Date;
}

export interface EmbedSignatureInput {
  /** RSA PKCS #1 v1.5 / SHA-256 signature over `toBeSigned`, from the signer's browser. */
  readonly signature: Uint8Array;
  /** The certificate (DER) the signature was prepared for. */
  readonly certificate: Uint8Array;
  /** CA certificates (DER) to carry, intermediate first, so validators can build the path. */
  readonly chain?: readonly Uint8Array[];
}

/** Fixed width, so that the real numbers can be written over it without moving any byte. */
const BYTE_RANGE_PLACEHOLDER = '[0 0000000000 0000000000 0000000000]';

const sha256 = (...parts: Uint8Array[]): Buffer =>
  parts.reduce((hash, part) => hash.update(part), createHash('sha256')).digest();

function signedDigest(pdf: Buffer, [, a, b, c]: PreparedSignature['byteRange']): Buffer {
  return sha256(pdf.subarray(0, a), pdf.subarray(b, b + c));
}

/** RSA PKCS #1 v1.5 / SHA-256; bytes that are not a signature of this key's size just do not verify. */
function verifies(data: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  try {
    return verify('sha256', data, key, signature);
  } catch {
    return false;
  }
}

function parseCertificate(der: Uint8Array): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (error) {
    throw new PdfSigningError('MALFORMED_INPUT', 'the certificate is not an X.509 certificate', {
      cause: error,
    });
  }
}

/**
 * Appends the signing revision for `field` to `base` and computes what the signer must sign.
 *
 * @param base the letter as stored: revision 1, or revision 1 with earlier signatures embedded
 * @throws PdfSigningError `MALFORMED_INPUT` for a field that does not exist or a base we cannot
 *   extend (unreadable, encrypted, cross-reference streams, an unembedded prepared revision);
 *   `ALREADY_SIGNED` for a field that has a signature
 */
export async function prepareSignature(
  base: Uint8Array,
  input: PrepareSignatureInput,
): Promise<PreparedSignature> {
  parseCertificate(input.certificate);
  try {
    return prepare(base, input);
  } catch (error) {
    if (error instanceof PdfStructureError || error instanceof PdfLimitError)
      throw new PdfSigningError('MALFORMED_INPUT', error.message, { cause: error });
    throw error;
  }
}

function prepare(base: Uint8Array, input: PrepareSignatureInput): PreparedSignature {
  const file = PdfFile.read(base);
  const fields = new DocumentStructure(file, file.newest).signatureFields;
  const unembedded = fields.some((f) => {
    const value = file.resolve(f.value);
    return isDict(value) && placeholderIsEmpty(value);
  });
  if (unembedded)
    throw new PdfSigningError(
      'MALFORMED_INPUT',
      'the PDF is a prepared revision whose signature was never embedded',
    );
  const found = fields.find((f) => f.name === input.field);
  if (found === undefined)
    throw new PdfSigningError('MALFORMED_INPUT', `the PDF has no signature field ${input.field}`);
  if (found.value !== undefined)
    throw new PdfSigningError('ALREADY_SIGNED', `field ${input.field} is already signed`);
  // Our fields are merged with their one widget (signature-fields.ts): that is what we sign.
  if (
    !(found.ref instanceof PdfRef) ||
    found.widgets.length !== 1 ||
    found.widgets[0]!.ref?.num !== found.ref.num
  )
    throw new PdfSigningError('MALFORMED_INPUT', `field ${input.field} is not a widget we can sign`);
  const context = editableContext(file);
  const field = {
    ref: PDFRef.of(found.ref.num, found.ref.gen),
    dict: context.lookup(PDFRef.of(found.ref.num, found.ref.gen), PDFDict),
  };
  const rect = field.dict.lookupMaybe(PDFName.of('Rect'), PDFArray);
  if (rect === undefined || rect.size() !== 4)
    throw new PdfSigningError('MALFORMED_INPUT', `field ${input.field} is not a widget we can sign`);
  const corner = (i: number): number => rect.lookup(i, PDFNumber).asNumber();

  const appearance = buildSignatureAppearance(
    context,
    { width: Math.abs(corner(2) - corner(0)), height: Math.abs(corner(3) - corner(1)) },
    { ...input.signer, signingTime: input.signingTime },
  );
  // The /Sig dictionary (ISO 32000-1 §12.8.1) is written as text, so that the offsets of its
  // /ByteRange and /Contents are known; /M is the claimed signing time (PAdES has no signing-time
  // attribute). §12.8.3.3.1: /Contents is a hex string, its ByteRange gap includes the brackets.
  const sigRef = context.nextRef();
  const beforeByteRange =
    '<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached' +
    ` /M ${PDFString.fromDate(input.signingTime).toString()} /ByteRange `;
  const beforeContents = `${beforeByteRange}${BYTE_RANGE_PLACEHOLDER} /Contents `;
  const contents = `<${'0'.repeat(SIGNATURE_PLACEHOLDER_BYTES * 2)}>`;

  field.dict.set(PDFName.of('V'), sigRef);
  field.dict.set(PDFName.of('AP'), context.obj({ N: appearance.xobject }));
  const { pdf, bodyOffsets } = appendIncrementalUpdate(file, context, [
    { ref: field.ref, body: field.dict },
    { ref: sigRef, body: Buffer.from(`${beforeContents}${contents} >>`, 'latin1') },
    ...appearance.objects.map((ref) => ({ ref, body: context.lookup(ref)! })),
  ]);

  const sigAt = bodyOffsets.get(sigRef.objectNumber)!;
  const gapStart = sigAt + beforeContents.length;
  const gapEnd = gapStart + contents.length;
  const byteRange = [0, gapStart, gapEnd, pdf.length - gapEnd] as const;
  pdf.write(
    `[${byteRange.join(' ')}]`.padEnd(BYTE_RANGE_PLACEHOLDER.length),
    sigAt + beforeByteRange.length,
    'latin1',
  );
  return {
    pdf,
    field: input.field,
    byteRange,
    toBeSigned: buildSignedAttributes(signedDigest(pdf, byteRange), input.certificate),
    certificateSha256: sha256(input.certificate).toString('hex'),
  };
}

/**
 * Checks the browser's signature and writes the CMS into the prepared PDF's /Contents. Only those
 * hex digits change: the result is the prepared bytes otherwise.
 *
 * @throws PdfSigningError `SIGNATURE_INVALID` when the signature does not verify over toBeSigned
 *   or the certificate is not the one prepared for; `DOCUMENT_MISMATCH` when the stored PDF is not
 *   the one toBeSigned was computed from; `ALREADY_SIGNED` when /Contents is filled already;
 *   `PAYLOAD_TOO_LARGE` when the CMS does not fit; `MALFORMED_INPUT` for unreadable input
 */
export function embedSignature(prepared: PreparedSignature, input: EmbedSignatureInput): Buffer {
  const { pdf, byteRange, toBeSigned } = prepared;
  const [, a, b, c] = byteRange;
  if (b + c !== pdf.length || pdf[a] !== 0x3c || pdf[b - 1] !== 0x3e)
    throw new PdfSigningError('MALFORMED_INPUT', 'the ByteRange does not fit the prepared PDF');
  if (!/^0+$/.test(pdf.toString('latin1', a + 1, b - 1)))
    throw new PdfSigningError('ALREADY_SIGNED', 'the prepared signature has been embedded already');

  let attributes: ReturnType<typeof readSignedAttributes>;
  try {
    attributes = readSignedAttributes(toBeSigned);
  } catch (error) {
    throw new PdfSigningError('MALFORMED_INPUT', 'toBeSigned is not our signed attributes', { cause: error });
  }
  if (!attributes.messageDigest.equals(signedDigest(pdf, byteRange)))
    throw new PdfSigningError(
      'DOCUMENT_MISMATCH',
      'the stored PDF is not the one toBeSigned was computed from',
    );

  const certificateHash = sha256(input.certificate);
  if (
    certificateHash.toString('hex') !== prepared.certificateSha256 ||
    !certificateHash.equals(attributes.signingCertificateSha256)
  )
    throw new PdfSigningError(
      'SIGNATURE_INVALID',
      'the certificate is not the one the signature was prepared for',
    );
  const { publicKey } = parseCertificate(input.certificate);
  if (publicKey.asymmetricKeyType !== 'rsa')
    throw new PdfSigningError('UNSUPPORTED_ALGORITHM', 'only RSA e.firma keys are supported');
  if (!verifies(toBeSigned, publicKey, input.signature))
    throw new PdfSigningError(
      'SIGNATURE_INVALID',
      'the signature does not verify over toBeSigned with the certificate',
    );

  let hex: string;
  try {
    const { signature, certificate, chain = [] } = input;
    hex = buildSignedData({ signedAttributes: toBeSigned, signature, certificate, chain }).toString('hex');
  } catch (error) {
    throw new PdfSigningError('MALFORMED_INPUT', 'a certificate is not DER', { cause: error });
  }
  if (hex.length > b - a - 2)
    throw new PdfSigningError(
      'PAYLOAD_TOO_LARGE',
      `the CMS needs ${hex.length / 2} bytes; ${(b - a - 2) / 2} are reserved`,
    );
  const signed = Buffer.from(pdf);
  signed.write(hex, a + 1, 'latin1'); // the rest of the placeholder stays zero padding
  return signed;
}
