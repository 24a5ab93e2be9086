/**
 * Revision 1, "the original letter": the pdfkit letter plus its empty signature fields.
 *
 * Everything a signature needs at the document level is put here, once, so that signing later
 * only *fills* a field (its /V and /AP) and never touches the page, its /Annots, the /AcroForm or
 * the catalog. Validators (pyHanko's diff analysis, ours in embedded.ts) then see each signing
 * revision as form filling, which keeps the earlier signatures' modifications acceptable.
 *
 * This is the one full rewrite of the file (pdf-lib `save`); every later revision is appended.
 */
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHeader,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFString,
} from 'pdf-lib';

/** Where an empty signature field goes: its name, the page (0-based) and its box in PDF points. */
export interface FieldPlacement {
  readonly name: string;
  readonly pageIndex: number;
  /** `[x1, y1, x2, y2]` from the page's lower-left corner, as in /Rect (ISO 32000-1 §12.5.2). */
  readonly rect: readonly [number, number, number, number];
}

/**
 * Adds empty signature fields to `pdf`. The output depends only on the input bytes and `fields`
 * (no clock, no random /ID), so the same letter gives the same revision 1 and the same SHA-256.
 *
 * @throws Error for a duplicate or existing field name or a page that does not exist
 */
export async function addSignatureFields(
  pdf: Uint8Array,
  fields: readonly FieldPlacement[],
): Promise<Buffer> {
  // updateMetadata: false, or pdf-lib sets /Producer and /ModDate to now: not deterministic.
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const { context, catalog } = doc;

  let acroForm = catalog.lookupMaybe(PDFName.of('AcroForm'), PDFDict);
  if (acroForm === undefined) {
    acroForm = context.obj({});
    catalog.set(PDFName.of('AcroForm'), context.register(acroForm));
  }
  let fieldRefs = acroForm.lookupMaybe(PDFName.of('Fields'), PDFArray);
  if (fieldRefs === undefined) {
    fieldRefs = context.obj([]);
    acroForm.set(PDFName.of('Fields'), fieldRefs);
  }
  // §12.7.2 Table 219: SignaturesExist (1) | AppendOnly (2): editors must save incrementally.
  acroForm.set(PDFName.of('SigFlags'), PDFNumber.of(3));
  // A viewer told to regenerate appearances would redraw signed fields; pdfkit's forms set it.
  acroForm.delete(PDFName.of('NeedAppearances'));

  const taken = new Set<string>();
  for (let i = 0; i < fieldRefs.size(); i++) {
    const name = fieldRefs.lookupMaybe(i, PDFDict)?.lookupMaybe(PDFName.of('T'), PDFString, PDFHexString);
    if (name !== undefined) taken.add(name.decodeText());
  }
  const pages = doc.getPages();
  for (const field of fields) {
    if (taken.has(field.name)) throw new Error(`the PDF already has a field named ${field.name}`);
    taken.add(field.name);
    const page = pages[field.pageIndex];
    if (page === undefined)
      throw new Error(`field ${field.name}: the PDF has no page ${field.pageIndex + 1}`);
    // A field merged with its widget annotation (§12.7.3.1), as Acrobat and pyHanko make them.
    const widget = context.register(
      context.obj({
        Type: 'Annot',
        Subtype: 'Widget',
        FT: 'Sig',
        T: PDFString.of(field.name),
        Rect: [...field.rect],
        F: 4, // §12.5.3: Print
        P: page.ref,
      }),
    );
    page.node.addAnnot(widget);
    fieldRefs.push(widget);
  }

  // PAdES (ETSI EN 319 142-1 §5.6) declares itself with the ESIC developer extension on a PDF 1.7
  // file, as pyHanko does; set here so that no signature has to change the catalog.
  context.header = PDFHeader.forVersion(1, 7);
  let extensions = catalog.lookupMaybe(PDFName.of('Extensions'), PDFDict);
  if (extensions === undefined) catalog.set(PDFName.of('Extensions'), (extensions = context.obj({})));
  extensions.set(PDFName.of('ESIC'), context.obj({ BaseVersion: PDFName.of('1.7'), ExtensionLevel: 1 }));

  // useObjectStreams: false keeps a classic cross-reference table, which the incremental writer
  // extends; no form appearances are generated (the fields are empty until signed).
  return Buffer.from(await doc.save({ useObjectStreams: false, updateFieldAppearances: false }));
}
