/**
 * OCSP responses (RFC 6960), read and judged as CRLs are (crl.ts): on the DER with offsets, so
 * that the signature is checked over the exact ResponseData bytes the responder signed, with
 * Node's crypto; node-forge is not trusted with any of it.
 *
 * {@link parseOcspResponse} reads the structure, strictly (DER only, bounded in size, depth and
 * counts) and throws only InputRejected `MALFORMED_INPUT`. {@link judgeOcspResponse} says whether
 * a response speaks for one certificate at one time: the one entry for that certificate's CertID,
 * signed by its issuer or by a responder its issuer authorised (RFC 6960 §4.2.2.2), current, and
 * echoing the nonce asked. It answers a verdict, and throws only for bytes that are not an
 * OCSPResponse at all.
 *
 * SHA-1 is accepted where it is only an identifier (a CertID, RFC 5019 §2.2.1 made it the norm)
 * and in sha1WithRSAEncryption response signatures, because responders still send them (SAT's
 * does); each acceptance is named in the verdict's notes. MD5 and unknown algorithms are refused.
 */
import { createHash, verify as cryptoVerify } from 'node:crypto';
import { verifyIssuerSignature } from './algorithms';
import { parseCertificate, type Certificate } from './certificate';
import {
  bytesEqual,
  contentBytes,
  type DerLimits,
  DerError,
  type DerNode,
  elementBytes,
  expectSequence,
  expectUniversal,
  isContext,
  isUniversal,
  parseDer,
  readIntegerHex,
  readOid,
  readSmallInteger,
  readTime,
  STRICT_DER,
  TagClass,
  UniversalTag,
} from './der';
import { isInputRejected, malformed } from './failure';
import { keyFacts } from './key-facts';
import { ECDSA_SIGNATURE_DIGEST_BY_OID, OID, RSA_SIGNATURE_DIGEST_BY_OID } from './oids';

/** The object identifiers of RFC 6960 and those this module names when it refuses them. */
export const OCSP_OID = {
  /** id-pkix-ocsp-basic (§4.2.1): the only response type defined. */
  basic: '1.3.6.1.5.5.7.48.1.1',
  /** id-pkix-ocsp-nonce (§4.4.1). */
  nonce: '1.3.6.1.5.5.7.48.1.2',
  /** id-kp-OCSPSigning (RFC 5280 §4.2.1.12): what a delegated responder's certificate must carry. */
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  md5: '1.2.840.113549.2.5',
  md5WithRSAEncryption: '1.2.840.113549.1.1.4',
  ecdsaWithSha1: '1.2.840.10045.4.1',
} as const;

/** Bounds on what is read: a real response (one entry, a responder certificate or two) is a few KB. */
export const OCSP_LIMITS = {
  responseBytes: 128 * 1024,
  certificates: 8,
  responses: 32,
  extensions: 16,
  /** RFC 8954 §2.1: a nonce is 1 to 32 octets. */
  nonceBytes: 32,
} as const;

/** Clock difference tolerated between the responder and us (thisUpdate, producedAt). */
export const OCSP_CLOCK_SKEW_MS = 5 * 60_000;
/** How long a response without nextUpdate is believed after its thisUpdate, unless told otherwise. */
export const OCSP_DEFAULT_MAX_AGE_MS = 7 * 86_400_000;

const DER_LIMITS: DerLimits = { ...STRICT_DER, maxDepth: 24, maxNodes: 20_000 };

/** The hashes a CertID may be computed with. */
export type OcspHash = 'sha1' | 'sha256';

const HASH_OID: Readonly<Record<OcspHash, string>> = { sha1: OID.sha1, sha256: OID.sha256 };
const HASH_BY_OID: ReadonlyMap<string, OcspHash> = new Map([
  [OID.sha1, 'sha1'],
  [OID.sha256, 'sha256'],
]);

/** CertID ::= SEQUENCE { hashAlgorithm, issuerNameHash OCTET STRING, issuerKeyHash OCTET STRING, serialNumber } */
export interface OcspCertId {
  /** The hash's OID (parameters absent or NULL). */
  readonly hashAlgorithm: string;
  readonly issuerNameHash: Uint8Array;
  readonly issuerKeyHash: Uint8Array;
  /** Lowercase hex, as {@link Certificate.serial}. */
  readonly serial: string;
}

export interface RequestCertId extends OcspCertId {
  /** The serialNumber INTEGER's content octets exactly as the certificate has them. */
  readonly serialBytes: Uint8Array;
}

export type OcspResponseStatus =
  'successful' | 'malformedRequest' | 'internalError' | 'tryLater' | 'sigRequired' | 'unauthorized';

/** OCSPResponseStatus (§4.2.1); 4 is not used. */
const RESPONSE_STATUS: ReadonlyMap<number, OcspResponseStatus> = new Map([
  [0, 'successful'],
  [1, 'malformedRequest'],
  [2, 'internalError'],
  [3, 'tryLater'],
  [5, 'sigRequired'],
  [6, 'unauthorized'],
]);

export type OcspCertStatus = 'good' | 'revoked' | 'unknown';

/** CRLReason (RFC 5280 §5.3.1); 7 is not used. */
export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'cACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold'
  | 'removeFromCRL'
  | 'privilegeWithdrawn'
  | 'aACompromise';

const REASONS: readonly (RevocationReason | null)[] = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  null,
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
];

/** An AlgorithmIdentifier as read: the OID and the parameters' DER (null when absent). */
export interface OcspAlgorithm {
  readonly oid: string;
  readonly parameters: Uint8Array | null;
}

/** ResponderID ::= CHOICE { byName [1] Name, byKey [2] KeyHash } */
export type ResponderId =
  | { readonly byName: Uint8Array }
  /** SHA-1 of the responder's subjectPublicKey (§4.2.1). */
  | { readonly byKey: Uint8Array };

export interface SingleResponse {
  readonly certId: OcspCertId;
  readonly status: OcspCertStatus;
  readonly revokedAt: Date | null;
  readonly reason: RevocationReason | null;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | null;
  /** Critical singleExtensions this reader does not process (such an entry cannot be used). */
  readonly unprocessedCritical: readonly string[];
}

export interface BasicOcspResponse {
  /** The ResponseData DER exactly as signed. */
  readonly tbsBytes: Uint8Array;
  readonly signatureAlgorithm: OcspAlgorithm;
  readonly signature: Uint8Array;
  /** The certificates carried (`certs`), DER each, unparsed. */
  readonly certificates: readonly Uint8Array[];
  readonly responderId: ResponderId;
  readonly producedAt: Date;
  readonly responses: readonly SingleResponse[];
  /** The nonce extension's value (the OCTET STRING's content, RFC 8954 §2.1), or null. */
  readonly nonce: Uint8Array | null;
  /** Critical responseExtensions this reader does not process (the response cannot be used). */
  readonly unprocessedCritical: readonly string[];
}

export interface OcspResponse {
  readonly status: OcspResponseStatus;
  /** responseBytes' responseType; null when there are none (any status but successful). */
  readonly responseType: string | null;
  /** The BasicOCSPResponse, when the response is successful and of that type. */
  readonly basic: BasicOcspResponse | null;
}

// ---- CertID ----

const publicKeyBits = new WeakMap<Certificate, Uint8Array>();

/**
 * The value of a certificate's subjectPublicKey BIT STRING, without its unused-bits octet: what
 * issuerKeyHash (§4.1.1) and a byKey responder id (§4.2.1) hash. Read from the certificate's own
 * bytes, not from {@link Certificate.keyDer}, which OpenSSL re-encoded.
 */
function subjectPublicKey(cert: Certificate): Uint8Array {
  let bits = publicKeyBits.get(cert);
  if (bits === undefined) {
    const tbs = expectSequence(parseDer(cert.der, STRICT_DER).children[0], 'TBSCertificate');
    const fields = isContext(tbs.children[0], 0) ? tbs.children.slice(1) : tbs.children;
    const spki = expectSequence(fields[5], 'SubjectPublicKeyInfo');
    const value = contentBytes(
      cert.der,
      expectUniversal(spki.children[1], UniversalTag.bitString, 'subjectPublicKey'),
    );
    bits = value.subarray(1);
    publicKeyBits.set(cert, bits);
  }
  return bits;
}

function serialContent(cert: Certificate): Uint8Array {
  const tbs = expectSequence(parseDer(cert.der, STRICT_DER).children[0], 'TBSCertificate');
  const fields = isContext(tbs.children[0], 0) ? tbs.children.slice(1) : tbs.children;
  return contentBytes(cert.der, expectUniversal(fields[0], UniversalTag.integer, 'serialNumber'));
}

const digest = (hash: OcspHash, data: Uint8Array): Uint8Array => createHash(hash).update(data).digest();

/**
 * The CertID that names `certificate` (§4.1.1): the hash of its issuer's subject Name DER, the
 * hash of the issuer's subjectPublicKey (the BIT STRING's value, not the whole
 * SubjectPublicKeyInfo), and its serial number.
 */
export function ocspCertId(certificate: Certificate, issuer: Certificate, hash: OcspHash): RequestCertId {
  return {
    hashAlgorithm: HASH_OID[hash],
    issuerNameHash: digest(hash, issuer.subjectName),
    issuerKeyHash: digest(hash, subjectPublicKey(issuer)),
    serial: certificate.serial,
    serialBytes: serialContent(certificate),
  };
}

// ---- Reading ----

/**
 * Reads an OCSPResponse (§4.2.1). Throws InputRejected `MALFORMED_INPUT` for anything that is not
 * one in DER, is larger than {@link OCSP_LIMITS} allow, or breaks the syntax of RFC 6960.
 */
export function parseOcspResponse(der: Uint8Array): OcspResponse {
  if (der.length > OCSP_LIMITS.responseBytes)
    throw malformed(`OCSP response larger than ${OCSP_LIMITS.responseBytes} bytes`);
  try {
    return readResponse(der);
  } catch (error) {
    if (isInputRejected(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw malformed(`not an OCSP response (${reason})`);
  }
}

function enumerated(bytes: Uint8Array, node: DerNode | undefined, what: string): number {
  if (node === undefined || !isUniversal(node, 10) || node.constructed)
    throw new DerError(`expected ${what}`);
  const content = contentBytes(bytes, node);
  if (content.length !== 1 || content[0]! > 0x7f) throw new DerError(`bad ${what}`);
  return content[0]!;
}

/** A GeneralizedTime, the only time type RFC 6960 uses. */
function generalizedTime(bytes: Uint8Array, node: DerNode | undefined, what: string): Date {
  if (node === undefined || !isUniversal(node, UniversalTag.generalizedTime))
    throw new DerError(`${what} is not a GeneralizedTime`);
  return readTime(bytes, node);
}

/** `[n] EXPLICIT`: the one element inside. */
function explicit(node: DerNode, what: string): DerNode {
  if (!node.constructed || node.children.length !== 1) throw new DerError(`malformed ${what}`);
  return node.children[0]!;
}

function readAlgorithm(bytes: Uint8Array, node: DerNode | undefined, what: string): OcspAlgorithm {
  const [oidNode, parameters, ...rest] = expectSequence(node, what).children;
  if (rest.length > 0) throw new DerError(`malformed ${what}`);
  return {
    oid: readOid(bytes, oidNode),
    parameters: parameters === undefined ? null : elementBytes(bytes, parameters),
  };
}

const NULL_DER = Uint8Array.of(0x05, 0x00);
const absentOrNull = (algorithm: OcspAlgorithm): boolean =>
  algorithm.parameters === null || bytesEqual(algorithm.parameters, NULL_DER);

interface Extension {
  readonly id: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

/** `[n] EXPLICIT Extensions`, Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension */
function readExtensions(bytes: Uint8Array, node: DerNode, what: string): Extension[] {
  const list = expectSequence(explicit(node, what), what).children;
  if (list.length === 0 || list.length > OCSP_LIMITS.extensions)
    throw new DerError(`${what}: ${list.length} extensions`);
  const seen = new Set<string>();
  return list.map((child) => {
    const parts = expectSequence(child, 'Extension').children;
    if (parts.length < 2 || parts.length > 3) throw new DerError('malformed Extension');
    const id = readOid(bytes, parts[0]);
    if (seen.has(id)) throw new DerError(`extension ${id} appears twice`);
    seen.add(id);
    let critical = false;
    if (parts.length === 3) {
      const flag = contentBytes(bytes, expectUniversal(parts[1], UniversalTag.boolean, 'critical'));
      // DER (X.690 §11.1, §11.5): TRUE is 0xFF, and FALSE, the default, is not written.
      if (flag.length !== 1 || flag[0] !== 0xff) throw new DerError('critical is not a DER TRUE');
      critical = true;
    }
    const value = contentBytes(bytes, expectUniversal(parts.at(-1), UniversalTag.octetString, 'extnValue'));
    return { id, critical, value };
  });
}

// OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, responseBytes [0] EXPLICIT ResponseBytes OPTIONAL }
// ResponseBytes ::= SEQUENCE { responseType OBJECT IDENTIFIER, response OCTET STRING }
function readResponse(der: Uint8Array): OcspResponse {
  const root = expectSequence(parseDer(der, DER_LIMITS), 'OCSPResponse');
  const [statusNode, bytesNode, ...rest] = root.children;
  if (rest.length > 0) throw new DerError('unexpected fields after responseBytes');
  const code = enumerated(der, statusNode, 'responseStatus');
  const status = RESPONSE_STATUS.get(code);
  if (status === undefined) throw new DerError(`responseStatus ${code} is not defined`);
  if (bytesNode === undefined) {
    if (status === 'successful') throw new DerError('a successful response without responseBytes');
    return { status, responseType: null, basic: null };
  }
  if (!isContext(bytesNode, 0)) throw new DerError('expected responseBytes [0]');
  // §4.2.1: "responseBytes ... if the value of responseStatus is one of the error conditions, responseBytes are not set".
  if (status !== 'successful') throw new DerError(`responseBytes with responseStatus ${status}`);
  const [typeNode, octets, ...more] = expectSequence(
    explicit(bytesNode, 'responseBytes'),
    'ResponseBytes',
  ).children;
  if (more.length > 0) throw new DerError('malformed ResponseBytes');
  const responseType = readOid(der, typeNode);
  const inner = contentBytes(der, expectUniversal(octets, UniversalTag.octetString, 'response'));
  if (responseType !== OCSP_OID.basic) return { status, responseType, basic: null };
  return { status, responseType, basic: readBasic(inner) };
}

// BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData, signatureAlgorithm AlgorithmIdentifier,
//   signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
// ResponseData ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, responderID ResponderID,
//   producedAt GeneralizedTime, responses SEQUENCE OF SingleResponse,
//   responseExtensions [1] EXPLICIT Extensions OPTIONAL }
function readBasic(bytes: Uint8Array): BasicOcspResponse {
  const root = expectSequence(parseDer(bytes, DER_LIMITS), 'BasicOCSPResponse');
  const [tbsNode, algNode, sigNode, certsNode, ...rest] = root.children;
  if (rest.length > 0) throw new DerError('unexpected fields after certs');
  const tbs = expectSequence(tbsNode, 'ResponseData');
  const fields = [...tbs.children];
  if (isContext(fields[0], 0)) {
    // DER leaves the default out; a v1 written out is still v1, any other version is unknown.
    const version = readSmallInteger(bytes, explicit(fields.shift()!, 'version'));
    if (version !== 0) throw new DerError(`ResponseData version ${version + 1} is not defined`);
  }
  const [idNode, producedNode, responsesNode, extensionsNode, ...extra] = fields;
  if (extra.length > 0) throw new DerError('unexpected fields in ResponseData');
  const responderId = readResponderId(bytes, idNode);
  const producedAt = generalizedTime(bytes, producedNode, 'producedAt');
  const list = expectSequence(responsesNode, 'responses').children;
  if (list.length === 0 || list.length > OCSP_LIMITS.responses)
    throw new DerError(`${list.length} SingleResponses`);
  const responses = list.map((node) => readSingleResponse(bytes, node));
  let nonce: Uint8Array | null = null;
  const unprocessedCritical: string[] = [];
  if (extensionsNode !== undefined) {
    if (!isContext(extensionsNode, 1)) throw new DerError('unexpected field after responses');
    for (const extension of readExtensions(bytes, extensionsNode, 'responseExtensions')) {
      if (extension.id === OCSP_OID.nonce) nonce = readNonce(extension.value);
      else if (extension.critical) unprocessedCritical.push(extension.id);
    }
  }
  const signatureAlgorithm = readAlgorithm(bytes, algNode, 'signatureAlgorithm');
  const bits = contentBytes(bytes, expectUniversal(sigNode, UniversalTag.bitString, 'signature'));
  if (bits.length < 2 || bits[0] !== 0)
    throw new DerError('signature BIT STRING is empty or has unused bits');
  const certificates: Uint8Array[] = [];
  if (certsNode !== undefined) {
    if (!isContext(certsNode, 0)) throw new DerError('unexpected field after the signature');
    const certs = expectSequence(explicit(certsNode, 'certs'), 'certs').children;
    if (certs.length > OCSP_LIMITS.certificates) throw new DerError(`${certs.length} certificates`);
    for (const cert of certs) certificates.push(elementBytes(bytes, expectSequence(cert, 'Certificate')));
  }
  return {
    tbsBytes: elementBytes(bytes, tbs),
    signatureAlgorithm,
    signature: bits.subarray(1),
    certificates,
    responderId,
    producedAt,
    responses,
    nonce,
    unprocessedCritical,
  };
}

/** ResponderID ::= CHOICE { byName [1] Name, byKey [2] KeyHash } (the module's tags are EXPLICIT). */
function readResponderId(bytes: Uint8Array, node: DerNode | undefined): ResponderId {
  if (isContext(node, 1))
    return { byName: elementBytes(bytes, expectSequence(explicit(node, 'byName'), 'Name')) };
  if (isContext(node, 2)) {
    const hash = contentBytes(
      bytes,
      expectUniversal(explicit(node, 'byKey'), UniversalTag.octetString, 'KeyHash'),
    );
    if (hash.length !== 20) throw new DerError('byKey is not a SHA-1 hash');
    return { byKey: hash };
  }
  throw new DerError('expected a ResponderID');
}

/** The nonce's extnValue is the DER of an OCTET STRING (§4.4.1, RFC 8954 §2.1). */
function readNonce(value: Uint8Array): Uint8Array {
  const node = expectUniversal(parseDer(value, DER_LIMITS), UniversalTag.octetString, 'Nonce');
  const nonce = contentBytes(value, node);
  if (nonce.length === 0 || nonce.length > OCSP_LIMITS.nonceBytes)
    throw new DerError(`a nonce of ${nonce.length} octets`);
  return nonce;
}

// SingleResponse ::= SEQUENCE { certID CertID, certStatus CertStatus, thisUpdate GeneralizedTime,
//   nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL, singleExtensions [1] EXPLICIT Extensions OPTIONAL }
// CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT UnknownInfo }
// RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
function readSingleResponse(bytes: Uint8Array, node: DerNode): SingleResponse {
  const [idNode, statusNode, thisNode, ...optional] = expectSequence(node, 'SingleResponse').children;
  const certId = readCertId(bytes, idNode);
  if (statusNode === undefined || statusNode.tagClass !== TagClass.context)
    throw new DerError('expected a CertStatus');
  let status: OcspCertStatus;
  let revokedAt: Date | null = null;
  let reason: RevocationReason | null = null;
  if (statusNode.tagNumber === 0 || statusNode.tagNumber === 2) {
    // NULL, and UnknownInfo ::= NULL, implicitly tagged: primitive and empty.
    if (statusNode.constructed || statusNode.contentEnd !== statusNode.contentStart)
      throw new DerError('malformed CertStatus');
    status = statusNode.tagNumber === 0 ? 'good' : 'unknown';
  } else if (statusNode.tagNumber === 1 && statusNode.constructed) {
    status = 'revoked';
    const [timeNode, reasonNode, ...rest] = statusNode.children;
    if (rest.length > 0) throw new DerError('malformed RevokedInfo');
    revokedAt = generalizedTime(bytes, timeNode, 'revocationTime');
    if (reasonNode !== undefined) {
      if (!isContext(reasonNode, 0)) throw new DerError('malformed revocationReason');
      const code = enumerated(bytes, explicit(reasonNode, 'revocationReason'), 'CRLReason');
      reason = REASONS[code] ?? null;
      if (reason === null) throw new DerError(`CRLReason ${code} is not defined`);
    }
  } else {
    throw new DerError('malformed CertStatus');
  }
  const thisUpdate = generalizedTime(bytes, thisNode, 'thisUpdate');
  let nextUpdate: Date | null = null;
  const unprocessedCritical: string[] = [];
  let index = 0;
  if (isContext(optional[index], 0)) {
    nextUpdate = generalizedTime(bytes, explicit(optional[index]!, 'nextUpdate'), 'nextUpdate');
    index++;
  }
  if (isContext(optional[index], 1)) {
    for (const extension of readExtensions(bytes, optional[index]!, 'singleExtensions'))
      if (extension.critical) unprocessedCritical.push(extension.id);
    index++;
  }
  if (index !== optional.length) throw new DerError('unexpected fields in SingleResponse');
  return { certId, status, revokedAt, reason, thisUpdate, nextUpdate, unprocessedCritical };
}

function readCertId(bytes: Uint8Array, node: DerNode | undefined): OcspCertId {
  const [algNode, nameNode, keyNode, serialNode, ...rest] = expectSequence(node, 'CertID').children;
  if (rest.length > 0) throw new DerError('malformed CertID');
  const algorithm = readAlgorithm(bytes, algNode, 'hashAlgorithm');
  if (!absentOrNull(algorithm)) throw new DerError('CertID hashAlgorithm parameters must be absent or NULL');
  const hashOf = (n: DerNode | undefined, what: string): Uint8Array => {
    const value = contentBytes(bytes, expectUniversal(n, UniversalTag.octetString, what));
    if (value.length === 0 || value.length > 64) throw new DerError(`bad ${what}`);
    return value;
  };
  return {
    hashAlgorithm: algorithm.oid,
    issuerNameHash: hashOf(nameNode, 'issuerNameHash'),
    issuerKeyHash: hashOf(keyNode, 'issuerKeyHash'),
    serial: readIntegerHex(bytes, serialNode),
  };
}

// ---- Judging ----

export interface OcspJudgeOptions {
  /** The certificate the response must speak for. */
  readonly certificate: Certificate;
  /** Its issuer (already established by path building): the responder is it, or one it authorised. */
  readonly issuer: Certificate;
  /** The time the response must be current at. */
  readonly at: Date;
  /** The nonce sent in the request, when one was: the response must echo it. */
  readonly nonce?: Uint8Array | null | undefined;
  /** How long after thisUpdate a response without nextUpdate is current. Default 7 days. */
  readonly maxAgeMs?: number | undefined;
  /**
   * Responders trusted by local configuration (RFC 6960 §4.2.2.2, the first case): one of these
   * may answer for any issuer, carried in the response or not, while it is valid at `at`.
   */
  readonly trustedResponders?: readonly Certificate[] | undefined;
}

export interface OcspVerdict {
  /** Whether the response is usable: authentic, about this certificate, current. */
  readonly valid: boolean;
  /** What the response says of the certificate; null unless {@link valid}. */
  readonly status: OcspCertStatus | null;
  readonly revokedAt: Date | null;
  readonly reason: RevocationReason | null;
  /** The matching entry's times, once it is found (whether or not the response is valid). */
  readonly thisUpdate: Date | null;
  readonly nextUpdate: Date | null;
  readonly producedAt: Date | null;
  /** The subject of the certificate whose key signed the response, once identified. */
  readonly responder: string | null;
  /** Whether the response has an entry for the certificate (false: it speaks of others only). */
  readonly matched: boolean;
  /** Why the response is not usable (English, technical), or null. */
  readonly problem: string | null;
  /** What was accepted that a stricter reader might refuse (SHA-1 in the CertID or the signature…). */
  readonly notes: readonly string[];
}

interface SignatureAlgorithm {
  readonly name: string;
  readonly key: 'rsa' | 'ec';
}

/** The response signature algorithms accepted: PKCS #1 v1.5 and ECDSA with SHA-2, and sha1WithRSAEncryption. */
function signatureAlgorithm(algorithm: OcspAlgorithm): SignatureAlgorithm | string {
  const rsa = RSA_SIGNATURE_DIGEST_BY_OID.get(algorithm.oid);
  if (rsa !== undefined || algorithm.oid === OID.sha1WithRSAEncryption) {
    if (!absentOrNull(algorithm))
      return `signature algorithm ${algorithm.oid} with parameters other than NULL`;
    return { name: `${rsa ?? 'sha1'}WithRSAEncryption`, key: 'rsa' };
  }
  const ecdsa = ECDSA_SIGNATURE_DIGEST_BY_OID.get(algorithm.oid);
  if (ecdsa !== undefined) {
    // RFC 5758 §3.2: the parameters field is omitted.
    if (algorithm.parameters !== null) return `signature algorithm ${algorithm.oid} with parameters`;
    return { name: `ecdsa-with-${ecdsa.toUpperCase()}`, key: 'ec' };
  }
  if (algorithm.oid === OCSP_OID.md5WithRSAEncryption)
    return 'signed with MD5 (md5WithRSAEncryption), not accepted';
  if (algorithm.oid === OCSP_OID.ecdsaWithSha1) return 'signed with ecdsa-with-SHA1, not accepted';
  return `signature algorithm ${algorithm.oid} is not accepted`;
}

function verifySignature(basic: BasicOcspResponse, key: Certificate): boolean {
  const algorithm = basic.signatureAlgorithm;
  if (algorithm.oid !== OID.sha1WithRSAEncryption)
    return verifyIssuerSignature(
      { oid: algorithm.oid, parametersAbsent: algorithm.parameters === null },
      basic.tbsBytes,
      key,
      basic.signature,
    );
  // rsa.ts takes SHA-2 only; SHA-1 is accepted here alone, so it is verified here alone.
  const { type, modulusBytes } = keyFacts(key.publicKey);
  if (key.keyAlgorithm !== 'rsa' || type !== 'rsa' || basic.signature.length !== modulusBytes) return false;
  try {
    return cryptoVerify('sha1', basic.tbsBytes, key.publicKey, basic.signature);
  } catch {
    return false;
  }
}

function responderIdMatches(id: ResponderId, cert: Certificate): boolean {
  if ('byName' in id) return bytesEqual(id.byName, cert.subjectName);
  return bytesEqual(id.byKey, digest('sha1', subjectPublicKey(cert)));
}

function issuedBy(cert: Certificate, issuer: Certificate): boolean {
  return (
    bytesEqual(cert.issuerName, issuer.subjectName) &&
    verifyIssuerSignature(cert.signatureAlgorithm, cert.tbs, issuer, cert.signature)
  );
}

/** Why `candidate` may not answer for `issuer`'s certificates at `at` (RFC 6960 §4.2.2.2), or null. */
function delegationProblem(candidate: Certificate, issuer: Certificate, at: Date): string | null {
  const who = `the responder certificate ${candidate.subjectText}`;
  if (!issuedBy(candidate, issuer))
    return `${who} was not issued by the certificate's issuer ${issuer.subjectText}`;
  if (!(candidate.extKeyUsage ?? []).includes(OCSP_OID.ocspSigning))
    return `${who} lacks extendedKeyUsage id-kp-OCSPSigning`;
  if (
    candidate.keyUsage !== null &&
    !candidate.keyUsage.digitalSignature &&
    !candidate.keyUsage.nonRepudiation
  )
    return `${who} has a keyUsage that does not allow signing responses`;
  if (candidate.unknownCriticalExtensions.length > 0)
    return `${who} has critical extensions not processed (${candidate.unknownCriticalExtensions.join(', ')})`;
  return validityProblem(candidate, at);
}

/** Why a responder's certificate may not answer at `at` for want of validity, or null. */
function validityProblem(candidate: Certificate, at: Date): string | null {
  if (at < candidate.notBefore || at > candidate.notAfter)
    return `the responder certificate ${candidate.subjectText} is not valid at ${at.toISOString()} (valid ${candidate.notBefore.toISOString()} to ${candidate.notAfter.toISOString()})`;
  return null;
}

const HASH_NAMES: ReadonlyMap<string, string> = new Map([[OCSP_OID.md5, 'MD5']]);

/**
 * Judges an OCSP response for `certificate` at `at` (see the file comment). Throws InputRejected
 * `MALFORMED_INPUT` only when `der` is not an OCSPResponse; every other refusal is a verdict.
 */
export function judgeOcspResponse(der: Uint8Array, options: OcspJudgeOptions): OcspVerdict {
  const response = parseOcspResponse(der);
  const { certificate, issuer, at } = options;
  const notes: string[] = [];
  let thisUpdate: Date | null = null;
  let nextUpdate: Date | null = null;
  let producedAt: Date | null = null;
  let responder: string | null = null;
  let matched = false;
  const refuse = (problem: string): OcspVerdict => ({
    valid: false,
    status: null,
    revokedAt: null,
    reason: null,
    thisUpdate,
    nextUpdate,
    producedAt,
    responder,
    matched,
    problem,
    notes,
  });

  if (response.status !== 'successful') return refuse(`the responder answered ${response.status}`);
  const basic = response.basic;
  if (basic === null) return refuse(`the response is of type ${response.responseType}, not basic`);
  producedAt = basic.producedAt;
  if (!issuedBy(certificate, issuer))
    return refuse(`the issuer given (${issuer.subjectText}) did not issue ${certificate.subjectText}`);

  // The entry for this certificate, by its CertID computed with the hash each entry uses.
  const ours = new Map<OcspHash, RequestCertId>();
  const refusedHashes = new Set<string>();
  const matches = basic.responses.filter((entry) => {
    const hash = HASH_BY_OID.get(entry.certId.hashAlgorithm);
    if (hash === undefined) {
      refusedHashes.add(HASH_NAMES.get(entry.certId.hashAlgorithm) ?? entry.certId.hashAlgorithm);
      return false;
    }
    let id = ours.get(hash);
    if (id === undefined) ours.set(hash, (id = ocspCertId(certificate, issuer, hash)));
    return (
      bytesEqual(entry.certId.issuerNameHash, id.issuerNameHash) &&
      bytesEqual(entry.certId.issuerKeyHash, id.issuerKeyHash) &&
      entry.certId.serial === id.serial
    );
  });
  if (matches.length === 0) {
    const about = basic.responses.map((entry) => `serial ${entry.certId.serial}`).join(', ');
    const hashes =
      refusedHashes.size > 0 ? `; CertIDs hashed with ${[...refusedHashes].join(', ')} are not accepted` : '';
    return refuse(
      `the response is about another certificate (${about}), not ${certificate.subjectText} (serial ${certificate.serial}) issued by ${issuer.subjectText}${hashes}`,
    );
  }
  if (matches.length > 1) return refuse(`the response has ${matches.length} entries for the certificate`);
  const entry = matches[0]!;
  matched = true;
  thisUpdate = entry.thisUpdate;
  nextUpdate = entry.nextUpdate;
  if (entry.certId.hashAlgorithm === OID.sha1) notes.push('SHA-1 CertID');

  // The signature, by the issuer or by a responder it authorised (§4.2.2.2), named by the responder id.
  const algorithm = signatureAlgorithm(basic.signatureAlgorithm);
  if (typeof algorithm === 'string') return refuse(algorithm);
  if (basic.signatureAlgorithm.oid === OID.sha1WithRSAEncryption)
    notes.push('signed with SHA-1 (sha1WithRSAEncryption)');
  const trusted = options.trustedResponders ?? [];
  const candidates: { cert: Certificate; delegated: boolean }[] = [
    { cert: issuer, delegated: false },
    ...trusted.map((cert) => ({ cert, delegated: true })),
  ];
  for (const carried of basic.certificates) {
    try {
      candidates.push({ cert: parseCertificate(carried), delegated: true });
    } catch (error) {
      if (!isInputRejected(error)) throw error;
      notes.push(`a certificate in the response was ignored: ${error.message}`);
    }
  }
  const named = candidates.filter(({ cert }) => responderIdMatches(basic.responderId, cert));
  if (named.length === 0) {
    const id = 'byName' in basic.responderId ? 'by name' : 'by key hash';
    return refuse(`the responder id (${id}) names neither the issuer nor a certificate in the response`);
  }
  let signer: Certificate | null = null;
  let problem: string | null = null;
  for (const { cert, delegated } of named) {
    const unauthorised =
      !delegated || bytesEqual(cert.der, issuer.der)
        ? null
        : trusted.some((responder) => bytesEqual(responder.der, cert.der))
          ? validityProblem(cert, at)
          : delegationProblem(cert, issuer, at);
    if (unauthorised !== null) {
      problem ??= unauthorised;
      continue;
    }
    if (cert.keyAlgorithm !== algorithm.key || !verifySignature(basic, cert)) {
      problem = `the signature (${algorithm.name}) does not verify with the key of ${cert.subjectText}`;
      continue;
    }
    signer = cert;
    break;
  }
  if (signer === null) return refuse(problem!);
  responder = signer.subjectText;

  const critical = [...basic.unprocessedCritical, ...entry.unprocessedCritical];
  if (critical.length > 0) return refuse(`critical extensions not processed: ${critical.join(', ')}`);

  // Current at `at`.
  const skewed = at.getTime() + OCSP_CLOCK_SKEW_MS;
  if (entry.thisUpdate.getTime() > skewed)
    return refuse(`thisUpdate ${entry.thisUpdate.toISOString()} is after ${at.toISOString()}`);
  if (basic.producedAt.getTime() > skewed)
    return refuse(`producedAt ${basic.producedAt.toISOString()} is after ${at.toISOString()}`);
  if (entry.nextUpdate !== null) {
    if (entry.nextUpdate < entry.thisUpdate) return refuse('nextUpdate is before thisUpdate');
    if (at > entry.nextUpdate)
      return refuse(`stale: nextUpdate ${entry.nextUpdate.toISOString()} is before ${at.toISOString()}`);
  } else {
    const maxAgeMs = options.maxAgeMs ?? OCSP_DEFAULT_MAX_AGE_MS;
    if (at.getTime() > entry.thisUpdate.getTime() + maxAgeMs)
      return refuse(
        `stale: no nextUpdate, and thisUpdate ${entry.thisUpdate.toISOString()} is more than ${maxAgeMs / 1000} s before ${at.toISOString()}`,
      );
    notes.push('no nextUpdate');
  }

  if (options.nonce != null) {
    if (basic.nonce === null) return refuse('the response does not echo the nonce asked');
    if (!bytesEqual(basic.nonce, options.nonce))
      return refuse('the response echoes another nonce than the one asked');
  }

  return {
    valid: true,
    status: entry.status,
    revokedAt: entry.revokedAt,
    reason: entry.reason,
    thisUpdate,
    nextUpdate,
    producedAt,
    responder,
    matched,
    problem: null,
    notes,
  };
}
