/**
 * Reading the signatures embedded in a PDF (ISO 32000-1 §12.8), ours or another tool's: which
 * field, which bytes each one signs, its CMS, and the revision it covers.
 *
 * What changed after a signature is judged in modifications.ts; the CMS itself is judged by the
 * project's SignatureVerifier (verify-pdf.ts puts the two together).
 */
import {
  PDFArray,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRef,
  PDFString,
  type PDFContext,
} from 'pdf-lib';
import { loadRevision, readingPdf, readRevisions, type Revision } from './revisions';

/** A signature field as the AcroForm lists it. */
export interface SignatureField {
  /** Fully qualified name (§12.7.3.2): the partial names /T of its ancestors and its own, dot-joined. */
  readonly name: string;
  /** The field dictionary's reference; undefined for a (non-conforming) direct dictionary. */
  readonly ref: PDFRef | undefined;
  readonly dict: PDFDict;
  /** /V: the signature dictionary, once signed. */
  readonly value: PDFDict | undefined;
}

/** Every signature field (/FT /Sig, inherited through /Parent) of the document in `context`. */
export function signatureFields(context: PDFContext): SignatureField[] {
  const catalog = context.lookupMaybe(context.trailerInfo.Root, PDFDict);
  const top = catalog
    ?.lookupMaybe(PDFName.of('AcroForm'), PDFDict)
    ?.lookupMaybe(PDFName.of('Fields'), PDFArray);
  const found: SignatureField[] = [];
  const seen = new Set<string>(); // a /Kids cycle must not loop forever
  const walk = (kids: PDFArray, parentName: string, parentType: PDFName | undefined): void => {
    for (let i = 0; i < kids.size(); i++) {
      const item = kids.get(i);
      const dict = kids.lookupMaybe(i, PDFDict);
      if (dict === undefined || seen.has(String(item))) continue;
      if (item instanceof PDFRef) seen.add(String(item));
      const partial = dict.lookupMaybe(PDFName.of('T'), PDFString, PDFHexString)?.decodeText();
      const name = partial === undefined ? parentName : parentName ? `${parentName}.${partial}` : partial;
      const type = dict.lookupMaybe(PDFName.of('FT'), PDFName) ?? parentType;
      const children = dict.lookupMaybe(PDFName.of('Kids'), PDFArray);
      if (children !== undefined && children.size() > 0) walk(children, name, type);
      else if (type === PDFName.of('Sig') && partial !== undefined) {
        const ref = item instanceof PDFRef ? item : undefined;
        found.push({ name, ref, dict, value: dict.lookupMaybe(PDFName.of('V'), PDFDict) });
      }
    }
  };
  if (top !== undefined) walk(top, '', undefined);
  return found;
}

/** True when a signature dictionary's /Contents is still the zeros prepareSignature reserved. */
export function placeholderIsEmpty(signature: PDFDict): boolean {
  const contents = contentsOf(signature);
  return contents !== undefined && contents.every((b) => b === 0);
}

/** /Contents as bytes: a hex string as written by signers, or a literal string. */
function contentsOf(signature: PDFDict): Uint8Array | undefined {
  const contents = signature.lookup(PDFName.of('Contents'));
  return contents instanceof PDFHexString || contents instanceof PDFString ? contents.asBytes() : undefined;
}

export interface EmbeddedSignature {
  readonly field: string;
  /** E.g. `ETSI.CAdES.detached` or `adbe.pkcs7.detached`; null when absent. */
  readonly subFilter: string | null;
  readonly byteRange: readonly [number, number, number, number];
  /** The CMS, DER, without the zero padding that fills the rest of /Contents. */
  readonly cms: Buffer;
  /** /M, the signing time the signer claims (nothing proves it); null when absent or unreadable. */
  readonly signingTime: Date | null;
  /** Offset just past the signed bytes: the end of the revision the signature covers. */
  readonly revisionEnd: number;
  /** The revision covered (1-based), or null when the signed bytes do not end at a revision's end. */
  readonly revision: number | null;
  /** True when nothing was appended after the signed bytes. */
  readonly coversWholeFile: boolean;
  /** What is wrong with the signature dictionary itself (English); empty when nothing. */
  readonly problems: readonly string[];
  /** The signed bytes: the two byte ranges, concatenated. */
  signedBytes(): Buffer;
}

/** The /SubFilter values whose /Contents is a detached CMS over the byte ranges (§12.8.3.3). */
const CMS_SUBFILTERS = new Set(['ETSI.CAdES.detached', 'adbe.pkcs7.detached']);

/** The signed fields of `pdf`, in AcroForm order. @throws PdfStructureError for an unreadable PDF */
export function readEmbeddedSignatures(pdf: Uint8Array): EmbeddedSignature[] {
  const revisions = readRevisions(pdf);
  const context = loadRevision(pdf, revisions);
  return readingPdf(() =>
    signatureFields(context).flatMap(({ name, value }) =>
      value === undefined ? [] : [embeddedSignature(pdf, revisions, name, value)],
    ),
  );
}

function embeddedSignature(
  pdf: Uint8Array,
  revisions: readonly Revision[],
  field: string,
  sig: PDFDict,
): EmbeddedSignature {
  const problems: string[] = [];
  const bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.length);
  const subFilter = sig.lookupMaybe(PDFName.of('SubFilter'), PDFName)?.decodeText() ?? null;
  if (subFilter === null || !CMS_SUBFILTERS.has(subFilter))
    problems.push(`unsupported /SubFilter ${subFilter ?? '(none)'}`);

  const values = (sig.lookupMaybe(PDFName.of('ByteRange'), PDFArray)?.asArray() ?? []).map((n) =>
    n instanceof PDFNumber ? n.asNumber() : NaN,
  );
  const wellFormed = values.length === 4 && values.every((n) => Number.isSafeInteger(n) && n >= 0);
  const [start, a, b, c] = wellFormed ? (values as [number, number, number, number]) : [0, 0, 0, 0];
  const contents = contentsOf(sig) ?? new Uint8Array();
  // §12.8.1: the ranges are the whole file up to the end of the revision but the /Contents value.
  // The gap must be exactly this dictionary's /Contents, brackets included, and nothing else.
  if (!wellFormed || start !== 0 || a >= b || b + c > pdf.length)
    problems.push(`malformed /ByteRange [${values.join(' ')}]`);
  else if (
    pdf[a] !== 0x3c ||
    pdf[b - 1] !== 0x3e ||
    !hexDigits(bytes.toString('latin1', a + 1, b - 1)).equals(contents)
  )
    problems.push('the /ByteRange gap is not this signature’s /Contents');

  // The signed bytes end at a revision's %%EOF, or just after its end-of-line.
  const revisionEnd = b + c;
  const index = revisions.findIndex(
    (r) =>
      revisionEnd - r.end >= 0 &&
      revisionEnd - r.end <= 2 &&
      /^[\r\n]*$/.test(bytes.toString('latin1', r.end, revisionEnd)),
  );
  if (index === -1)
    problems.push(`the signed bytes end at ${revisionEnd}, which is not the end of a revision`);
  const length = firstElementLength(contents);
  if (placeholderIsEmpty(sig)) problems.push('the signature was never embedded: /Contents is all zeros');
  else if (length === null) problems.push('/Contents does not hold an ASN.1 element');
  let signingTime: Date | null = null;
  try {
    signingTime = sig.lookupMaybe(PDFName.of('M'), PDFString, PDFHexString)?.decodeDate() ?? null;
  } catch {
    // /M is optional and only claimed: an unreadable one is reported as absent.
  }
  return {
    field,
    subFilter,
    byteRange: [start, a, b, c],
    cms: Buffer.from(contents.subarray(0, length ?? contents.length)),
    signingTime,
    revisionEnd,
    revision: index === -1 ? null : index + 1,
    coversWholeFile: revisionEnd === pdf.length,
    problems,
    signedBytes: () => Buffer.concat([bytes.subarray(0, a), bytes.subarray(b, revisionEnd)]),
  };
}

/** A hex string's bytes (§7.3.4.3: white space ignored, an odd final digit padded with 0). */
function hexDigits(text: string): Buffer {
  const digits = text.replace(/[\0\t\n\f\r ]/g, '');
  return /^[0-9a-fA-F]*$/.test(digits)
    ? Buffer.from(digits.length % 2 ? `${digits}0` : digits, 'hex')
    : Buffer.alloc(0);
}

/**
 * Length of the BER element at the start of `bytes` (X.690 §8.1), definite or indefinite length:
 * what follows it in /Contents is padding, even when the element itself ends in zero bytes.
 */
function firstElementLength(bytes: Uint8Array): number | null {
  let pos = 0;
  let open = 0; // indefinite-length elements not yet closed
  do {
    if (open > 0 && bytes[pos] === 0 && bytes[pos + 1] === 0) {
      pos += 2; // end-of-contents
      open--;
      continue;
    }
    const identifier = bytes[pos++];
    if (identifier === undefined) return null;
    if ((identifier & 0x1f) === 0x1f) while (pos < bytes.length && bytes[pos++]! & 0x80) continue;
    const lengthOctet = bytes[pos++];
    if (lengthOctet === undefined || lengthOctet > 0x84) return null;
    if (lengthOctet === 0x80) {
      if ((identifier & 0x20) === 0) return null;
      open++;
    } else if (lengthOctet < 0x80) pos += lengthOctet;
    else {
      let length = 0;
      for (let i = 0; i < (lengthOctet & 0x7f); i++) length = length * 256 + (bytes[pos++] ?? 0);
      pos += length;
    }
  } while (open > 0 && pos < bytes.length);
  return open === 0 && pos <= bytes.length ? pos : null;
}

/**
 * The original letter: the bytes of revision 1, up to and including its `%%EOF`. Its SHA-256 is
 * the document's identity. (Revision 1 is written by pdf-lib, which ends the file at `%%EOF`; the
 * first update then starts with its own end-of-line.) @throws PdfStructureError
 */
export function originalRevision(pdf: Uint8Array): Buffer {
  return Buffer.from(pdf.subarray(0, readRevisions(pdf)[0]!.end));
}

export { modificationsAfter, type Modifications } from './modifications';
