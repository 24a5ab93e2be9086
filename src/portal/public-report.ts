/**
 * The verification report as the portal answers it. Whoever holds a link (and whoever they forward
 * it to) reads these answers, so they carry what the submitted certificate and signature say, each
 * check's outcome, the code and its Spanish message: never the expected signer's RFC, CURP or name,
 * nor where revocation data came from. The whole report, with every check's detail, stays with the
 * process (its audit trail and `status`) for the coordinator.
 */
import type { VerificationReport } from '../signatures';

export interface PublicReport {
  readonly valid: boolean;
  readonly code?: VerificationReport['code'];
  readonly message?: string;
  readonly format: VerificationReport['format'];
  /** Each check and its outcome, without the detail (which may quote the expected values). */
  readonly checks: readonly { readonly check: string; readonly outcome: string }[];
  /** What the submitted certificate says of its holder. */
  readonly signer: VerificationReport['signer'];
  readonly certificate: VerificationReport['certificate'];
  readonly signingTime: string | null;
  readonly algorithm: string | null;
  readonly documentSha256: string;
  readonly revocationChecked: boolean;
  readonly identityBasis: VerificationReport['identityBasis'];
  readonly verifiedAt: string;
}

export function publicReport(report: VerificationReport): PublicReport {
  return {
    valid: report.valid,
    ...(report.code !== undefined ? { code: report.code, message: report.message } : {}),
    format: report.format,
    checks: report.checks.map(({ check, outcome }) => ({ check, outcome })),
    signer: report.signer,
    certificate: report.certificate,
    signingTime: report.signingTime,
    algorithm: report.algorithm,
    documentSha256: report.documentSha256,
    revocationChecked: report.revocationChecked,
    identityBasis: report.identityBasis,
    verifiedAt: report.verifiedAt,
  };
}
