/**
 * CMS SignedData (RFC 5652), read for verification of one detached signer.
 *
 * node-forge can parse PKCS #7 but cannot verify it, and its tree loses the exact bytes of the
 * signed attributes; this reads the structure on the DER with offsets and leaves the cryptography
 * to the verifier.
 */
import {
  type DerNode,
  DerError,
  contentBytes,
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
  UniversalTag,
} from './der';
import type { KeyAlgorithm } from './certificate';
import { isInputRejected, malformed, unsupported } from './failure';
import {
  DIGEST_BY_OID,
  ECDSA_SIGNATURE_DIGEST_BY_OID,
  OID,
  RSA_SIGNATURE_DIGEST_BY_OID,
  type DigestName,
} from './oids';

export type SignerIdentifier =
  { readonly issuerName: Uint8Array; readonly serial: string } | { readonly subjectKeyId: string };

export interface SignedAttributes {
  /** The DER the signature covers: the attributes re-tagged as `SET OF` (RFC 5652 §5.4). */
  readonly signedBytes: Uint8Array;
  readonly contentType: string;
  readonly messageDigest: Uint8Array;
  readonly signingTime: Date | null;
  /**
   * Each attribute's first value as DER, by type (signing-certificate-v2, say). With
   * `lenientSigningTime`, a signingTime that is not a valid time is left out of `signingTime` and
   * named in `unreadableSigningTime` (some PSCs write a UTCTime with fractional seconds).
   */
  readonly values: ReadonlyMap<string, Uint8Array>;
  readonly unreadableSigningTime: string | null;
}

export interface ParseCmsOptions {
  /** Tolerate a signingTime that is not a valid RFC 5280 time (time-stamp tokens: see src/timestamps/). */
  readonly lenientSigningTime?: boolean;
}

export interface CmsSignedData {
  readonly contentType: string;
  /** Encapsulated content when the signature is attached, null when detached. */
  readonly content: Uint8Array | null;
  readonly certificates: readonly Uint8Array[];
  readonly signer: {
    readonly sid: SignerIdentifier;
    readonly digest: DigestName;
    /** The kind of key the signatureAlgorithm is for: RSA (PKCS #1 v1.5) or EC (ECDSA). */
    readonly keyAlgorithm: KeyAlgorithm;
    readonly signedAttributes: SignedAttributes | null;
    readonly signature: Uint8Array;
    /** Unsigned attributes: each type's values as DER (signature-time-stamp, say). */
    readonly unsignedAttributes: ReadonlyMap<string, readonly Uint8Array[]>;
  };
}

/** `OBJECT IDENTIFIER 1.2.840.113549.1.7.2` (id-signedData), as encoded. */
const SIGNED_DATA_OID_DER = Buffer.from('06092a864886f70d010702', 'hex');

/**
 * True when the bytes start like a ContentInfo carrying SignedData. Only the header is read, so
 * that detecting the format does not parse the whole input a second time; never throws.
 */
export function looksLikeCms(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0x30 || bytes.length < 2) return false;
  const lengthOctet = bytes[1]!;
  const headerLength = lengthOctet < 0x80 ? 2 : 2 + (lengthOctet & 0x7f);
  const oid = bytes.subarray(headerLength, headerLength + SIGNED_DATA_OID_DER.length);
  return Buffer.compare(oid, SIGNED_DATA_OID_DER) === 0;
}

/** @throws InputRejected (`MALFORMED_INPUT` or `UNSUPPORTED_ALGORITHM`) */
export function parseCms(bytes: Uint8Array, options: ParseCmsOptions = {}): CmsSignedData {
  try {
    return parseSignedData(bytes, options);
  } catch (error) {
    if (isInputRejected(error)) throw error;
    // Everything here reads untrusted bytes: any failure means they are not a usable SignedData.
    const reason = error instanceof DerError ? error.message : String(error);
    throw malformed(`not a CMS SignedData (${reason})`);
  }
}

function parseSignedData(bytes: Uint8Array, options: ParseCmsOptions): CmsSignedData {
  // ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }
  const contentInfo = expectSequence(parseDer(bytes), 'ContentInfo');
  if (readOid(bytes, contentInfo.children[0]) !== OID.signedData) {
    throw malformed('the CMS content is not SignedData');
  }
  const explicit = contentInfo.children[1];
  if (!isContext(explicit, 0)) throw malformed('ContentInfo has no content');
  // SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo,
  //   certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos SET }
  const signedData = expectSequence(explicit.children[0], 'SignedData');
  const parts = signedData.children;
  const encap = expectSequence(parts[2], 'EncapsulatedContentInfo');
  const contentType = readOid(bytes, encap.children[0]);
  const content = readEncapsulatedContent(bytes, encap.children[1]);

  let index = 3;
  const certificates: Uint8Array[] = [];
  if (isContext(parts[index], 0)) {
    for (const choice of parts[index]!.children) {
      // CertificateChoices: only plain certificates (a SEQUENCE) take part in path building.
      if (isUniversal(choice, UniversalTag.sequence)) certificates.push(elementBytes(bytes, choice));
    }
    index++;
  }
  if (isContext(parts[index], 1)) index++;
  const signerInfos = expectUniversal(parts[index], UniversalTag.set, 'SignerInfos');
  if (index !== parts.length - 1) throw malformed('unexpected fields after SignerInfos');
  if (signerInfos.children.length !== 1) {
    throw malformed(`expected exactly one SignerInfo, found ${signerInfos.children.length}`);
  }
  const signer = parseSignerInfo(bytes, signerInfos.children[0]!, contentType, options);
  return { contentType, content, certificates, signer };
}

function readEncapsulatedContent(bytes: Uint8Array, node: DerNode | undefined): Uint8Array | null {
  if (node === undefined) return null;
  if (!isContext(node, 0)) throw malformed('bad eContent');
  const octets = node.children[0];
  if (octets === undefined || !isUniversal(octets, UniversalTag.octetString)) {
    throw malformed('bad eContent');
  }
  if (octets.constructed) {
    // BER constructed OCTET STRING: the content is the concatenation of its segments.
    return Buffer.concat(octets.children.map((segment) => contentBytes(bytes, segment)));
  }
  return contentBytes(bytes, octets);
}

// SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, signedAttrs [0] IMPLICIT OPTIONAL,
//   signatureAlgorithm, signature OCTET STRING, unsignedAttrs [1] IMPLICIT OPTIONAL }
function parseSignerInfo(
  bytes: Uint8Array,
  node: DerNode,
  contentType: string,
  options: ParseCmsOptions,
): CmsSignedData['signer'] {
  const fields = expectSequence(node, 'SignerInfo').children;
  const sid = readSignerIdentifier(bytes, fields[1]);
  // RFC 5652 §5.3: version 1 with issuerAndSerialNumber, 3 with subjectKeyIdentifier.
  const version = readSmallInteger(bytes, fields[0]);
  if (version !== ('subjectKeyId' in sid ? 3 : 1))
    throw malformed(`SignerInfo version ${version} disagrees with its sid`);
  const digestOid = readAlgorithm(bytes, fields[2], 'digestAlgorithm', (oid) => {
    if (!DIGEST_BY_OID.has(oid)) throw unsupported(`digest algorithm ${digestName(oid)} is not accepted`);
    return 'absent-or-null';
  });
  const digest = DIGEST_BY_OID.get(digestOid)!;

  let index = 3;
  let signedAttributes: SignedAttributes | null = null;
  if (isContext(fields[index], 0)) {
    signedAttributes = readSignedAttributes(bytes, fields[index]!, contentType, options);
    index++;
  }
  let keyAlgorithm: KeyAlgorithm = 'rsa';
  readAlgorithm(bytes, fields[index], 'signatureAlgorithm', (oid) => {
    // The key's algorithm alone, the digest then being digestAlgorithm's: rsaEncryption (RFC 3370
    // §3.2), and id-ecPublicKey as some writers put it for ECDSA.
    if (oid === OID.rsaEncryption) return 'absent-or-null';
    if (oid === OID.ecPublicKey) {
      keyAlgorithm = 'ec';
      return 'absent-or-null';
    }
    const rsaDigest = RSA_SIGNATURE_DIGEST_BY_OID.get(oid);
    const ecdsaDigest = ECDSA_SIGNATURE_DIGEST_BY_OID.get(oid);
    const impliedDigest = rsaDigest ?? ecdsaDigest;
    if (impliedDigest === undefined)
      throw unsupported(`signature algorithm ${oid} is not RSA PKCS #1 v1.5 or ECDSA with SHA-2`);
    if (impliedDigest !== digest)
      throw unsupported(`signature algorithm ${oid} disagrees with digest ${digest}`);
    if (ecdsaDigest === undefined) return 'absent-or-null';
    keyAlgorithm = 'ec';
    return 'absent'; // RFC 5758 §3.2
  });
  const signature = contentBytes(
    bytes,
    expectUniversal(fields[index + 1], UniversalTag.octetString, 'signature'),
  );
  const unsignedAttributes = new Map<string, Uint8Array[]>();
  const unsigned = fields[index + 2];
  if (unsigned !== undefined) {
    if (!isContext(unsigned, 1)) throw malformed('unexpected field after the signature');
    for (const attribute of unsigned.children) {
      const [typeNode, setNode] = expectSequence(attribute, 'Attribute').children;
      const type = readOid(bytes, typeNode);
      const set = expectUniversal(setNode, UniversalTag.set, 'attrValues');
      if (unsignedAttributes.has(type)) throw malformed(`unsigned attribute ${type} appears twice`);
      unsignedAttributes.set(
        type,
        set.children.map((value) => elementBytes(bytes, value)),
      );
    }
  }
  if (fields.length > index + 3) throw malformed('unexpected fields after unsignedAttrs');
  return { sid, digest, keyAlgorithm, signedAttributes, signature, unsignedAttributes };
}

/** What an AlgorithmIdentifier's parameters may be: absent, or absent or NULL. */
type ParameterRule = 'absent' | 'absent-or-null';

/**
 * An AlgorithmIdentifier's OID, after `accept` has judged it and said what its parameters may be.
 * These fields are outside what the signature covers, so they are held to the one form their RFCs
 * allow: absent or NULL for SHA-2 and RSA (RFC 3370 §2–3), absent for ECDSA (RFC 5758 §3.2).
 */
function readAlgorithm(
  bytes: Uint8Array,
  node: DerNode | undefined,
  what: string,
  accept: (oid: string) => ParameterRule,
): string {
  const [oidNode, parameters, ...rest] = expectSequence(node, what).children;
  const oid = readOid(bytes, oidNode);
  const rule = accept(oid);
  const isNull =
    parameters !== undefined &&
    isUniversal(parameters, UniversalTag.null) &&
    !parameters.constructed &&
    parameters.contentEnd === parameters.contentStart;
  if (rule === 'absent' && (parameters !== undefined || rest.length > 0))
    throw malformed(`${what} parameters must be absent (RFC 5758 §3.2)`);
  if ((parameters !== undefined && !isNull) || rest.length > 0)
    throw malformed(`${what} parameters must be absent or NULL`);
  return oid;
}

function digestName(oid: string): string {
  return oid === OID.sha1 ? 'SHA-1' : oid;
}

function readSignerIdentifier(bytes: Uint8Array, node: DerNode | undefined): SignerIdentifier {
  if (isContext(node, 0)) {
    return { subjectKeyId: Buffer.from(contentBytes(bytes, node)).toString('hex') };
  }
  // IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber CertificateSerialNumber }
  const sid = expectSequence(node, 'IssuerAndSerialNumber');
  return {
    issuerName: elementBytes(bytes, expectSequence(sid.children[0], 'issuer Name')),
    serial: readIntegerHex(bytes, sid.children[1]),
  };
}

function readSignedAttributes(
  bytes: Uint8Array,
  node: DerNode,
  contentType: string,
  options: ParseCmsOptions,
): SignedAttributes {
  const values = new Map<string, DerNode>();
  for (const attribute of node.children) {
    // Attribute ::= SEQUENCE { attrType OID, attrValues SET OF AttributeValue }
    const [typeNode, setNode] = expectSequence(attribute, 'Attribute').children;
    const type = readOid(bytes, typeNode);
    const set = expectUniversal(setNode, UniversalTag.set, 'attrValues');
    if (values.has(type)) throw malformed(`signed attribute ${type} appears twice`);
    if (type === OID.contentType || type === OID.messageDigest || type === OID.signingTime) {
      // RFC 5652 §11: these attributes have exactly one value.
      if (set.children.length !== 1) throw malformed(`signed attribute ${type} must have one value`);
    }
    values.set(type, set.children[0]!);
  }
  const typeNode = values.get(OID.contentType);
  const digestNode = values.get(OID.messageDigest);
  // RFC 5652 §5.3: with signedAttrs present, content-type and message-digest are mandatory.
  if (typeNode === undefined || digestNode === undefined) {
    throw malformed('signed attributes lack content-type or message-digest');
  }
  const signedContentType = readOid(bytes, typeNode);
  if (signedContentType !== contentType)
    throw malformed('content-type attribute disagrees with eContentType');
  const signingTimeNode = values.get(OID.signingTime);
  let signingTime: Date | null = null;
  let unreadableSigningTime: string | null = null;
  if (signingTimeNode !== undefined) {
    try {
      signingTime = readTime(bytes, signingTimeNode);
    } catch (error) {
      if (!options.lenientSigningTime || !(error instanceof DerError)) throw error;
      unreadableSigningTime = Buffer.from(contentBytes(bytes, signingTimeNode))
        .toString('latin1')
        .slice(0, 40);
    }
  }

  const signedBytes = Uint8Array.from(elementBytes(bytes, node));
  signedBytes[0] = 0x31; // [0] IMPLICIT → universal constructed SET (RFC 5652 §5.4)
  return {
    signedBytes,
    contentType: signedContentType,
    messageDigest: contentBytes(
      bytes,
      expectUniversal(digestNode, UniversalTag.octetString, 'messageDigest'),
    ),
    signingTime,
    values: new Map([...values].map(([type, value]) => [type, elementBytes(bytes, value)])),
    unreadableSigningTime,
  };
}
