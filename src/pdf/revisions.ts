/**
 * Reading a PDF revision by revision (ISO 32000-1 §7.5.6, incremental updates).
 *
 * A signed PDF is a chain of revisions. Each one ends with a cross-reference section, a trailer
 * whose /Prev names the previous section, and `%%EOF`; a signature covers the bytes of one
 * revision. This follows the chain from the last `startxref`, as a viewer does, and loads each
 * object from the offset its cross-reference entry gives.
 *
 * Why not pdf-lib's `PDFDocument.load`: it scans the file for `N G obj` and the last definition in
 * the bytes wins, ignoring the cross-reference sections. An update could then show our checks one
 * object and viewers another. It also cannot stop at an earlier revision, and it is asynchronous.
 * pdf-lib still parses the single objects (`PDFObjectParser`) and cross-reference streams.
 */
import { PDFContext, PDFDict, PDFName, PDFNumber, PDFObjectParser, PDFRef, type PDFObject } from 'pdf-lib';

/** A PDF we cannot read, or cannot extend (see incremental.ts). Always `MALFORMED_INPUT`. */
export class PdfStructureError extends Error {
  override readonly name = 'PdfStructureError';
  readonly code = 'MALFORMED_INPUT';
}

/** A cross-reference table entry (§7.5.4): where an object is, or that it was freed. */
export type XrefEntry =
  | {
      readonly kind: 'offset';
      readonly objectNumber: number;
      readonly generation: number;
      readonly offset: number;
    }
  | { readonly kind: 'free'; readonly objectNumber: number };

export interface Revision {
  /** Offset of this revision's cross-reference section. */
  readonly xrefOffset: number;
  /** Offset just past this revision's `%%EOF` marker (an end-of-line after it is not counted). */
  readonly end: number;
  /** The trailer dictionary. */
  readonly trailer: PDFDict;
  /** The objects this revision wrote or freed. */
  readonly entries: readonly XrefEntry[];
}

/**
 * Runs `read`, reporting what pdf-lib throws on an unexpected structure (a /Prev that is not a
 * number, a /Fields that is not an array) as the PdfStructureError it is.
 */
export function readingPdf<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof PdfStructureError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new PdfStructureError(`unexpected PDF structure: ${reason}`, { cause: error });
  }
}

const MAX_REVISIONS = 1000;
const latin1 = (bytes: Uint8Array, from: number, to = bytes.length): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1', from, to);

/** The revisions of a PDF, oldest first. @throws PdfStructureError */
export function readRevisions(pdf: Uint8Array): Revision[] {
  return readingPdf(() => followChain(pdf));
}

function followChain(pdf: Uint8Array): Revision[] {
  const text = latin1(pdf, 0);
  const tail = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(text.slice(-1024));
  if (!tail) throw new PdfStructureError('the file does not end with startxref and %%EOF');
  const revisions: Revision[] = [];
  const seen = new Set<number>();
  for (let offset: number | undefined = Number(tail[1]); offset !== undefined;) {
    if (seen.has(offset) || seen.size >= MAX_REVISIONS)
      throw new PdfStructureError('the cross-reference chain loops or is too long');
    seen.add(offset);
    const revision = readSection(pdf, text, offset);
    revisions.unshift(revision);
    offset = revision.trailer.lookupMaybe(PDFName.of('Prev'), PDFNumber)?.asNumber();
  }
  for (let i = 1; i < revisions.length; i++) {
    if (revisions[i]!.end <= revisions[i - 1]!.end)
      throw new PdfStructureError('a cross-reference section is not after the one it updates');
  }
  return revisions;
}

function readSection(pdf: Uint8Array, text: string, offset: number): Revision {
  // The revision ends at the first `startxref <offset> %%EOF` after its section.
  const marker = new RegExp(`startxref\\s+${offset}\\s+%%EOF`, 'g');
  marker.lastIndex = offset;
  const found = marker.exec(text);
  if (!found) throw new PdfStructureError(`no startxref ${offset} / %%EOF after that section`);
  const end = found.index + found[0].length;
  if (!text.startsWith('xref', offset))
    throw new PdfStructureError(
      `no cross-reference table at ${offset} (cross-reference streams are not supported)`,
    );
  const { entries, trailerAt } = readTable(text, offset + 4);
  const trailer = parseAt(pdf, trailerAt, PDFContext.create());
  if (!(trailer instanceof PDFDict)) throw new PdfStructureError(`no trailer dictionary at ${trailerAt}`);
  // §7.5.8.4: a hybrid file keeps some objects only in the stream its /XRefStm names.
  if (trailer.has(PDFName.of('XRefStm')))
    throw new PdfStructureError('hybrid cross-reference sections (/XRefStm) are not supported');
  return { xrefOffset: offset, end, trailer, entries };
}

/** §7.5.4: subsections of `first count` followed by 20-byte `oooooooooo ggggg n` entries. */
function readTable(text: string, from: number): { entries: XrefEntry[]; trailerAt: number } {
  const header = /\s*(\d+)\s+(\d+)[ \t]*[\r\n]/y;
  const line = /\s*(\d{10}) (\d{5}) ([nf])/y;
  const entries: XrefEntry[] = [];
  let at = from;
  for (;;) {
    header.lastIndex = at;
    const sub = header.exec(text);
    if (!sub) break;
    at = header.lastIndex;
    for (let n = Number(sub[1]), k = 0; k < Number(sub[2]); k++, n++) {
      line.lastIndex = at;
      const entry = line.exec(text);
      if (!entry) throw new PdfStructureError(`bad cross-reference entry at ${at}`);
      at = line.lastIndex;
      const [offset, generation] = [Number(entry[1]), Number(entry[2])];
      entries.push(
        entry[3] === 'n'
          ? { kind: 'offset', objectNumber: n, generation, offset }
          : { kind: 'free', objectNumber: n },
      );
    }
  }
  const trailer = /\s*trailer/y;
  trailer.lastIndex = at;
  if (!trailer.test(text))
    throw new PdfStructureError(`no trailer after the cross-reference table at ${from}`);
  return { entries, trailerAt: trailer.lastIndex };
}

function parseAt(pdf: Uint8Array, offset: number, context: PDFContext): PDFObject {
  try {
    return PDFObjectParser.forBytes(pdf.subarray(offset), context).parseObject();
  } catch (error) {
    throw new PdfStructureError(`unreadable object at ${offset}`, { cause: error });
  }
}

/** `N G obj <object>` at exactly `offset`, as a cross-reference entry points to it. */
function parseIndirect(
  pdf: Uint8Array,
  offset: number,
  context: PDFContext,
): { ref: PDFRef; object: PDFObject } {
  const head = /^(\d+)\s+(\d+)\s+obj\b/.exec(latin1(pdf, offset, offset + 32));
  if (!head) throw new PdfStructureError(`no object at offset ${offset}`);
  return {
    ref: PDFRef.of(Number(head[1]), Number(head[2])),
    object: parseAt(pdf, offset + head[0].length, context),
  };
}

/**
 * The document as of revision `index` (default: the newest): every object its cross-reference
 * chain names, and the trailer's /Root, /Info and /ID. @throws PdfStructureError, also for an
 * encrypted file (its strings cannot be read, nor objects added to it, without the key).
 */
export function loadRevision(
  pdf: Uint8Array,
  revisions: readonly Revision[],
  index = revisions.length - 1,
): PDFContext {
  return readingPdf(() => load(pdf, revisions, index));
}

function load(pdf: Uint8Array, revisions: readonly Revision[], index: number): PDFContext {
  const current = new Map<number, XrefEntry>();
  for (const revision of revisions.slice(0, index + 1))
    for (const e of revision.entries) current.set(e.objectNumber, e);
  const context = PDFContext.create();
  for (const entry of current.values()) {
    if (entry.kind === 'offset') {
      const { ref, object } = parseIndirect(pdf, entry.offset, context);
      if (ref.objectNumber !== entry.objectNumber)
        throw new PdfStructureError(
          `the cross-reference entry of object ${entry.objectNumber} points to object ${ref.objectNumber}`,
        );
      context.assign(ref, object);
    }
  }
  const trailers = revisions
    .slice(0, index + 1)
    .map((r) => r.trailer)
    .reverse();
  const newest = (key: string): PDFObject | undefined =>
    trailers.map((t) => t.get(PDFName.of(key))).find(Boolean);
  context.trailerInfo = {
    Root: newest('Root'),
    Info: newest('Info'),
    ID: newest('ID'),
    Encrypt: newest('Encrypt'),
  };
  if (context.trailerInfo.Encrypt) throw new PdfStructureError('encrypted PDFs are not supported');
  if (!(context.trailerInfo.Root instanceof PDFRef)) throw new PdfStructureError('the trailer has no /Root');
  // New objects are numbered from /Size on, never reusing a number the file has freed.
  const size = revisions[index]!.trailer.lookupMaybe(PDFName.of('Size'), PDFNumber)?.asNumber() ?? 0;
  context.largestObjectNumber = Math.max(context.largestObjectNumber, size - 1);
  return context;
}
