import type { VerificationErrorCode } from './errors';

/**
 * The verification report (DESIGN §3, docs/design.md): what every verification of a signature
 * answers, whoever made it. A contract of the domain; src/signatures/ fills it in.
 */

/** What a certificate is for SAT: an e.firma (FIEL), a seal certificate (CSD), or another CA's. */
export type CertificateKind = 'fiel' | 'csd' | 'other';

/** `pades`: a CMS embedded in the PDF (ETSI.CAdES.detached), made of a PKCS #1 signature over signed attributes. */
export type SignatureFormat = 'cms' | 'pkcs1-sha256' | 'pades';

export type IdentityBasis = 'rfc-curp' | 'name' | 'any-signer' | 'none';

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
  /** Why revocation was not established, as a kind people are told in Spanish (revocationText). */
  readonly unestablished?: RevocationUnestablished;
}

/**
 * Why revocation could not be established: no certification path to judge it along, no CRLs
 * configured at all, or none from an issuer current at the time judged and covering the certificate.
 */
export type RevocationUnestablished = 'no-path' | 'no-crls' | 'no-current-crl';

const UNESTABLISHED_TEXT: Readonly<Record<RevocationUnestablished, string>> = {
  'no-path': 'sin ruta de certificación hasta una autoridad de confianza',
  'no-crls': 'no hay listas de revocación ni respuestas OCSP',
  'no-current-crl':
    'ni una lista de revocación del emisor vigente en ese momento ni una respuesta OCSP válida',
};

/**
 * An OCSP response (RFC 6960) the revocation check relied on: kept as evidence by its SHA-256 and
 * written into the letter's /DSS, so that the answer that accepted a signature can be shown later.
 */
export interface OcspEvidence {
  /** SHA-256 (hex) of the OCSPResponse's DER. */
  readonly sha256: string;
  /** The certificate it answered for (subject). */
  readonly certificate: string;
  /** The subject of the certificate that signed the response. */
  readonly responder: string;
  readonly thisUpdate: string;
  readonly producedAt: string;
  /** What a stricter reader might refuse in it (a SHA-1 CertID, a SHA-1 signature…). */
  readonly notes: readonly string[];
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
    /** An RSA key's modulus length, or an EC key's curve size (256, 384 or 521 for P-256, P-384, P-521). */
    readonly keyBits: number;
  } | null;
  /** The signingTime signed attribute, when present. Claimed by the signer, not proven. */
  readonly signingTime: string | null;
  /** E.g. `RSA-SHA256` (PKCS #1 v1.5) or `ECDSA-SHA384`: the signer key's algorithm and the digest. */
  readonly algorithm: string | null;
  /** The certification path, signer first, as subject names. */
  readonly path: readonly string[];
  /** SHA-256 (hex) of the document the signature was checked against. */
  readonly documentSha256: string;
  /** Whether revocation was established (a current CRL for every certificate, or a revocation found). */
  readonly revocationChecked: boolean;
  /**
   * How the signer was identified: by the expected RFC and/or CURP, by the expected name (none of
   * those given), not at all because the coordinator accepted any signer, or no one was expected.
   */
  readonly identityBasis: IdentityBasis;
  /** The time at which validity and revocation were judged. */
  readonly verifiedAt: string;
  /** The OCSP answers that said the certificates were not revoked (beside a CRL or alone), when any did. */
  readonly ocsp?: readonly OcspEvidence[];
}

/** What the revocation check established, in Spanish for people: said plainly when it was not made. */
export function revocationText(report: VerificationReport): string {
  const check = report.checks.find((c) => c.check === 'revocation');
  if (!report.revocationChecked)
    return `NO comprobada (${check?.unestablished ? UNESTABLISHED_TEXT[check.unestablished] : 'sin datos'})`;
  if (check?.outcome === 'failed') return 'el certificado estaba revocado';
  return report.ocsp?.length
    ? `comprobada con ${report.ocsp.length === 1 ? 'una respuesta' : 'respuestas'} OCSP de ${[...new Set(report.ocsp.map((o) => o.responder))].join(', ')}: no revocado`
    : 'comprobada con listas de revocación (CRL) vigentes: no revocado';
}

/** How the signer was identified, in Spanish for people. */
export function identityText(report: VerificationReport): string {
  if (report.checks.find((c) => c.check === 'identity')?.outcome === 'failed')
    return 'no corresponde a la persona esperada';
  return {
    'rfc-curp': 'comprobada por RFC y/o CURP',
    name: 'comprobada por el nombre del certificado (no se indicó RFC ni CURP)',
    'any-signer': 'NO comprobada: la coordinación aceptó a cualquier firmante',
    none: 'NO comprobada: no se indicó a quién se esperaba',
  }[report.identityBasis];
}
