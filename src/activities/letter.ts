/**
 * The letter of intent (*Manifestación expresa de la intención de participar*) as a PDF, with the
 * wording and structure of the real 2022 letter: place and date, subject, addressees, body, the
 * recognitions A–H, and the two signature blocks.
 *
 * The PDF is deterministic (its dates come from the letter date, its ID from its info), so a
 * retried activity stores the same bytes under the same SHA-256.
 */
import PDFDocument from 'pdfkit';
import { addSignatureFields, type FieldPlacement } from '../pdf/signature-fields';
import { pdfBytes } from '../pdf/pdfkit';
import type { RenderLetterInput } from '../domain/activities';
import { SIGNATURE_FIELD } from '../domain/process';
import { letterText } from '../domain/letter';

/** Height of a signature's visible box (name, RFC, role, date and the e.firma line). */
const SIGNATURE_BOX_HEIGHT = 78;

/**
 * The letter with its two empty signature fields, over the signature blocks: revision 1 of the
 * signed PDF (carta-firmada.pdf), whose SHA-256 identifies the document. Each e.firma signature
 * later fills its field in an incremental update (src/pdf).
 */
export async function renderLetterPdf(input: RenderLetterInput): Promise<Buffer> {
  const { pdf, fields } = await drawLetter(input);
  return addSignatureFields(pdf, fields);
}

async function drawLetter(input: RenderLetterInput): Promise<{ pdf: Buffer; fields: FieldPlacement[] }> {
  const text = letterText(input);
  const date = new Date(`${input.letterDate}T12:00:00Z`);
  const doc = new PDFDocument({
    size: 'LETTER',
    margins: { top: 64, bottom: 56, left: 72, right: 72 },
    bufferPages: true, // the footer is stamped on every page at the end
    info: {
      Title: `Manifestación expresa de la intención de participar — ${input.municipality}`,
      Author: `Ayuntamiento de ${input.municipality}`,
      Subject: 'Gobierno Abierto en el ámbito municipal',
      Keywords: `${input.workflowId} ${input.inegiCode}`,
      Creator: 'manifiesta',
      Producer: 'manifiesta',
      CreationDate: date,
      ModDate: date,
    },
  });
  const done = pdfBytes(doc);

  const width = doc.page.width - 144;
  doc.font('Helvetica').fontSize(10.5);
  doc.text(text.placeAndDate, { align: 'right' }).moveDown(1.5);
  doc
    .font('Helvetica-Bold')
    .text(text.subject, doc.page.width / 2 - 20, undefined, { width: width / 2 + 20, align: 'left' });
  doc.moveDown(1.5).x = 72;
  for (const line of text.addressees) doc.text(line, 72, undefined, { width });
  doc.font('Helvetica').moveDown(1);
  for (const paragraph of text.body) doc.text(paragraph, { align: 'justify', width }).moveDown(0.8);
  doc.font('Helvetica-Bold').text(text.recognitionsTitle, { width }).moveDown(0.6);
  doc.font('Helvetica');
  for (const item of text.recognitions)
    doc.text(item, 84, undefined, { align: 'justify', width: width - 12 }).moveDown(0.4);
  doc.moveDown(1);
  // Room for the closing, the signatures' boxes and the blocks under them on one page.
  if (doc.y > doc.page.height - SIGNATURE_BOX_HEIGHT - 150) doc.addPage();
  doc.font('Helvetica-Bold').text(text.closing, 72, undefined, { width, align: 'center' });

  const top = doc.y + SIGNATURE_BOX_HEIGHT + 12;
  const column = (width - 24) / 2;
  // Each signature's box sits just above its block's line (PDF coordinates count from the bottom).
  const page = doc.bufferedPageRange().count - 1;
  const box = (x: number, name: string): FieldPlacement => ({
    name,
    pageIndex: page,
    rect: [x, doc.page.height - top + 4, x + column, doc.page.height - top + 4 + SIGNATURE_BOX_HEIGHT],
  });
  const fields = [box(72, SIGNATURE_FIELD.municipal), box(72 + column + 24, SIGNATURE_FIELD.institute)];
  const block = (x: number, name: string, title: string): void => {
    doc
      .moveTo(x + 10, top)
      .lineTo(x + column - 10, top)
      .stroke();
    doc.font('Helvetica-Bold').text(name, x, top + 6, { width: column, align: 'center' });
    doc.font('Helvetica').text(title, x, undefined, { width: column, align: 'center' });
  };
  block(72, input.president.name, input.institution.presidentTitle);
  block(72 + column + 24, input.commissioner.name, input.institution.commissionerTitle);

  const footer = `Documento para firma electrónica avanzada (e.firma). Proceso ${input.workflowId}, clave INEGI ${input.inegiCode}.`;
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // writing inside the margin must not start a new page
    doc
      .fontSize(7.5)
      .fillColor('#555555')
      .text(`${footer} Página ${i + 1} de ${range.count}.`, 72, doc.page.height - 40, {
        width,
        align: 'center',
        lineBreak: false,
      });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return { pdf: await done, fields };
}
