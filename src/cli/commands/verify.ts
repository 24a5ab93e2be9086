/**
 * `manifiesta verify`: check a signature offline with the same code the process uses.
 * Exit 0 valid, 1 invalid (the code printed), 2 usage.
 */
import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { identityText, revocationText } from '../../signatures/report';
import {
  loadTrustStore,
  SignatureVerifier,
  TrustConfigurationError,
  type VerificationReport,
} from '../../signatures';
import { ExitCode, UsageError } from '../errors';

interface VerifyOptions {
  document: string;
  signature: string;
  format?: 'cms' | 'pkcs1-sha256';
  certificate?: string;
  trustAnchors?: string;
  crls?: string;
  rfc?: string;
  curp?: string;
  name?: string;
  at?: string;
  json?: boolean;
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('Verifica una firma (CMS/PKCS#7 o PKCS#1) sobre un documento, sin conexión.')
    .requiredOption('--document <file>', 'el documento firmado (los bytes exactos)')
    .requiredOption('--signature <file>', 'la firma: .p7s (DER, PEM o base64) o PKCS#1 (binaria o base64)')
    .addOption(
      new Option('--format <format>', 'formato de la firma (se detecta si falta)').choices([
        'cms',
        'pkcs1-sha256',
      ]),
    )
    .option('--certificate <file>', 'el certificado del firmante (.cer DER o PEM); necesario para PKCS#1')
    .option(
      '--trust-anchors <paths>',
      'certificados raíz o intermedios de confianza: archivos o carpetas, separados por comas (por omisión TRUST_ANCHORS)',
    )
    .option(
      '--crls <paths>',
      'listas de revocación (CRL): archivos o carpetas, separados por comas (por omisión CRLS)',
    )
    .option('--rfc <rfc>', 'RFC que debe llevar el certificado')
    .option('--curp <curp>', 'CURP que debe llevar el certificado')
    .option(
      '--name <nombre>',
      'nombre que debe llevar el certificado cuando no se da RFC ni CURP (sin distinguir acentos ni mayúsculas)',
    )
    .option('--at <iso-time>', 'momento en que se juzga la vigencia (por omisión, ahora)')
    .option('--json', 'imprime el reporte de verificación en JSON')
    .action((options: VerifyOptions) => {
      const report = verifyFromFiles(options);
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
      process.exitCode = report.valid ? ExitCode.ok : ExitCode.refused;
    });
}

function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(
      `no se pudo leer ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

function verifyFromFiles(options: VerifyOptions): VerificationReport {
  let at: Date | undefined;
  if (options.at !== undefined) {
    at = new Date(options.at);
    if (!/^\d{4}-\d\d-\d\d/.test(options.at) || Number.isNaN(at.getTime())) {
      throw new UsageError(
        `--at debe ser una fecha ISO 8601, p. ej. 2026-01-31T12:00:00Z (recibido: ${options.at})`,
      );
    }
  }
  let verifier: SignatureVerifier;
  try {
    const trust = loadTrustStore({
      anchors: options.trustAnchors ?? process.env.TRUST_ANCHORS,
      crls: options.crls ?? process.env.CRLS,
    });
    verifier = new SignatureVerifier(trust);
  } catch (error) {
    if (error instanceof TrustConfigurationError) throw new UsageError(error.message);
    throw error;
  }
  return verifier.verify({
    document: readInput(options.document, 'el documento'),
    signature: readInput(options.signature, 'la firma'),
    format: options.format,
    certificate:
      options.certificate === undefined ? undefined : readInput(options.certificate, 'el certificado'),
    expectedSigner: { rfc: options.rfc ?? null, curp: options.curp ?? null, name: options.name ?? null },
    at,
  });
}

const OUTCOME_MARK = { passed: '✓', failed: '✗', skipped: '–' } as const;

/** The report for a person: verdict first, then who signed, then every check. */
function describe(report: VerificationReport): string {
  const lines: string[] = [];
  lines.push(report.valid ? 'FIRMA VÁLIDA' : `FIRMA NO VÁLIDA — ${report.code}: ${report.message}`);
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
    lines.push(`  Certificado: ${c.kind.toUpperCase()}, serie ${c.serial}, RSA ${c.keyBits} bits`);
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
  return `${lines.join('\n')}\n`;
}
