/**
 * Attacks on the PDF judge (src/pdf/judge.ts, document.ts, structure.ts, embedded.ts) through what
 * poppler draws: tampered letters made from our genuine two-signature letter at test time, each
 * with the verdict it must get, and poppler's drawing compared with the letter signed to prove
 * that the attack is real (or, for the controls, that nothing changed). Found by attacking the
 * rewritten judge itself; every case of these kinds passed it until the fix that added this file:
 *
 * - **hole**: the judge reported the letter valid while poppler draws it differently (on screen,
 *   or when printing). `idea` says what let it through.
 * - **leak**: the judge accepted, in a structure its whitelist says holds only validation data or
 *   metadata, an object of another kind (a form XObject). Nothing draws it, but the whitelist
 *   promises it is refused.
 * - **guard**: the parts of an attack without its trigger (fake objects, and nothing that makes a
 *   reader rebuild its table): poppler draws the letter as signed, but the judge refuses what a
 *   rebuilding reader would take, so an unforeseen trigger finds nothing to draw.
 * - **regression**: attacks and legitimate updates the judge already answered rightly.
 *
 * Plus cost cases, judged in a child process (test/support/pdf-attacks.ts `ourVerdictInChild`):
 * an answer or a typed refusal (PdfStructureError, PdfLimitError) in under 2 s and a few hundred
 * MB, never a hang, a RangeError or gigabytes.
 *
 * Several holes work through poppler's *reconstruction*: when poppler cannot fetch an object the
 * cross-reference sections name (a reference to a missing object, an object stream it refuses), it
 * rebuilds its table by scanning the whole file for `N G obj` lines, and the last one wins, even
 * inside the data of a stream or a comment. The judge now refuses the triggers (new references to
 * nothing, object streams whose objects do not fill their places) and the fakes (text that reads as
 * the header of an object in use anywhere but where that object is).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFArray, PDFName, PDFRef } from 'pdf-lib';
import { renderLetterPdf } from '../../src/activities/letter';
import { addSignatureFields } from '../../src/pdf/signature-fields';
import { HUIXQUILUCAN } from '../support/letters';
import {
  dictOf,
  dictText,
  entriesText,
  genuineLetter,
  letterObjects,
  ourVerdict,
  ourVerdictInChild,
  ourVerifier,
  pdfText,
  renderPages,
  sameRendering,
  signTwice,
  stream,
  streamData,
  trailerOf,
  Update,
  WITNESS_FIELD,
  type LetterObjects,
  type OurVerdict,
  type Rendering,
} from '../support/pdf-attacks';

/** The budget of one verification. */
const LIMIT_MS = 2000;
/** Peak resident memory of the child that judges a cost case (the genuine letter takes ~120 MB). */
const LIMIT_RSS_MB = 300;
/** A cost case's child is killed after this. */
const CHILD_SECONDS = 8;

// ---------------------------------------------------------------------------------------------
// Writing updates

/** A 7-byte cross-reference stream row: type, field 2 (4 bytes), field 3 (2 bytes). */
function row(type: number, a: number, b: number): Buffer {
  const out = Buffer.alloc(7);
  out.writeUInt8(type, 0);
  out.writeUInt32BE(a, 1);
  out.writeUInt16BE(b, 5);
  return out;
}

/** Subsections (`first count` pairs) for sorted object numbers. */
function indexOf(nums: readonly number[]): number[] {
  const index: number[] = [];
  for (const n of nums)
    if (index.length > 0 && index[index.length - 2]! + index[index.length - 1]! === n)
      index[index.length - 1]!++;
    else index.push(n, 1);
  return index;
}

/**
 * An object stream (§7.5.7): `header` (pairs of object number and offset) then `body`, each
 * object listed as compressed at its position in `listed`.
 */
interface Packed {
  readonly header: string;
  readonly body: string;
  /**
   * The object numbers the cross-reference stream lists, by their index in the object stream (the
   * header may announce more objects than are listed).
   */
  readonly listed: readonly number[];
}

/** The number of objects an object stream's header announces: its pairs. */
const pairs = (stm: Packed): number => stm.header.trim().split(/\s+/).length / 2;

/** Object texts laid out one after the other, with the header their real offsets give. */
function packed(objects: readonly { num: number; text: string }[]): Packed {
  let body = '';
  const header: string[] = [];
  for (const o of objects) {
    header.push(`${o.num} ${body.length}`);
    body += `${o.text}\n`;
  }
  return { header: `${header.join(' ')}\n`, body, listed: objects.map((o) => o.num) };
}

/**
 * A revision whose section is a cross-reference stream (§7.5.8) listing the objects of one object
 * stream, after a base with a classic trailer.
 */
function streamRevision(base: Buffer, stm: Packed): Buffer {
  const t = trailerOf(base);
  const parts: Buffer[] = [base];
  let at = base.length;
  const push = (b: string | Buffer): void => {
    const x = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
    parts.push(x);
    at += x.length;
  };
  if (base[base.length - 1] !== 0x0a) push('\n');
  const [s, x] = [t.size, t.size + 1];
  const rows = new Map<number, Buffer>();
  stm.listed.forEach((num, i) => rows.set(num, row(2, s, i)));
  rows.set(s, row(1, at, 0));
  const data = stm.header + stm.body;
  push(
    `${s} 0 obj\n<< /Type /ObjStm /N ${pairs(stm)} /First ${stm.header.length} /Length ${data.length} >>\nstream\n${data}\nendstream\nendobj\n`,
  );
  const xrefAt = at;
  rows.set(x, row(1, xrefAt, 0));
  const nums = [...rows.keys()].sort((a, b) => a - b);
  const table = Buffer.concat(nums.map((n) => rows.get(n)!));
  push(
    `${x} 0 obj\n<< /Type /XRef /Size ${x + 1} /W [1 4 2] /Index [${indexOf(nums).join(' ')}] /Root ${t.entries.get('Root')} /Info ${t.entries.get('Info')} /ID ${t.entries.get('ID')} /Prev ${t.xref} /Length ${table.length} >>\nstream\n`,
  );
  push(table);
  push(`\nendstream\nendobj\nstartxref\n${xrefAt}\n%%EOF\n`);
  return Buffer.concat(parts);
}

/**
 * A hybrid revision (§7.5.8.4): a classic table listing `direct` objects, the object stream and
 * the cross-reference stream its trailer's /XRefStm names, which lists the packed objects.
 */
function hybridRevision(
  base: Buffer,
  direct: readonly { num: number; body: string | Buffer }[],
  stm: Packed,
): Buffer {
  const t = trailerOf(base);
  const parts: Buffer[] = [base];
  let at = base.length;
  const push = (b: string | Buffer): void => {
    const x = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
    parts.push(x);
    at += x.length;
  };
  if (base[base.length - 1] !== 0x0a) push('\n');
  const table: [number, number][] = [];
  for (const d of direct) {
    table.push([d.num, at]);
    push(`${d.num} 0 obj\n`);
    push(d.body);
    push('\nendobj\n');
  }
  const s = Math.max(t.size, ...direct.map((d) => d.num + 1), ...stm.listed.map((n) => n + 1));
  const x = s + 1;
  table.push([s, at]);
  const data = stm.header + stm.body;
  push(
    `${s} 0 obj\n<< /Type /ObjStm /N ${pairs(stm)} /First ${stm.header.length} /Length ${data.length} >>\nstream\n${data}\nendstream\nendobj\n`,
  );
  const xrefStm = at;
  table.push([x, xrefStm]);
  const listed = [...stm.listed].map((num, i) => [num, i] as const).sort((a, b) => a[0] - b[0]);
  const rows = Buffer.concat(listed.map(([, i]) => row(2, s, i)));
  push(
    `${x} 0 obj\n<< /Type /XRef /Size ${x + 1} /W [1 4 2] /Index [${indexOf(listed.map(([n]) => n)).join(' ')}] /Length ${rows.length} >>\nstream\n`,
  );
  push(rows);
  push('\nendstream\nendobj\n');
  const tableAt = at;
  table.sort((a, b) => a[0] - b[0]);
  push(`xref\n${table.map(([n, o]) => `${n} 1\n${String(o).padStart(10, '0')} 00000 n \n`).join('')}`);
  push(
    `trailer\n<< /Size ${x + 1} /Root ${t.entries.get('Root')} /Info ${t.entries.get('Info')} /ID ${t.entries.get('ID')} /Prev ${t.xref} /XRefStm ${xrefStm} >>\nstartxref\n${tableAt}\n%%EOF\n`,
  );
  return Buffer.concat(parts);
}

/** ASCII85 (§7.4.3), without the `z` shortcut. */
function ascii85(data: Buffer): string {
  let out = '';
  for (let i = 0; i < data.length; i += 4) {
    const group = Buffer.alloc(4);
    data.copy(group, 0, i, i + 4);
    let value = group.readUInt32BE(0);
    const digits: string[] = [];
    for (let k = 0; k < 5; k++) {
      digits.unshift(String.fromCharCode(33 + (value % 85)));
      value = Math.floor(value / 85);
    }
    out += digits.slice(0, Math.min(4, data.length - i) + 1).join('');
  }
  return `${out}~>`;
}

// ---------------------------------------------------------------------------------------------
// What the attacks draw

/** Big red text. */
const drawing = (text: string): string => `q BT /F2 30 Tf 0.85 0 0 rg 80 420 Td ${pdfText(text)} Tj ET Q`;

/** An `N 0 obj` … `endobj` text, as a reconstructing reader finds it. */
function objectText(num: number, dict: string, data: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`\n${num} 0 obj\n<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'),
    data,
    Buffer.from('\nendstream\nendobj\n', 'latin1'),
  ]);
}

interface Letter {
  readonly pdf: Buffer;
  readonly l: LetterObjects;
  /** Page 2's largest content stream. */
  readonly page2Content: PDFRef;
}

/**
 * Fake definitions of signed objects, for reconstruction to find: page 1's and page 2's content
 * with a defacement drawn on top, and the president's signature appearance redrawn.
 */
function fakes(letter: Letter): Buffer {
  const { l } = letter;
  const president = l.appearance['FirmaMunicipal']!;
  return Buffer.concat([
    objectText(
      l.content.objectNumber,
      '',
      Buffer.concat([streamData(l, l.content), Buffer.from(`\n${drawing('PAGINA 1 ALTERADA')}\n`)]),
    ),
    objectText(
      letter.page2Content.objectNumber,
      '',
      Buffer.concat([streamData(l, letter.page2Content), Buffer.from(`\n${drawing('PAGINA 2 ALTERADA')}\n`)]),
    ),
    objectText(
      president.objectNumber,
      `/Type /XObject /Subtype /Form /BBox [0 0 222 78] /Resources << /Font << /F2 ${String(l.bold)} >> >>`,
      Buffer.from(`BT /F2 16 Tf 0.8 0 0 rg 10 40 Td ${pdfText('FIRMA REVOCADA')} Tj ET`),
    ),
  ]);
}

/** A full-page form XObject: white, with other text. */
function overlay(l: LetterObjects): Buffer {
  return stream(
    `/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F2 ${String(l.bold)} >> >>`,
    `1 1 1 rg 0 0 612 792 re f BT /F2 28 Tf 0.8 0 0 rg 72 600 Td ${pdfText('CARTA REVOCADA')} Tj ET`,
  );
}

/** A new signature field on page 1, in /Annots and /Fields: its widget dictionary's text. */
function newFieldOnPage1(
  letter: Letter,
  widget: (u: Update) => string,
  u: Update = new Update(letter.pdf),
): Buffer {
  const { l } = letter;
  const w = u.add(widget(u));
  u.set(l.page[0]!, dictText(dictOf(l, l.page[0]!), { Annots: `[ ${w} ]` }));
  u.set(l.acroForm!, acroFormWith(l, w));
  return u.write();
}

/** The AcroForm with more fields. */
function acroFormWith(l: LetterObjects, ...added: string[]): string {
  const form = dictOf(l, l.acroForm!);
  const fields = form.lookup(PDFName.of('Fields'), PDFArray).asArray().map(String);
  return dictText(form, { Fields: `[ ${[...fields, ...added].join(' ')} ]` });
}

/** Page 2 with more annotations. */
function page2With(l: LetterObjects, ...added: string[]): string {
  const page = dictOf(l, l.page[1]!);
  const annots = page.lookupMaybe(PDFName.of('Annots'), PDFArray)?.asArray().map(String) ?? [];
  return dictText(page, { Annots: `[ ${[...annots, ...added].join(' ')} ]` });
}

// ---------------------------------------------------------------------------------------------
// Drawing

const scratch = (): string => mkdtempSync(join(tmpdir(), 'manifiesta-redteam-'));

/** What poppler prints: `pdftocairo -pdf` (printing=true: annotations without /F Print are left out), drawn. */
async function printedRendering(pdf: Buffer): Promise<Rendering> {
  const dir = scratch();
  try {
    writeFileSync(join(dir, 'in.pdf'), pdf);
    execFileSync('pdftocairo', ['-pdf', join(dir, 'in.pdf'), join(dir, 'out.pdf')], {
      stdio: 'ignore',
      timeout: 20_000,
    });
    return await renderPages(readFileSync(join(dir, 'out.pdf')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The cases

type Kind = 'hole' | 'leak' | 'guard' | 'regression';
type Base = 'genuine' | 'three-fields';

interface Case {
  readonly name: string;
  readonly kind: Kind;
  readonly base: Base;
  /** What the case does, and (holes, leaks) what let it through before. */
  readonly idea: string;
  /** The right verdict. */
  readonly expect: 'refused' | 'valid';
  /** What poppler does with it: draws a change, the same, or a change only when printing. */
  readonly poppler: 'change' | 'same' | 'change-printed';
  readonly build: (letter: Letter) => Buffer;
}

const FLAGS_HOLE =
  'structure.ts isInvisible: isInteger() takes 2.0 and 2^32+2 for integers, poppler takes /F as flags only when written as an int (else 0: visible)';

const CASES: readonly Case[] = [
  // --- invisible signature fields --------------------------------------------------------------
  ...(
    [
      ['2.0', 'a real number'],
      ['2.', 'a real number without decimals'],
      ['6.0', 'Hidden|Print as a real number'],
      ['4294967298', '2^32 + 2 (poppler: a 64-bit integer, not flags)'],
      ['2147483650', '2^31 + 2 (beyond a 32-bit int; JS bitwise ops wrap it to Hidden)'],
    ] as const
  ).map(([flags, what]): Case => ({
    name: `hidden-flag-${flags}`,
    kind: 'hole',
    base: 'genuine',
    idea: `Sneaky Signature: a new signature field over the whole of page 1, /F ${flags} (${what}), opaque appearance with other text. ${FLAGS_HOLE}`,
    expect: 'refused',
    poppler: 'change',
    build: (letter) =>
      newFieldOnPage1(
        letter,
        (u) =>
          `<< /Type /Annot /Subtype /Widget /FT /Sig /T (Sello) /Rect [0 0 612 792] /F ${flags} /P ${String(letter.l.page[0])} /AP << /N ${u.add(overlay(letter.l))} >> >>`,
      ),
  })),
  {
    name: 'hidden-flag-2-integer',
    kind: 'regression',
    base: 'genuine',
    idea: 'the same full-page field with /F 2 (Hidden, an int): poppler hides it, but a script or a viewer option can show it; only a zero-area field is invisible',
    expect: 'refused',
    poppler: 'same',
    build: (letter) =>
      newFieldOnPage1(
        letter,
        (u) =>
          `<< /Type /Annot /Subtype /Widget /FT /Sig /T (Sello) /Rect [0 0 612 792] /F 2 /P ${String(letter.l.page[0])} /AP << /N ${u.add(overlay(letter.l))} >> >>`,
      ),
  },
  {
    name: 'hidden-flag-indirect',
    kind: 'regression',
    base: 'genuine',
    idea: 'the full-page field with /F as a reference to an integer 2: not provably hidden, refused (poppler does hide it)',
    expect: 'refused',
    poppler: 'same',
    build: (letter) =>
      newFieldOnPage1(
        letter,
        (u) =>
          `<< /Type /Annot /Subtype /Widget /FT /Sig /T (Sello) /Rect [0 0 612 792] /F ${u.add('2')} /P ${String(letter.l.page[0])} /AP << /N ${u.add(overlay(letter.l))} >> >>`,
      ),
  },
  ...(
    [
      ['zero-width-rect', '[300 0 300 792]', '[0 0 612 792]', '[1 0 0 1 0 0]'],
      ['zero-width-rect-zero-bbox', '[300.5 0 300.5 792]', '[0 0 0 792]', '[1 0 0 1 0 0]'],
      ['zero-rect-singular-matrix', '[0 0 0 0]', '[0 0 612 792]', '[0 0 0 0 0 0]'],
    ] as const
  ).map(([name, rect, bbox, matrix]): Case => ({
    name: `invisible-${name}`,
    kind: 'regression',
    base: 'genuine',
    idea: `a new printable signature field on page 1 with /Rect ${rect}, an appearance that fills far beyond its /BBox ${bbox} /Matrix ${matrix}: zero area is drawn as nothing`,
    expect: 'valid',
    poppler: 'same',
    build: (letter) =>
      newFieldOnPage1(
        letter,
        (u) =>
          `<< /Type /Annot /Subtype /Widget /FT /Sig /T (Sello) /Rect ${rect} /F 4 /P ${String(letter.l.page[0])} /AP << /N ${u.add(stream(`/Type /XObject /Subtype /Form /BBox ${bbox} /Matrix ${matrix}`, '0 0 1 rg -1000 -1000 3000 3000 re f'))} >> >>`,
      ),
  })),
  {
    name: 'invisible-widget-p-other-page',
    kind: 'regression',
    base: 'genuine',
    idea: 'a new hidden signature widget in page 2’s /Annots whose /P names page 1',
    expect: 'valid',
    poppler: 'same',
    build: ({ pdf, l }) => {
      const u = new Update(pdf);
      const w = u.add(
        `<< /Type /Annot /Subtype /Widget /FT /Sig /T (${WITNESS_FIELD}) /Rect [0 0 0 0] /F 2 /P ${String(l.page[0])} >>`,
      );
      u.set(l.page[1]!, page2With(l, w));
      u.set(l.acroForm!, acroFormWith(l, w));
      return u.write();
    },
  },
  {
    name: 'existing-widget-on-page-1',
    kind: 'regression',
    base: 'genuine',
    idea: 'page 1 gains /Annots naming the president’s signed widget (her signature drawn on page 1 too)',
    expect: 'refused',
    poppler: 'change',
    build: ({ pdf, l }) =>
      new Update(pdf)
        .set(
          l.page[0]!,
          dictText(dictOf(l, l.page[0]!), { Annots: `[ ${String(l.field['FirmaMunicipal'])} ]` }),
        )
        .write(),
  },

  // --- numbers poppler reads as another type ------------------------------------------------------
  {
    name: 'widget-flags-4.0',
    kind: 'hole',
    base: 'genuine',
    idea: 'both signed widgets rewritten with /F 4.0 for /F 4: syntax.ts sameValue compares numbers by value, so the judge sees no change at all; poppler reads a real /F as no flags, and leaves both signatures out when printing',
    expect: 'refused',
    poppler: 'change-printed',
    build: ({ pdf, l }) => {
      const u = new Update(pdf);
      for (const name of ['FirmaMunicipal', 'FirmaInstitucional'])
        u.set(l.field[name]!, dictText(dictOf(l, l.field[name]!), { F: '4.0' }));
      return u.write();
    },
  },

  // --- object streams read as poppler reads them ------------------------------------------------
  {
    name: 'objstm-window-blank-page',
    kind: 'hole',
    base: 'genuine',
    idea: 'page 1 written again in an object stream, keys reordered, the header giving a second object the offset where /Contents starts: poppler reads each object only up to the next offset (no /Contents: a blank page), document.ts loadCompressed reads it whole (unchanged: nothing to judge)',
    expect: 'refused',
    poppler: 'change',
    build: ({ pdf, l }) => {
      const page = `<< ${entriesText(dictOf(l, l.page[0]!), { Contents: undefined })} /Contents ${String(l.content)} >>`;
      const cut = page.indexOf('/Contents');
      return streamRevision(pdf, {
        header: `${l.page[0]!.objectNumber} 0 9999 ${cut}\n`,
        body: `${page}\n`,
        listed: [l.page[0]!.objectNumber],
      });
    },
  },
  {
    name: 'objstm-window-stretched-signature',
    kind: 'hole',
    base: 'genuine',
    idea: 'the president’s widget written again in an object stream with /Rect last, cut inside its last number (707.505 → 70): poppler stretches her signature appearance over page 2’s text; the judge reads the widget whole and unchanged',
    expect: 'refused',
    poppler: 'change',
    build: ({ pdf, l }) => {
      const ref = l.field['FirmaMunicipal']!;
      const dict = dictOf(l, ref);
      const rect = dict.get(PDFName.of('Rect'))!.toString();
      const text = `<< ${entriesText(dict, { Rect: undefined })} /Rect ${rect} >>`;
      const last = /(\d+(?:\.\d+)?)\s*\]\s*>>$/.exec(text)!;
      return streamRevision(pdf, {
        header: `${ref.objectNumber} 0 9999 ${last.index + 2}\n`,
        body: `${text}\n`,
        listed: [ref.objectNumber],
      });
    },
  },
  {
    name: 'objstm-honest-page',
    kind: 'regression',
    base: 'genuine',
    idea: 'control: page 1 written again, unchanged, in an object stream with true offsets',
    expect: 'valid',
    poppler: 'same',
    build: ({ pdf, l }) =>
      streamRevision(
        pdf,
        packed([
          {
            num: l.page[0]!.objectNumber,
            text: dictText(dictOf(l, l.page[0]!)),
          },
        ]),
      ),
  },

  // --- poppler's reconstruction -------------------------------------------------------------------
  {
    name: 'reconstruct-dangling-ref-in-new-widget',
    kind: 'hole',
    base: 'genuine',
    idea: 'a legitimate-looking hidden signature field on page 2 whose widget has /Contents 999 0 R (no such object: judge.ts never refuses a new reference to nothing), and an orphan stream (allowed) whose data holds `N 0 obj` texts of page 2’s content and the president’s appearance: fetching 999, poppler reconstructs its table from a scan of the file and the fakes win',
    expect: 'refused',
    poppler: 'change',
    build: (letter) => {
      const { pdf, l } = letter;
      const u = new Update(pdf);
      u.add(stream('', fakes(letter)));
      const w = u.add(
        `<< /Type /Annot /Subtype /Widget /FT /Sig /T (${WITNESS_FIELD}) /Rect [0 0 0 0] /F 2 /P ${String(l.page[1])} /Contents 999 0 R >>`,
      );
      u.set(l.page[1]!, page2With(l, w));
      u.set(l.acroForm!, acroFormWith(l, w));
      return u.write();
    },
  },
  {
    name: 'reconstruct-dangling-ref-in-dr',
    kind: 'hole',
    base: 'genuine',
    idea: 'the AcroForm’s /DR gains a font 999 0 R that does not exist (judgeResources allows any new entry) and an orphan stream carries the fakes: poppler fetches the /DR fonts when it builds the form, reconstructs, and draws the fakes',
    expect: 'refused',
    poppler: 'change',
    build: (letter) => {
      const { pdf, l } = letter;
      const u = new Update(pdf);
      u.add(stream('', fakes(letter)));
      u.set(l.acroForm!, dictText(dictOf(l, l.acroForm!), { DR: '<< /Font << /Zz 999 0 R >> >>' }));
      return u.write();
    },
  },
  {
    name: 'reconstruct-fake-object-in-comment',
    kind: 'hole',
    base: 'genuine',
    idea: 'the same /DR trigger, the fake page 2 content hidden in two comment lines between objects (`%endobj N 0 obj … stream`, then its ASCII85 data, which begins with %): document.ts checkCoverage skips comments as white space, poppler’s scan resumes after `endobj` on any line',
    expect: 'refused',
    poppler: 'change',
    build: ({ pdf, l, page2Content }) => {
      const data = Buffer.concat([
        Buffer.from('\x0cs  \n', 'latin1'), // an ASCII85 group that encodes to a leading %
        streamData(l, page2Content),
        Buffer.from(`\n${drawing('PAGINA 2 ALTERADA')}\n`),
      ]);
      const encoded = ascii85(data);
      assert.equal(encoded[0], '%');
      const hidden = `%endobj ${page2Content.objectNumber} 0 obj << /Length ${encoded.length} /Filter /ASCII85Decode >> stream\n${encoded}\n`;
      return new Update(pdf)
        .set(l.acroForm!, dictText(dictOf(l, l.acroForm!), { DR: '<< /Font << /Zz 999 0 R >> >>' }))
        .write({ gap: hidden });
    },
  },
  {
    name: 'reconstruct-info-names-object-in-refused-objstm',
    kind: 'hole',
    base: 'genuine',
    idea: 'a hybrid update: /Info gains /GTS_PDFA1Version, a new string in an object stream whose header offsets decrease (document.ts objectStream accepts any order; poppler refuses the whole stream), and an orphan stream carries the fakes: poppler looks the key up while opening the file, reconstructs, and page 1 is defaced',
    expect: 'refused',
    poppler: 'change',
    build: (letter) => {
      const { pdf, l } = letter;
      const size = trailerOf(pdf).size;
      const info = dictText(dictOf(l, l.info), { GTS_PDFA1Version: `${size + 1} 0 R` });
      return hybridRevision(
        pdf,
        [
          { num: l.info.objectNumber, body: info },
          { num: size, body: stream('', fakes(letter)) },
        ],
        { header: `${size + 1} 4 ${size + 2} 0\n`, body: '(y)\n(x)\n', listed: [size + 1, size + 2] },
      );
    },
  },
  {
    name: 'reconstruct-page-relisted-in-refused-objstm',
    kind: 'hole',
    base: 'genuine',
    idea: 'a hybrid update lists page 1, unchanged, in an object stream whose offsets decrease (unchanged for the judge: no new reference at all), and an orphan stream carries the fakes: poppler cannot fetch page 1, reconstructs, and draws the fake content',
    expect: 'refused',
    poppler: 'change',
    build: (letter) => {
      const { pdf, l } = letter;
      const size = trailerOf(pdf).size;
      const page = dictText(dictOf(l, l.page[0]!));
      return hybridRevision(pdf, [{ num: size, body: stream('', fakes(letter)) }], {
        header: `${l.page[0]!.objectNumber} 4 ${size + 2} 0\n`,
        body: `(y)\n${page}\n`,
        listed: [l.page[0]!.objectNumber, size + 2],
      });
    },
  },
  {
    name: 'info-names-missing-object',
    kind: 'regression',
    base: 'genuine',
    idea: '/Info gains /GTS_PDFA1Version 999 0 R (the reconstruction trigger poppler reads first): refused, /Info must hold text',
    expect: 'refused',
    poppler: 'same',
    build: ({ pdf, l }) =>
      new Update(pdf).set(l.info, dictText(dictOf(l, l.info), { GTS_PDFA1Version: '999 0 R' })).write(),
  },
  {
    name: 'info-names-font',
    kind: 'regression',
    base: 'genuine',
    idea: '/Info gains a key naming the body font (unchanged): refused, /Info must hold text',
    expect: 'refused',
    poppler: 'same',
    build: ({ pdf, l }) =>
      new Update(pdf).set(l.info, dictText(dictOf(l, l.info), { Foo: String(l.regular) })).write(),
  },

  // --- owned structures ---------------------------------------------------------------------------
  {
    name: 'dss-direct-unexpected-key',
    kind: 'leak',
    base: 'genuine',
    idea: 'the catalog gains a direct /DSS << /Foo (a new form XObject) /Certs [] >>: OwnedWalk.dict stops at /Foo before taking anything, so judgeOwned has nothing "touched" and returns without a verdict, and the XObject is reached from the /DSS root',
    expect: 'refused',
    poppler: 'same',
    build: ({ pdf, l }) => {
      const u = new Update(pdf);
      const x = u.add(overlay(l));
      return u.set(l.catalog, dictText(dictOf(l, l.catalog), { DSS: `<< /Foo ${x} /Certs [ ] >>` })).write();
    },
  },
  {
    name: 'extensions-unexpected-key',
    kind: 'leak',
    base: 'genuine',
    idea: 'the catalog’s /Extensions becomes << /ADBE << /Bogus 1 /URL (a new form XObject) >> >>: the walk stops at /Bogus, nothing is touched, the XObject hangs from an allowed root',
    expect: 'refused',
    poppler: 'same',
    build: ({ pdf, l }) => {
      const u = new Update(pdf);
      const x = u.add(overlay(l));
      return u
        .set(
          l.catalog,
          dictText(dictOf(l, l.catalog), { Extensions: `<< /ADBE << /Bogus 1 /URL ${x} >> >>` }),
        )
        .write();
    },
  },
  {
    name: 'metadata-names-form-xobject',
    kind: 'leak',
    base: 'genuine',
    idea: 'the catalog’s /Metadata names a new form XObject: metadataOwned fails before taking it, nothing is touched, the XObject hangs from an allowed root',
    expect: 'refused',
    poppler: 'same',
    build: ({ pdf, l }) => {
      const u = new Update(pdf);
      const x = u.add(overlay(l));
      return u.set(l.catalog, dictText(dictOf(l, l.catalog), { Metadata: x })).write();
    },
  },
  {
    name: 'dss-names-page-content-rewritten',
    kind: 'regression',
    base: 'genuine',
    idea: 'the /DSS lists page 1’s content stream as a certificate, and the update rewrites it defaced: refused (it was not part of the DSS before)',
    expect: 'refused',
    poppler: 'change',
    build: ({ pdf, l }) =>
      new Update(pdf)
        .set(
          l.content,
          stream('', Buffer.concat([streamData(l, l.content), Buffer.from(`\n${drawing('ALTERADO')}\n`)])),
        )
        .set(l.catalog, dictText(dictOf(l, l.catalog), { DSS: `<< /Certs [ ${String(l.content)} ] >>` }))
        .write(),
  },
  {
    name: 'extensions-names-font-rewritten',
    kind: 'regression',
    base: 'genuine',
    idea: 'the catalog’s /Extensions names the body font, rewritten as a developer-extensions dictionary (the text loses its font): refused',
    expect: 'refused',
    poppler: 'change',
    build: ({ pdf, l }) =>
      new Update(pdf)
        .set(l.regular, '<< /Type /DeveloperExtensions /BaseVersion /1.7 /ExtensionLevel 3 >>')
        .set(l.catalog, dictText(dictOf(l, l.catalog), { Extensions: `<< /ADBE ${String(l.regular)} >>` }))
        .write(),
  },
  {
    name: 'info-string-rewritten',
    kind: 'regression',
    base: 'genuine',
    idea: 'control: one of /Info’s indirect strings (the /Producer) rewritten',
    expect: 'valid',
    poppler: 'same',
    build: ({ pdf, l }) => {
      const producer = dictOf(l, l.info).get(PDFName.of('Producer'));
      assert.ok(producer instanceof PDFRef);
      return new Update(pdf).set(producer, pdfText('otro productor')).write();
    },
  },

  // --- signing an existing field -------------------------------------------------------------------
  {
    name: 'witness-signed-with-fake-doc-timestamp',
    kind: 'hole',
    base: 'three-fields',
    idea: `the three-field letter’s empty ${WITNESS_FIELD} “signed” with a /DocTimeStamp dictionary holding no real token (/Contents <3000>, a wrong /ByteRange) and a visible appearance naming a judge: judge.ts judgeFields accepts any signature dictionary as signing, and verify-pdf.ts leaves time-stamps out of “valid”, so nothing checks it`,
    expect: 'refused',
    poppler: 'change',
    build: ({ pdf, l }) => {
      const u = new Update(pdf);
      const ap = u.add(
        stream(
          `/Type /XObject /Subtype /Form /BBox [0 0 222 78] /Resources << /Font << /F2 ${String(l.bold)} >> >>`,
          `BT /F2 10 Tf 0 0 0 rg 6 50 Td ${pdfText('Firmado por: JUEZ DE DISTRITO')} Tj 0 -14 Td ${pdfText('Sello de tiempo verificado')} Tj ET`,
        ),
      );
      const sig = u.add(
        '<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange [0 1 2 3] /Contents <3000> >>',
      );
      const w = l.field[WITNESS_FIELD]!;
      return u.set(w, dictText(dictOf(l, w), { V: sig, AP: `<< /N ${ap} >>` })).write();
    },
  },
  {
    name: 'fakes-in-an-orphan-stream-without-trigger',
    kind: 'guard',
    base: 'genuine',
    idea: 'an /Info update and a new stream nothing refers to, whose data holds `N 0 obj` texts of both pages’ content and the president’s appearance: no trigger, but the text names objects in use where none is',
    expect: 'refused',
    poppler: 'same',
    build: (letter) => {
      const { pdf, l } = letter;
      const u = new Update(pdf);
      u.add(stream('', fakes(letter)));
      return u.set(l.info, dictText(dictOf(l, l.info), { ModDate: '(D:20240101000000Z)' })).write();
    },
  },
  {
    name: 'fake-header-with-leading-zeros-in-a-comment',
    kind: 'guard',
    base: 'genuine',
    idea: 'a comment in an /Info update reads `%endobj 000000000N 0 obj` for page 2’s content (eleven digits: a scan that reads ten at most, or only where a line begins, misses it; atoi() does not)',
    expect: 'refused',
    poppler: 'same',
    build: ({ pdf, l, page2Content }) =>
      new Update(pdf)
        .set(l.info, dictText(dictOf(l, l.info), { ModDate: '(D:20240101000000Z)' }))
        .write({ gap: `%endobj ${String(page2Content.objectNumber).padStart(11, '0')} 0 obj\n` }),
  },
  {
    name: 'spare-copy-of-page-1-in-an-object-stream',
    kind: 'guard',
    base: 'genuine',
    idea: 'an /Info update writes an object stream holding a copy of page 1 under its number that its section never places there (a reader rebuilding its table from object streams could take it)',
    expect: 'refused',
    poppler: 'same',
    build: ({ pdf, l }) => {
      const pageDict = dictText(dictOf(l, l.page[0]!));
      const header = `${l.page[0]!.objectNumber} 0 `;
      const u = new Update(pdf);
      u.add(stream(`/Type /ObjStm /N 1 /First ${header.length}`, `${header}${pageDict}`));
      return u.set(l.info, dictText(dictOf(l, l.info), { ModDate: '(D:20240101000000Z)' })).write();
    },
  },
  {
    name: 'invisible-doc-timestamp-not-bound',
    kind: 'guard',
    base: 'genuine',
    idea: 'a new zero-area field on page 2 holding a /DocTimeStamp whose /ByteRange covers nothing of the file and whose /Contents is no token: nothing is drawn, but a time-stamp that does not cover its revision is no time-stamp',
    expect: 'refused',
    poppler: 'same',
    build: ({ pdf, l }) => {
      const u = new Update(pdf);
      const sig = u.add(
        '<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange [0 1 2 3] /Contents <3000> >>',
      );
      const w = u.add(
        `<< /Type /Annot /Subtype /Widget /FT /Sig /T (Sello) /Rect [0 0 0 0] /P ${String(l.page[1])} /V ${sig} >>`,
      );
      return u.set(l.page[1]!, page2With(l, w)).set(l.acroForm!, acroFormWith(l, w)).write();
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Cost

interface CostCase {
  readonly name: string;
  readonly idea: string;
  readonly build: (letter: Letter) => Buffer;
}

const COST_CASES: readonly CostCase[] = [
  {
    name: 'cost-field-kids-exponential',
    idea: 'a new field whose /Kids is an array of two direct field dictionaries whose /Kids is that same array: structure.ts walkFields dedupes only references, so it visits 2^33 nodes (no deadline check inside)',
    build: ({ pdf, l }) => {
      const u = new Update(pdf);
      const kids = u.reserve();
      const top = u.add(`<< /FT /Sig /T (x) /Kids ${kids} >>`);
      u.set(kids, `[ << /T (a) /Kids ${kids} >> << /T (b) /Kids ${kids} >> ]`);
      return u.set(l.acroForm!, acroFormWith(l, top)).write();
    },
  },
  {
    name: 'cost-20000-invisible-fields',
    idea: '20,000 new hidden signature fields in /Fields: judgeGained looks each up with DocumentStructure.field, a linear find (quadratic, no deadline check)',
    build: ({ pdf, l }) => {
      const u = new Update(pdf);
      const refs: string[] = [];
      for (let i = 0; i < 20_000; i++)
        refs.push(u.add(`<< /Type /Annot /Subtype /Widget /FT /Sig /T (F${i}) /Rect [0 0 0 0] /F 2 >>`));
      return u.set(l.acroForm!, acroFormWith(l, ...refs)).write();
    },
  },
  {
    name: 'cost-dss-times-extensions',
    idea: 'a direct /DSS listing 600 new certificates beside an /Extensions array of 400,000 zeros: usesOutside walks the catalog’s other keys (referencesIn) once per certificate, then judgeNewObjects spreads the array into push()',
    build: ({ pdf, l }) => {
      const u = new Update(pdf);
      const certs: string[] = [];
      for (let i = 0; i < 600; i++) certs.push(u.add(stream('', 'x')));
      return u
        .set(
          l.catalog,
          dictText(dictOf(l, l.catalog), {
            DSS: `<< /Certs [ ${certs.join(' ')} ] >>`,
            Extensions: `[ ${'0 '.repeat(400_000)}]`,
          }),
        )
        .write();
    },
  },
  {
    name: 'cost-extensions-array-spread',
    idea: 'the catalog’s /Extensions becomes an array of 200,000 zeros: judgeNewObjects does queue.push(...item), a RangeError (not a typed error)',
    build: ({ pdf, l }) =>
      new Update(pdf)
        .set(l.catalog, dictText(dictOf(l, l.catalog), { Extensions: `[ ${'0 '.repeat(200_000)}]` }))
        .write(),
  },
  {
    name: 'cost-30-mb-literal-string',
    idea: 'a new, unused object: one literal string of 30 million bytes; syntax.ts literalString collects them in a number[] (one value of the budget) ',
    build: ({ pdf }) => {
      const u = new Update(pdf);
      u.add(Buffer.concat([Buffer.from('('), Buffer.alloc(30_000_000, 0x41), Buffer.from(')')]));
      return u.write();
    },
  },
  {
    name: 'cost-orphan-array-of-450000-refs',
    idea: 'an unused array of 450,000 references to missing objects, then an /Info update: referrers builds a Set per referred number, for two revisions',
    build: ({ pdf, l }) => {
      const u = new Update(pdf);
      const refs: string[] = [];
      for (let i = 0; i < 450_000; i++) refs.push(`${1000 + i} 0 R`);
      u.add(`[ ${refs.join(' ')} ]`);
      return new Update(u.write())
        .set(l.info, dictText(dictOf(l, l.info), { ModDate: '(D:20240101000000Z)' }))
        .write();
    },
  },
  {
    name: 'cost-250-revisions-after-300000-objects',
    idea: 'one revision of 300,000 small unused objects, then 250 /Info updates: document.ts inUse keeps a full map per revision, and the judge rebuilds referrers per revision',
    build: ({ pdf, l }) => {
      const t = trailerOf(pdf);
      const count = 300_000;
      const parts: string[] = ['\n'];
      let at = pdf.length + 1;
      let xref = `xref\n${t.size} ${count}\n`;
      for (let i = 0; i < count; i++) {
        const object = `${t.size + i} 0 obj\n1\nendobj\n`;
        xref += `${String(at).padStart(10, '0')} 00000 n \n`;
        parts.push(object);
        at += object.length;
      }
      parts.push(
        xref,
        `trailer\n<< /Size ${t.size + count} /Root ${t.entries.get('Root')} /Info ${t.entries.get('Info')} /ID ${t.entries.get('ID')} /Prev ${t.xref} >>\nstartxref\n${at}\n%%EOF\n`,
      );
      let out: Buffer = Buffer.concat([pdf, Buffer.from(parts.join(''), 'latin1')]);
      for (let r = 0; r < 250; r++)
        out = new Update(out)
          .set(
            l.info,
            dictText(dictOf(l, l.info), { ModDate: `(D:2024010100${String(r % 60).padStart(2, '0')}00Z)` }),
          )
          .write();
      return out;
    },
  },
];

// ---------------------------------------------------------------------------------------------

const refusedEntirely = (v: OurVerdict): boolean => !v.valid && v.signatures.every((s) => !s.valid);
const typed = (v: OurVerdict): boolean => v.threw === null || v.structureError;

function describeVerdict(v: OurVerdict): string {
  if (v.killedAfterS !== undefined) return `killed after ${v.killedAfterS} s`;
  if (v.threw !== null) return `threw ${v.threw.slice(0, 120)}`;
  const first = v.signatures.map((s) => s.detail).find((d) => d !== null);
  return `${v.valid ? 'VALID' : 'refused'} (${v.signatures.map((s) => (s.valid ? 'ok' : s.code)).join(', ')})${first ? `: ${first}` : ''}`;
}

async function letterFrom(pdf: Buffer): Promise<Letter> {
  const l = await letterObjects(pdf);
  const contents = dictOf(l, l.page[1]!).lookup(PDFName.of('Contents'), PDFArray).asArray() as PDFRef[];
  const page2Content = contents
    .map((ref) => ({ ref, size: streamData(l, ref).length }))
    .sort((a, b) => b.size - a.size)[0]!.ref;
  return { pdf, l, page2Content };
}

describe('PDF judge against attacks through what poppler draws (reconstruction, object streams, number types, owned structures)', function () {
  this.timeout(300_000);
  const letters = new Map<Base, Letter>();
  const drawn = new Map<Base, Promise<Rendering>>();
  const built = new Map<string, Buffer>();

  before(async function () {
    const genuine = await genuineLetter();
    const revision1 = await renderLetterPdf(HUIXQUILUCAN);
    const threeFields = await signTwice(
      await addSignatureFields(revision1, [{ name: WITNESS_FIELD, pageIndex: 1, rect: [72, 440, 294, 518] }]),
    );
    letters.set('genuine', await letterFrom(genuine));
    letters.set('three-fields', await letterFrom(threeFields));
    for (const c of CASES) built.set(c.name, c.build(letters.get(c.base)!));
    const verifier = ourVerifier();
    const rows = ['| case | kind | judge | expected |', '| --- | --- | --- | --- |'];
    for (const c of CASES) {
      const v = await ourVerdict(built.get(c.name)!, verifier);
      rows.push(`| ${c.name} | ${c.kind} | ${describeVerdict(v)} | ${c.expect} |`);
    }
    console.log(`\n${rows.join('\n')}\n`);
  });

  const base = (b: Base): Letter => letters.get(b)!;
  const reference = (b: Base): Promise<Rendering> => {
    let r = drawn.get(b);
    if (r === undefined) drawn.set(b, (r = renderPages(base(b).pdf)));
    return r;
  };

  it('the genuine letters are valid (controls)', async function () {
    for (const b of ['genuine', 'three-fields'] as const) {
      const v = await ourVerdict(base(b).pdf, ourVerifier());
      assert.equal(v.valid, true, `${b}: ${describeVerdict(v)}`);
    }
  });

  for (const c of CASES)
    describe(`${c.kind}: ${c.name}`, function () {
      it(`the judge answers ${c.expect} (${c.idea})`, async function () {
        const v = await ourVerdict(built.get(c.name)!, ourVerifier());
        assert.ok(typed(v), describeVerdict(v));
        assert.ok(v.ms < LIMIT_MS, `${v.ms.toFixed(0)} ms`);
        if (c.expect === 'valid') assert.equal(v.valid, true, describeVerdict(v));
        else assert.ok(refusedEntirely(v), describeVerdict(v));
      });

      it(
        c.poppler === 'same'
          ? 'poppler draws the same as the letter signed'
          : c.poppler === 'change'
            ? 'poppler draws something else than the letter signed (the attack is real)'
            : 'poppler prints something else than the letter signed (the attack is real)',
        async function () {
          const pdf = built.get(c.name)!;
          if (c.poppler === 'change-printed') {
            const [printed, genuine] = await Promise.all([
              printedRendering(pdf),
              printedRendering(base(c.base).pdf),
            ]);
            assert.equal(
              sameRendering(await renderPages(pdf), await reference(c.base)),
              true,
              'same on screen',
            );
            assert.equal(sameRendering(printed, genuine), false, 'printed differently');
          } else {
            const same = sameRendering(await renderPages(pdf), await reference(c.base));
            assert.equal(same, c.poppler === 'same');
          }
        },
      );
    });

  for (const c of COST_CASES)
    it(`cost: ${c.name}: a typed answer within ${LIMIT_MS} ms and ${LIMIT_RSS_MB} MB (${c.idea})`, async function () {
      const v = await ourVerdictInChild(c.build(base('genuine')), CHILD_SECONDS);
      const what = `${describeVerdict(v)}, ${v.ms.toFixed(0)} ms, peak ${v.peakRssMb?.toFixed(0)} MB`;
      assert.equal(v.killedAfterS, undefined, what);
      assert.ok(typed(v), what);
      assert.ok(v.ms < LIMIT_MS, what);
      assert.ok((v.peakRssMb ?? 0) < LIMIT_RSS_MB, what);
    });
});
