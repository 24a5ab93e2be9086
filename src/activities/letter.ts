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

const MONTHS = [
  'enero',
  'febrero',
  'marzo',
  'abril',
  'mayo',
  'junio',
  'julio',
  'agosto',
  'septiembre',
  'octubre',
  'noviembre',
  'diciembre',
];

/** "08 de julio de 2022" from "2022-07-08". */
export function spanishDate(isoDate: string): string {
  const [year, month, day] = isoDate.slice(0, 10).split('-').map(Number);
  if (!year || !month || !day || month > 12) throw new Error(`not a date: ${isoDate}`);
  return `${String(day).padStart(2, '0')} de ${MONTHS[month - 1]} de ${year}`;
}

/** The letter's text, paragraph by paragraph; the PDF lays it out. Exported for tests. */
export function letterText(input: RenderLetterInput): {
  placeAndDate: string;
  subject: string;
  addressees: string[];
  body: string[];
  recognitionsTitle: string;
  recognitions: string[];
  closing: string;
} {
  const { institution: inst, municipality } = input;
  return {
    placeAndDate: `${input.place}; ${spanishDate(input.letterDate)}`,
    subject: `ASUNTO: Manifestación expresa de la intención de participar en el ejercicio de Gobierno Abierto en el ámbito municipal en el ${inst.state}.`,
    addressees: [
      'Integrantes del Secretariado Técnico Local',
      `de Gobierno Abierto del ${inst.state}`,
      'Presentes',
    ],
    body: [
      `Quien suscribe, Titular del Ayuntamiento de ${municipality}, se dirige a este Secretariado Técnico Local de Gobierno Abierto, con el objeto de manifestar de manera expresa la intención de participar en el Ejercicio de Gobierno Abierto en el ámbito municipal, a fin de trabajar de manera conjunta en la consolidación del Primer Plan de Acción Local de Gobierno Abierto del ${inst.state}, en el marco del compromiso proactivo encabezado por el ${inst.name} (${inst.shortName}) denominado “${inst.commitment}”.`,
      'En virtud de lo anterior, se reafirma la disposición de este Ayuntamiento para llevar a cabo acciones de manera colaborativa con integrantes de la Sociedad Civil presentes en nuestro municipio, constituyendo e instalando los Secretariados Técnicos Municipales que sean una manifestación real del interés por implementar una nueva forma de gobernanza, sustentada en la transparencia, la participación, la rendición de cuentas y la innovación.',
      `Así mismo, se externa la plena y buena voluntad de este Ayuntamiento para coadyuvar con el ${inst.shortName} y cumplir con el objetivo de transitar hacia un ${inst.state} más abierto.`,
    ],
    recognitionsTitle: 'ANTE ESTA MANIFESTACIÓN SE RECONOCE:',
    recognitions: [
      'A. Que los mecanismos de involucramiento con la ciudadanía en la toma de decisiones e implementación de políticas públicas municipales necesitan fortalecerse.',
      'B. Que las tecnologías de la información y la comunicación ofrecen grandes oportunidades y se vislumbran como un medio innovador para la instrumentación de iniciativas gubernamentales.',
      'C. Que quien suscribe, afirma el compromiso de trabajar desde nuestros respectivos ámbitos de competencia para la adopción de los principios de gobierno abierto propiciando un cambio de cultura institucional centrada en la sociedad, que sea receptiva y con capacidad de atención a las necesidades sociales.',
      'D. Que es indispensable propiciar la cocreación entre distintos actores sociales en la detección y solución de problemáticas específicas, estableciendo los procesos de adopción de las decisiones colectivas.',
      'E. Que es responsabilidad del gobierno municipal promover la transparencia, luchar contra la corrupción, y empoderar a nuestras comunidades.',
      'F. Que éste Ayuntamiento buscará un diálogo directo con la sociedad, por medio de los cuatro pilares considerados en el Modelo de Gobierno Abierto aprobado por el Sistema Nacional de Transparencia, Acceso a la Información Pública y Protección de Datos Personales: transparencia, participación ciudadana, rendición de cuentas, e innovación; mismos que en su conjunto contribuyen a la gobernanza y al buen gobierno municipal.',
      'G. Que este Ayuntamiento instalará los Secretariados Técnicos Municipales correspondientes.',
      `H. Que este Ayuntamiento coadyuvará con el ${inst.shortName} para alcanzar el objetivo de transitar hacia un ${inst.state} más abierto.`,
    ],
    closing: 'ATENTAMENTE',
  };
}

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
