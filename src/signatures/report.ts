import type { VerificationErrorCode } from '../domain/errors';
import type { CertificateKind } from './certificate';

export type SignatureFormat = 'cms' | 'pkcs1-sha256';

/**
 * The checks, in the order they are made and in the order their failures rank: when several fail,
 * the report's `code` is the first failing one's.
 */
export const CHECKS = [
  { check: 'format', code: 'MALFORMED_INPUT' },
  { check: 'algorithm', code: 'UNSUPPORTED_ALGORITHM' },
  { check: 'signature', code: 'SIGNATURE_INVALID' },
  { check: 'document', code: 'DOCUMENT_MISMATCH' },
  { check: 'keyUsage', code: 'CERTIFICATE_NOT_FOR_SIGNING' },
  { check: 'chain', code: 'CERTIFICATE_UNTRUSTED' },
  { check: 'validity', code: 'CERTIFICATE_EXPIRED' },
  { check: 'revocation', code: 'CERTIFICATE_REVOKED' },
  { check: 'identity', code: 'SIGNER_MISMATCH' },
] as const satisfies readonly { check: string; code: VerificationErrorCode }[];

export type CheckName = (typeof CHECKS)[number]['check'];

export interface CheckResult {
  readonly check: CheckName;
  readonly outcome: 'passed' | 'failed' | 'skipped';
  /** What was checked, or why it failed or was skipped (English, for the audit trail). */
  readonly detail: string;
}

/** The verification report of DESIGN §3, stored with the process and printed by `verify --json`. */
export interface VerificationReport {
  readonly valid: boolean;
  /** Present when invalid: the error code of the first failing check. */
  readonly code?: VerificationErrorCode;
  /** Present when invalid: the Spanish message for that code. */
  readonly message?: string;
  readonly format: SignatureFormat | null;
  readonly checks: readonly CheckResult[];
  readonly signer: {
    readonly name: string;
    readonly rfc: string | null;
    readonly curp: string | null;
    readonly representativeRfc: string | null;
  } | null;
  readonly certificate: {
    readonly serial: string;
    readonly subject: string;
    readonly issuer: string;
    readonly notBefore: string;
    readonly notAfter: string;
    readonly kind: CertificateKind;
    readonly keyBits: number;
  } | null;
  /** The signingTime signed attribute, when present. Claimed by the signer, not proven. */
  readonly signingTime: string | null;
  /** E.g. `RSA-SHA256` (PKCS #1 v1.5). */
  readonly algorithm: string | null;
  /** The certification path, signer first, as subject names. */
  readonly path: readonly string[];
  /** SHA-256 (hex) of the document the signature was checked against. */
  readonly documentSha256: string;
  /** The time at which validity and revocation were judged. */
  readonly verifiedAt: string;
}

/** What the revocation check established, in Spanish for people: said plainly when it was not made. */
export function revocationText(report: VerificationReport): string {
  const check = report.checks.find((c) => c.check === 'revocation');
  if (check?.outcome === 'passed') return 'comprobada con listas de revocación (CRL) vigentes: no revocado';
  if (check?.outcome === 'failed') return 'el certificado estaba revocado';
  return `NO comprobada (${check?.detail.replace(/^revocation not checked: /, '') ?? 'sin datos'})`;
}

/** How the signer was identified: by RFC/CURP, by name, or not at all (the coordinator's choice). */
export function identityText(report: VerificationReport): string {
  const check = report.checks.find((c) => c.check === 'identity');
  if (check?.outcome === 'failed') return 'no corresponde a la persona esperada';
  if (check?.outcome === 'passed')
    return /no RFC or CURP expected/.test(check.detail)
      ? 'comprobada por el nombre del certificado (no se indicó RFC ni CURP)'
      : 'comprobada por RFC y/o CURP';
  return /accepted any signer/.test(check?.detail ?? '')
    ? 'NO comprobada: la coordinación aceptó a cualquier firmante'
    : 'NO comprobada: no se indicó a quién se esperaba';
}
