/** The verification report (domain/verification-report.ts), filled in check by check. */
import { createHash } from 'node:crypto';
import { ERROR_CODES } from '../domain/errors';
import { type DigestName } from './oids';
import type { VerificationErrorCode } from '../domain/errors';
import {
  CHECKS,
  type CheckName,
  type CheckResult,
  type IdentityBasis,
  type SignatureFormat,
  type VerificationReport,
  type RevocationUnestablished,
  type OcspEvidence,
} from '../domain/verification-report';
import { algorithmName } from './signer-policy';
import type { Presented, VerifyInput } from './inputs';

/**
 * The report of a verification that did not run to its end (stopped by the pool's time budget,
 * or never started): nothing was judged, every check says why, and the code says what to do.
 */
export function unfinishedReport(
  input: VerifyInput,
  code: VerificationErrorCode,
  why: string,
): VerificationReport {
  const report = new ReportBuilder(input.at ?? new Date(), input.document, input.documentSha256);
  report.format = input.format ?? null;
  for (const { check } of CHECKS) report.skip(check, `not reached: ${why}`);
  report.abandonedWith = code;
  return report.build();
}

/** Collects check outcomes; unrecorded checks are reported as skipped. */
export class ReportBuilder {
  format: SignatureFormat | null = null;
  path: readonly string[] = [];
  identityBasis: IdentityBasis = 'none';
  /** Set when the verification stopped before judging anything (its code, e.g. VERIFICATION_TIMEOUT). */
  abandonedWith: VerificationErrorCode | null = null;
  /**
   * Revocation could not be established and the policy requires it: the signature cannot be judged
   * now (REVOCATION_UNAVAILABLE) unless another check refuses it for good.
   */
  revocationUnavailable = false;
  /** The OCSP responses the revocation check relied on. */
  ocsp: OcspEvidence[] = [];
  private readonly results = new Map<CheckName, CheckResult & { code?: string }>();
  private presented: Presented | null = null;
  private readonly digests = new Map<DigestName, Buffer>();

  constructor(
    private readonly at: Date,
    private readonly document: Uint8Array,
    private readonly knownSha256?: string,
  ) {}

  /** The document's digest, computed once per algorithm (the report always needs SHA-256). */
  documentDigest(name: DigestName): Buffer {
    let digest = this.digests.get(name);
    if (digest === undefined) {
      digest = createHash(name).update(this.document).digest();
      this.digests.set(name, digest);
    }
    return digest;
  }

  describe(presented: Presented): void {
    this.presented = presented;
  }
  pass(check: CheckName, detail: string): void {
    this.results.set(check, { check, outcome: 'passed', detail });
  }
  fail(check: CheckName, detail: string, code?: string): void {
    this.results.set(check, { check, outcome: 'failed', detail, ...(code ? { code } : {}) });
  }
  skip(check: CheckName, detail: string, unestablished?: RevocationUnestablished): void {
    this.results.set(check, {
      check,
      outcome: 'skipped',
      detail,
      ...(unestablished ? { unestablished } : {}),
    });
  }

  build(): VerificationReport {
    const checks: CheckResult[] = CHECKS.map(
      ({ check }) => this.results.get(check) ?? { check, outcome: 'skipped', detail: 'not reached' },
    );
    const firstFailure = CHECKS.find(({ check }) => this.results.get(check)?.outcome === 'failed');
    const failureCode = firstFailure && (this.results.get(firstFailure.check)?.code ?? firstFailure.code);
    const code = (this.abandonedWith ??
      failureCode ??
      (this.revocationUnavailable ? 'REVOCATION_UNAVAILABLE' : undefined)) as VerificationReport['code'];
    const e = this.presented;
    const cert = e?.signer;
    return {
      valid: code === undefined,
      ...(code !== undefined ? { code, message: ERROR_CODES[code].message } : {}),
      format: this.format,
      checks: checks.map(({ check, outcome, detail }) => ({ check, outcome, detail })),
      signer: cert
        ? {
            name: cert.subject.name,
            rfc: cert.subject.rfc,
            curp: cert.subject.curp,
            representativeRfc: cert.subject.representativeRfc,
          }
        : null,
      certificate: cert
        ? {
            serial: cert.serial,
            subject: cert.subjectText,
            issuer: cert.issuerText,
            notBefore: cert.notBefore.toISOString(),
            notAfter: cert.notAfter.toISOString(),
            kind: cert.kind,
            keyBits: cert.keyBits,
          }
        : null,
      signingTime: e?.signingTime?.toISOString() ?? null,
      algorithm: e ? algorithmName(e.signer, e.digest) : null,
      path: this.path,
      // A digest the checks computed, else (a report that stopped early) the caller's, else now.
      documentSha256:
        this.digests.get('sha256')?.toString('hex') ??
        this.knownSha256 ??
        this.documentDigest('sha256').toString('hex'),
      verifiedAt: this.at.toISOString(),
      revocationChecked:
        this.results.get('revocation')?.outcome === 'passed' ||
        this.results.get('revocation')?.outcome === 'failed',
      identityBasis: this.identityBasis,
      ...(this.ocsp.length > 0 ? { ocsp: this.ocsp } : {}),
    };
  }
}
