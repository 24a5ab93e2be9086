/**
 * PAdES document time-stamps (ETSI EN 319 142-1 §5.4.3; ISO 32000-2 §12.8.5): a TSA's RFC 3161
 * token over the whole file as it stands, in a signature field of its own. Over a /DSS that holds
 * the signatures' validation data it makes them PAdES B-LTA: the data is then proven to have
 * existed at the stamped time, and a later stamp (over a later /DSS) renews the proof.
 *
 * Two steps, as for a signature (pades.ts), because the TSA is asked in between:
 *
 * 1. {@link prepareDocumentTimestamp} appends one revision: a new invisible signature field
 *    (`SelloDeTiempo1`, `SelloDeTiempo2`, …: the first free name), merged with its widget, /Rect
 *    [0 0 0 0], in the first page's /Annots and the form's /Fields, whose /V is a new
 *    `/Type /DocTimeStamp /SubFilter /ETSI.RFC3161` dictionary with /Contents reserved (zeros).
 *    It returns the SHA-256 of the byte ranges: the imprint to ask the TSA for.
 * 2. {@link embedDocumentTimestamp} checks that the token stamps exactly those bytes and writes it
 *    into /Contents.
 *
 * The revision only adds an invisible signature field, which the judge (judge.ts) allows after a
 * signature; before returning, the revision is judged (dss.ts's checkOwnRevision).
 */
import { createHash } from 'node:crypto';
import { PDFArray, PDFDict, PDFName, PDFNumber, PDFRef, PDFString, type PDFObject } from 'pdf-lib';
import { parseCms } from '../signatures/cms';
import { parseTstInfo, TST_INFO_OID, type MessageImprint } from '../timestamps/token';
import { verifyTimestampToken, type TimestampTrust } from '../timestamps/verify';
import { PdfFile } from './document';
import { checkOwnRevision, refuseUnembedded } from './dss';
import { editableContext } from './editable';
import { PdfLimitError, PdfStructureError } from './errors';
import { appendIncrementalUpdate, type UpdateObject } from './incremental';
import { PdfSigningError } from './pades';
import { DocumentStructure } from './structure';

/** Bytes reserved for the token: a TSA certificate and its chain come to 3–6 KB. */
export const DOCUMENT_TIMESTAMP_PLACEHOLDER_BYTES = 16 * 1024;

/** The name of the n-th document time-stamp field (1-based). */
export const documentTimestampField = (n: number): string => `SelloDeTiempo${n}`;

export interface PreparedDocumentTimestamp {
  /** The base revisions plus the time-stamp's, /Contents all zeros. */
  readonly pdf: Buffer;
  readonly field: string;
  /** `[0, a, b, c]`: everything but the /Contents value, its `<` and `>` included in the gap. */
  readonly byteRange: readonly [number, number, number, number];
  /** SHA-256 of the byte ranges: the message imprint to ask the TSA for. */
  readonly digest: Buffer;
}

export interface PrepareDocumentTimestampOptions {
  /** Bytes reserved for the token. @default DOCUMENT_TIMESTAMP_PLACEHOLDER_BYTES */
  readonly placeholderBytes?: number;
}

/** Fixed width, so that the real numbers can be written over it without moving any byte. */
const BYTE_RANGE_PLACEHOLDER = '[0 0000000000 0000000000 0000000000]';

function rangesDigest(
  algorithm: MessageImprint['algorithm'],
  pdf: Uint8Array,
  [, a, b, c]: PreparedDocumentTimestamp['byteRange'],
): Buffer {
  return createHash(algorithm)
    .update(pdf.subarray(0, a))
    .update(pdf.subarray(b, b + c))
    .digest();
}

/**
 * Appends the document time-stamp's revision to `base` and computes the imprint to stamp.
 * @throws PdfSigningError `MALFORMED_INPUT` for a PDF we cannot extend (unreadable, without an
 *   interactive form or a page, a prepared signature not yet embedded)
 */
export function prepareDocumentTimestamp(
  base: Uint8Array,
  options: PrepareDocumentTimestampOptions = {},
): PreparedDocumentTimestamp {
  try {
    return prepare(base, options.placeholderBytes ?? DOCUMENT_TIMESTAMP_PLACEHOLDER_BYTES);
  } catch (error) {
    if (error instanceof PdfStructureError || error instanceof PdfLimitError)
      throw new PdfSigningError('MALFORMED_INPUT', error.message, { cause: error });
    throw error;
  }
}

function prepare(base: Uint8Array, placeholderBytes: number): PreparedDocumentTimestamp {
  if (!Number.isSafeInteger(placeholderBytes) || placeholderBytes < 1024)
    throw new PdfSigningError('MALFORMED_INPUT', `cannot reserve ${placeholderBytes} bytes for a token`);
  const file = PdfFile.read(base);
  refuseUnembedded(file);
  const structure = new DocumentStructure(file, file.newest);
  const taken = new Set(structure.fields.map((f) => f.name));
  let n = 1;
  while (taken.has(documentTimestampField(n))) n++;
  const name = documentTimestampField(n);
  const page = structure.pages[0];
  if (page === undefined) throw new PdfSigningError('MALFORMED_INPUT', 'the PDF has no page');

  const context = editableContext(file);
  const written: UpdateObject[] = [];
  /** An existing object rewritten (once) as part of the update. */
  const rewrite = (ref: PDFRef, body: PDFObject): void => {
    if (!written.some((w) => w.ref === ref)) written.push({ ref, body });
  };
  const catalogRef = context.trailerInfo.Root as PDFRef;
  const catalog = context.lookup(catalogRef, PDFDict);
  // The judge allows a form to gain fields, not a catalog to gain a form: our letters have one.
  const formValue = catalog.get(PDFName.of('AcroForm'));
  const form = context.lookupMaybe(formValue, PDFDict);
  if (form === undefined) throw new PdfSigningError('MALFORMED_INPUT', 'the PDF has no interactive form');
  const formHolder = formValue instanceof PDFRef ? formValue : catalogRef;
  const formHolderBody = formValue instanceof PDFRef ? form : catalog;

  const pageRef = PDFRef.of(page.ref.num, page.ref.gen);
  const sigRef = context.nextRef();
  const fieldRef = context.register(
    context.obj({
      Type: 'Annot',
      Subtype: 'Widget',
      FT: 'Sig',
      T: PDFString.of(name),
      Rect: [0, 0, 0, 0],
      F: 4, // §12.5.3: Print, as the letter's own fields (nothing is drawn: the box has no area)
      P: pageRef,
      V: sigRef,
    }),
  );
  written.push({ ref: fieldRef, body: context.lookup(fieldRef)! });

  // The form's /Fields and the page's /Annots gain the field: in place when they are arrays of
  // their own, else in the dictionary that holds them (rewritten as `holder`).
  const gain = (dict: PDFDict, key: string, holder: PDFRef, holderBody: PDFObject): void => {
    const value = dict.get(PDFName.of(key));
    if (value instanceof PDFRef) {
      const array = context.lookup(value, PDFArray);
      array.push(fieldRef);
      rewrite(value, array);
    } else {
      const array = value instanceof PDFArray ? value : context.obj([]);
      array.push(fieldRef);
      dict.set(PDFName.of(key), array);
      rewrite(holder, holderBody);
    }
  };
  gain(form, 'Fields', formHolder, formHolderBody);
  // §12.7.2 Table 219: SignaturesExist | AppendOnly.
  const flags = form.lookupMaybe(PDFName.of('SigFlags'), PDFNumber)?.asNumber() ?? 0;
  if ((flags & 3) !== 3) {
    form.set(PDFName.of('SigFlags'), PDFNumber.of(flags | 3));
    rewrite(formHolder, formHolderBody);
  }
  const pageDict = context.lookup(pageRef, PDFDict);
  gain(pageDict, 'Annots', pageRef, pageDict);

  // The time-stamp dictionary (ISO 32000-2 §12.8.5 Table 263) written as text, so that the offsets
  // of its /ByteRange and /Contents are known.
  const beforeByteRange =
    '<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange ';
  const beforeContents = `${beforeByteRange}${BYTE_RANGE_PLACEHOLDER} /Contents `;
  const contents = `<${'0'.repeat(placeholderBytes * 2)}>`;
  written.push({ ref: sigRef, body: Buffer.from(`${beforeContents}${contents} >>`, 'latin1') });
  const { pdf, bodyOffsets } = appendIncrementalUpdate(file, context, written);

  const sigAt = bodyOffsets.get(sigRef.objectNumber)!;
  const gapStart = sigAt + beforeContents.length;
  const gapEnd = gapStart + contents.length;
  const byteRange = [0, gapStart, gapEnd, pdf.length - gapEnd] as const;
  pdf.write(
    `[${byteRange.join(' ')}]`.padEnd(BYTE_RANGE_PLACEHOLDER.length),
    sigAt + beforeByteRange.length,
    'latin1',
  );
  checkOwnRevision(pdf, 'the document time-stamp revision');
  return { pdf, field: name, byteRange, digest: rangesDigest('sha256', pdf, byteRange) };
}

/**
 * Writes `token` (a TimeStampToken, DER) into the prepared /Contents, once it is proven to stamp
 * the prepared bytes (and, with `trust`, to be a valid token of a trusted TSA). Only those hex
 * digits change.
 *
 * @throws PdfSigningError `DOCUMENT_MISMATCH` when the token stamps another imprint or the PDF is
 *   not the one prepared; `SIGNATURE_INVALID` when `trust` is given and the token does not verify;
 *   `ALREADY_SIGNED` when /Contents is filled already; `PAYLOAD_TOO_LARGE` when the token does not
 *   fit; `MALFORMED_INPUT` for a token that is not a TimeStampToken
 */
export function embedDocumentTimestamp(
  prepared: PreparedDocumentTimestamp,
  token: Uint8Array,
  trust?: TimestampTrust,
): Buffer {
  const { pdf, byteRange } = prepared;
  const [, a, b, c] = byteRange;
  if (b + c !== pdf.length || pdf[a] !== 0x3c || pdf[b - 1] !== 0x3e)
    throw new PdfSigningError('MALFORMED_INPUT', 'the ByteRange does not fit the prepared PDF');
  if (!/^0+$/.test(pdf.toString('latin1', a + 1, b - 1)))
    throw new PdfSigningError('ALREADY_SIGNED', 'the document time-stamp has been embedded already');
  if (!rangesDigest('sha256', pdf, byteRange).equals(prepared.digest))
    throw new PdfSigningError('DOCUMENT_MISMATCH', 'the PDF is not the one the digest was computed from');

  let imprint: MessageImprint;
  try {
    const cms = parseCms(token, { lenientSigningTime: true });
    if (cms.contentType !== TST_INFO_OID || cms.content === null) throw new Error('no TSTInfo in the token');
    imprint = parseTstInfo(cms.content).imprint;
  } catch (error) {
    throw new PdfSigningError('MALFORMED_INPUT', 'the token is not a TimeStampToken', { cause: error });
  }
  // The imprint in the token's own algorithm, over the very bytes the ranges cover.
  if (!rangesDigest(imprint.algorithm, pdf, byteRange).equals(Buffer.from(imprint.digest)))
    throw new PdfSigningError('DOCUMENT_MISMATCH', 'the token stamps another digest than the prepared one');
  if (trust !== undefined) {
    const verdict = verifyTimestampToken(token, { imprint }, trust);
    if (!verdict.valid)
      throw new PdfSigningError(
        'SIGNATURE_INVALID',
        `the time-stamp token does not verify: ${verdict.problem}`,
      );
  }
  const hex = Buffer.from(token).toString('hex');
  if (hex.length > b - a - 2)
    throw new PdfSigningError(
      'PAYLOAD_TOO_LARGE',
      `the token needs ${hex.length / 2} bytes; ${(b - a - 2) / 2} are reserved`,
    );
  const stamped = Buffer.from(pdf);
  stamped.write(hex, a + 1, 'latin1');
  return stamped;
}
