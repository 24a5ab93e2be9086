/**
 * Reading the signatures embedded in a PDF (ISO 32000-1 §12.8), ours or another tool's: which
 * field, which bytes each one signs, its CMS, and the revision it covers.
 *
 * A signature's bytes are bound to its place: its signature dictionary must be an object written
 * in the revision its /ByteRange ends with, that revision must give it to the field as /V, and the
 * gap the ranges leave must be exactly that dictionary's /Contents. Otherwise a later field could
 * copy an earlier signature's /ByteRange and /Contents and pass for signed (signature replay), or
 * the ranges could point at a copy of the signed bytes placed elsewhere (signature wrapping).
 *
 * What changed after a signature is judged in judge.ts; the CMS itself by the project's
 * SignatureVerifier (verify-pdf.ts puts the three together).
 */
import { PdfFile } from './document';
import { DocumentStructure, refKey, textOf } from './structure';
import { isArray, isDict, isInteger, isName, PdfRef, PdfString, type PdfDict, type PdfValue } from './syntax';

export interface EmbeddedSignature {
  readonly field: string;
  /** A person's signature, or a document time-stamp (PAdES B-LTA, /Type /DocTimeStamp). */
  readonly kind: 'signature' | 'timestamp';
  /** E.g. `ETSI.CAdES.detached`, `adbe.pkcs7.detached` or `ETSI.RFC3161`; null when absent. */
  readonly subFilter: string | null;
  readonly byteRange: readonly [number, number, number, number];
  /** The CMS, DER, without the zero padding that fills the rest of /Contents. */
  readonly cms: Buffer;
  /** /M, the signing time the signer claims (nothing proves it); null when absent or unreadable. */
  readonly signingTime: Date | null;
  /** Offset just past the signed bytes: the end of the revision the signature covers. */
  readonly revisionEnd: number;
  /** The revision covered (1-based), or null when the signature is not bound to one. */
  readonly revision: number | null;
  /** True when nothing was appended after the signed bytes. */
  readonly coversWholeFile: boolean;
  /** What is wrong with the signature dictionary or its binding (English); empty when nothing. */
  readonly problems: readonly string[];
  /** The signed bytes: the two byte ranges, concatenated. */
  signedBytes(): Buffer;
}

/** The /SubFilter values whose /Contents is a detached CMS over the byte ranges (§12.8.3.3). */
const CMS_SUBFILTERS = new Set(['ETSI.CAdES.detached', 'adbe.pkcs7.detached']);
/** PAdES document time-stamps (ETSI EN 319 142-1 §5.4): an RFC 3161 token over the byte ranges. */
const TIMESTAMP_SUBFILTER = 'ETSI.RFC3161';

/**
 * The signed fields of `pdf` (a file already read, or its bytes), in form order.
 * @throws PdfStructureError, PdfLimitError for a PDF that cannot be read
 */
export function readEmbeddedSignatures(pdf: PdfFile | Uint8Array): EmbeddedSignature[] {
  const file = pdf instanceof PdfFile ? pdf : PdfFile.read(pdf);
  const structure = new DocumentStructure(file, file.newest);
  return structure.signatureFields.flatMap((field) =>
    field.value === undefined ? [] : [embeddedSignature(file, field.name, field.ref, field.value)],
  );
}

function embeddedSignature(
  file: PdfFile,
  field: string,
  fieldRef: PdfRef | undefined,
  value: PdfValue,
): EmbeddedSignature {
  const problems: string[] = [];
  const bytes = Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.length);
  const sig = file.resolve(value);
  const dict = isDict(sig) ? sig : undefined;
  if (dict === undefined) problems.push('/V is not a signature dictionary');
  const type = dict?.get('Type');
  const kind = isName(type, 'DocTimeStamp') ? 'timestamp' : 'signature';
  const subFilterValue = dict?.get('SubFilter');
  const subFilter = isName(subFilterValue) ? subFilterValue.value : null;
  if (
    kind === 'timestamp'
      ? subFilter !== TIMESTAMP_SUBFILTER
      : subFilter === null || !CMS_SUBFILTERS.has(subFilter)
  )
    problems.push(`unsupported /SubFilter ${subFilter ?? '(none)'}`);

  const rangeValue = dict?.get('ByteRange');
  const values = isArray(rangeValue) ? rangeValue.map((n) => (isInteger(n) ? n : NaN)) : [];
  const wellFormed = values.length === 4 && values.every((n) => Number.isSafeInteger(n) && n >= 0);
  const [start, a, b, c] = wellFormed ? (values as [number, number, number, number]) : [0, 0, 0, 0];
  const contentsValue = dict?.get('Contents');
  const contents = contentsValue instanceof PdfString ? contentsValue : undefined;
  if (contents === undefined) problems.push('no /Contents string');

  // Where the dictionary is written, and so which revision it belongs to.
  let revision: number | null = null;
  const entry = value instanceof PdfRef ? file.entry(value.num) : undefined;
  if (!(value instanceof PdfRef)) problems.push('the signature dictionary is not an indirect object');
  else if (entry?.kind !== 'offset' || entry.gen !== value.gen)
    problems.push('the signature dictionary is not an object written in the file itself');
  else {
    const written = file.revisions[entry.revision]!;
    revision = entry.revision;
    if (entry.offset < written.start || entry.offset >= written.end)
      problems.push(`the signature dictionary is not written in revision ${revision + 1}, which lists it`);
    // That revision signed this field with this dictionary, and no other field with it.
    const then = new DocumentStructure(file, entry.revision);
    const holders = then.signatureFields.filter(
      (f) => f.value instanceof PdfRef && refKey(f.value) === refKey(value),
    );
    if (
      holders.length !== 1 ||
      (fieldRef !== undefined && holders[0]!.ref && refKey(holders[0]!.ref) !== refKey(fieldRef))
    )
      problems.push(
        `revision ${revision + 1} does not give this signature dictionary to field ${field} alone`,
      );
  }

  // §12.8.1: the ranges are the file up to the end of that revision but this /Contents, brackets
  // included; the end may take the revision's end-of-line after %%EOF.
  const end = revision === null ? -1 : file.revisions[revision]!.end;
  const tail = end < 0 ? '' : bytes.toString('latin1', end, b + c);
  if (!wellFormed || start !== 0 || a >= b || b + c > bytes.length)
    problems.push(`malformed /ByteRange [${values.join(' ')}]`);
  else if (contents && (contents.start !== a || contents.end !== b))
    problems.push('the /ByteRange gap is not this signature’s /Contents');
  else if (revision !== null && (b + c < end || !/^(\r\n|\r|\n)?$/.test(tail)))
    problems.push(
      `the signed bytes end at ${b + c}, but the signature was written in revision ${revision + 1}, which ends at ${end}`,
    );

  const raw = contents?.bytes ?? new Uint8Array();
  const length = firstElementLength(raw);
  if (raw.length > 0 && raw.every((byte) => byte === 0))
    problems.push('the signature was never embedded: /Contents is all zeros');
  else if (length === null) problems.push('/Contents does not hold an ASN.1 element');
  let signingTime: Date | null = null;
  const m = dict?.get('M');
  if (m instanceof PdfString) signingTime = pdfDate(textOf(m) ?? '');
  const signedEnd = wellFormed ? b + c : 0;
  return {
    field,
    kind,
    subFilter,
    byteRange: [start, a, b, c],
    cms: Buffer.from(raw.subarray(0, length ?? raw.length)),
    signingTime,
    revisionEnd: signedEnd,
    revision: problems.length === 0 && revision !== null ? revision + 1 : null,
    coversWholeFile: signedEnd === bytes.length,
    problems,
    signedBytes: () =>
      wellFormed && b + c <= bytes.length
        ? Buffer.concat([bytes.subarray(0, a), bytes.subarray(b, b + c)])
        : Buffer.alloc(0),
  };
}

/** True when a signature dictionary's /Contents is still the zeros prepareSignature reserved. */
export function placeholderIsEmpty(signature: PdfDict): boolean {
  const contents = signature.get('Contents');
  return contents instanceof PdfString && contents.bytes.every((b) => b === 0);
}

/** §7.9.4: `D:YYYYMMDDHHmmSSOHH'mm'`, every part after the year optional. */
function pdfDate(text: string): Date | null {
  const match = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?(\d{2})?'?$/.exec(
    text.trim(),
  );
  if (!match) return null;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', sign, oh = '00', om = '00'] = match;
  const offset = sign === '+' || sign === '-' ? `${sign}${oh}:${om}` : 'Z';
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${offset}`);
  return Number.isNaN(date.getTime()) ? null : date;
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
export function originalRevision(pdf: PdfFile | Uint8Array): Buffer {
  const file = pdf instanceof PdfFile ? pdf : PdfFile.read(pdf);
  return Buffer.from(file.bytes.subarray(0, file.revisions[0]!.end));
}
