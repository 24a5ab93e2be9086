/**
 * A PDF as a chain of revisions (ISO 32000-1 §7.5.6, incremental updates), read strictly.
 *
 * A signed PDF is a chain of revisions; each ends with a cross-reference section (a table, a
 * stream, or both: §7.5.4, §7.5.8), a trailer whose /Prev names the section before, `startxref`
 * and `%%EOF`; a signature covers the bytes of one revision. This follows the chain from the last
 * `startxref` as a viewer does and loads each object from where its entry says, once per location
 * (revisions share what they did not change).
 *
 * Whatever two readers could read differently is refused as MALFORMED_INPUT rather than guessed:
 * an object listed twice in one section, an entry whose object is not at its offset or carries
 * another number or generation, a stream whose /Length does not end at `endstream`, sections out
 * of order, a key twice in a dictionary, and bytes in an update that belong to no object it lists
 * (or anything but white space after the last `%%EOF`): what the judge compares must be everything
 * a viewer could draw.
 *
 * Why not pdf-lib's `PDFDocument.load`: it scans the file for `N G obj` and the last definition in
 * the bytes wins, ignoring the cross-reference sections, so an update could show our checks one
 * object and viewers another; it cannot stop at an earlier revision and has no budget.
 *
 * Why one long file: the chain, its sections, the objects they place (direct or in object
 * streams), the coverage of each update and the guard against rebuilding readers all share the
 * file's bytes, its caches and one budget; each is a few dozen lines that only make sense together.
 */
import { MAX_PDF_BYTES } from '../domain/limits';
import { PdfLimitError, PdfStructureError } from './errors';
import { decodeStream } from './streams';
import {
  DEFAULT_READ_LIMITS,
  isArray,
  isDict,
  isInteger,
  isName,
  isWhite,
  Lexer,
  type PdfDict,
  PdfRef,
  PdfStream,
  ReadBudget,
  readValue,
  type PdfValue,
  type ReadLimits,
} from './syntax';

/** A cross-reference entry (§7.5.4, §7.5.8.3): where an object is, or that it is free. */
export type XrefEntry =
  | { readonly kind: 'free'; readonly num: number; readonly gen: number; readonly revision: number }
  | {
      readonly kind: 'offset';
      readonly num: number;
      readonly gen: number;
      readonly offset: number;
      readonly revision: number;
    }
  | {
      readonly kind: 'compressed';
      readonly num: number;
      readonly gen: 0;
      /** The object stream's object number, and the index within it. */
      readonly stream: number;
      readonly index: number;
      readonly revision: number;
    };

export interface Revision {
  /** 0-based position in the chain, oldest first. */
  readonly index: number;
  /** Offset of its cross-reference section (the table, or the stream object). */
  readonly xrefOffset: number;
  readonly form: 'table' | 'stream' | 'hybrid';
  /** First byte of the revision: 0, or the end of the one before. */
  readonly start: number;
  /** Offset just past its `%%EOF`. */
  readonly end: number;
  readonly trailer: PdfDict;
  /** The entries its section lists, by object number (object 0, the free-list head, left out). */
  readonly entries: ReadonlyMap<number, XrefEntry>;
  /** Where its section is written: the table with its trailer, and/or the stream object. */
  readonly sectionSpans: readonly Span[];
}

/** A section as read, before its place in the chain is known. */
interface Section extends Omit<Revision, 'index' | 'start'> {
  /** The offset its `startxref` gives. */
  readonly marker: number;
}

interface Span {
  readonly start: number;
  readonly end: number;
  readonly what: string;
}

interface Located {
  readonly value: PdfValue;
  /** The object's extent in the file (`N G obj` … `endobj`); -1 inside an object stream. */
  readonly start: number;
  readonly end: number;
}

interface ObjectStream {
  readonly data: Buffer;
  readonly first: number;
  /** Object number and offset (from /First) of each object, by index. */
  readonly index: readonly (readonly [number, number])[];
}

const WS = '[\\0\\t\\n\\f\\r ]';
const TAIL = new RegExp(`startxref${WS}+(\\d+)${WS}+%%EOF${WS}*$`);
// Comments may stand between a section and `startxref` (iText writes its name there).
const END_MARKER = new RegExp(`^(?:${WS}|%[^\\r\\n]*)*startxref${WS}+(\\d+)${WS}+%%EOF`);

/** Largest file the reader takes (a letter is well under 1 MB). Checked before reading. */
export { MAX_PDF_BYTES };

export class PdfFile {
  /** Oldest first. */
  readonly revisions: readonly Revision[];
  readonly budget: ReadBudget;
  private readonly text: string;
  private readonly located = new Map<number, Located>();
  private entriesRead = 0;
  private readonly compressedObjects = new Map<string, Located>();
  private readonly objectStreams = new Map<number, ObjectStream>();
  private readonly lengthsResolving = new Set<number>();
  private readonly inUseCache: { revision: number; view: ReadonlyMap<number, XrefEntry> }[] = [];

  private constructor(
    readonly bytes: Uint8Array,
    limits: ReadLimits,
  ) {
    this.budget = new ReadBudget(limits);
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
    this.revisions = this.readChain();
  }

  /**
   * Reads the revisions of `bytes` and checks that every update is made only of what its section
   * lists. @throws PdfStructureError, PdfLimitError
   */
  static read(bytes: Uint8Array, limits: Partial<ReadLimits> = {}): PdfFile {
    if (bytes.length > MAX_PDF_BYTES)
      throw new PdfLimitError(`the PDF is larger than ${MAX_PDF_BYTES} bytes`);
    const file = new PdfFile(bytes, { ...DEFAULT_READ_LIMITS, ...limits });
    for (const revision of file.revisions.slice(1)) file.checkCoverage(revision);
    file.checkNoFalseHeaders();
    return file;
  }

  get newest(): number {
    return this.revisions.length - 1;
  }

  /** The entry for object `num` as of revision `revision` (the newest section that lists it). */
  entry(num: number, revision = this.newest): XrefEntry | undefined {
    for (let r = revision; r >= 0; r--) {
      const entry = this.revisions[r]!.entries.get(num);
      if (entry !== undefined) return entry;
    }
    return undefined;
  }

  /** Object `num` as of `revision`; undefined when free or never defined. */
  object(num: number, revision = this.newest): PdfValue | undefined {
    const entry = this.entry(num, revision);
    return entry === undefined || entry.kind === 'free' ? undefined : this.load(entry).value;
  }

  /**
   * What `value` stands for as of `revision`: a reference followed (undefined when it names a free
   * or undefined object, or another generation: §7.3.10, the null object), anything else itself.
   */
  resolve(value: PdfValue | undefined, revision = this.newest): PdfValue | undefined {
    if (!(value instanceof PdfRef)) return value;
    const entry = this.entry(value.num, revision);
    if (entry === undefined || entry.kind === 'free' || entry.gen !== value.gen) return undefined;
    return this.load(entry).value;
  }

  /** A dictionary (or a stream's) at `value`, resolved. */
  dict(value: PdfValue | undefined, revision = this.newest): PdfDict | undefined {
    const resolved = this.resolve(value, revision);
    return isDict(resolved) ? resolved : resolved instanceof PdfStream ? resolved.dict : undefined;
  }

  /** Where an entry's object is written: equal locations hold the same object. */
  location(entry: XrefEntry): string {
    if (entry.kind === 'offset') return `at ${entry.offset}`;
    if (entry.kind === 'compressed') {
      const holder = this.entry(entry.stream, entry.revision);
      return `in ${holder?.kind === 'offset' ? holder.offset : '?'}#${entry.index}`;
    }
    return 'free';
  }

  /** The extent in the file of an object written directly (not in an object stream). */
  extent(entry: XrefEntry & { kind: 'offset' }): { readonly start: number; readonly end: number } {
    const { start, end } = this.load(entry);
    return { start, end };
  }

  /**
   * Every object in use as of `revision`, by number. Built from the revision before when that one
   * is at hand (the judge walks the revisions in order), and only the last two are kept: a file of
   * 300,000 objects and 250 revisions must not hold 250 maps of them.
   */
  inUse(revision = this.newest): ReadonlyMap<number, XrefEntry> {
    const cached = this.inUseCache.find((c) => c.revision === revision);
    if (cached !== undefined) return cached.view;
    const previous = this.inUseCache.find((c) => c.revision === revision - 1);
    const view = new Map<number, XrefEntry>(previous?.view);
    for (let r = previous === undefined ? 0 : revision; r <= revision; r++)
      for (const [num, entry] of this.revisions[r]!.entries) {
        if (entry.kind === 'free') view.delete(num);
        else view.set(num, entry);
      }
    this.budget.checkTime();
    this.inUseCache.unshift({ revision, view });
    this.inUseCache.length = Math.min(this.inUseCache.length, 2);
    return view;
  }

  load(entry: XrefEntry): Located {
    if (entry.kind === 'free') throw new Error('a free entry has no object');
    return entry.kind === 'offset' ? this.loadDirect(entry) : this.loadCompressed(entry);
  }

  // --- the chain ------------------------------------------------------------------------------

  private readChain(): Revision[] {
    const tailFrom = Math.max(0, this.text.length - 1024);
    const tail = TAIL.exec(this.text.slice(tailFrom));
    if (!tail) throw new PdfStructureError('the file does not end with startxref and %%EOF');
    const newestFirst: Section[] = [];
    const seen = new Set<number>();
    const visit = (offset: number): Section => {
      if (seen.has(offset)) throw new PdfStructureError('the cross-reference chain loops');
      if (seen.size >= this.budget.limits.maxRevisions)
        throw new PdfLimitError(`more than ${this.budget.limits.maxRevisions} revisions`);
      seen.add(offset);
      return this.readSection(offset);
    };
    for (let offset: number | undefined = Number(tail[1]); offset !== undefined;) {
      const section = visit(offset);
      const prev = section.trailer.get('Prev');
      if (prev !== undefined && !isInteger(prev))
        throw new PdfStructureError('a /Prev that is not an offset');
      if (prev !== undefined && prev > offset) {
        // A linearized file (Annex F): the first-page section near the start names the main one
        // at the end of the same revision, which is the first; both make revision 1.
        newestFirst.push(this.linearized(section, visit(prev)));
        break;
      }
      if (section.marker !== offset)
        throw new PdfStructureError(`no startxref ${offset} and %%EOF right after that section`);
      newestFirst.push(section);
      offset = prev;
    }
    const revisions: Revision[] = [];
    let start = 0;
    for (const [index, section] of newestFirst.reverse().entries()) {
      // Each update follows the revision it updates, its section within its own bytes.
      if (section.xrefOffset < start || section.end <= start)
        throw new PdfStructureError('a cross-reference section is not after the revision it updates');
      const entries = new Map([...section.entries].map(([num, e]) => [num, { ...e, revision: index }]));
      const { marker: _marker, ...revision } = section;
      revisions.push({ ...revision, entries, index, start });
      start = section.end;
    }
    // Only white space after the last %%EOF: what follows it belongs to no revision.
    if (!/^[\0\t\n\f\r ]*$/.test(this.text.slice(start)))
      throw new PdfStructureError(`bytes after the last %%EOF (offset ${start}) belong to no revision`);
    for (const revision of revisions) {
      if (revision.trailer.has('Encrypt')) throw new PdfStructureError('encrypted PDFs are not supported');
      if (!(revision.trailer.get('Root') instanceof PdfRef))
        throw new PdfStructureError(`the trailer of revision ${revision.index + 1} has no /Root`);
    }
    return revisions;
  }

  /**
   * Revision 1 of a linearized file: the first-page section (followed by `startxref 0`) and the
   * main one it names, followed by the `startxref` of the first-page section, which ends the
   * revision. Their entries together; an object listed in both at two places is ambiguous.
   */
  private linearized(first: Section, main: Section): Section {
    if (main.trailer.has('Prev') || main.xrefOffset < first.xrefOffset || main.marker !== first.xrefOffset)
      throw new PdfStructureError('a /Prev that points forward, outside a linearized first revision');
    const entries = new Map(main.entries);
    for (const [num, entry] of first.entries) {
      const other = entries.get(num);
      if (
        other !== undefined &&
        other.kind !== 'free' &&
        entry.kind !== 'free' &&
        this.locationKey(other) !== this.locationKey(entry)
      )
        throw new PdfStructureError(`object ${num} is at two places in the linearized first revision`);
      if (other === undefined || other.kind === 'free') entries.set(num, entry);
    }
    return {
      ...first,
      end: main.end,
      entries,
      sectionSpans: [...first.sectionSpans, ...main.sectionSpans],
      marker: first.xrefOffset,
    };
  }

  /** The section at `offset`, its trailer, and the `startxref … %%EOF` after it. */
  private readSection(offset: number): Section {
    if (!Number.isSafeInteger(offset) || offset >= this.bytes.length)
      throw new PdfStructureError(`startxref or /Prev points outside the file (${offset})`);
    let form: Revision['form'];
    let trailer: PdfDict;
    let entries: Map<number, XrefEntry>;
    let sectionEnd: number;
    const sectionSpans: Span[] = [];
    if (this.text.startsWith('xref', offset)) {
      ({ entries, trailer, end: sectionEnd } = this.readTable(offset));
      sectionSpans.push({ start: offset, end: sectionEnd, what: 'the cross-reference table' });
      form = 'table';
      const hidden = trailer.get('XRefStm');
      if (hidden !== undefined) {
        // §7.5.8.4: a hybrid file keeps some objects only in the stream /XRefStm names. A table
        // entry wins (a 1.4 reader sees only the table) unless it is free there.
        if (!isInteger(hidden)) throw new PdfStructureError('an /XRefStm that is not an offset');
        const stream = this.readXrefStream(hidden);
        sectionSpans.push({ start: hidden, end: stream.end, what: 'the cross-reference stream' });
        for (const [num, entry] of stream.entries) {
          const listed = entries.get(num);
          if (listed === undefined || listed.kind === 'free') entries.set(num, entry);
          else if (entry.kind !== 'free' && this.locationKey(entry) !== this.locationKey(listed))
            throw new PdfStructureError(`object ${num} is at two places in one hybrid section`);
        }
        form = 'hybrid';
      }
    } else {
      ({ entries, trailer, end: sectionEnd } = this.readXrefStream(offset));
      sectionSpans.push({ start: offset, end: sectionEnd, what: 'the cross-reference stream' });
      form = 'stream';
    }
    const marker = END_MARKER.exec(this.text.slice(sectionEnd, sectionEnd + 1024));
    if (!marker) throw new PdfStructureError(`no startxref and %%EOF right after the section at ${offset}`);
    return {
      xrefOffset: offset,
      form,
      end: sectionEnd + marker[0].length,
      trailer,
      entries,
      sectionSpans,
      marker: Number(marker[1]),
    };
  }

  private locationKey(entry: XrefEntry): string {
    return entry.kind === 'offset'
      ? `o${entry.offset}`
      : entry.kind === 'compressed'
        ? `c${entry.stream}#${entry.index}`
        : 'f';
  }

  /** §7.5.4: `xref`, subsections of `first count` and 20-byte entries, `trailer` and its dictionary. */
  private readTable(offset: number): { entries: Map<number, XrefEntry>; trailer: PdfDict; end: number } {
    const header = /[\0\t\n\f\r ]*(\d+)[ \t]+(\d+)[ \t]*(?:\r\n|\r|\n)/y;
    // Twenty bytes by the book (a two-byte end of line); one-byte ends and no space are common.
    const line = /(\d{10}) (\d{5}) ([nf])(?: \r| \n|\r\n| \r\n|\n|\r| )/y;
    const entries = new Map<number, XrefEntry>();
    let at = offset + 4;
    for (;;) {
      header.lastIndex = at;
      const sub = header.exec(this.text);
      if (!sub) break;
      at = header.lastIndex;
      const first = Number(sub[1]);
      const count = Number(sub[2]);
      if (count > this.bytes.length / 18)
        throw new PdfStructureError(`a cross-reference subsection too long at ${at}`);
      for (let k = 0; k < count; k++) {
        line.lastIndex = at;
        const entry = line.exec(this.text);
        if (!entry) throw new PdfStructureError(`bad cross-reference entry at offset ${at}`);
        at = line.lastIndex;
        this.budget.value();
        const num = first + k;
        const [position, gen] = [Number(entry[1]), Number(entry[2])];
        this.addEntry(
          entries,
          entry[3] === 'n'
            ? { kind: 'offset', num, gen, offset: position, revision: -1 }
            : { kind: 'free', num, gen, revision: -1 },
        );
      }
    }
    const lexer = new Lexer(this.bytes, this.budget, at);
    lexer.expectKeyword('trailer', 'after the cross-reference table');
    const trailer = readValue(lexer);
    if (!isDict(trailer)) throw new PdfStructureError(`no trailer dictionary after the table at ${offset}`);
    return { entries, trailer, end: lexer.pos };
  }

  /** §7.5.8: a cross-reference stream: rows of /W fields for the objects /Index lists. */
  private readXrefStream(offset: number): { entries: Map<number, XrefEntry>; trailer: PdfDict; end: number } {
    // Its own object: parsed in place (its /Length must be direct, as there is no table yet).
    const lexer = new Lexer(this.bytes, this.budget, offset);
    const num = lexer.integer();
    const gen = lexer.integer();
    if (num === undefined || gen === undefined || !lexer.keyword('obj'))
      throw new PdfStructureError(`no cross-reference section at offset ${offset}`);
    const { value, end } = this.readObjectBody(lexer, offset, () => {
      throw new PdfStructureError('a cross-reference stream whose /Length is not direct');
    });
    if (!(value instanceof PdfStream) || !isName(value.dict.get('Type'), 'XRef'))
      throw new PdfStructureError(`no cross-reference section at offset ${offset}`);
    const dict = value.dict;
    const w = dict.get('W');
    const size = dict.get('Size');
    if (
      !isArray(w) ||
      w.length !== 3 ||
      !w.every((n) => isInteger(n) && n >= 0 && n <= 8) ||
      !isInteger(size)
    )
      throw new PdfStructureError(`a cross-reference stream with a bad /W or /Size at ${offset}`);
    const widths = w as number[];
    const index = dict.get('Index') ?? [0, size];
    if (!isArray(index) || index.length % 2 !== 0 || !index.every((n) => isInteger(n) && n >= 0))
      throw new PdfStructureError(`a cross-reference stream with a bad /Index at ${offset}`);
    const data = decodeStream(value, this.budget, `the cross-reference stream at ${offset}`);
    const rowLength = widths[0]! + widths[1]! + widths[2]!;
    const rows = (index as number[]).reduce((sum, n, i) => (i % 2 === 1 ? sum + n : sum), 0);
    if (rowLength === 0 || data.length !== rows * rowLength)
      throw new PdfStructureError(`the cross-reference stream at ${offset} does not hold its /Index rows`);
    const field = (row: number, i: number, fallback: number): number => {
      const width = widths[i]!;
      if (width === 0) return fallback;
      let start = row * rowLength;
      for (let k = 0; k < i; k++) start += widths[k]!;
      let n = 0;
      for (let k = 0; k < width; k++) n = n * 256 + data[start + k]!;
      return n;
    };
    const entries = new Map<number, XrefEntry>();
    let row = 0;
    for (let i = 0; i < index.length; i += 2) {
      const first = index[i] as number;
      for (let k = 0; k < (index[i + 1] as number); k++, row++) {
        this.budget.value();
        const n = first + k;
        const type = field(row, 0, 1);
        const a = field(row, 1, 0);
        const b = field(row, 2, 0);
        if (type === 0) this.addEntry(entries, { kind: 'free', num: n, gen: b, revision: -1 });
        else if (type === 1)
          this.addEntry(entries, { kind: 'offset', num: n, gen: b, offset: a, revision: -1 });
        else if (type === 2)
          this.addEntry(entries, { kind: 'compressed', num: n, gen: 0, stream: a, index: b, revision: -1 });
        else
          throw new PdfStructureError(`cross-reference stream entry of unknown type ${type} for object ${n}`);
      }
    }
    return { entries, trailer: dict, end };
  }

  private addEntry(entries: Map<number, XrefEntry>, entry: XrefEntry): void {
    if (++this.entriesRead > this.budget.limits.maxEntries)
      throw new PdfLimitError(`more than ${this.budget.limits.maxEntries} cross-reference entries`);
    // Object 0 heads the free list (§7.5.4); it is never an object.
    if (entry.num === 0) {
      if (entry.kind !== 'free') throw new PdfStructureError('object 0 listed as in use');
      return;
    }
    // Readers disagree on which of two entries counts (some take the first, some the last).
    if (entries.has(entry.num))
      throw new PdfStructureError(`object ${entry.num} is listed twice in one cross-reference section`);
    entries.set(entry.num, entry);
  }

  // --- objects --------------------------------------------------------------------------------

  private loadDirect(entry: XrefEntry & { kind: 'offset' }): Located {
    const cached = this.located.get(entry.offset);
    if (cached !== undefined) return cached;
    if (entry.offset >= this.bytes.length)
      throw new PdfStructureError(`object ${entry.num}'s entry points outside the file`);
    const lexer = new Lexer(this.bytes, this.budget, entry.offset);
    const num = lexer.integer();
    const gen = lexer.integer();
    if (num === undefined || gen === undefined || !lexer.keyword('obj'))
      throw new PdfStructureError(
        `object ${entry.num}'s entry points to ${entry.offset}, where no object begins`,
      );
    if (num !== entry.num || gen !== entry.gen)
      throw new PdfStructureError(
        `the entry of object ${entry.num} ${entry.gen} points to object ${num} ${gen} (offset ${entry.offset})`,
      );
    // An object starts after white space or a delimiter, or right at a revision's end (pyHanko
    // appends its update straight after pdf-lib's final `%%EOF`): never inside another token.
    const before = this.bytes[entry.offset - 1];
    if (
      entry.offset > 0 &&
      !isWhite(before) &&
      before !== 0x3e &&
      !this.revisions.some((r) => r.end === entry.offset)
    )
      throw new PdfStructureError(`object ${entry.num}'s entry points into the middle of a token`);
    const located = this.readObjectBody(lexer, entry.offset, (ref) => this.lengthOf(ref, entry));
    this.located.set(entry.offset, located);
    return located;
  }

  /** A value, and if it is a dictionary followed by `stream`, its stream; then `endobj`. */
  private readObjectBody(lexer: Lexer, start: number, indirectLength: (ref: PdfRef) => number): Located {
    let value = readValue(lexer);
    if (isDict(value) && lexer.keyword('stream')) {
      const b = this.bytes;
      // §7.3.8.1: `stream` is followed by CRLF or LF (not CR alone), then the data.
      if (b[lexer.pos] === 0x0d && b[lexer.pos + 1] === 0x0a) lexer.pos += 2;
      else if (b[lexer.pos] === 0x0a) lexer.pos += 1;
      else throw new PdfStructureError(`stream keyword not followed by an end of line at ${lexer.pos}`);
      const declared = value.get('Length');
      const length = declared instanceof PdfRef ? indirectLength(declared) : declared;
      if (!isInteger(length) || length < 0 || lexer.pos + length > b.length)
        throw new PdfStructureError(`a stream with a bad /Length at offset ${start}`);
      const dataStart = lexer.pos;
      lexer.pos += length;
      // Only white space (no comment) between the data and `endstream`: anything else would be data
      // some reader takes and another does not.
      while (isWhite(b[lexer.pos])) lexer.pos++;
      if (!this.text.startsWith('endstream', lexer.pos))
        throw new PdfStructureError(`the stream at offset ${start} does not end where its /Length says`);
      lexer.pos += 'endstream'.length;
      value = new PdfStream(value, b, dataStart, dataStart + length);
    }
    lexer.expectKeyword('endobj', `for the object at offset ${start}`);
    return { value, start, end: lexer.pos };
  }

  /**
   * An indirect /Length, read in the revision that wrote the stream: a later change of the length
   * object is a change the judge sees, not a silent change of the stream.
   */
  private lengthOf(ref: PdfRef, holder: XrefEntry): number {
    if (this.lengthsResolving.has(ref.num))
      throw new PdfStructureError('a stream /Length that refers to itself');
    this.lengthsResolving.add(ref.num);
    try {
      const length = this.resolve(ref, holder.revision);
      if (!isInteger(length)) throw new PdfStructureError(`object ${holder.num}'s /Length is not an integer`);
      return length;
    } finally {
      this.lengthsResolving.delete(ref.num);
    }
  }

  private loadCompressed(entry: XrefEntry & { kind: 'compressed' }): Located {
    const holder = this.entry(entry.stream, entry.revision);
    if (holder?.kind !== 'offset')
      throw new PdfStructureError(
        `object ${entry.num} is in object stream ${entry.stream}, which is not a stream in the file`,
      );
    const key = `${holder.offset}#${entry.index}`;
    const cached = this.compressedObjects.get(key);
    if (cached !== undefined) return cached;
    const stream = this.objectStream(holder);
    const slot = stream.index[entry.index];
    if (slot === undefined || slot[0] !== entry.num)
      throw new PdfStructureError(
        `object stream ${entry.stream} has no object ${entry.num} at index ${entry.index}`,
      );
    // Each object is read within its window, up to where the next one begins (poppler reads no
    // further), and must fill it: an object that runs on past it, or stops short of it, is one
    // object to this judge and another to a viewer.
    const windowEnd =
      stream.first + (stream.index[entry.index + 1]?.[1] ?? stream.data.length - stream.first);
    const lexer = new Lexer(stream.data.subarray(0, windowEnd), this.budget, stream.first + slot[1], false);
    const value = readValue(lexer);
    if (value instanceof PdfRef)
      throw new PdfStructureError(`object ${entry.num} in an object stream is a reference`);
    while (isWhite(stream.data[lexer.pos]) && lexer.pos < windowEnd) lexer.pos++;
    if (lexer.pos !== windowEnd)
      throw new PdfStructureError(
        `object ${entry.num} does not fill its place in object stream ${entry.stream} (§7.5.7; a stream inside one is not allowed either)`,
      );
    const located: Located = { value, start: -1, end: -1 };
    this.compressedObjects.set(key, located);
    return located;
  }

  /** §7.5.7: /N pairs of object number and offset, then the objects from /First. */
  private objectStream(holder: XrefEntry & { kind: 'offset' }): ObjectStream {
    const cached = this.objectStreams.get(holder.offset);
    if (cached !== undefined) return cached;
    const value = this.load(holder).value;
    if (!(value instanceof PdfStream) || !isName(value.dict.get('Type'), 'ObjStm'))
      throw new PdfStructureError(`object ${holder.num} is not an object stream`);
    const n = value.dict.get('N');
    const first = value.dict.get('First');
    if (!isInteger(n) || !isInteger(first) || n < 0 || first < 0)
      throw new PdfStructureError(`object stream ${holder.num} has a bad /N or /First`);
    const data = decodeStream(value, this.budget, `object stream ${holder.num}`);
    if (n > data.length / 4 || first > data.length)
      throw new PdfStructureError(`object stream ${holder.num} cannot hold ${n} objects`);
    const lexer = new Lexer(data, this.budget, 0, false);
    const index: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      const num = lexer.integer();
      const offset = lexer.integer();
      this.budget.value();
      if (num === undefined || offset === undefined || first + offset > data.length)
        throw new PdfStructureError(`object stream ${holder.num}'s header is broken at pair ${i}`);
      index.push([num, offset]);
    }
    while (isWhite(data[lexer.pos]) && lexer.pos < first) lexer.pos++;
    if (lexer.pos !== first)
      throw new PdfStructureError(`object stream ${holder.num}'s header does not end at /First`);
    // §7.5.7: in increasing order of offset; each number once (readers disagree on anything else).
    const numbers = new Set<number>();
    for (let i = 0; i < index.length; i++) {
      if (i > 0 && index[i]![1] <= index[i - 1]![1])
        throw new PdfStructureError(`object stream ${holder.num}'s offsets do not increase`);
      if (numbers.has(index[i]![0]))
        throw new PdfStructureError(`object stream ${holder.num} holds object ${index[i]![0]} twice`);
      numbers.add(index[i]![0]);
    }
    const stream: ObjectStream = { data, first, index };
    this.objectStreams.set(holder.offset, stream);
    return stream;
  }

  // --- coverage -------------------------------------------------------------------------------

  /**
   * No text that reads as an object's header (`N G obj`) but where a cross-reference section puts
   * one. A reader that cannot fetch an object, for whatever reason this judge does not foresee,
   * rebuilds its table by scanning the file for such text, the last one winning, inside stream data
   * and comments too, and in lines it cuts every 255 bytes (poppler does): a fake header for a
   * page's content, hidden in a font or a comment, would then be what that reader draws. In the
   * bytes appended after the original no such text is allowed at all; in the original (signed as
   * it was drawn then), none that names an object in use. Every suffix of a number counts, since a
   * cut line may begin inside it.
   */
  private checkNoFalseHeaders(): void {
    const real = new Set<number>();
    for (const revision of this.revisions)
      for (const entry of revision.entries.values()) {
        if (entry.kind !== 'offset') continue;
        let at = entry.offset; // an entry may point at the white space before its header
        while (isWhite(this.bytes[at])) at++;
        real.add(at);
      }
    const inUse = this.inUse();
    const appended = this.revisions[0]!.end;
    // Matched only where a run of digits begins (linear even over millions of digits); its
    // suffixes are tried below. White space as C's isspace() and PDF's both have it.
    const header = /(?<![0-9])([0-9]+)[\0\t\n\v\f\r ]+[0-9]+[\0\t\n\v\f\r ]+obj/g;
    for (let m = header.exec(this.text); m !== null; m = header.exec(this.text)) {
      if (real.has(m.index)) continue;
      // An object number has at most ten digits; leading zeros read as nothing.
      const digits = m[1]!.slice(-10);
      const named = [...digits].map((_, k) => Number(digits.slice(k))).find((n) => inUse.has(n));
      if (m.index < appended && named === undefined) continue;
      throw new PdfStructureError(
        `text at offset ${m.index} reads as the header of object ${named ?? Number(digits)}, where no object is (a reader that rebuilds the file's table would take it)`,
      );
    }
    this.budget.checkTime();
  }

  /**
   * An object stream written in an update holds only what its section says it holds: no spare copy
   * of an object in use that a reader rebuilding the file's table could take instead.
   */
  private checkObjectStream(holder: XrefEntry & { kind: 'offset' }): void {
    const entries = this.revisions[holder.revision]!.entries;
    this.objectStream(holder).index.forEach(([num], index) => {
      const entry = entries.get(num);
      if (entry?.kind !== 'compressed' || entry.stream !== holder.num || entry.index !== index)
        throw new PdfStructureError(
          `object stream ${holder.num} holds object ${num}, which its section does not place there`,
        );
    });
  }

  /**
   * Every byte of an update belongs to an object its section lists, to the section itself, or is
   * white space or a comment between them. A revision that carried other bytes (a second body, an
   * object no entry names) would let a reader that scans the file see what this one does not.
   */
  private checkCoverage(revision: Revision): void {
    // A hybrid update's hidden stream may sit in an earlier revision's bytes (it is listed there).
    const sections = revision.sectionSpans.filter((span) => span.start >= revision.start);
    const spans: Span[] = [...sections];
    for (const entry of revision.entries.values()) {
      if (entry.kind !== 'offset' || entry.offset < revision.start || entry.offset >= revision.end) continue;
      // A cross-reference stream may list itself.
      if (sections.some((s) => s.start === entry.offset)) continue;
      const { start, end, value } = this.load(entry);
      spans.push({ start, end, what: `object ${entry.num}` });
      if (value instanceof PdfStream && isName(value.dict.get('Type'), 'ObjStm'))
        this.checkObjectStream(entry);
    }
    spans.sort((a, b) => a.start - b.start);
    const lexer = new Lexer(this.bytes, this.budget, revision.start);
    for (const span of spans) {
      lexer.skipWhite();
      if (lexer.pos > span.start)
        throw new PdfStructureError(
          `${span.what} overlaps what comes before it in revision ${revision.index + 1}`,
        );
      if (lexer.pos < span.start)
        throw new PdfStructureError(
          `bytes at offset ${lexer.pos} in revision ${revision.index + 1} belong to no object its section lists`,
        );
      lexer.pos = span.end;
    }
    // readSection found `startxref` and `%%EOF` right after the section, which ends the revision.
    const last = spans[spans.length - 1]!;
    if (!sections.includes(last))
      throw new PdfStructureError(`revision ${revision.index + 1} has an object after its section`);
  }
}
