/**
 * The newest revision of a PDF as a pdf-lib `PDFContext`, for the writer (pades.ts, incremental.ts)
 * to build an update with pdf-lib's objects and serializer.
 *
 * The revision chain, the entries and the trailer come from our reader (document.ts), which
 * refused whatever is ambiguous; pdf-lib only parses each object at the offset its entry gives.
 * The writer extends classic cross-reference tables only (our letters): a file whose objects sit
 * in object streams is refused here, as an update of it should be written with streams too.
 */
import { PDFContext, PDFHexString, PDFObjectParser, PDFRef, type PDFObject } from 'pdf-lib';
import type { PdfFile } from './document';
import { PdfStructureError } from './errors';
import { isArray, PdfRef as Ref, PdfString } from './syntax';

/** The newest revision's objects in a pdf-lib context. @throws PdfStructureError */
export function editableContext(file: PdfFile): PDFContext {
  const newest = file.revisions[file.newest]!;
  if (newest.form !== 'table')
    throw new PdfStructureError('the writer extends only files with classic cross-reference tables');
  const context = PDFContext.create();
  for (const [num, entry] of file.inUse()) {
    if (entry.kind !== 'offset')
      throw new PdfStructureError(`object ${num} is in an object stream, which the writer does not extend`);
    const { start } = file.extent(entry);
    const head = /^\d+\s+\d+\s+obj\b/.exec(
      Buffer.from(file.bytes.subarray(start, start + 32)).toString('latin1'),
    );
    let object: PDFObject;
    try {
      object = PDFObjectParser.forBytes(file.bytes.subarray(start + head![0].length), context).parseObject();
    } catch (error) {
      throw new PdfStructureError(`object ${num} cannot be read for writing`, { cause: error });
    }
    context.assign(PDFRef.of(num, entry.gen), object);
  }
  const ref = (value: unknown): PDFRef | undefined =>
    value instanceof Ref ? PDFRef.of(value.num, value.gen) : undefined;
  const id = newest.trailer.get('ID');
  context.trailerInfo = {
    Root: ref(newest.trailer.get('Root')),
    Info: ref(newest.trailer.get('Info')),
    // §14.4: the same document keeps its /ID.
    ID: isArray(id)
      ? context.obj(
          id
            .filter((part) => part instanceof PdfString)
            .map((part) => PDFHexString.of(Buffer.from(part.bytes).toString('hex'))),
        )
      : undefined,
  };
  // New objects are numbered from /Size on, never reusing a number the file has freed.
  const size = newest.trailer.get('Size');
  context.largestObjectNumber = Math.max(
    context.largestObjectNumber,
    (typeof size === 'number' ? size : 0) - 1,
  );
  return context;
}
