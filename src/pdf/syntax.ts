/**
 * PDF objects (ISO 32000-1 §7.2–7.3) read from untrusted bytes, for judging them.
 *
 * The judge must see exactly what the bytes say and refuse what is ambiguous, at a bounded cost:
 * every value read is counted against a {@link ReadBudget} (so a 25-million-element array is
 * refused after a few hundred thousand, not parsed into gigabytes), nesting is bounded, the reader
 * is iterative (no recursion to overflow), and every string keeps the span of the file it came
 * from (a signature's /Contents must be exactly the gap its /ByteRange leaves).
 *
 * Why not pdf-lib's parser, which the writer still uses: it builds a heavy object per number and
 * has no budget, and it is lenient where a judge must not be (it repairs, it guesses lengths).
 *
 * Why one long file: the grammar of §7.2–7.3 (white space, tokens, strings, names, numbers,
 * containers, references) and the budget every token is charged to, one reader's whole state.
 */
import { PdfLimitError, PdfStructureError } from './errors';

/** A name (§7.3.5), its `#xx` escapes decoded; interned, so names compare with `===`. */
export class PdfName {
  private static readonly interned = new Map<string, PdfName>();
  private constructor(readonly value: string) {}
  static of(value: string): PdfName {
    let name = PdfName.interned.get(value);
    if (name === undefined) {
      // Names come from documents; intern only the short ones a dictionary key would use.
      name = new PdfName(value);
      if (value.length <= 64 && PdfName.interned.size < 10_000) PdfName.interned.set(value, name);
    }
    return name;
  }
  toString(): string {
    return `/${this.value}`;
  }
}

/** An indirect reference `N G R` (§7.3.10). */
export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
  toString(): string {
    return `${this.num} ${this.gen} R`;
  }
}

/**
 * A real number (§7.3.3), kept apart from integers: readers treat them differently where an integer
 * is required (poppler reads `/F 4.0` as no flags at all), so `4.0` in place of `4` is a change.
 */
export class PdfReal {
  constructor(readonly value: number) {}
  toString(): string {
    return String(this.value);
  }
}

/** A literal or hexadecimal string (§7.3.4): its bytes, and where in the file it was written. */
export class PdfString {
  constructor(
    readonly bytes: Uint8Array,
    readonly hex: boolean,
    /** Offset of the opening `(` or `<` in the file; -1 inside an object stream. */
    readonly start: number,
    /** Offset just past the closing `)` or `>`; -1 inside an object stream. */
    readonly end: number,
  ) {}
  /** As text: UTF-16BE or UTF-8 with its byte-order mark, else PDFDocEncoding as Latin-1 (§7.9.2.2). */
  text(): string {
    const b = this.bytes;
    if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf)
      return Buffer.from(b.subarray(3)).toString('utf8');
    if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
      const units = Buffer.from(b.subarray(2, b.length - (b.length % 2)));
      return units.swap16().toString('utf16le');
    }
    return Buffer.from(b).toString('latin1');
  }
}

/** A dictionary (§7.3.7). Keys are name values without the slash. */
export class PdfDict {
  constructor(readonly entries: ReadonlyMap<string, PdfValue>) {}
  get(key: string): PdfValue | undefined {
    return this.entries.get(key);
  }
  has(key: string): boolean {
    return this.entries.has(key);
  }
  keys(): IterableIterator<string> {
    return this.entries.keys();
  }
}

/** A stream (§7.3.8): its dictionary and where its (still encoded) data lies in `source`. */
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    private readonly source: Uint8Array,
    /** Offset of the first data byte in the file. */
    readonly dataStart: number,
    readonly dataEnd: number,
  ) {}
  /** The encoded bytes, as written. */
  raw(): Uint8Array {
    return this.source.subarray(this.dataStart, this.dataEnd);
  }
}

/** Integers are numbers, reals {@link PdfReal}; arrays are plain arrays; `null` is the null object. */
export type PdfValue =
  null | boolean | number | PdfReal | PdfName | PdfString | PdfRef | PdfDict | PdfStream | PdfArray;
export type PdfArray = readonly PdfValue[];

export const isArray = (value: PdfValue | undefined): value is PdfArray => Array.isArray(value);
export const isDict = (value: PdfValue | undefined): value is PdfDict => value instanceof PdfDict;
export const isName = (value: PdfValue | undefined, name?: string): value is PdfName =>
  value instanceof PdfName && (name === undefined || value.value === name);
export const isInteger = (value: PdfValue | undefined): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value);
/** An integer or a real, as a number; undefined for anything else. */
export const numberOf = (value: PdfValue | undefined): number | undefined =>
  typeof value === 'number' ? value : value instanceof PdfReal ? value.value : undefined;

/** The dictionary of a dictionary or of a stream. */
export const dictOf = (value: PdfValue | undefined): PdfDict | undefined =>
  value instanceof PdfDict ? value : value instanceof PdfStream ? value.dict : undefined;

/**
 * What one document may cost to read. Shared by every object read from it; exceeding it throws
 * {@link PdfLimitError} (VERIFICATION_LIMIT_EXCEEDED), never a crash or minutes of work.
 */
export class ReadBudget {
  private values: number;
  private decoded: number;
  private readonly deadline: number;
  private tick = 0;

  constructor(readonly limits: ReadLimits = DEFAULT_READ_LIMITS) {
    this.values = limits.maxValues;
    this.decoded = limits.maxDecodedBytes;
    this.deadline = Date.now() + limits.maxMilliseconds;
  }

  /** One more value read. */
  value(): void {
    if (--this.values < 0) throw new PdfLimitError(`the PDF holds more than ${this.limits.maxValues} values`);
    if ((++this.tick & 0xfff) === 0) this.checkTime();
  }

  /** `bytes` more decompressed (cross-reference and object streams). */
  decode(bytes: number): void {
    this.decoded -= bytes;
    if (this.decoded < 0)
      throw new PdfLimitError(`the PDF decompresses to more than ${this.limits.maxDecodedBytes} bytes`);
  }

  /** Remaining decompression allowance, to bound a single inflate before it runs. */
  get decodeAllowance(): number {
    return Math.max(0, this.decoded);
  }

  checkTime(): void {
    if (Date.now() > this.deadline)
      throw new PdfLimitError(`reading the PDF took more than ${this.limits.maxMilliseconds} ms`);
  }
}

export interface ReadLimits {
  /** Values (numbers, names, strings, containers…) read from one document. @default 1_000_000 */
  readonly maxValues: number;
  /** Nesting of arrays and dictionaries. @default 64 */
  readonly maxDepth: number;
  /** Bytes decompressed from cross-reference and object streams. @default 64 MiB */
  readonly maxDecodedBytes: number;
  /** Revisions (cross-reference sections) followed. @default 256 */
  readonly maxRevisions: number;
  /** Cross-reference entries, all sections together (a letter has a few dozen). @default 100_000 */
  readonly maxEntries: number;
  /** Wall-clock time for reading and judging one document. @default 1500 */
  readonly maxMilliseconds: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = {
  maxValues: 1_000_000,
  maxDepth: 64,
  maxDecodedBytes: 64 * 1024 * 1024,
  maxRevisions: 256,
  maxEntries: 100_000,
  maxMilliseconds: 1500,
};

const enum Char {
  Nul = 0x00,
  Tab = 0x09,
  Lf = 0x0a,
  Ff = 0x0c,
  Cr = 0x0d,
  Space = 0x20,
  Percent = 0x25,
  LParen = 0x28,
  RParen = 0x29,
  Slash = 0x2f,
  Less = 0x3c,
  Greater = 0x3e,
  LBracket = 0x5b,
  Backslash = 0x5c,
  RBracket = 0x5d,
  LBrace = 0x7b,
  RBrace = 0x7d,
  Hash = 0x23,
}

/** §7.2.2 Table 1: white-space characters. */
export const isWhite = (c: number | undefined): boolean =>
  c === Char.Space || c === Char.Lf || c === Char.Cr || c === Char.Tab || c === Char.Ff || c === Char.Nul;

/** §7.2.2 Table 2: delimiters. */
const isDelimiter = (c: number): boolean =>
  c === Char.LParen ||
  c === Char.RParen ||
  c === Char.Less ||
  c === Char.Greater ||
  c === Char.LBracket ||
  c === Char.RBracket ||
  c === Char.LBrace ||
  c === Char.RBrace ||
  c === Char.Slash ||
  c === Char.Percent;

const isRegular = (c: number | undefined): c is number => c !== undefined && !isWhite(c) && !isDelimiter(c);

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;

/** A token that is not a value by itself: a keyword, or a container's opening or closing. */
type Token =
  | { readonly kind: 'value'; readonly value: PdfValue }
  | { readonly kind: 'keyword'; readonly word: string; readonly at: number }
  | { readonly kind: 'open-array' | 'close-array' | 'open-dict' | 'close-dict'; readonly at: number }
  | { readonly kind: 'eof' };

/**
 * A reader of PDF syntax over `bytes`. Offsets it reports are `base + position`: the file offset
 * when reading the file, -1-based nonsense never (inside an object stream the base is -1 and
 * spans are not file spans).
 */
export class Lexer {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly budget: ReadBudget,
    start = 0,
    /** False inside object streams: string spans are then not file offsets. */
    private readonly fileOffsets = true,
  ) {
    this.pos = start;
  }

  /** Skips white space and comments (§7.2.3: a comment is white space). */
  skipWhite(): void {
    const b = this.bytes;
    for (;;) {
      const c = b[this.pos];
      if (isWhite(c)) this.pos++;
      else if (c === Char.Percent) {
        while (this.pos < b.length && b[this.pos] !== Char.Lf && b[this.pos] !== Char.Cr) this.pos++;
      } else return;
    }
  }

  /** The run of regular characters at the current position (a number or a keyword). */
  private regularRun(): string {
    const start = this.pos;
    while (isRegular(this.bytes[this.pos])) this.pos++;
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start, this.pos - start).toString('latin1');
  }

  /** True when the keyword `word` is next (after white space); consumes it. */
  keyword(word: string): boolean {
    this.skipWhite();
    const save = this.pos;
    if (this.regularRun() === word) return true;
    this.pos = save;
    return false;
  }

  expectKeyword(word: string, what: string): void {
    if (!this.keyword(word)) throw new PdfStructureError(`expected ${word} ${what} at offset ${this.pos}`);
  }

  /** A non-negative integer token, or undefined (position unchanged). */
  integer(): number | undefined {
    this.skipWhite();
    const save = this.pos;
    const run = this.regularRun();
    if (/^\d{1,15}$/.test(run)) return Number(run);
    this.pos = save;
    return undefined;
  }

  next(): Token {
    this.skipWhite();
    const b = this.bytes;
    const at = this.pos;
    const c = b[at];
    if (c === undefined) return { kind: 'eof' };
    switch (c) {
      case Char.LBracket:
        this.pos++;
        return { kind: 'open-array', at };
      case Char.RBracket:
        this.pos++;
        return { kind: 'close-array', at };
      case Char.Less:
        if (b[at + 1] === Char.Less) {
          this.pos += 2;
          return { kind: 'open-dict', at };
        }
        return { kind: 'value', value: this.hexString() };
      case Char.Greater:
        if (b[at + 1] === Char.Greater) {
          this.pos += 2;
          return { kind: 'close-dict', at };
        }
        throw new PdfStructureError(`unexpected > at offset ${at}`);
      case Char.LParen:
        return { kind: 'value', value: this.literalString() };
      case Char.Slash:
        return { kind: 'value', value: this.name() };
      case Char.RParen:
      case Char.LBrace:
      case Char.RBrace:
        throw new PdfStructureError(`unexpected ${String.fromCharCode(c)} at offset ${at}`);
      default: {
        const run = this.regularRun();
        if (NUMBER.test(run)) {
          const n = Number(run);
          if (!Number.isFinite(n) || Math.abs(n) > Number.MAX_SAFE_INTEGER)
            throw new PdfStructureError(`number out of range at offset ${at}`);
          return { kind: 'value', value: run.includes('.') ? new PdfReal(n) : n };
        }
        if (run === 'true') return { kind: 'value', value: true };
        if (run === 'false') return { kind: 'value', value: false };
        if (run === 'null') return { kind: 'value', value: null };
        return { kind: 'keyword', word: run, at };
      }
    }
  }

  /** §7.3.5: `/` and regular characters, `#xx` for any byte. */
  private name(): PdfName {
    const b = this.bytes;
    this.pos++; // the slash
    const out: number[] = [];
    while (isRegular(b[this.pos])) {
      const c = b[this.pos++]!;
      if (c === Char.Hash) {
        const hex = Buffer.from(b.subarray(this.pos, this.pos + 2)).toString('latin1');
        if (!/^[0-9a-fA-F]{2}$/.test(hex))
          throw new PdfStructureError(`bad #-escape in a name at offset ${this.pos - 1}`);
        out.push(parseInt(hex, 16));
        this.pos += 2;
      } else out.push(c);
      if (out.length > 127 * 4) throw new PdfStructureError(`name too long at offset ${this.pos}`);
    }
    return PdfName.of(Buffer.from(out).toString('latin1'));
  }

  /**
   * §7.3.4.2: balanced parentheses, backslash escapes, end-of-line normalised to LF. A string
   * without escapes or carriage returns is a view of the file's bytes; any other is decoded into a
   * buffer the size of its spelling (a 30 MB string costs 30 MB, not a number per byte).
   */
  private literalString(): PdfString {
    const b = this.bytes;
    const start = this.pos;
    let end = start + 1;
    let plain = true;
    for (let depth = 1; ; end++) {
      const c = b[end];
      if (c === undefined) throw new PdfStructureError(`unterminated string at offset ${start}`);
      if (c === Char.Backslash) {
        plain = false;
        end++;
      } else if (c === Char.Cr) plain = false;
      else if (c === Char.LParen) depth++;
      else if (c === Char.RParen && --depth === 0) break;
    }
    this.pos = end + 1;
    if (plain) return this.string(b.subarray(start + 1, end), false, start);
    const out = new Uint8Array(end - start - 1);
    let n = 0;
    for (let i = start + 1; i < end;) {
      const c = b[i++]!;
      if (c === Char.Cr) {
        if (b[i] === Char.Lf) i++;
        out[n++] = Char.Lf;
      } else if (c !== Char.Backslash) out[n++] = c;
      else {
        const e = b[i++]!;
        const simple = ESCAPES[e];
        if (simple !== undefined) out[n++] = simple;
        else if (e >= 0x30 && e <= 0x37) {
          let value = e - 0x30;
          for (let k = 0; k < 2 && i < end && b[i]! >= 0x30 && b[i]! <= 0x37; k++)
            value = value * 8 + (b[i++]! - 0x30);
          out[n++] = value & 0xff;
        } else if (e === Char.Cr) {
          if (b[i] === Char.Lf) i++; // a line continuation
        } else if (e !== Char.Lf) out[n++] = e; // §7.3.4.2: an unknown escape is the character itself
      }
    }
    return this.string(out.subarray(0, n), false, start);
  }

  /** §7.3.4.3: hexadecimal digits and white space; an odd final digit is followed by 0. */
  private hexString(): PdfString {
    const b = this.bytes;
    const start = this.pos;
    const close = b.indexOf(Char.Greater, start + 1);
    if (close < 0) throw new PdfStructureError(`unterminated hex string at offset ${start}`);
    const out = new Uint8Array(Math.ceil((close - start - 1) / 2));
    let n = 0;
    let high = -1;
    for (let i = start + 1; i < close; i++) {
      const c = b[i]!;
      if (isWhite(c)) continue;
      const digit = hexValue(c);
      if (digit < 0) throw new PdfStructureError(`non-hex character in a hex string at offset ${i}`);
      if (high < 0) high = digit;
      else {
        out[n++] = high * 16 + digit;
        high = -1;
      }
    }
    if (high >= 0) out[n++] = high * 16;
    this.pos = close + 1;
    return this.string(out.subarray(0, n), true, start);
  }

  private string(bytes: Uint8Array, hex: boolean, start: number): PdfString {
    return this.fileOffsets ? new PdfString(bytes, hex, start, this.pos) : new PdfString(bytes, hex, -1, -1);
  }
}

/** §7.3.4.2 Table 3: the one-character escapes; `\(`, `\)` and `\\` stand for the character. */
const ESCAPES: Readonly<Record<number, number>> = {
  0x6e: 0x0a,
  0x72: 0x0d,
  0x74: 0x09,
  0x62: 0x08,
  0x66: 0x0c,
  0x28: 0x28,
  0x29: 0x29,
  0x5c: 0x5c,
};

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Reads one value (a direct object, §7.3) at the lexer's position, iteratively. `N G R` becomes a
 * {@link PdfRef}; a keyword anywhere else (`obj`, `stream`, `endobj`…) ends nothing and is an error,
 * except that a top-level value followed by a keyword leaves it for the caller.
 */
export function readValue(lexer: Lexer): PdfValue {
  const { budget } = lexer;
  const maxDepth = budget.limits.maxDepth;
  // Each open container collects its items; `R` folds the two integers before it into a reference.
  const stack: { readonly dict: boolean; readonly items: PdfValue[]; readonly at: number }[] = [];
  const top: PdfValue[] = [];
  const push = (value: PdfValue): void => {
    budget.value();
    (stack.length > 0 ? stack[stack.length - 1]!.items : top).push(value);
  };
  for (;;) {
    // A top-level value is complete: `N G R` needs a look-ahead of two tokens for a number.
    if (stack.length === 0 && top.length === 1) {
      const only = top[0]!;
      if (!isInteger(only) || only < 0) return only;
      const save = lexer.pos;
      const gen = lexer.integer();
      if (gen !== undefined && lexer.keyword('R')) return new PdfRef(only, gen);
      lexer.pos = save;
      return only;
    }
    const token = lexer.next();
    switch (token.kind) {
      case 'value':
        push(token.value);
        break;
      case 'open-array':
      case 'open-dict':
        if (stack.length >= maxDepth)
          throw new PdfLimitError(
            `arrays and dictionaries nested deeper than ${maxDepth} at offset ${token.at}`,
          );
        stack.push({ dict: token.kind === 'open-dict', items: [], at: token.at });
        break;
      case 'close-array':
      case 'close-dict': {
        const open = stack.pop();
        const isDictClose = token.kind === 'close-dict';
        if (open === undefined || open.dict !== isDictClose)
          throw new PdfStructureError(`unbalanced ${isDictClose ? '>>' : ']'} at offset ${token.at}`);
        push(open.dict ? toDict(open.items, open.at) : open.items);
        break;
      }
      case 'keyword': {
        const items = stack.length > 0 ? stack[stack.length - 1]!.items : top;
        if (token.word === 'R' && stack.length > 0) {
          const gen = items[items.length - 1];
          const num = items[items.length - 2];
          if (!isInteger(num) || !isInteger(gen) || num < 0 || gen < 0 || gen > 65535)
            throw new PdfStructureError(`R without an object and generation number at offset ${token.at}`);
          items.length -= 2;
          items.push(new PdfRef(num, gen));
          break;
        }
        throw new PdfStructureError(`unexpected keyword ${token.word.slice(0, 20)} at offset ${token.at}`);
      }
      case 'eof':
        throw new PdfStructureError('the file ends inside an object');
    }
  }
}

function toDict(items: readonly PdfValue[], at: number): PdfDict {
  if (items.length % 2 !== 0)
    throw new PdfStructureError(`a dictionary with a key and no value at offset ${at}`);
  const entries = new Map<string, PdfValue>();
  for (let i = 0; i < items.length; i += 2) {
    const key = items[i];
    if (!(key instanceof PdfName))
      throw new PdfStructureError(`a dictionary key that is not a name at offset ${at}`);
    // §7.3.7: a key twice is an error, and readers disagree on which one counts.
    if (entries.has(key.value))
      throw new PdfStructureError(`key /${key.value} twice in a dictionary at offset ${at}`);
    // §7.3.7: a null value is the same as an absent entry.
    if (items[i + 1] !== null) entries.set(key.value, items[i + 1]!);
  }
  return new PdfDict(entries);
}

/**
 * Structural equality of two values as written: names, strings (bytes), integers and reals (value,
 * never one for the other), booleans,
 * references (number and generation), containers element by element, streams by dictionary and
 * raw bytes. References are not followed: each object is compared on its own.
 */
export function sameValue(a: PdfValue | undefined, b: PdfValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (a instanceof PdfRef) return b instanceof PdfRef && a.num === b.num && a.gen === b.gen;
  if (a instanceof PdfString)
    return b instanceof PdfString && Buffer.from(a.bytes).equals(Buffer.from(b.bytes));
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameValue(item, b[i]));
  }
  if (a instanceof PdfDict) {
    if (!(b instanceof PdfDict) || a.entries.size !== b.entries.size) return false;
    for (const [key, value] of a.entries) if (!sameValue(value, b.get(key))) return false;
    return true;
  }
  if (a instanceof PdfStream)
    return (
      b instanceof PdfStream && sameValue(a.dict, b.dict) && Buffer.from(a.raw()).equals(Buffer.from(b.raw()))
    );
  if (a instanceof PdfName) return b instanceof PdfName && a.value === b.value; // long names are not interned
  if (a instanceof PdfReal) return b instanceof PdfReal && a.value === b.value;
  return false; // integers and booleans that differ, or an integer and a real
}
