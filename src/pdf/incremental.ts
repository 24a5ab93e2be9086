/**
 * Appending an incremental update (ISO 32000-1 §7.5.6) to a PDF with a classic cross-reference
 * table: only the given objects, a `xref` section listing just them, and a trailer that repeats
 * the previous one plus /Prev. The earlier bytes are never touched, so they stay an exact prefix
 * of the result, which is what keeps earlier signatures valid.
 */
import { type PDFContext, type PDFObject, type PDFRef } from 'pdf-lib';
import type { PdfFile } from './document';
import { PdfStructureError } from './errors';

/** One object of an update: a pdf-lib object to serialize, or the exact bytes of its body. */
export interface UpdateObject {
  readonly ref: PDFRef;
  readonly body: PDFObject | Uint8Array;
}

export interface IncrementalUpdate {
  /** The base bytes, unchanged, followed by the update. */
  readonly pdf: Buffer;
  /** Absolute offset of each written object's body (just after `N G obj\n`), by object number. */
  readonly bodyOffsets: ReadonlyMap<number, number>;
}

/** The bytes pdf-lib writes for one object. */
export function serialize(object: PDFObject): Buffer {
  const out = Buffer.alloc(object.sizeInBytes());
  object.copyBytesInto(out, 0);
  return out;
}

/**
 * Appends `objects` to `file` as a new revision. `context` is {@link editableContext} of `file`,
 * with any objects registered since (they get numbers from the old /Size on).
 *
 * The previous sections are classic tables (editableContext refuses others): a file that began
 * with streams should be updated with streams, and mixing them troubles readers.
 * @throws PdfStructureError
 */
export function appendIncrementalUpdate(
  file: PdfFile,
  context: PDFContext,
  objects: readonly UpdateObject[],
): IncrementalUpdate {
  const base = file.bytes;
  const previous = file.revisions[file.newest]!;
  if (previous.form !== 'table')
    throw new PdfStructureError('the writer extends only cross-reference tables');

  const parts: Buffer[] = [Buffer.from(base.buffer, base.byteOffset, base.length)];
  let offset = base.length;
  const push = (text: string | Buffer): void => {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
    parts.push(bytes);
    offset += bytes.length;
  };
  // pdf-lib ends a file right after %%EOF: the update starts on a line of its own.
  if (base.length > 0 && base[base.length - 1] !== 0x0a && base[base.length - 1] !== 0x0d) push('\n');

  const sorted = [...objects].sort((a, b) => a.ref.objectNumber - b.ref.objectNumber);
  const objectOffsets: number[] = [];
  const bodyOffsets = new Map<number, number>();
  for (const { ref, body } of sorted) {
    objectOffsets.push(offset);
    push(`${ref.objectNumber} ${ref.generationNumber} obj\n`);
    bodyOffsets.set(ref.objectNumber, offset);
    push(body instanceof Uint8Array ? Buffer.from(body) : serialize(body));
    push('\nendobj\n');
  }

  // §7.5.4: one subsection per run of consecutive object numbers; each entry is exactly 20 bytes.
  const xrefOffset = offset;
  let xref = 'xref\n';
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]!.ref.objectNumber === sorted[j]!.ref.objectNumber + 1) j++;
    xref += `${sorted[i]!.ref.objectNumber} ${j - i + 1}\n`;
    for (let k = i; k <= j; k++) {
      const generation = String(sorted[k]!.ref.generationNumber).padStart(5, '0');
      xref += `${String(objectOffsets[k]).padStart(10, '0')} ${generation} n \n`;
    }
    i = j + 1;
  }
  push(xref);

  // §7.5.6: the new trailer repeats the previous one's entries and adds /Prev. /Size never
  // shrinks (loadRevision started largestObjectNumber at the old /Size - 1); /ID stays: same document.
  const { Root, Info, ID } = context.trailerInfo;
  let trailer = `trailer\n<< /Size ${context.largestObjectNumber + 1} /Root ${String(Root)}`;
  if (Info) trailer += ` /Info ${String(Info)}`;
  if (ID) trailer += ` /ID ${String(ID)}`;
  push(`${trailer} /Prev ${previous.xrefOffset} >>\nstartxref\n${xrefOffset}\n%%EOF\n`);
  return { pdf: Buffer.concat(parts), bodyOffsets };
}
