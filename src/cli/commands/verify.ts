/**
 * `manifiesta verify`: check a signature offline with the same code the process uses: a detached
 * one (`--signature`), or every signature embedded in a PDF (PAdES, from us or any other tool).
 * Exit 0 valid, 1 invalid (the code printed), 2 usage.
 */
import { readFileSync, statSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { MAX_PDF_BYTES } from '../../domain/limits';
import { PdfLimitError, PdfStructureError } from '../../pdf/errors';
import { verifyPdfSignatures } from '../../pdf/verify-pdf';
import {
  loadTrustStore,
  SignatureVerifier,
  TrustConfigurationError,
  type ExpectedSigner,
  type VerificationReport,
} from '../../signatures';
import { ERROR_CODES } from '../../domain/errors';
import { ExitCode, UsageError } from '../errors';
import { describeTimestamp, verifyTimestampFromFiles } from './verify-timestamp';
import { timestampTrust } from '../../timestamps/trust';
import type { TimestampTrust } from '../../timestamps/verify';
import { describe, describePdf, type PdfOutcome } from './verify-output';

interface VerifyOptions {
  document?: string;
  timestamp?: string;
  sha256?: string;
  signature?: string;
  format?: 'cms' | 'pkcs1-sha256';
  certificate?: string;
  trustAnchors?: string;
  tsaTrustAnchors?: string;
  crls?: string;
  rfc?: string;
  curp?: string;
  name?: string;
  at?: string;
  json?: boolean;
  signer: string[];
  allowNewSignatureFields?: boolean;
}

/** `--signer CAMPO=RFC|CURP|nombre`, repeatable: who must have signed each field of a PDF. */
const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      'Verifica sin conexión una firma (CMS/PKCS#7 o PKCS#1) sobre un documento, o sin --signature todas las firmas dentro de un PDF (PAdES).',
    )
    .option('--document <file>', 'el documento firmado (los bytes exactos), o un PDF con firmas')
    .option(
      '--timestamp <file>',
      'un sello de tiempo RFC 3161 o una constancia NOM-151 (.tsr o .tst, DER o base64) sobre --document o --sha256; confía en --trust-anchors o TSA_TRUST_ANCHORS y, con el perfil de PSC, en NOM151_TRUST_ANCHORS',
    )
    .option(
      '--sha256 <hex>',
      'con --timestamp, la huella SHA-256 del documento sellado en lugar del documento',
    )
    .option(
      '--signature <file>',
      'la firma desprendida: .p7s (DER, PEM o base64) o PKCS#1 (binaria o base64); sin ella se verifican las firmas dentro del PDF',
    )
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
    .option(
      '--signer <campo=firmante>',
      'en un PDF, quién debe haber firmado un campo: su RFC, su CURP o su nombre (p. ej. FirmaMunicipal=GOMA800101AB1); se repite por campo',
      collect,
      [],
    )
    .option(
      '--allow-new-signature-fields',
      'en un PDF, acepta campos de firma visibles agregados después de una firma (por omisión cuentan como modificación)',
    )
    .option(
      '--tsa-trust-anchors <paths>',
      'en un PDF, las raíces de confianza de las autoridades de sellado de tiempo (por omisión TSA_TRUST_ANCHORS): con ellas una firma sellada se juzga en el momento de su sello',
    )
    .option(
      '--at <iso-time>',
      'momento en que se juzga la vigencia (por omisión, el del sello de tiempo de cada firma o, sin él, ahora)',
    )
    .option('--json', 'imprime el reporte de verificación en JSON')
    .action((options: VerifyOptions) => {
      if (options.timestamp !== undefined) {
        const verdict = verifyTimestampFromFiles({ ...options, timestamp: options.timestamp });
        process.stdout.write(
          options.json ? `${JSON.stringify(verdict, null, 2)}\n` : describeTimestamp(verdict),
        );
        process.exitCode = verdict.valid ? ExitCode.ok : ExitCode.refused;
        return;
      }
      if (options.document === undefined) throw new UsageError('falta --document: el documento firmado');
      if (options.sha256 !== undefined) throw new UsageError('--sha256 sólo se usa con --timestamp');
      if (options.signature === undefined) {
        const result = verifyPdfFromFiles(options);
        process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : describePdf(result));
        process.exitCode = result.valid ? ExitCode.ok : ExitCode.refused;
        return;
      }
      for (const [flag, value] of [
        ['--signer', options.signer.length > 0 ? 'x' : undefined],
        ['--allow-new-signature-fields', options.allowNewSignatureFields],
      ] as const)
        if (value !== undefined)
          throw new UsageError(
            `${flag} sólo se usa con un PDF firmado (sin --signature); use --rfc, --curp o --name`,
          );
      const report = verifyFromFiles(options, options.signature);
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

function judgedAt(options: VerifyOptions): Date | undefined {
  if (options.at === undefined) return undefined;
  const at = new Date(options.at);
  if (!/^\d{4}-\d\d-\d\d/.test(options.at) || Number.isNaN(at.getTime())) {
    throw new UsageError(
      `--at debe ser una fecha ISO 8601, p. ej. 2026-01-31T12:00:00Z (recibido: ${options.at})`,
    );
  }
  return at;
}

function verifierFor(options: VerifyOptions): SignatureVerifier {
  try {
    const trust = loadTrustStore({
      anchors: options.trustAnchors ?? process.env.TRUST_ANCHORS,
      crls: options.crls ?? process.env.CRLS,
    });
    return new SignatureVerifier(trust);
  } catch (error) {
    if (error instanceof TrustConfigurationError) throw new UsageError(error.message);
    throw error;
  }
}

function verifyFromFiles(options: VerifyOptions, signature: string): VerificationReport {
  const at = judgedAt(options);
  return verifierFor(options).verify({
    document: readInput(options.document!, 'el documento'),
    signature: readInput(signature, 'la firma'),
    format: options.format,
    certificate:
      options.certificate === undefined ? undefined : readInput(options.certificate, 'el certificado'),
    expectedSigner: { rfc: options.rfc ?? null, curp: options.curp ?? null, name: options.name ?? null },
    at,
  });
}

const RFC = /^[A-ZÑ&]{3,4}\d{6}[A-Z0-9]{3}$/;

export const CURP = /^[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d$/;

/** `CAMPO=RFC|CURP|nombre` → the field and who must have signed it. */
function expectedSigners(specs: readonly string[]): Record<string, ExpectedSigner> {
  const signers: Record<string, ExpectedSigner> = {};
  for (const spec of specs) {
    const at = spec.indexOf('=');
    const field = spec.slice(0, at).trim();
    const who = spec.slice(at + 1).trim();
    if (at < 1 || who === '')
      throw new UsageError(`--signer espera CAMPO=RFC, CAMPO=CURP o CAMPO=nombre (recibido: ${spec})`);
    if (signers[field] !== undefined) throw new UsageError(`--signer repite el campo ${field}`);
    const upper = who.toUpperCase();
    signers[field] = RFC.test(upper) ? { rfc: upper } : CURP.test(upper) ? { curp: upper } : { name: who };
  }
  return signers;
}

function verifyPdfFromFiles(options: VerifyOptions): PdfOutcome {
  for (const [flag, value] of [
    ['--format', options.format],
    ['--certificate', options.certificate],
    ['--rfc', options.rfc],
    ['--curp', options.curp],
    ['--name', options.name],
  ] as const) {
    if (value !== undefined)
      throw new UsageError(
        `${flag} sólo se usa con --signature; en un PDF cada firma lleva su certificado: diga quién debe firmar cada campo con --signer CAMPO=RFC`,
      );
  }
  const at = judgedAt(options);
  const signers = expectedSigners(options.signer);
  const failed = (
    code: 'MALFORMED_INPUT' | 'VERIFICATION_LIMIT_EXCEEDED' | 'PAYLOAD_TOO_LARGE',
    why: string,
  ): PdfOutcome => ({
    valid: false,
    code,
    message: `${ERROR_CODES[code].message} (${why})`,
    signatures: [],
  });
  // The size first: a file too large to judge is not read at all.
  let size: number;
  try {
    size = statSync(options.document!).size;
  } catch (error) {
    throw new UsageError(
      `no se pudo leer el documento ${options.document}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  if (size > MAX_PDF_BYTES)
    return failed('PAYLOAD_TOO_LARGE', `${size} bytes; se juzgan PDF de hasta ${MAX_PDF_BYTES}`);
  const document = readInput(options.document!, 'el documento');
  if (!document.subarray(0, 1024).includes('%PDF-'))
    throw new UsageError(
      `${options.document} no es un PDF: para una firma desprendida indique también --signature`,
    );
  const verifier = verifierFor(options);
  try {
    const tsaAnchors = options.tsaTrustAnchors ?? process.env.TSA_TRUST_ANCHORS;
    const result = verifyPdfSignatures(document, verifier, {
      at,
      ...(tsaAnchors ? { timestampTrust: timestampTrustFrom(tsaAnchors) } : {}),
      expectedSigners: signers,
      policy: { allowNewSignatureFields: options.allowNewSignatureFields === true },
    });
    // A field the caller expects signed and that is not: the document is not what they expect.
    const missing = Object.keys(signers).filter((field) => !result.signatures.some((s) => s.field === field));
    return { ...result, valid: result.valid && missing.length === 0, missing };
  } catch (error) {
    if (error instanceof PdfStructureError) return failed('MALFORMED_INPUT', error.message);
    if (error instanceof PdfLimitError) return failed('VERIFICATION_LIMIT_EXCEEDED', error.message);
    throw error;
  }
}

function timestampTrustFrom(anchors: string): TimestampTrust {
  try {
    return timestampTrust({ anchors, pscAnchors: process.env.NOM151_TRUST_ANCHORS });
  } catch (error) {
    if (error instanceof TrustConfigurationError) throw new UsageError(error.message);
    throw error;
  }
}
