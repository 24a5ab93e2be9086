/**
 * The CMS (RFC 5652) of a PAdES baseline-B signature whose RSA operation happens in the signer's
 * browser, in two steps:
 *
 * 1. {@link buildSignedAttributes}: the DER `SET OF Attribute` the signer signs ("toBeSigned");
 * 2. {@link buildSignedData}: once the RSA PKCS #1 v1.5 signature over those bytes is back, the
 *    detached ContentInfo(SignedData) that goes into the PDF's /Contents.
 *
 * PAdES baseline B (ETSI EN 319 142-1 §6.3) asks for content-type, message-digest and
 * signing-certificate-v2, and forbids the signing-time attribute: the claimed time is the
 * signature dictionary's /M.
 *
 * Built with node-forge's ASN.1 module, not `forge.pkcs7`: that one signs only with a key it
 * holds, knows no signing-certificate-v2 and does not sort the attributes. Whatever must be exact
 * (the certificates, the issuer Name, the signed attributes) is re-emitted from the input DER, and
 * each forge round trip is checked to give back the very same bytes.
 */
import { createHash } from 'node:crypto';
import forge from 'node-forge';
import {
  contentBytes,
  expectSequence,
  expectUniversal,
  parseDer,
  readOid,
  UniversalTag,
  type DerNode,
} from '../signatures/der';
import { OID } from '../signatures/oids';

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

/** id-aa-signingCertificateV2 (RFC 5035 §3). */
const SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';

const binary = (bytes: Uint8Array): string => Buffer.from(bytes).toString('binary');
const der = (node: Asn1): Buffer => Buffer.from(asn1.toDer(node).getBytes(), 'binary');
const universal = (type: number, constructed: boolean, value: string | Asn1[]): Asn1 =>
  asn1.create(asn1.Class.UNIVERSAL, type, constructed, value);
const sequence = (...items: Asn1[]): Asn1 => universal(asn1.Type.SEQUENCE, true, items);
const set = (...items: Asn1[]): Asn1 => universal(asn1.Type.SET, true, items);
const oid = (dotted: string): Asn1 => universal(asn1.Type.OID, false, asn1.oidToDer(dotted).getBytes());
const octets = (bytes: Uint8Array): Asn1 => universal(asn1.Type.OCTETSTRING, false, binary(bytes));
const integer = (n: number): Asn1 => universal(asn1.Type.INTEGER, false, asn1.integerToDer(n).getBytes());

/** Parses DER that forge must re-encode to the same bytes (so it can be re-emitted verbatim). */
function parseVerbatim(bytes: Uint8Array, what: string): Asn1 {
  // @types/node-forge types the second argument as `strict?: boolean`; forge 1.x takes options.
  // decodeBitStrings: false keeps BIT STRINGs (keys, signatures) as the bytes they are.
  const options = { strict: true, decodeBitStrings: false } as unknown as boolean;
  const node = asn1.fromDer(binary(bytes), options);
  if (!der(node).equals(Buffer.from(bytes)))
    throw new Error(`${what} is not DER: it cannot be copied verbatim`);
  return node;
}

/** X.690 §11.6: the components of a DER SET OF are sorted by their encodings. */
function derSetOf(items: readonly Asn1[]): Buffer {
  return der(set(...[...items].sort((a, b) => Buffer.compare(der(a), der(b)))));
}

/**
 * The signed attributes as a DER `SET OF Attribute` (tag 0x31): the bytes the signer signs with
 * RSA PKCS #1 v1.5 / SHA-256 (RFC 5652 §5.4). In the SignerInfo the same bytes appear re-tagged
 * `[0] IMPLICIT`.
 *
 * @param messageDigest SHA-256 of the PDF's ByteRange
 * @param certificate the signer's certificate (DER), named by signing-certificate-v2
 */
export function buildSignedAttributes(messageDigest: Uint8Array, certificate: Uint8Array): Buffer {
  if (messageDigest.length !== 32) throw new Error('the message digest must be a SHA-256 digest');
  const certHash = createHash('sha256').update(certificate).digest();
  return derSetOf([
    // RFC 5652 §11.1: the content is id-data (the PDF bytes, detached).
    sequence(oid(OID.contentType), set(oid(OID.data))),
    sequence(oid(OID.messageDigest), set(octets(messageDigest))),
    // RFC 5035 §3: SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }, and
    // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT id-sha256, certHash, issuerSerial OPTIONAL }.
    // hashAlgorithm is omitted because it is the default (DER); issuerSerial as ETSI EN 319 122-1
    // §5.2.2.3 recommends.
    sequence(oid(SIGNING_CERTIFICATE_V2), set(sequence(sequence(sequence(octets(certHash)))))),
  ]);
}

/** The attribute values {@link buildSignedAttributes} wrote, read back before embedding. */
export interface SignedAttributeValues {
  readonly messageDigest: Buffer;
  /** The first ESSCertIDv2's certHash (SHA-256 of the signer's certificate). */
  readonly signingCertificateSha256: Buffer;
}

/** Reads toBeSigned with the verifier's bounded DER reader. @throws DerError or Error */
export function readSignedAttributes(toBeSigned: Uint8Array): SignedAttributeValues {
  const values = new Map<string, DerNode>();
  const attributes = expectUniversal(parseDer(toBeSigned), UniversalTag.set, 'SET OF Attribute');
  for (const attribute of attributes.children) {
    const [type, attrValues] = expectSequence(attribute, 'Attribute').children;
    const value = expectUniversal(attrValues, UniversalTag.set, 'attrValues').children[0];
    if (value !== undefined) values.set(readOid(toBeSigned, type), value);
  }
  const digest = values.get(OID.messageDigest);
  const signingCertificate = values.get(SIGNING_CERTIFICATE_V2);
  if (digest === undefined || signingCertificate === undefined)
    throw new Error('the signed attributes lack message-digest or signing-certificate-v2');
  const certs = expectSequence(
    expectSequence(signingCertificate, 'SigningCertificateV2').children[0],
    'certs',
  );
  const certHash = expectSequence(certs.children[0], 'ESSCertIDv2').children.find(
    (n) => n.tagNumber === UniversalTag.octetString,
  );
  return {
    messageDigest: Buffer.from(
      contentBytes(toBeSigned, expectUniversal(digest, UniversalTag.octetString, 'digest')),
    ),
    signingCertificateSha256: Buffer.from(
      contentBytes(toBeSigned, expectUniversal(certHash, UniversalTag.octetString, 'certHash')),
    ),
  };
}

/** What goes into the SignedData besides the signed attributes. */
export interface SignedDataInput {
  /** The DER SET that was signed: exactly {@link buildSignedAttributes}' output. */
  readonly signedAttributes: Uint8Array;
  /** RSA PKCS #1 v1.5 signature over `signedAttributes`. */
  readonly signature: Uint8Array;
  readonly certificate: Uint8Array;
  /** Intermediate (and root) CA certificates, DER, carried so validators can build the path. */
  readonly chain: readonly Uint8Array[];
}

/**
 * DER of `ContentInfo { id-signedData, SignedData }` (RFC 5652 §3, §5.1) without eContent, with
 * the signer and chain certificates and one SignerInfo identified by issuerAndSerialNumber.
 * @throws Error when a certificate or the attributes are not DER
 */
export function buildSignedData(input: SignedDataInput): Buffer {
  const signedAttributes = parseVerbatim(input.signedAttributes, 'the signed attributes');
  if (signedAttributes.type !== asn1.Type.SET) throw new Error('the signed attributes must be a SET');
  // RFC 5652 §5.3: signedAttrs [0] IMPLICIT SET OF Attribute: the signed bytes with tag 0xA0.
  signedAttributes.tagClass = asn1.Class.CONTEXT_SPECIFIC;
  signedAttributes.type = 0;

  const certificate = parseVerbatim(input.certificate, 'the certificate');
  // RFC 5280 §4.1: TBSCertificate ::= SEQUENCE { [0] version, serialNumber, signature, issuer, … }.
  // The issuer Name is copied node for node: SAT names mix PrintableString and UTF8String, and
  // re-encoding from parsed text could change a string type and so the name.
  const tbs = (certificate.value as Asn1[])[0]!.value as Asn1[];
  const first = tbs[0]!.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const [serial, issuer] = [tbs[first]!, tbs[first + 2]!];

  const sha256 = sequence(oid(OID.sha256)); // RFC 5754 §2: parameters absent
  const signerInfo = sequence(
    integer(1), // RFC 5652 §5.3: version 1 with issuerAndSerialNumber
    sequence(issuer, serial),
    sha256,
    signedAttributes,
    // RFC 3370 §3.2: rsaEncryption with NULL parameters, as Acrobat, pyHanko and OpenSSL write it.
    sequence(oid(OID.rsaEncryption), universal(asn1.Type.NULL, false, '')),
    octets(input.signature),
  );
  const certificates = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
    certificate,
    ...input.chain.map((c) => parseVerbatim(c, 'a chain certificate')),
  ]);
  const signedData = sequence(
    integer(1), // §5.1: version 1 (no attribute certificates, id-data content, v1 SignerInfo)
    set(sha256),
    sequence(oid(OID.data)), // encapContentInfo without eContent: a detached signature
    certificates,
    set(signerInfo),
  );
  return der(sequence(oid(OID.signedData), asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [signedData])));
}

/** id-aa-signatureTimeStampToken (RFC 3161 Appendix A; ETSI EN 319 122-1 §5.3). */
export const SIGNATURE_TIME_STAMP = '1.2.840.113549.1.9.16.2.14';

/**
 * The CMS with `token` added as its SignerInfo's unsigned attribute signature-time-stamp (PAdES
 * baseline T): a TSA's token over the signature value, proving the signature existed at the
 * token's genTime. Everything signed stays byte for byte; a CMS that carries unsigned attributes
 * already is refused rather than merged.
 * @throws Error when the CMS is not our DER SignedData with one SignerInfo
 */
export function withSignatureTimestamp(cms: Uint8Array, token: Uint8Array): Buffer {
  const contentInfo = parseVerbatim(cms, 'the CMS');
  const signedData = (contentInfo.value as Asn1[])[1]!.value as Asn1[];
  const fields = signedData[0]!.value as Asn1[];
  const signerInfos = fields[fields.length - 1]!;
  const infos = signerInfos.value as Asn1[];
  if (signerInfos.type !== asn1.Type.SET || infos.length !== 1) throw new Error('expected one SignerInfo');
  const signerInfo = infos[0]!.value as Asn1[];
  const last = signerInfo[signerInfo.length - 1]!;
  if (last.tagClass === asn1.Class.CONTEXT_SPECIFIC && last.type === 1)
    throw new Error('the SignerInfo has unsigned attributes already');
  signerInfo.push(
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 1, true, [
      sequence(oid(SIGNATURE_TIME_STAMP), set(parseVerbatim(token, 'the time-stamp token'))),
    ]),
  );
  return der(contentInfo);
}
