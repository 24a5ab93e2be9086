/**
 * How `manifiesta verify` prints its verdicts for a person: the verdict first, then who signed,
 * the PAdES level and time of record, then every check.
 */
import { type PdfVerification } from '../../pdf/verify-pdf';
import { identityText, revocationText } from '../../domain/verification-report';
import { type VerificationReport } from '../../signatures';
import { ERROR_CODES } from '../../domain/errors';

/** What the PDF path answers: the verification, or why the file could not be judged. */
export type PdfOutcome =
  | (PdfVerification & { readonly code?: undefined; readonly missing: readonly string[] })
  | {
      readonly valid: false;
      readonly code: 'MALFORMED_INPUT' | 'VERIFICATION_LIMIT_EXCEEDED' | 'PAYLOAD_TOO_LARGE';
      readonly message: string;
      readonly signatures: [];
    };

export const OUTCOME_MARK = { passed: '✓', failed: '✗', skipped: '–' } as const;

/** The report for a person: verdict first, then who signed, then every check. */
export function describe(report: VerificationReport): string {
  return `${[
    report.valid ? 'FIRMA VÁLIDA' : `FIRMA NO VÁLIDA — ${report.code}: ${report.message}`,
    ...reportLines(report),
  ].join('\n')}\n`;
}

/** Every embedded signature, in the order signed: its verdict, its report, what came after it. */
export function describePdf(result: PdfOutcome): string {
  if (result.code !== undefined) return `PDF NO VÁLIDO — ${result.code}: ${result.message}\n`;
  const count = result.signatures.length;
  const invalid = result.signatures.filter((s) => !s.valid).length;
  const lines: string[] = [];
  if (count === 0) lines.push('PDF SIN FIRMAS — el documento no contiene firmas electrónicas');
  else if (result.valid)
    lines.push(count === 1 ? 'PDF CON 1 FIRMA VÁLIDA' : `PDF CON ${count} FIRMAS VÁLIDAS`);
  else if (invalid > 0) lines.push(`PDF CON FIRMAS NO VÁLIDAS — ${invalid} de ${count}`);
  else lines.push(`PDF INCOMPLETO — ${ERROR_CODES.SIGNATURE_REQUIRED.message}`);
  for (const field of result.missing) lines.push(`  Falta la firma del campo ${field} (SIGNATURE_REQUIRED)`);
  lines.push(`  Documento original (primera revisión): SHA-256 ${result.originalSha256}`);
  result.signatures.forEach((signature, index) => {
    lines.push('');
    lines.push(
      `Firma ${index + 1} de ${count}, campo ${signature.field}: ${
        signature.valid ? 'VÁLIDA' : `NO VÁLIDA — ${signature.code}: ${signature.message}`
      }`,
    );
    lines.push(`  Nivel:       PAdES ${signature.level}${timestampText(signature.timestamp)}`);
    if (signature.levelLimit) lines.push(`               no llega a más: ${signature.levelLimit}`);
    lines.push(...reportLines(signature.report));
    lines.push(
      `  Cubre:       ${signature.coversWholeFile ? 'el archivo completo' : `los primeros ${signature.revisionEnd} bytes (revisión ${signature.revision ?? '?'})`}`,
    );
    for (const problem of signature.problems) lines.push(`  Problema:    ${problem}`);
    lines.push(...afterLines(signature.coversWholeFile, signature.modifications));
  });
  for (const timestamp of result.timestamps) {
    lines.push('');
    const verdict =
      timestamp.valid === true
        ? `VÁLIDO, del ${timestamp.genTime} por ${timestamp.tsa}`
        : timestamp.valid === false
          ? `NO VÁLIDO — TIMESTAMP_INVALID: ${timestamp.problem}`
          : `no se juzgó su sello (${timestamp.genTime ?? 'fecha ilegible'}): indique --tsa-trust-anchors`;
    lines.push(
      `Sello de tiempo del documento (sello de archivo), campo ${timestamp.field}, revisión ${timestamp.revision ?? '?'}: ${verdict}`,
    );
    for (const problem of timestamp.problems) lines.push(`  Problema:    ${problem}`);
    lines.push(...afterLines(false, timestamp.modifications));
  }
  return `${lines.join('\n')}\n`;
}

function timestampText(timestamp: PdfVerification['signatures'][number]['timestamp']): string {
  if (timestamp === null) return ' (sin sello de tiempo: la hora de firma es la que declara el firmante)';
  if (timestamp.valid === true) return `, sellada el ${timestamp.genTime} por ${timestamp.tsa}`;
  if (timestamp.valid === null)
    return ` (trae un sello de tiempo del ${timestamp.genTime ?? '?'} que no se juzgó: indique --tsa-trust-anchors)`;
  return ` (su sello de tiempo no es válido: ${timestamp.problem})`;
}

/** What the revisions after a signature did. */
function afterLines(
  wholeFile: boolean,
  modifications: PdfVerification['signatures'][number]['modifications'],
): string[] {
  return [
    modifications.allowed
      ? `  Después:     ${wholeFile ? 'nada' : 'sólo lo permitido (firmas, sellos de tiempo, datos de validación, metadatos)'}`
      : '  Después:     el documento se modificó (DOCUMENT_MODIFIED_AFTER_SIGNING)',
    ...modifications.details.map((detail) => `               ${detail}`),
  ];
}

function reportLines(report: VerificationReport): string[] {
  const lines: string[] = [];
  if (report.signer) {
    const ids = [
      report.signer.rfc && `RFC ${report.signer.rfc}`,
      report.signer.curp && `CURP ${report.signer.curp}`,
    ];
    if (report.signer.representativeRfc) ids.push(`representante RFC ${report.signer.representativeRfc}`);
    lines.push(
      `  Firmante:    ${report.signer.name} (${ids.filter(Boolean).join(', ') || 'sin RFC ni CURP'})`,
    );
  }
  if (report.certificate) {
    const c = report.certificate;
    // The algorithm names the key's kind; an EC key's size is its curve's (P-256, P-384 or P-521).
    const key = report.algorithm?.startsWith('ECDSA-') ? `EC P-${c.keyBits}` : `RSA ${c.keyBits} bits`;
    lines.push(`  Certificado: ${c.kind.toUpperCase()}, serie ${c.serial}, ${key}`);
    lines.push(`               vigente del ${c.notBefore} al ${c.notAfter}`);
    lines.push(`               emitido por ${c.issuer}`);
  }
  if (report.algorithm) lines.push(`  Algoritmo:   ${report.algorithm} (${report.format})`);
  if (report.signingTime) lines.push(`  Hora de firma declarada: ${report.signingTime}`);
  lines.push(`  Documento:   SHA-256 ${report.documentSha256}`);
  lines.push(`  Juzgada al:  ${report.verifiedAt}`);
  lines.push(`  Revocación:  ${revocationText(report)}`);
  lines.push(`  Identidad:   ${identityText(report)}`);
  lines.push('  Verificaciones:');
  for (const check of report.checks) {
    lines.push(`    ${OUTCOME_MARK[check.outcome]} ${check.check.padEnd(10)} ${check.detail}`);
  }
  return lines;
}
