/**
 * The signature verifier: one entry point for CMS and raw PKCS #1 signatures, returning the
 * verification report of DESIGN §3. Whatever bytes arrive, the answer is a report; it never throws
 * for bad input.
 */
import { createHash } from 'node:crypto';
import { ERROR_CODES } from '../domain/errors';
import { MAX_CERTIFICATE_BYTES, MAX_SIGNATURE_BYTES } from '../domain/limits';
import { CertificateCache, type Certificate, type KeyAlgorithm } from './certificate';
import { buildPath } from './chain';
import type { RevocationList } from './crl';
import { looksLikeCms, parseCms, type CmsSignedData } from './cms';
import { bytesEqual } from './der';
import { CERTIFICATE_LABELS, CMS_LABELS, toDer } from './encoding';
import { InputRejected, malformed } from './failure';
import { OID, type DigestName, type NamedCurve } from './oids';
import type { VerificationErrorCode } from '../domain/errors';
import {
  CHECKS,
  type CheckName,
  type CheckResult,
  type IdentityBasis,
  type SignatureFormat,
  type VerificationReport,
} from '../domain/verification-report';
import { ecdsaVerify } from './ecdsa';
import { rsaVerify, rsaVerifyDigest } from './rsa';
import type { TrustStore } from './trust-store';

export interface VerifyInput {
  /** The exact bytes that were to be signed. */
  readonly document: Uint8Array;
  /** CMS (DER, PEM or base64) or a raw PKCS #1 v1.5 signature (binary or base64). */
  readonly signature: Uint8Array;
  /** Detected when absent: CMS when the bytes are a SignedData, otherwise PKCS #1. */
  readonly format?: SignatureFormat | undefined;
  /** The signer's certificate (DER, PEM or base64): required for PKCS #1, optional for CMS. */
  readonly certificate?: Uint8Array | undefined;
  /** Who should have signed (see {@link ExpectedSigner}); no identity check when absent. */
  readonly expectedSigner?: ExpectedSigner | undefined;
  /** When validity and revocation are judged; now when absent. */
  readonly at?: Date | undefined;
  /**
   * The document's SHA-256 (hex) when the caller knows it: a report that stops before any check
   * (VERIFICATION_TIMEOUT) states it without hashing. The checks always hash the bytes themselves.
   */
  readonly documentSha256?: string | undefined;
}

/** A certificate judged before signing (see {@link SignatureVerifier.verifyCertificate}). */
export interface CertificateInput {
  readonly certificate: Uint8Array;
  readonly expectedSigner?: ExpectedSigner | undefined;
  readonly at?: Date | undefined;
  /** The format the signature will have, for the report (e.g. `pades`). */
  readonly format?: SignatureFormat | undefined;
  /** The document's SHA-256, for the report. */
  readonly documentSha256?: string | undefined;
}

/**
 * The person a signature must come from. With an RFC and/or a CURP, the certificate must carry
 * them. Without either, the certificate's name must be this name (accents, case and spacing
 * aside), unless the coordinator chose to accept any signer.
 */
export interface ExpectedSigner {
  readonly rfc?: string | null | undefined;
  readonly curp?: string | null | undefined;
  readonly name?: string | null | undefined;
  readonly acceptAnySigner?: boolean | undefined;
}

/**
 * Limits on inputs. Larger signatures or certificates are refused with PAYLOAD_TOO_LARGE before
 * any parsing; a CMS carrying more certificates than a real e.firma chain needs is refused with
 * VERIFICATION_LIMIT_EXCEEDED before they are read (path building has limits of its own:
 * PATH_LIMITS in chain.ts).
 */
export const LIMITS = {
  signatureBytes: MAX_SIGNATURE_BYTES,
  certificateBytes: MAX_CERTIFICATE_BYTES,
  carriedCertificates: 16,
} as const;

const SIGNER_KEY_BITS = { min: 2048, max: 4096 } as const;
const SIGNER_CURVES: ReadonlySet<NamedCurve> = new Set(['P-256', 'P-384', 'P-521']);

/** Extended key usages that let a certificate sign documents. */
const SIGNING_EXTENDED_USAGES: ReadonlySet<string> = new Set([
  OID.emailProtection,
  OID.documentSigning,
  OID.microsoftDocumentSigning,
  OID.anyExtendedKeyUsage,
]);

interface Evidence {
  readonly format: SignatureFormat;
  readonly digest: DigestName;
  /** The kind of key the signature's algorithm is for (a SignerInfo's; RSA for PKCS #1). */
  readonly keyAlgorithm: KeyAlgorithm;
  readonly signer: Certificate;
  /** False when no certificate matches the SignerInfo's identifier (a swapped certificate). */
  readonly signerIdentified: boolean;
  readonly carried: readonly Certificate[];
  readonly signedBytes: Uint8Array;
  /** Null when only the certificate is judged, before anything is signed. */
  readonly signature: Uint8Array | null;
  readonly messageDigest: Uint8Array | null;
  readonly signingTime: Date | null;
}

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
    let evidence: Evidence;
    try {
      evidence = readEvidence(input, report, this.certificates);
    } catch (error) {
      if (!(error instanceof InputRejected)) throw error;
      report.fail(error.code === 'UNSUPPORTED_ALGORITHM' ? 'algorithm' : 'format', error.message, error.code);
      return report.build();
    }
    this.check(evidence, input, at, report);
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
        throw new InputRejected(
          'PAYLOAD_TOO_LARGE',
          `certificate larger than ${LIMITS.certificateBytes} bytes`,
        );
      signer = this.certificates.parse(toDer(input.certificate, CERTIFICATE_LABELS));
    } catch (error) {
      if (!(error instanceof InputRejected)) throw error;
      report.fail(error.code === 'UNSUPPORTED_ALGORITHM' ? 'algorithm' : 'format', error.message, error.code);
      return report.build();
    }
    report.format = input.format ?? null;
    report.pass('format', 'a certificate, before signing');
    const format = input.format ?? 'pkcs1-sha256';
    const evidence: Evidence = {
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
    this.check(evidence, { document: new Uint8Array(0), signature: new Uint8Array(0), ...input }, at, report);
    return report.build();
  }

  private check(evidence: Evidence, input: VerifyInput, at: Date, report: ReportBuilder): void {
    const { signer } = evidence;
    report.describe(evidence);

    const keyProblem = signerKeyProblem(signer, evidence.format);
    if (keyProblem !== null) report.fail('algorithm', keyProblem);
    else report.pass('algorithm', `${algorithmName(signer, evidence.digest)}, ${keyText(signer)}`);

    checkSignature(evidence, report);

    const usageProblem = signingUsageProblem(signer);
    if (usageProblem === null) report.pass('keyUsage', `${signer.kind} certificate allowed to sign`);
    else report.fail('keyUsage', usageProblem);

    const path = buildPath(signer, evidence.carried, this.trust.anchors);
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

    this.checkRevocation(path.ok ? path.path : null, at, report);
    checkIdentity(signer, input.expectedSigner, report);
  }

  /**
   * RFC 5280 §6.3, simplified to complete CRLs: each certificate below the anchor, by its issuer's
   * CRLs. A revocation listed at or before the time judged counts in any usable CRL its issuer
   * signed; but only a CRL current at that time (thisUpdate ≤ time ≤ nextUpdate) and whose scope
   * covers the certificate can say it was not revoked. Without one, revocation was not established:
   * under the `required` policy the signature cannot be judged now (REVOCATION_UNAVAILABLE, unless
   * another check already refused it); under `best-effort` the check is skipped and says so.
   */
  private checkRevocation(path: readonly Certificate[] | null, at: Date, report: ReportBuilder): void {
    const unestablished = (why: string): void => {
      report.skip('revocation', `revocation not checked: ${why}`);
      if (this.trust.revocationPolicy === 'required') report.revocationUnavailable = true;
    };
    if (path === null) return report.skip('revocation', 'revocation not checked: no certification path');
    if (this.trust.crls.length === 0) return unestablished('no CRLs configured');
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
      const current = crls.find((crl) => crlIsCurrent(crl, at) && crl.covers(cert));
      if (current !== undefined) {
        checked.push(`${cert.subjectText} not revoked per ${current.source}`);
      } else if (crls.length === 0) {
        unchecked.push(`no CRL from ${cert.issuerText}`);
      } else {
        unchecked.push(
          `no CRL from ${cert.issuerText} current at ${at.toISOString()} and covering it (${crls.map(crlPeriod).join(', ')})`,
        );
      }
    }
    if (unchecked.length > 0) return unestablished([...unchecked, ...checked].join('; '));
    report.pass('revocation', checked.join('; '));
  }
}

/** A CRL speaks for the time between its thisUpdate and its nextUpdate (RFC 5280 §5.1.2.4–5). */
function crlIsCurrent(crl: RevocationList, at: Date): boolean {
  return crl.thisUpdate <= at && crl.nextUpdate !== null && at <= crl.nextUpdate;
}

function crlPeriod(crl: RevocationList): string {
  return `${crl.source}: ${crl.thisUpdate.toISOString()} to ${crl.nextUpdate?.toISOString() ?? 'no nextUpdate'}`;
}

function readEvidence(input: VerifyInput, report: ReportBuilder, certificates: CertificateCache): Evidence {
  if (input.signature.length > LIMITS.signatureBytes) {
    throw new InputRejected('PAYLOAD_TOO_LARGE', `signature larger than ${LIMITS.signatureBytes} bytes`);
  }
  if (input.certificate !== undefined && input.certificate.length > LIMITS.certificateBytes) {
    throw new InputRejected('PAYLOAD_TOO_LARGE', `certificate larger than ${LIMITS.certificateBytes} bytes`);
  }
  const given =
    input.certificate === undefined ? null : certificates.parse(toDer(input.certificate, CERTIFICATE_LABELS));
  const cmsBytes = toDer(input.signature, CMS_LABELS);
  const format = input.format ?? (looksLikeCms(cmsBytes) ? 'cms' : 'pkcs1-sha256');
  report.format = format;

  if (format === 'cms') {
    const cms = parseCms(cmsBytes);
    const evidence = cmsEvidence(cms, given, input.document, certificates);
    report.pass('format', `CMS SignedData${cms.signer.signedAttributes ? ' with signed attributes' : ''}`);
    return evidence;
  }
  if (given === null) throw malformed('a PKCS #1 signature needs the signer’s certificate');
  const signature = toDer(input.signature, []);
  // A length that is not the key's is an invalid signature (RFC 8017 §8.2.2 step 1), judged by the
  // signature check: typically someone else's certificate beside the signature.
  report.pass('format', 'PKCS #1 v1.5 signature with its certificate');
  return {
    format,
    digest: 'sha256',
    keyAlgorithm: 'rsa',
    signer: given,
    signerIdentified: true,
    carried: [],
    signedBytes: input.document,
    signature,
    messageDigest: null,
    signingTime: null,
  };
}

function cmsEvidence(
  cms: CmsSignedData,
  given: Certificate | null,
  document: Uint8Array,
  certificates: CertificateCache,
): Evidence {
  // Attached content, if any, is not trusted to be the document: the signature is judged against
  // the document we hold, so other content fails as DOCUMENT_MISMATCH like any other bytes.
  const { signer: info } = cms;
  if (cms.certificates.length > LIMITS.carriedCertificates) {
    throw new InputRejected(
      'VERIFICATION_LIMIT_EXCEEDED',
      `the CMS carries ${cms.certificates.length} certificates; at most ${LIMITS.carriedCertificates} are read`,
    );
  }
  const unreadable: InputRejected[] = [];
  const carried = cms.certificates
    .map((der) => parseCertificateLenient(der, certificates, unreadable))
    .filter((c): c is Certificate => c !== null);
  const candidates = given === null ? carried : [given, ...carried];
  const identified = candidates.find((c) =>
    'subjectKeyId' in info.sid
      ? c.subjectKeyId === info.sid.subjectKeyId
      : c.serial === info.sid.serial && bytesEqual(c.issuerName, info.sid.issuerName),
  );
  // No readable certificate is the signer's, and one was not read for its algorithm (an Ed25519 or
  // a secp256k1 key, say): most likely the signer's own, so the algorithm is what is refused.
  if (identified === undefined && unreadable.length > 0) throw unreadable[0]!;
  if (candidates.length === 0) throw malformed('the CMS carries no certificate and none was given');
  const signer = identified ?? candidates[0]!;
  const attributes = info.signedAttributes;
  return {
    format: 'cms',
    digest: info.digest,
    keyAlgorithm: info.keyAlgorithm,
    signer,
    signerIdentified: identified !== undefined,
    carried: carried.filter((c) => c !== signer),
    signedBytes: attributes?.signedBytes ?? document,
    signature: info.signature,
    messageDigest: attributes?.messageDigest ?? null,
    signingTime: attributes?.signingTime ?? null,
  };
}

/**
 * Carried certificates whose key is not accepted (e.g. an Ed25519 intermediate) just do not help
 * build paths; their refusals are added to `unreadable`.
 */
function parseCertificateLenient(
  der: Uint8Array,
  certificates: CertificateCache,
  unreadable: InputRejected[],
): Certificate | null {
  try {
    return certificates.parse(der);
  } catch (error) {
    if (!(error instanceof InputRejected && error.code === 'UNSUPPORTED_ALGORITHM')) throw error;
    unreadable.push(error);
    return null;
  }
}

/**
 * Signature and document. With signed attributes the signature covers the attributes and the
 * messageDigest attribute binds the document (RFC 5652 §5.4); without, the signature covers the
 * document itself. RSA or ECDSA as the signer's key is; the SignerInfo must name that kind of key.
 */
function checkSignature(evidence: Evidence, report: ReportBuilder): void {
  const { signer, signature } = evidence;
  if (signature === null) {
    report.skip('signature', 'not signed yet: the certificate is judged before signing');
    report.skip('document', 'not signed yet');
  } else if (!evidence.signerIdentified) {
    report.fail('signature', 'no certificate matches the SignerInfo’s signer identifier');
    report.skip('document', 'not judged: the signer’s certificate is missing');
  } else if (evidence.keyAlgorithm !== signer.keyAlgorithm) {
    report.fail(
      'signature',
      `a signature algorithm for ${KEY_NAMES[evidence.keyAlgorithm]} keys; the certificate has an ${KEY_NAMES[signer.keyAlgorithm]} ${keyText(signer)}`,
    );
    report.skip('document', 'not judged: the signature is not authentic');
  } else if (evidence.messageDigest !== null) {
    const scheme = signer.keyAlgorithm === 'rsa' ? 'RSA' : 'ECDSA';
    const authentic =
      signer.keyAlgorithm === 'rsa'
        ? rsaVerify(evidence.digest, evidence.signedBytes, signer.publicKey, signature)
        : ecdsaVerify(evidence.digest, evidence.signedBytes, signer.publicKey, signature);
    if (authentic) report.pass('signature', `${scheme} signature over the signed attributes verifies`);
    else report.fail('signature', `${scheme} signature over the signed attributes does not verify`);
    const actual = report.documentDigest(evidence.digest);
    if (bytesEqual(actual, evidence.messageDigest))
      report.pass('document', 'messageDigest matches the document');
    else report.fail('document', 'messageDigest does not match the document');
  } else if (signer.keyAlgorithm === 'ec') {
    // ECDSA recovers nothing from a signature: one that does not verify over this document may be
    // over other bytes or no one's at all, so the code is SIGNATURE_INVALID, never DOCUMENT_MISMATCH.
    if (ecdsaVerify(evidence.digest, evidence.signedBytes, signer.publicKey, signature)) {
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
    const hash = report.documentDigest(evidence.digest);
    const verdict = rsaVerifyDigest(evidence.digest, hash, signer.publicKey, signature);
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

const KEY_NAMES: Readonly<Record<KeyAlgorithm, string>> = { rsa: 'RSA', ec: 'EC' };

/** E.g. `RSA-SHA256` or `ECDSA-SHA384`: the report's `algorithm`. */
function algorithmName(signer: Certificate, digest: DigestName): string {
  return `${signer.keyAlgorithm === 'rsa' ? 'RSA' : 'ECDSA'}-${digest.toUpperCase()}`;
}

/** E.g. `2048-bit key` or `P-256 key`. */
function keyText(signer: Certificate): string {
  return signer.keyAlgorithm === 'rsa' ? `${signer.keyBits}-bit key` : `${signer.curve} key`;
}

/**
 * Why the signer's key may not make this signature, or null when it may: RSA of 2048 to 4096
 * bits, or EC on P-256, P-384 or P-521; and RSA only for the formats that are PKCS #1 by name
 * (`pkcs1-sha256`, and `pades`, whose signature the browser makes as PKCS #1 over the attributes).
 */
function signerKeyProblem(signer: Certificate, format: SignatureFormat): string | null {
  if (signer.keyAlgorithm === 'ec') {
    if (format !== 'cms')
      return `a ${format} signature is RSA PKCS #1 v1.5; the certificate’s key is EC (${signer.curve})`;
    if (signer.curve === null || !SIGNER_CURVES.has(signer.curve))
      return `EC key on ${signer.curve}; accepted: ${[...SIGNER_CURVES].join(', ')}`;
    return null;
  }
  if (signer.keyBits < SIGNER_KEY_BITS.min || signer.keyBits > SIGNER_KEY_BITS.max)
    return `RSA key of ${signer.keyBits} bits; accepted: 2048 to 4096`;
  return null;
}

/** Why the signer's certificate may not sign documents, or null when it may. */
function signingUsageProblem(cert: Certificate): string | null {
  if (cert.kind === 'csd') return 'a CSD (seal certificate for invoices) is not a person’s signature';
  if (cert.basicConstraints?.ca === true) return 'a CA certificate does not sign documents';
  if (cert.keyUsage !== null && !cert.keyUsage.digitalSignature && !cert.keyUsage.nonRepudiation) {
    return 'keyUsage allows neither digitalSignature nor nonRepudiation';
  }
  if (cert.extKeyUsage !== null && !cert.extKeyUsage.some((u) => SIGNING_EXTENDED_USAGES.has(u))) {
    return `extendedKeyUsage (${cert.extKeyUsage.join(', ')}) does not include document signing`;
  }
  if (cert.unknownCriticalExtensions.length > 0) {
    return `unprocessed critical extensions ${cert.unknownCriticalExtensions.join(', ')}`;
  }
  return null;
}

const normalise = (value: string): string => value.trim().toUpperCase();

/** A person's name as compared: no accents, one case, letters and digits separated by single spaces. */
export function comparableName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function checkIdentity(cert: Certificate, expected: ExpectedSigner | undefined, report: ReportBuilder): void {
  const rfc = expected?.rfc ? normalise(expected.rfc) : null;
  const curp = expected?.curp ? normalise(expected.curp) : null;
  if (rfc === null && curp === null) return checkName(cert, expected, report);
  report.identityBasis = 'rfc-curp';
  const problems: string[] = [];
  // A persona moral's e.firma names the company and its representative: either may be expected.
  if (rfc !== null && rfc !== cert.subject.rfc && rfc !== cert.subject.representativeRfc) {
    problems.push(`RFC ${cert.subject.rfc ?? '(none)'} is not the expected ${rfc}`);
  }
  if (curp !== null && curp !== cert.subject.curp) {
    problems.push(`CURP ${cert.subject.curp ?? '(none)'} is not the expected ${curp}`);
  }
  if (problems.length > 0) report.fail('identity', problems.join('; '));
  else
    report.pass(
      'identity',
      [rfc && `RFC ${rfc}`, curp && `CURP ${curp}`].filter(Boolean).join(' and ') + ' match',
    );
}

/** Without an RFC or CURP to compare, the name decides, unless the coordinator accepted anyone. */
function checkName(cert: Certificate, expected: ExpectedSigner | undefined, report: ReportBuilder): void {
  if (expected?.acceptAnySigner === true) {
    report.identityBasis = 'any-signer';
    return report.skip('identity', 'identity not checked: the coordinator accepted any signer for this step');
  }
  const name = expected?.name?.trim() ? expected.name : null;
  if (name === null) return report.skip('identity', 'identity not checked: no expected signer given');
  report.identityBasis = 'name';
  if (comparableName(name) === comparableName(cert.subject.name)) {
    report.pass(
      'identity',
      `name ${cert.subject.name} matches the expected ${name} (no RFC or CURP expected)`,
    );
  } else {
    report.fail(
      'identity',
      `name ${cert.subject.name || '(none)'} is not the expected ${name} (no RFC or CURP expected)`,
    );
  }
}

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
class ReportBuilder {
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
  private readonly results = new Map<CheckName, CheckResult & { code?: string }>();
  private evidence: Evidence | null = null;
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

  describe(evidence: Evidence): void {
    this.evidence = evidence;
  }
  pass(check: CheckName, detail: string): void {
    this.results.set(check, { check, outcome: 'passed', detail });
  }
  fail(check: CheckName, detail: string, code?: string): void {
    this.results.set(check, { check, outcome: 'failed', detail, ...(code ? { code } : {}) });
  }
  skip(check: CheckName, detail: string): void {
    this.results.set(check, { check, outcome: 'skipped', detail });
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
    const e = this.evidence;
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
    };
  }
}
