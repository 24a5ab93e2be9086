/**
 * Judges an RFC 3161 time-stamp token: that it stamps the expected imprint (and nonce), that its
 * signature is the TSA's, that the TSA's certificate chains to a configured anchor and was valid
 * at the stamped time, and that the TSA's certificate is the one the token names (ESS
 * signing-certificate) and is meant for time-stamping (extended key usage timeStamping only).
 *
 * Two profiles. `rfc3161`: everything above, strictly. `psc`: the tokens of Mexico's accredited
 * PSCs (NOM-151 constancias) as some of them really are (a TSA certificate without the
 * timeStamping usage, an ESS certificate hash that names another certificate, a signingTime
 * UTCTime with fractional seconds, a negative serial number): tolerated only when the chain ends at
 * an anchor configured for it (ACR2-SE, the Secretaría de Economía's root, or NOM151_TRUST_ANCHORS),
 * and each listed in the verdict. No profile accepts a wrong imprint, a broken signature or a
 * broken chain.
 */
import { createHash } from 'node:crypto';
import { CodedError } from '../domain/coded-error';
import type { Certificate } from '../signatures/certificate';
import { parseCertificate } from '../signatures/certificate';
import { AnchorSet, buildPath } from '../signatures/chain';
import { parseCms, type CmsSignedData } from '../signatures/cms';
import {
  bytesEqual,
  contentBytes,
  expectSequence,
  expectUniversal,
  isUniversal,
  parseDer,
  readIntegerHex,
  readOid,
  UniversalTag,
} from '../signatures/der';
import { ecdsaVerify } from '../signatures/ecdsa';
import { isInputRejected } from '../signatures/failure';
import { DIGEST_BY_OID, type DigestName } from '../signatures/oids';
import { rsaVerify } from '../signatures/rsa';
import { parseTstInfo, TST_INFO_OID, type MessageImprint, type TstInfo } from './token';

/** id-kp-timeStamping (RFC 3161 §2.3). */
export const TIME_STAMPING_EKU = '1.3.6.1.5.5.7.3.8';
/** id-aa-signingCertificate (RFC 2634, SHA-1) and id-aa-signingCertificateV2 (RFC 5035). */
const SIGNING_CERTIFICATE = '1.2.840.113549.1.9.16.2.12';
const SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';

/**
 * SHA-256 of "Autoridad Certificadora Raiz Segunda de Secretaria de Economia" (ACR2-SE), the root
 * the Secretaría de Economía publishes and every accredited PSC's certificate chains to: an anchor
 * with this fingerprint takes the `psc` profile without being named in NOM151_TRUST_ANCHORS.
 */
export const ACR2_SE_SHA256 = 'b2f258c42c3066c54c3d9bbcb9a4c16bed4e7b74f302643a11af26961e09c720';

export interface TimestampTrust {
  /** Anchors a TSA's chain must end at (TSA_TRUST_ANCHORS, NOM151_TRUST_ANCHORS). */
  readonly anchors: readonly Certificate[];
  /** SHA-256 (hex) of the anchors whose PSCs' deviations are tolerated; ACR2-SE always is. */
  readonly pscAnchors?: readonly string[];
}

export interface TimestampExpectation {
  /** What the token must stamp: the digest itself, or the data to digest with the token's algorithm. */
  readonly imprint: MessageImprint | { readonly data: Uint8Array };
  /** The nonce of our request (unsigned hex), for a token we have just asked for. */
  readonly nonce?: string;
  /** When we asked and when the answer came: genTime must fall between them, within its accuracy. */
  readonly requested?: { readonly from: Date; readonly to: Date };
}

export type TimestampProfile = 'rfc3161' | 'psc';

export interface TimestampVerdict {
  readonly valid: boolean;
  /** Why not, when not valid: TIMESTAMP_INVALID, or MALFORMED_INPUT / UNSUPPORTED_ALGORITHM for bytes we cannot read. */
  readonly code:
    'TIMESTAMP_INVALID' | 'MALFORMED_INPUT' | 'UNSUPPORTED_ALGORITHM' | 'PAYLOAD_TOO_LARGE' | null;
  /** What failed, for the report (technical, English; the Spanish text is the code's). */
  readonly problem: string | null;
  readonly genTime: Date | null;
  readonly accuracyMs: number | null;
  readonly policy: string | null;
  /** The TSTInfo serial number, hex. */
  readonly serial: string | null;
  readonly imprint: { readonly algorithm: DigestName; readonly sha: string } | null;
  /** The TSA's certificate, when found: its subject, issuer and serial. */
  readonly tsa: { readonly subject: string; readonly issuer: string; readonly serial: string } | null;
  /** Subjects from the TSA to the anchor, when a path was found. */
  readonly chain: readonly string[];
  readonly profile: TimestampProfile | null;
  /** What the token does differently from RFC 3161/5816, tolerated under the `psc` profile. */
  readonly deviations: readonly string[];
}

/** Time that may pass between our clock and the TSA's, beyond the accuracy the TSA states. */
const CLOCK_SLACK_MS = 60_000;
/** The largest token we read (a TSA's chain included). */
export const MAX_TOKEN_BYTES = 64 * 1024;

export function verifyTimestampToken(
  token: Uint8Array,
  expected: TimestampExpectation,
  trust: TimestampTrust,
): TimestampVerdict {
  const verdict: Mutable<TimestampVerdict> = {
    valid: false,
    code: null,
    problem: null,
    genTime: null,
    accuracyMs: null,
    policy: null,
    serial: null,
    imprint: null,
    tsa: null,
    chain: [],
    profile: null,
    deviations: [],
  };
  const refuse = (problem: string): TimestampVerdict => ({ ...verdict, code: 'TIMESTAMP_INVALID', problem });
  if (token.length > MAX_TOKEN_BYTES)
    return { ...verdict, code: 'PAYLOAD_TOO_LARGE', problem: `token larger than ${MAX_TOKEN_BYTES} bytes` };

  let cms: CmsSignedData;
  let info: TstInfo;
  try {
    cms = parseCms(token, { lenientSigningTime: true });
    if (cms.contentType !== TST_INFO_OID) return refuse('the token does not carry a TSTInfo');
    if (cms.content === null) return refuse('the token carries no TSTInfo content');
    info = parseTstInfo(cms.content);
  } catch (error) {
    if (!isInputRejected(error)) throw error;
    return {
      ...verdict,
      code: error.code === 'VERIFICATION_LIMIT_EXCEEDED' ? 'MALFORMED_INPUT' : error.code,
      problem: error.message,
    };
  }
  Object.assign(verdict, {
    genTime: info.genTime,
    accuracyMs: info.accuracyMs,
    policy: info.policy,
    serial: info.serial,
    imprint: { algorithm: info.imprint.algorithm, sha: Buffer.from(info.imprint.digest).toString('hex') },
  });

  // What was stamped: never tolerated otherwise.
  const wanted =
    'data' in expected.imprint
      ? digest(info.imprint.algorithm, expected.imprint.data)
      : expected.imprint.algorithm === info.imprint.algorithm
        ? expected.imprint.digest
        : null;
  if (wanted === null || !bytesEqual(wanted, info.imprint.digest))
    return refuse('the token stamps another imprint than the one expected');
  if (expected.nonce !== undefined && !sameInteger(info.nonce, expected.nonce))
    return refuse('the token answers another request (its nonce differs)');

  // The TSA's signature over the TSTInfo.
  const attributes = cms.signer.signedAttributes;
  if (attributes === null) return refuse('the token has no signed attributes (RFC 3161 §2.4.1)');
  if (!bytesEqual(attributes.messageDigest, digest(cms.signer.digest, cms.content!)))
    return refuse('the signed message-digest does not match the TSTInfo');
  const certificates: Certificate[] = [];
  for (const der of cms.certificates) {
    try {
      certificates.push(parseCertificate(der));
    } catch (error) {
      if (!isInputRejected(error)) throw error;
    }
  }
  const signer = certificates.find((cert) => names(cms.signer.sid, cert));
  if (signer === undefined)
    return refuse('the token does not carry the certificate of the TSA that signed it');
  verdict.tsa = { subject: signer.subjectText, issuer: signer.issuerText, serial: signer.serial };
  const signed =
    cms.signer.keyAlgorithm === 'rsa'
      ? rsaVerify(cms.signer.digest, attributes.signedBytes, signer.publicKey, cms.signer.signature)
      : ecdsaVerify(cms.signer.digest, attributes.signedBytes, signer.publicKey, cms.signer.signature);
  if (!signed) return refuse('the TSA signature over the TSTInfo does not verify');

  // The TSA's chain, at the stamped time.
  const path = buildPath(signer, certificates, new AnchorSet(trust.anchors));
  if (!path.ok) return refuse(`the TSA certificate does not chain to a trusted anchor: ${path.reason}`);
  verdict.chain = path.path.map((cert) => cert.subjectText);
  const expired = path.path.find((cert) => info.genTime < cert.notBefore || info.genTime > cert.notAfter);
  if (expired) return refuse(`${expired.subjectText} was not valid at ${info.genTime.toISOString()}`);
  const anchor = path.path[path.path.length - 1]!;
  const anchorSha = Buffer.from(digest('sha256', anchor.der)).toString('hex');
  const profile: TimestampProfile =
    anchorSha === ACR2_SE_SHA256 || (trust.pscAnchors ?? []).includes(anchorSha) ? 'psc' : 'rfc3161';
  verdict.profile = profile;

  // What RFC 3161/5816 ask of the TSA's certificate and token, and what the PSC profile tolerates.
  const deviations: string[] = [];
  const ekus = signer.extKeyUsage;
  if (ekus === null)
    deviations.push('the TSA certificate has no extended key usage (RFC 3161 §2.3 wants timeStamping)');
  else if (ekus.length !== 1 || ekus[0] !== TIME_STAMPING_EKU)
    deviations.push(`the TSA certificate's extended key usage is ${ekus.join(', ')}, not timeStamping alone`);
  const essProblem = essCertificateProblem(attributes.values, signer);
  if (essProblem !== null) deviations.push(essProblem);
  if (attributes.unreadableSigningTime !== null)
    deviations.push(`the signingTime attribute is not a valid time ("${attributes.unreadableSigningTime}")`);
  if (info.serialNegative)
    deviations.push('the TSTInfo serial number is negative (RFC 3161 §2.4.2 wants a positive one)');
  verdict.deviations = deviations;
  if (deviations.length > 0 && profile === 'rfc3161') return refuse(deviations[0]!);

  if (expected.requested) {
    const margin = (info.accuracyMs ?? 0) + CLOCK_SLACK_MS;
    const { from, to } = expected.requested;
    if (info.genTime.getTime() < from.getTime() - margin || info.genTime.getTime() > to.getTime() + margin)
      return refuse(
        `the stamped time ${info.genTime.toISOString()} is outside our request (${from.toISOString()} to ${to.toISOString()})`,
      );
  }
  return { ...verdict, valid: true };
}

/** Verifies and throws a CodedError (TIMESTAMP_INVALID and kin) when the token does not hold. */
export function requireValidTimestamp(
  token: Uint8Array,
  expected: TimestampExpectation,
  trust: TimestampTrust,
): TimestampVerdict {
  const verdict = verifyTimestampToken(token, expected, trust);
  if (!verdict.valid) throw new CodedError(verdict.code ?? 'TIMESTAMP_INVALID', verdict.problem ?? undefined);
  return verdict;
}

/**
 * Whether the ESS signing-certificate(-v2) attribute names the TSA's certificate (RFC 5816 §2.2.1:
 * required in a token): null when it does, else what is wrong.
 */
function essCertificateProblem(values: ReadonlyMap<string, Uint8Array>, signer: Certificate): string | null {
  const v2 = values.get(SIGNING_CERTIFICATE_V2);
  const v1 = values.get(SIGNING_CERTIFICATE);
  const attribute = v2 ?? v1;
  if (attribute === undefined) return 'the token has no ESS signing-certificate attribute (RFC 5816)';
  try {
    // SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies OPTIONAL }
    const certs = expectSequence(
      expectSequence(parseDer(attribute), 'SigningCertificate').children[0],
      'certs',
    );
    const first = expectSequence(certs.children[0], 'ESSCertID').children;
    let algorithm: DigestName | 'sha1' = v2 ? 'sha256' : 'sha1';
    let index = 0;
    // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash OCTET STRING, issuerSerial OPTIONAL }
    if (v2 && first[0] !== undefined && isUniversal(first[0], UniversalTag.sequence)) {
      const oid = readOid(attribute, first[0].children[0]);
      const named = DIGEST_BY_OID.get(oid);
      if (named === undefined) return `the ESS certificate hash uses ${oid}, not SHA-2`;
      algorithm = named;
      index = 1;
    }
    const hash = contentBytes(attribute, expectUniversal(first[index], UniversalTag.octetString, 'certHash'));
    const actual = createHash(algorithm).update(signer.der).digest();
    if (!bytesEqual(hash, actual))
      return 'the ESS signing-certificate hash does not match the TSA certificate the token carries';
    const issuerSerial = first[index + 1];
    if (issuerSerial !== undefined) {
      const serial = readIntegerHex(attribute, expectSequence(issuerSerial, 'IssuerSerial').children[1]);
      if (!sameSerial(serial, signer.serial))
        return 'the ESS signing-certificate names another serial number than the TSA certificate';
    }
    return null;
  } catch (error) {
    if (error instanceof Error)
      return `the ESS signing-certificate attribute cannot be read (${error.message})`;
    throw error;
  }
}

function names(sid: CmsSignedData['signer']['sid'], cert: Certificate): boolean {
  if ('subjectKeyId' in sid) return cert.subjectKeyId === sid.subjectKeyId;
  return bytesEqual(sid.issuerName, cert.issuerName) && sameSerial(sid.serial, cert.serial);
}

function sameSerial(a: string, b: string): boolean {
  const plain = (hex: string): string => hex.toLowerCase().replace(/^0+(?=.)/, '');
  return plain(a) === plain(b);
}

function digest(algorithm: DigestName | 'sha1', data: Uint8Array): Uint8Array {
  return createHash(algorithm).update(data).digest();
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Whether two hex renderings name the same non-negative integer (leading zeros, nibbles or bytes, aside). */
function sameInteger(actual: string | null, expected: string): boolean {
  const hex = /^[0-9a-f]+$/i;
  if (actual === null || !hex.test(actual) || !hex.test(expected)) return false;
  return BigInt(`0x${actual}`) === BigInt(`0x${expected}`);
}
