/**
 * PAdES validation data (ETSI EN 319 142-1 §5.4.2; ISO 32000-2 §12.8.4.3): the catalog's document
 * security store, /DSS, holding the certificates, CRLs and OCSP responses a validator needs to
 * judge the signatures later without fetching anything, plus one /VRI entry per signature naming
 * the data that signature used. With a signature time-stamp (B-T) this makes PAdES B-LT.
 *
 * {@link addValidationData} appends one incremental revision that adds the /DSS, or extends the one
 * the file has: what an earlier /DSS held stays, each new item is a new stream unless a stream with
 * the same content is there already. The revision changes only the /DSS (the catalog too, when the
 * /DSS was not an indirect object of its own), which is what the judge (judge.ts) allows after a
 * signature; before returning, the revision is judged, and one our own judge would refuse is never
 * handed out.
 *
 * /VRI keys (ISO 32000-2 §12.8.4.4 Table 262: "the base-16-encoded (uppercase) SHA-1 digest of the
 * signature to which it applies"): the SHA-1 of the bytes of the signature's whole /Contents
 * string, its zero padding included. That is what EU DSS 6.4 looks up (`PAdESSignature.getVRIKey`:
 * SHA-1 of the /Contents binaries) and what pyHanko reads a VRI by (`sig_content_identifier` of
 * `pkcs7_content`). (pyHanko 0.38's add_validation_info writes another key, the SHA-1 of the
 * lower-case hex text; validators treat /VRI as optional, so its entries are harmless.)
 */
import { createHash } from 'node:crypto';
import { PDFArray, PDFDict, PDFName, PDFRef, PDFString, type PDFObject } from 'pdf-lib';
import { PdfFile } from './document';
import { editableContext } from './editable';
import { placeholderIsEmpty, readEmbeddedSignatures } from './embedded';
import { PdfLimitError, PdfStructureError } from './errors';
import { appendIncrementalUpdate, type UpdateObject } from './incremental';
import { judgeRevision } from './judge';
import { PdfSigningError } from './pades';
import { decodeStream } from './streams';
import { DocumentStructure } from './structure';
import { isArray, isDict, Lexer, PdfRef, PdfStream, PdfString, readValue, type PdfValue } from './syntax';

/** Validation data, DER each: X.509 certificates, CRLs (RFC 5280), OCSPResponses (RFC 6960). */
export interface ValidationItems {
  readonly certificates: readonly Uint8Array[];
  readonly crls: readonly Uint8Array[];
  readonly ocsps: readonly Uint8Array[];
}

/** The data one signature used, for its /VRI entry. */
export interface VriData extends ValidationItems {
  /** The signature's CMS (as embedded.ts reads it, without the zero padding): which signature. */
  readonly signatureCms: Uint8Array;
}

export interface ValidationData extends ValidationItems {
  /** One /VRI entry per signature; its items are added to the /DSS arrays as well. */
  readonly vri?: readonly VriData[];
}

export interface AddValidationDataOptions {
  /** /TU of the new /VRI entries: when the data was gathered. @default now */
  readonly time?: Date;
}

type Kind = keyof ValidationItems;
const KINDS: readonly Kind[] = ['certificates', 'crls', 'ocsps'];
/** The /DSS arrays (Table 261) and the /VRI entry's (Table 262), by kind. */
const DSS_KEY: Readonly<Record<Kind, string>> = { certificates: 'Certs', crls: 'CRLs', ocsps: 'OCSPs' };
const VRI_KEY: Readonly<Record<Kind, string>> = { certificates: 'Cert', crls: 'CRL', ocsps: 'OCSP' };

const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** ISO 32000-2 Table 262: the /VRI key of a signature whose /Contents string holds `contents`. */
export function vriKey(contents: Uint8Array): string {
  return createHash('sha1').update(contents).digest('hex').toUpperCase();
}

/**
 * `pdf` with one more revision whose /DSS holds `data` besides what it held.
 *
 * @throws PdfSigningError `MALFORMED_INPUT` for a PDF we cannot extend (unreadable, a prepared
 *   signature not yet embedded, an existing /DSS of another shape), an item that is not one DER
 *   element, or a /VRI entry for a signature the PDF does not hold
 */
export function addValidationData(
  pdf: Uint8Array,
  data: ValidationData,
  options: AddValidationDataOptions = {},
): Buffer {
  for (const kind of KINDS)
    for (const item of [...data[kind], ...(data.vri ?? []).flatMap((v) => v[kind])])
      oneDerElement(item, kind);
  try {
    return append(pdf, data, options.time ?? new Date());
  } catch (error) {
    if (error instanceof PdfStructureError || error instanceof PdfLimitError)
      throw new PdfSigningError('MALFORMED_INPUT', error.message, { cause: error });
    throw error;
  }
}

function append(pdf: Uint8Array, data: ValidationData, time: Date): Buffer {
  const file = PdfFile.read(pdf);
  refuseUnembedded(file);
  const existing = readValidationStreams(file, file.newest);
  const signatures = readEmbeddedSignatures(file);
  const vriEntries = (data.vri ?? []).map((entry) => {
    const signature = signatures.find((s) => s.cms.equals(Buffer.from(entry.signatureCms)));
    if (signature === undefined)
      throw new PdfSigningError('MALFORMED_INPUT', 'a /VRI entry names a signature the PDF does not hold');
    // The /Contents string, padding included: the gap of the byte ranges (embedded.ts checked so).
    const contents = readValue(new Lexer(file.bytes, file.budget, signature.byteRange[1]));
    if (!(contents instanceof PdfString))
      throw new PdfStructureError('a signature /Contents is not a string');
    return { key: vriKey(contents.bytes), entry };
  });

  const context = editableContext(file);
  const catalogRef = context.trailerInfo.Root as PDFRef;
  const catalog = context.lookup(catalogRef, PDFDict);
  const dssValue = catalog.get(PDFName.of('DSS'));
  const oldDss = dssValue === undefined ? undefined : context.lookup(dssValue);
  if (oldDss !== undefined && !(oldDss instanceof PDFDict))
    throw new PdfSigningError('MALFORMED_INPUT', 'the catalog /DSS is not a dictionary');

  const written: UpdateObject[] = [];
  // Each kind's array: what it had, then a new stream for each content it does not hold yet.
  const arrays = new Map<Kind, PDFObject[]>();
  const refByContent = new Map<string, PDFRef>();
  for (const kind of KINDS) {
    const old = oldDss?.lookupMaybe(PDFName.of(DSS_KEY[kind]), PDFArray);
    const items = old === undefined ? [] : old.asArray();
    for (const [hash, num] of existing[kind]) {
      const ref = items.find((item): item is PDFRef => item instanceof PDFRef && item.objectNumber === num);
      if (ref !== undefined) refByContent.set(`${kind} ${hash}`, ref);
    }
    for (const bytes of [...data[kind], ...(data.vri ?? []).flatMap((v) => v[kind])]) {
      const key = `${kind} ${sha256Hex(bytes)}`;
      if (refByContent.has(key)) continue;
      const ref = context.register(context.stream(bytes));
      written.push({ ref, body: context.lookup(ref)! });
      refByContent.set(key, ref);
      items.push(ref);
    }
    arrays.set(kind, items);
  }

  const oldVri = oldDss?.lookupMaybe(PDFName.of('VRI'), PDFDict);
  const vri = context.obj({});
  for (const [key, value] of oldVri?.entries() ?? []) vri.set(key, value);
  for (const { key, entry } of vriEntries) {
    const name = PDFName.of(key);
    const before = context.lookupMaybe(vri.get(name), PDFDict);
    const merged = context.obj({ Type: 'VRI' });
    for (const [k, v] of before?.entries() ?? []) merged.set(k, v);
    for (const kind of KINDS) {
      const list = before?.lookupMaybe(PDFName.of(VRI_KEY[kind]), PDFArray)?.asArray() ?? [];
      const refs = entry[kind].map((bytes) => refByContent.get(`${kind} ${sha256Hex(bytes)}`)!);
      for (const ref of refs)
        if (!list.some((item) => item instanceof PDFRef && item.objectNumber === ref.objectNumber))
          list.push(ref);
      if (list.length > 0) merged.set(PDFName.of(VRI_KEY[kind]), context.obj(list));
    }
    merged.set(PDFName.of('TU'), PDFString.fromDate(time));
    vri.set(name, merged);
  }

  const dss = context.obj({ Type: 'DSS' });
  for (const kind of KINDS) {
    const items = arrays.get(kind)!;
    if (items.length > 0) dss.set(PDFName.of(DSS_KEY[kind]), context.obj(items));
  }
  if (vri.entries().length > 0) dss.set(PDFName.of('VRI'), vri);

  if (dssValue instanceof PDFRef) written.push({ ref: dssValue, body: dss });
  else {
    const ref = context.register(dss);
    catalog.set(PDFName.of('DSS'), ref);
    written.push({ ref, body: dss }, { ref: catalogRef, body: catalog });
  }
  const { pdf: result } = appendIncrementalUpdate(file, context, written);
  return checkOwnRevision(result, 'the validation data revision');
}

/**
 * One DER SEQUENCE, nothing after it: what a /DSS stream holds. Only its header is read (a CA's
 * CRL may list a million serials); validators parse the rest.
 */
function oneDerElement(bytes: Uint8Array, kind: Kind): void {
  const first = bytes[1] ?? 0;
  const size = first < 0x80 ? 0 : first & 0x7f;
  let length = first < 0x80 ? first : 0;
  for (let i = 0; i < size; i++) length = length * 256 + (bytes[2 + i] ?? 0);
  const whole = bytes[0] === 0x30 && first !== 0x80 && size <= 4 && 2 + size + length === bytes.length;
  if (!whole) throw new PdfSigningError('MALFORMED_INPUT', `an item of ${kind} is not one DER SEQUENCE`);
}

/** A prepared signature or time-stamp never embedded: anything appended would leave it unfillable. */
export function refuseUnembedded(file: PdfFile): void {
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
}

/**
 * `pdf`, once its newest revision has been judged as allowed after a signature (judge.ts): what
 * this module and document-timestamp.ts write must never be what our own verifier calls a
 * modification. @throws PdfSigningError `MALFORMED_INPUT` with the judge's reason
 */
export function checkOwnRevision(pdf: Buffer, what: string): Buffer {
  const file = PdfFile.read(pdf);
  const judged = judgeRevision(file, file.newest);
  const refused = judged.changes.find((c) => !c.allowed);
  if (refused !== undefined)
    throw new PdfSigningError('MALFORMED_INPUT', `${what} would be a modification: ${refused.detail}`);
  return pdf;
}

/**
 * The /DSS of revision `revision` (0-based) as data: each array's streams, decoded. A stream that
 * cannot be read (a filter other than Flate, a reference to nothing) is left out: it proves nothing.
 */
export function readValidationData(
  file: PdfFile,
  revision = file.newest,
): { readonly [K in Kind]: readonly Buffer[] } {
  const streams = readValidationStreams(file, revision);
  const items = (kind: Kind): Buffer[] => [...streams[kind].values()].map((num) => streams.data.get(num)!);
  return { certificates: items('certificates'), crls: items('crls'), ocsps: items('ocsps') };
}

interface ValidationStreams extends Record<Kind, Map<string, number>> {
  /** Decoded data by object number. */
  readonly data: Map<number, Buffer>;
}

/** Each /DSS array's readable streams: SHA-256 of the content → object number (the first one). */
function readValidationStreams(file: PdfFile, revision: number): ValidationStreams {
  const result: ValidationStreams = {
    certificates: new Map(),
    crls: new Map(),
    ocsps: new Map(),
    data: new Map(),
  };
  const structure = new DocumentStructure(file, revision);
  const dss = file.dict(structure.catalog.get('DSS'), revision);
  if (dss === undefined) return result;
  for (const kind of KINDS) {
    const array = file.resolve(dss.get(DSS_KEY[kind]), revision);
    for (const item of isArray(array) ? array : []) {
      const content = streamContent(file, item, revision);
      if (content === undefined || !(item instanceof PdfRef)) continue;
      const hash = sha256Hex(content);
      if (!result[kind].has(hash)) result[kind].set(hash, item.num);
      result.data.set(item.num, content);
    }
  }
  return result;
}

function streamContent(file: PdfFile, item: PdfValue, revision: number): Buffer | undefined {
  const stream = file.resolve(item, revision);
  if (!(stream instanceof PdfStream)) return undefined;
  try {
    return decodeStream(stream, file.budget, 'a /DSS stream');
  } catch (error) {
    if (error instanceof PdfStructureError) return undefined;
    throw error;
  }
}
