/**
 * The *constancia de firmas*: a one-document summary, in Spanish, of who signed what and when, with
 * the certificate details, the verification outcome, and the exact commands to check it by hand.
 */
import { ROLE_TITLE, SIGNATURE_ACT } from '../domain/wording';
import PDFDocument from 'pdfkit';
import { pdfBytes } from '../pdf/pdfkit';
import { STAGE_LABEL, type ProcessState, type Role } from '../domain/process';
import { identityText, revocationText } from '../domain/verification-report';

/** "Presidencia Municipal (firma)", "Presidencia del Instituto (contrafirma)". */
const blockTitle = (role: Role): string => `${ROLE_TITLE[role]} (${SIGNATURE_ACT[role]})`;

export async function renderConstancia(state: ProcessState, commands: readonly string[]): Promise<Buffer> {
  const generated = new Date(state.audit.at(-1)?.at ?? state.stageEnteredAt);
  const doc = new PDFDocument({
    size: 'LETTER',
    margins: { top: 56, bottom: 56, left: 64, right: 64 },
    info: {
      Title: `Constancia de firmas — ${state.workflowId}`,
      Creator: 'manifiesta',
      Producer: 'manifiesta',
      CreationDate: generated,
      ModDate: generated,
    },
  });
  const done = pdfBytes(doc);
  const width = doc.page.width - 128;
  const field = (label: string, value: string): void => {
    doc
      .font('Helvetica-Bold')
      .fontSize(9.5)
      .text(`${label}: `, { continued: true, width })
      .font('Helvetica')
      .text(value, { width });
  };

  doc
    .font('Helvetica-Bold')
    .fontSize(15)
    .text('Constancia de firmas electrónicas', { width, align: 'center' })
    .moveDown(0.3);
  doc
    .font('Helvetica')
    .fontSize(10)
    .text('Manifestación expresa de la intención de participar en el ejercicio de Gobierno Abierto', {
      width,
      align: 'center',
    })
    .moveDown(1);
  field('Proceso', state.workflowId);
  field('Municipio', `${state.input.municipality} (clave INEGI ${state.input.inegiCode})`);
  field('Campaña', state.input.campaign);
  field('Etapa', `${state.stage} — ${STAGE_LABEL[state.stage]}`);
  field(
    'Documento firmado',
    `${state.document?.fileName ?? 'carta.pdf'}, SHA-256 ${state.document?.sha256 ?? '—'}`,
  );
  if (state.signedDocument) {
    field(
      'Carta con las firmas en el PDF (PAdES)',
      `carta-firmada.pdf, SHA-256 ${state.signedDocument.sha256}; sus primeros ${state.document?.size ?? '—'} bytes son el documento firmado`,
    );
  }
  doc.moveDown(0.8);

  for (const role of ['municipal', 'institute'] as const) {
    const signature = state.signatures[role];
    doc.font('Helvetica-Bold').fontSize(11.5).text(blockTitle(role), { width }).moveDown(0.2);
    if (!signature) {
      doc.font('Helvetica').fontSize(9.5).text('Sin firma.', { width }).moveDown(0.8);
      continue;
    }
    const r = signature.report;
    field('Firmante', r.signer?.name ?? '—');
    field(
      'RFC',
      `${r.signer?.rfc ?? '—'}${r.signer?.representativeRfc ? ` (representante ${r.signer.representativeRfc})` : ''}`,
    );
    field('CURP', r.signer?.curp ?? '—');
    field('Certificado (sujeto)', r.certificate?.subject ?? '—');
    field('Número de serie', r.certificate?.serial ?? '—');
    field('Emisor', r.certificate?.issuer ?? '—');
    field('Vigencia', `${r.certificate?.notBefore ?? '—'} a ${r.certificate?.notAfter ?? '—'}`);
    field('Recibida', signature.receivedAt);
    field('Hora de firma declarada', r.signingTime ?? 'no declarada');
    field('Formato y algoritmo', `${signature.format}, ${r.algorithm ?? '—'}`);
    field(
      signature.format === 'pades'
        ? 'SHA-256 de los bytes firmados (ByteRange de su revisión)'
        : 'SHA-256 del documento verificado',
      r.documentSha256,
    );
    field(
      'Resultado',
      r.valid
        ? `VÁLIDA (${r.checks.filter((c) => c.outcome === 'passed').length} verificaciones superadas: ${r.checks
            .filter((c) => c.outcome === 'passed')
            .map((c) => c.check)
            .join(', ')})`
        : `NO VÁLIDA: ${r.code}`,
    );
    field('Revocación', revocationText(r));
    field('Identidad', identityText(r));
    doc.moveDown(0.8);
  }

  if (state.installation) {
    doc
      .font('Helvetica-Bold')
      .fontSize(11.5)
      .text('Instalación del Secretariado Técnico Municipal', { width })
      .moveDown(0.2);
    field('Fecha', state.installation.date);
    field(
      'Integrantes',
      state.installation.members.map((m) => `${m.name} (${m.sector}, ${m.position})`).join('; '),
    );
    field('Acta', `SHA-256 ${state.installation.minutes.sha256}`);
    doc.moveDown(0.8);
  }

  doc.font('Helvetica-Bold').fontSize(11.5).text('Cómo comprobarlo usted mismo', { width }).moveDown(0.2);
  doc
    .font('Helvetica')
    .fontSize(9.5)
    .text(
      'En la carpeta del expediente, con los certificados de las autoridades certificadoras del SAT en ac-confianza.pem:',
      { width },
    )
    .moveDown(0.3);
  for (const command of commands) doc.font('Courier').fontSize(8).text(command, { width }).moveDown(0.2);
  doc.end();
  return done;
}
