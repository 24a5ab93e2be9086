/**
 * The signature verifier: one entry point for CMS and raw PKCS #1 signatures, returning the
 * verification report of DESIGN §3. Whatever bytes arrive, the answer is a report; it never throws
 * for bad input.
 */
import { createHash } from 'node:crypto';
import type { Certificate } from './certificate';
import { CertificateCache } from './certificate-cache';
import { buildPath } from './chain';
import type { RevocationList } from './crl';
import { bytesEqual } from './der';
import { CERTIFICATE_LABELS, toDer } from './encoding';
import { isInputRejected, rejected } from './failure';
import type {
  OcspEvidence,
  RevocationUnestablished,
  VerificationReport,
} from '../domain/verification-report';
import { OCSP_CLOCK_SKEW_MS, judgeOcspResponse, type OcspVerdict } from './ocsp';
import { ecdsaVerify } from './ecdsa';
import { rsaVerify, rsaVerifyDigest } from './rsa';
import type { TrustStore } from './trust-store';
import { checkIdentity } from './identity';
import { readPresented } from './presented';
import { ReportBuilder } from './report-builder';
import { KEY_NAMES, algorithmName, keyText, signerKeyProblem, signingUsageProblem } from './signer-policy';
import { LIMITS, type CertificateInput, type Presented, type VerifyInput } from './inputs';

export interface VerifierOptions {
  /** Parsed certificates kept between verifications (0 disables the cache). Default 256. */
  readonly certificateCacheSize?: number;
}

export class SignatureVerifier {
  private readonly certificates: CertificateCache;

  constructor(
    private readonly trust: TrustStore,
    options: VerifierOptions = {},
  ) {
    this.certificates = new CertificateCache(options.certificateCacheSize ?? 256);
  }

  verify(input: VerifyInput): VerificationReport {
    const at = input.at ?? new Date();
    const report = new ReportBuilder(at, input.document, input.documentSha256);
    let presented: Presented;
    try {
      presented = readPresented(input, report, this.certificates);
    } catch (error) {
      if (!isInputRejected(error)) throw error;
      report.fail(error.code === 'UNSUPPORTED_ALGORITHM' ? 'algorithm' : 'format', error.message, error.code);
      return report.build();
    }
    this.check(presented, input, at, report);
    return report.build();
  }

  /**
   * The checks a certificate can pass before anything is signed with it (the first step of a
   * PAdES signature): format, key, usage, chain, validity, revocation and identity, with the
   * same rules as {@link verify}; signature and document are left for the signature itself.
   */
  verifyCertificate(input: CertificateInput): VerificationReport {
    const at = input.at ?? new Date();
    const report = new ReportBuilder(at, new Uint8Array(0), input.documentSha256);
    let signer: Certificate;
    try {
      if (input.certificate.length > LIMITS.certificateBytes)
        throw rejected('PAYLOAD_TOO_LARGE', `certificate larger than ${LIMITS.certificateBytes} bytes`);
      signer = this.certificates.parse(toDer(input.certificate, CERTIFICATE_LABELS));
    } catch (error) {
      if (!isInputRejected(error)) throw error;
      report.fail(error.code === 'UNSUPPORTED_ALGORITHM' ? 'algorithm' : 'format', error.message, error.code);
      return report.build();
    }
    report.format = input.format ?? null;
    report.pass('format', 'a certificate, before signing');
    const format = input.format ?? 'pkcs1-sha256';
    const presented: Presented = {
      format,
      digest: 'sha256',
      keyAlgorithm: format === 'cms' ? signer.keyAlgorithm : 'rsa',
      signer,
      signerIdentified: true,
      carried: [],
      signedBytes: new Uint8Array(0),
      signature: null,
      messageDigest: null,
      signingTime: null,
    };
    this.check(
      presented,
      { document: new Uint8Array(0), signature: new Uint8Array(0), ...input },
      at,
      report,
    );
    return report.build();
  }

  private check(presented: Presented, input: VerifyInput, at: Date, report: ReportBuilder): void {
    const { signer } = presented;
    report.describe(presented);

    const keyProblem = signerKeyProblem(signer, presented.format);
    if (keyProblem !== null) report.fail('algorithm', keyProblem);
    else report.pass('algorithm', `${algorithmName(signer, presented.digest)}, ${keyText(signer)}`);

    checkSignature(presented, report);

    const usageProblem = signingUsageProblem(signer);
    if (usageProblem === null) report.pass('keyUsage', `${signer.kind} certificate allowed to sign`);
    else report.fail('keyUsage', usageProblem);

    const path = buildPath(signer, presented.carried, this.trust.anchors);
    if (path.ok) {
      report.path = path.path.map((c) => c.subjectText);
      report.pass('chain', `path of ${path.path.length} to a trust anchor`);
    } else {
      report.fail('chain', path.reason, path.limitReached ? 'VERIFICATION_LIMIT_EXCEEDED' : undefined);
    }

    const judged = path.ok ? path.path : [signer];
    const outOfValidity = judged.find((c) => at < c.notBefore || at > c.notAfter);
    if (outOfValidity === undefined) {
      report.pass('validity', `every certificate valid at ${at.toISOString()}`);
    } else {
      const when = at < outOfValidity.notBefore ? 'not yet valid' : 'expired';
      report.fail(
        'validity',
        `${outOfValidity.subjectText} ${when} at ${at.toISOString()} (valid ${outOfValidity.notBefore.toISOString()} to ${outOfValidity.notAfter.toISOString()})`,
      );
    }

    this.checkRevocation(path.ok ? path.path : null, at, input.ocspResponses ?? [], report);
    checkIdentity(signer, input.expectedSigner, report);
  }

  /**
   * RFC 5280 §6.3, simplified to complete CRLs, with OCSP (RFC 6960) beside them: each certificate
   * below the anchor, by its issuer's CRLs and by the OCSP responses given. A revocation at or
   * before the time judged, in any usable CRL its issuer signed or in any authentic OCSP response,
   * refuses it. Only a CRL current at that time (thisUpdate ≤ time ≤ nextUpdate) and whose scope
   * covers the certificate, or an OCSP response current then (ocsp.ts), can say it was not revoked;
   * or an OCSP response issued after that time which says good, or revoked only later: a
   * certificate not revoked at a later time was not revoked before (revocation is final; a
   * certificateHold, which is not, settles nothing). Without either, revocation was not
   * established: under the `required` policy the signature cannot be judged now
   * (REVOCATION_UNAVAILABLE, unless another check already refused it); under `best-effort` the
   * check is skipped and says so.
   */
  private checkRevocation(
    path: readonly Certificate[] | null,
    at: Date,
    responses: readonly Uint8Array[],
    report: ReportBuilder,
  ): void {
    const unestablished = (kind: RevocationUnestablished, why: string): void => {
      report.skip('revocation', `revocation not checked: ${why}`, kind);
      if (this.trust.revocationPolicy === 'required') report.revocationUnavailable = true;
    };
    if (path === null)
      return report.skip('revocation', 'revocation not checked: no certification path', 'no-path');
    if (this.trust.crls.length === 0 && responses.length === 0)
      return unestablished('no-crls', 'no CRLs configured and no OCSP response');
    const checked: string[] = [];
    const unchecked: string[] = [];
    for (let i = 0; i < path.length - 1; i++) {
      const cert = path[i]!;
      const crls = this.trust.crlsFor(path[i + 1]!);
      for (const crl of crls) {
        const revokedAt = crl.revoked.get(cert.serial);
        if (revokedAt !== undefined && revokedAt <= at) {
          return report.fail(
            'revocation',
            `${cert.subjectText} (serial ${cert.serial}) revoked on ${revokedAt.toISOString()} per ${crl.source}`,
          );
        }
      }
      const answers = responses.flatMap((der) => {
        const answer = this.ocspAnswer(der, cert, path[i + 1]!, at);
        return answer === null ? [] : [answer];
      });
      for (const answer of answers) {
        if (answer.kind === 'revoked')
          return report.fail(
            'revocation',
            `${cert.subjectText} (serial ${cert.serial}) revoked on ${answer.revokedAt.toISOString()} per ${answer.text}`,
          );
      }
      const current = crls.find((crl) => crlIsCurrent(crl, at) && crl.covers(cert));
      const good = answers.find((answer) => answer.kind === 'good');
      // An answer that says good is evidence even beside a current CRL: the report names it, and
      // the worker keeps it.
      if (good !== undefined) report.ocsp.push(good.evidence);
      if (current !== undefined) {
        const also = good === undefined ? '' : ` and ${good.text}`;
        checked.push(`${cert.subjectText} not revoked per ${current.source}${also}`);
      } else if (good !== undefined) {
        checked.push(`${cert.subjectText} not revoked per ${good.text}`);
      } else {
        const noCrl =
          crls.length === 0
            ? `no CRL from ${cert.issuerText}`
            : `no CRL from ${cert.issuerText} current at ${at.toISOString()} and covering it (${crls.map(crlPeriod).join(', ')})`;
        const refusals = answers.flatMap((answer) => (answer.kind === 'none' ? [answer.problem] : []));
        unchecked.push(
          responses.length === 0
            ? noCrl
            : `${noCrl}; no OCSP response says it was good${refusals.length > 0 ? ` (${refusals.join('; ')})` : ''}`,
        );
      }
    }
    if (unchecked.length > 0) return unestablished('no-current-crl', [...unchecked, ...checked].join('; '));
    report.pass('revocation', checked.join('; '));
  }

  /**
   * What one OCSP response says of `cert` at `at` (see checkRevocation); null when it speaks of
   * other certificates only (a response for another certificate of the path).
   */
  private ocspAnswer(der: Uint8Array, cert: Certificate, issuer: Certificate, at: Date): OcspAnswer | null {
    const options = { certificate: cert, issuer, trustedResponders: this.trust.ocspResponders };
    let verdict: OcspVerdict;
    try {
      verdict = judgeOcspResponse(der, { ...options, at });
      // Issued after `at`: judged at its own thisUpdate, and what it says carried back to `at`.
      const later = verdict.thisUpdate;
      if (!verdict.valid && later !== null && later.getTime() > at.getTime() + OCSP_CLOCK_SKEW_MS)
        verdict = judgeOcspResponse(der, { ...options, at: later });
    } catch (error) {
      if (!isInputRejected(error)) throw error;
      return { kind: 'none', problem: `an OCSP response could not be read (${error.message})` };
    }
    if (!verdict.matched) return null;
    if (!verdict.valid) return { kind: 'none', problem: `an OCSP response was refused: ${verdict.problem}` };
    // A responder need not remember the revocations of expired certificates (RFC 6960 §4.4.4):
    // a later answer counts only while the certificate was still valid.
    if (verdict.thisUpdate! > at && verdict.thisUpdate! > cert.notAfter)
      return {
        kind: 'none',
        problem: `an OCSP response issued after the certificate expired (thisUpdate ${verdict.thisUpdate!.toISOString()}) says nothing of the time judged`,
      };
    const evidence: OcspEvidence = {
      sha256: createHash('sha256').update(der).digest('hex'),
      certificate: cert.subjectText,
      responder: verdict.responder!,
      thisUpdate: verdict.thisUpdate!.toISOString(),
      producedAt: verdict.producedAt!.toISOString(),
      notes: verdict.notes,
    };
    const after = verdict.thisUpdate! > at ? ', issued after the time judged' : '';
    const accepted = verdict.notes.length > 0 ? `; accepted with ${verdict.notes.join(', ')}` : '';
    const text = `the OCSP response of ${evidence.responder} (thisUpdate ${evidence.thisUpdate}${after}${accepted})`;
    if (verdict.status === 'good') return { kind: 'good', text, evidence };
    if (verdict.status === 'unknown')
      return {
        kind: 'none',
        problem: `the OCSP response of ${evidence.responder} does not know the certificate`,
      };
    const revokedAt = verdict.revokedAt!;
    if (revokedAt <= at) return { kind: 'revoked', revokedAt, text };
    if (verdict.reason === 'certificateHold')
      return { kind: 'none', problem: `${text} says it is on hold since ${revokedAt.toISOString()}` };
    return { kind: 'good', text: `${text}, revoked only later (${revokedAt.toISOString()})`, evidence };
  }
}

/** What one OCSP response says of one certificate at the time judged (SignatureVerifier.ocspAnswer). */
type OcspAnswer =
  | { readonly kind: 'good'; readonly text: string; readonly evidence: OcspEvidence }
  | { readonly kind: 'revoked'; readonly revokedAt: Date; readonly text: string }
  | { readonly kind: 'none'; readonly problem: string };

/** A CRL speaks for the time between its thisUpdate and its nextUpdate (RFC 5280 §5.1.2.4–5). */
function crlIsCurrent(crl: RevocationList, at: Date): boolean {
  return crl.thisUpdate <= at && crl.nextUpdate !== null && at <= crl.nextUpdate;
}

function crlPeriod(crl: RevocationList): string {
  return `${crl.source}: ${crl.thisUpdate.toISOString()} to ${crl.nextUpdate?.toISOString() ?? 'no nextUpdate'}`;
}

/**
 * Signature and document. With signed attributes the signature covers the attributes and the
 * messageDigest attribute binds the document (RFC 5652 §5.4); without, the signature covers the
 * document itself. RSA or ECDSA as the signer's key is; the SignerInfo must name that kind of key.
 */
function checkSignature(presented: Presented, report: ReportBuilder): void {
  const { signer, signature } = presented;
  if (signature === null) {
    report.skip('signature', 'not signed yet: the certificate is judged before signing');
    report.skip('document', 'not signed yet');
  } else if (!presented.signerIdentified) {
    report.fail('signature', 'no certificate matches the SignerInfo’s signer identifier');
    report.skip('document', 'not judged: the signer’s certificate is missing');
  } else if (presented.keyAlgorithm !== signer.keyAlgorithm) {
    report.fail(
      'signature',
      `a signature algorithm for ${KEY_NAMES[presented.keyAlgorithm]} keys; the certificate has an ${KEY_NAMES[signer.keyAlgorithm]} ${keyText(signer)}`,
    );
    report.skip('document', 'not judged: the signature is not authentic');
  } else if (presented.messageDigest !== null) {
    const scheme = signer.keyAlgorithm === 'rsa' ? 'RSA' : 'ECDSA';
    const authentic =
      signer.keyAlgorithm === 'rsa'
        ? rsaVerify(presented.digest, presented.signedBytes, signer.publicKey, signature)
        : ecdsaVerify(presented.digest, presented.signedBytes, signer.publicKey, signature);
    if (authentic) report.pass('signature', `${scheme} signature over the signed attributes verifies`);
    else report.fail('signature', `${scheme} signature over the signed attributes does not verify`);
    const actual = report.documentDigest(presented.digest);
    if (bytesEqual(actual, presented.messageDigest))
      report.pass('document', 'messageDigest matches the document');
    else report.fail('document', 'messageDigest does not match the document');
  } else if (signer.keyAlgorithm === 'ec') {
    // ECDSA recovers nothing from a signature: one that does not verify over this document may be
    // over other bytes or no one's at all, so the code is SIGNATURE_INVALID, never DOCUMENT_MISMATCH.
    if (ecdsaVerify(presented.digest, presented.signedBytes, signer.publicKey, signature)) {
      report.pass('signature', 'ECDSA signature verifies');
      report.pass('document', 'the signature covers this document');
    } else {
      report.fail(
        'signature',
        'ECDSA signature does not verify over this document with the certificate’s key (ECDSA cannot tell other bytes from a bad signature)',
      );
      report.skip('document', 'not judged: the signature does not verify');
    }
  } else {
    const hash = report.documentDigest(presented.digest);
    const verdict = rsaVerifyDigest(presented.digest, hash, signer.publicKey, signature);
    if (verdict === 'valid') {
      report.pass('signature', 'RSA signature verifies');
      report.pass('document', 'the signature covers this document');
    } else if (verdict === 'other-data') {
      report.pass('signature', 'the signature was made with this certificate’s key');
      report.fail('document', 'the signature covers other bytes than this document');
    } else {
      const modulusBytes = Math.ceil(signer.keyBits / 8);
      report.fail(
        'signature',
        signature.length === modulusBytes
          ? 'RSA signature does not verify with the certificate’s key'
          : `a ${signature.length}-byte signature cannot be this ${signer.keyBits}-bit key's (RFC 8017 §8.2.2 step 1)`,
      );
      report.skip('document', 'not judged: the signature is not authentic');
    }
  }
}
