/**
 * X.509 certificates (RFC 5280) as the verifier needs them: the exact signed spans, the RSA or EC
 * key as a Node `KeyObject`, and the fields node-forge interprets (names, validity, extensions).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { MAX_CERTIFICATE_BYTES } from '../domain/limits';
import type { AlgorithmIdentifier, KeyAlgorithm } from './algorithms';
import {
  type DerNode,
  bytesEqual,
  DerError,
  contentBytes,
  elementBytes,
  expectSequence,
  isContext,
  isUniversal,
  parseDer,
  readIntegerHex,
  readOid,
  STRICT_DER,
  UniversalTag,
  expectUniversal,
  distributionPointUris,
} from './der';
import { InputRejected, malformed, unsupported } from './failure';
import { CURVE_BY_OID, OID, REFUSED_CURVE_NAMES, REFUSED_KEY_ALGORITHM_NAMES, type NamedCurve } from './oids';

import type { CertificateKind } from '../domain/verification-report';
export type { CertificateKind, KeyAlgorithm };

export interface KeyUsage {
  readonly digitalSignature: boolean;
  readonly nonRepudiation: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
}

/** The identity SAT writes into an e.firma subject. */
export interface SignerIdentity {
  readonly name: string;
  /** RFC from x500UniqueIdentifier (2.5.4.45); for a persona moral, the company's. */
  readonly rfc: string | null;
  /** For a persona moral (`RFC_MORAL / RFC_REPRESENTANTE`), the legal representative's RFC. */
  readonly representativeRfc: string | null;
  /** CURP from serialNumber (2.5.4.5); for a persona moral, the representative's. */
  readonly curp: string | null;
}

export interface Certificate {
  readonly der: Uint8Array;
  /** The TBSCertificate bytes exactly as signed by the issuer. */
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
  /** DER of the issuer and subject Names, compared byte for byte when building paths. */
  readonly issuerName: Uint8Array;
  readonly subjectName: Uint8Array;
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /**
   * The key as SubjectPublicKeyInfo DER, re-encoded by OpenSSL (an EC point uncompressed): one form
   * per key, however the certificate spelled it. With the subject name, what identifies a CA in
   * path building.
   */
  readonly keyDer: Uint8Array;
  readonly publicKey: KeyObject;
  readonly keyAlgorithm: KeyAlgorithm;
  /** The named curve of an EC key; null for RSA. */
  readonly curve: NamedCurve | null;
  /** An RSA key's modulus length; an EC key's curve size (256, 384 or 521). */
  readonly keyBits: number;
  readonly subject: SignerIdentity;
  /** Readable issuer and subject, e.g. `CN=AC UAT, O=SERVICIO DE ADMINISTRACION TRIBUTARIA`. */
  readonly issuerText: string;
  readonly subjectText: string;
  readonly hasOrganizationalUnit: boolean;
  /** Whether the issuer's name says SAT issued it (see {@link isSatOrganization}). */
  readonly issuedBySat: boolean;
  readonly keyUsage: KeyUsage | null;
  /** Extended key usage OIDs, or null when the extension is absent. */
  readonly extKeyUsage: readonly string[] | null;
  readonly basicConstraints: { readonly ca: boolean; readonly pathLen: number | null } | null;
  readonly subjectKeyId: string | null;
  readonly authorityKeyId: string | null;
  /**
   * The URIs of its cRLDistributionPoints' full names: a CRL whose issuing distribution point names
   * a point covers the certificates that point at it (RFC 5280 §6.3.3 b.2). Empty when absent (SAT's
   * e.firma certificates carry none).
   */
  readonly crlDistributionPoints: readonly string[];
  /** Critical extensions this verifier does not process (RFC 5280 §4.2: such a certificate is rejected). */
  readonly unknownCriticalExtensions: readonly string[];
  readonly kind: CertificateKind;
}

const PROCESSED_EXTENSIONS = new Set<string>([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.certificatePolicies,
  OID.subjectAltName,
  '2.5.29.18', // issuerAltName
  '2.5.29.31', // cRLDistributionPoints
  '1.3.6.1.5.5.7.1.1', // authorityInfoAccess
]);

/**
 * RSA keys this verifier will use. The cost of a public-key operation grows with the modulus and
 * the exponent, and both are the certificate author's choice: an issuer carried in a signature
 * with a 16,384-bit modulus or a huge exponent would turn each check into a private-key-sized
 * computation. SAT's CAs use 2048 and 4096 bits with e = 65537.
 */
const MAX_KEY_BITS = 8192;
const MAX_PUBLIC_EXPONENT = 2n ** 32n;

/**
 * Parses a DER certificate. Throws {@link InputRejected}: `MALFORMED_INPUT` for bytes that are not
 * a certificate, `UNSUPPORTED_ALGORITHM` for a key that is neither RSA nor EC on P-256, P-384 or
 * P-521 (Ed25519, DSA, RSASSA-PSS, brainpool, secp256k1…).
 */
export function parseCertificate(der: Uint8Array): Certificate {
  if (der.length > MAX_CERTIFICATE_BYTES) throw malformed('certificate larger than 64 KiB');
  try {
    return parseCertificateUnchecked(der);
  } catch (error) {
    if (error instanceof InputRejected) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw malformed(`not an X.509 certificate (${reason})`);
  }
}

function parseCertificateUnchecked(der: Uint8Array): Certificate {
  // DER only: one spelling per certificate, so its digest names it (see STRICT_DER).
  const root = expectSequence(parseDer(der, STRICT_DER), 'Certificate');
  const [tbsNode, algNode, sigNode] = root.children;
  const tbs = expectSequence(tbsNode, 'TBSCertificate');
  const fields = isContext(tbs.children[0], 0) ? tbs.children.slice(1) : tbs.children;
  const [, , issuerNode, , subjectNode, spkiNode] = fields;
  const spki = expectSequence(spkiNode, 'SubjectPublicKeyInfo');
  const keyAlgorithmId = expectSequence(spki.children[0], 'AlgorithmIdentifier');
  const keyAlgorithm = keyAlgorithmOf(readOid(der, keyAlgorithmId.children[0]));
  const algorithmId = expectSequence(algNode, 'AlgorithmIdentifier');
  const signatureAlgorithm = {
    oid: readOid(der, algorithmId.children[0]),
    parametersAbsent: algorithmId.children.length === 1,
  };
  // RFC 5280 §4.1.1.2: the outer signatureAlgorithm is not signed; it must repeat the signed one.
  if (!bytesEqual(elementBytes(der, algNode!), elementBytes(der, expectSequence(fields[1], 'signature')))) {
    throw malformed('signatureAlgorithm differs from the TBSCertificate signature field');
  }
  const signatureBits = contentBytes(der, expectUniversal(sigNode, UniversalTag.bitString, 'signature'));
  if (signatureBits[0] !== 0) throw new DerError('signature BIT STRING has unused bits');

  const keyBitString = contentBytes(
    der,
    expectUniversal(spki.children[1], UniversalTag.bitString, 'subjectPublicKey'),
  );
  if (keyBitString[0] !== 0) throw new DerError('subjectPublicKey has unused bits');
  const key =
    keyAlgorithm === 'rsa'
      ? readRsaKey(keyBitString.subarray(1))
      : readEcKey(der, elementBytes(der, spki), keyAlgorithmId, keyBitString.subarray(1));

  // node-forge interprets the fields; computeHash=false because the issuer's signature is checked
  // with Node's crypto over the exact TBS bytes above.
  const binary = Buffer.from(der.buffer, der.byteOffset, der.length).toString('latin1');
  const asn1 = forge.asn1.fromDer(binary);
  if (keyAlgorithm === 'ec') withPlaceholderRsaKey(asn1, tbs.children.length - fields.length + 5);
  const cert = forge.pki.certificateFromAsn1(asn1, false);

  // node-forge returns an Invalid Date, rather than throwing, for times like month 13.
  const { notBefore, notAfter } = cert.validity;
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) {
    throw malformed('certificate validity is not a valid time');
  }

  const extensions = cert.extensions as ForgeExtension[];
  const findExtension = (oid: string): ForgeExtension | undefined => extensions.find((e) => e.id === oid);

  const keyUsageExt = findExtension(OID.keyUsage);
  const basicExt = findExtension(OID.basicConstraints);
  const ekuExt = findExtension(OID.extKeyUsage);
  const akiExt = findExtension(OID.authorityKeyIdentifier);
  const skiExt = findExtension(OID.subjectKeyIdentifier);
  const crlDpExt = findExtension('2.5.29.31');

  const subjectAttributes = cert.subject.attributes as ForgeAttribute[];
  const issuerAttributes = cert.issuer.attributes as ForgeAttribute[];
  const hasOrganizationalUnit = subjectAttributes.some((a) => a.type === OID.organizationalUnitName);
  const extKeyUsage = ekuExt ? readExtKeyUsage(ekuExt.value) : null;

  const partial = {
    der,
    tbs: elementBytes(der, tbs),
    signatureAlgorithm,
    signature: signatureBits.subarray(1),
    issuerName: elementBytes(der, expectSequence(issuerNode, 'issuer Name')),
    subjectName: elementBytes(der, expectSequence(subjectNode, 'subject Name')),
    serial: readIntegerHex(der, fields[0]),
    notBefore,
    notAfter,
    ...key,
    subject: readIdentity(subjectAttributes),
    issuerText: nameText(issuerAttributes),
    subjectText: nameText(subjectAttributes),
    hasOrganizationalUnit,
    issuedBySat: isSatOrganization(attributeText(issuerAttributes, OID.organizationName)),
    keyUsage: keyUsageExt
      ? {
          digitalSignature: keyUsageExt.digitalSignature === true,
          nonRepudiation: keyUsageExt.nonRepudiation === true,
          keyCertSign: keyUsageExt.keyCertSign === true,
          cRLSign: keyUsageExt.cRLSign === true,
        }
      : null,
    extKeyUsage,
    basicConstraints: basicExt
      ? {
          ca: basicExt.cA === true,
          pathLen: typeof basicExt.pathLenConstraint === 'number' ? basicExt.pathLenConstraint : null,
        }
      : null,
    subjectKeyId: skiExt ? readOctetStringHex(skiExt.value) : null,
    authorityKeyId: akiExt ? readAuthorityKeyId(akiExt.value) : null,
    crlDistributionPoints: crlDpExt ? readCrlDistributionPoints(crlDpExt.value) : [],
    unknownCriticalExtensions: extensions
      .filter((e) => e.critical === true && !PROCESSED_EXTENSIONS.has(e.id))
      .map((e) => e.id),
  };
  return { ...partial, kind: classify(partial) };
}

/** The key algorithm of a SubjectPublicKeyInfo, or UNSUPPORTED_ALGORITHM naming what it is. */
function keyAlgorithmOf(oid: string): KeyAlgorithm {
  if (oid === OID.rsaEncryption) return 'rsa';
  if (oid === OID.ecPublicKey) return 'ec';
  const name = REFUSED_KEY_ALGORITHM_NAMES.get(oid);
  throw unsupported(
    `certificate key algorithm ${name === undefined ? oid : `${name} (${oid})`} is not accepted: RSA, or EC on P-256, P-384 or P-521`,
  );
}

type PublicKeyFields = Pick<Certificate, 'keyDer' | 'publicKey' | 'keyAlgorithm' | 'curve' | 'keyBits'>;

function readRsaKey(rsaPublicKey: Uint8Array): PublicKeyFields {
  // The BIT STRING of an rsaEncryption SubjectPublicKeyInfo holds an RSAPublicKey (RFC 8017 A.1.1).
  // Importing that as 'pkcs1' costs ~3 µs; OpenSSL 3's SPKI decoder path costs ~110 µs.
  const publicKey = createPublicKey({ key: Buffer.from(rsaPublicKey), format: 'der', type: 'pkcs1' });
  const keyBits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  const exponent = publicKey.asymmetricKeyDetails?.publicExponent ?? 0n;
  if (keyBits > MAX_KEY_BITS)
    throw unsupported(`RSA key of ${keyBits} bits; at most ${MAX_KEY_BITS} are used`);
  if (exponent > MAX_PUBLIC_EXPONENT) throw unsupported('RSA public exponent larger than 2^32');
  return {
    // SPKI, not PKCS #1: Node 24's OpenSSL cannot re-encode a key imported as PKCS #1 into PKCS #1
    // ("Failed to encode public key"), while its SPKI encoder is as canonical.
    keyDer: publicKey.export({ type: 'spki', format: 'der' }),
    publicKey,
    keyAlgorithm: 'rsa',
    curve: null,
    keyBits,
  };
}

/**
 * An id-ecPublicKey key (RFC 5480 §2): its parameters must name a curve (§2.1.1: implicit and
 * specified curves are not allowed), an accepted one, and the key must be a point of that curve,
 * compressed or not (§2.2). Explicit curve parameters are refused outright: a certificate that
 * spells out its own curve is how CVE-2020-0601 passed a forged key for a trusted one.
 */
function readEcKey(
  der: Uint8Array,
  spkiDer: Uint8Array,
  algorithm: DerNode,
  point: Uint8Array,
): PublicKeyFields {
  const parameters = algorithm.children[1];
  const named =
    parameters !== undefined && isUniversal(parameters, UniversalTag.oid) && !parameters.constructed;
  if (!named || algorithm.children.length !== 2)
    throw unsupported('EC key without a named curve (explicit or implicit curve parameters)');
  const curveOid = readOid(der, parameters);
  const curve = CURVE_BY_OID.get(curveOid);
  if (curve === undefined) {
    const name = REFUSED_CURVE_NAMES.get(curveOid);
    throw unsupported(
      `EC key on curve ${name === undefined ? curveOid : `${name} (${curveOid})`} is not accepted: P-256, P-384 or P-521`,
    );
  }
  // SEC 1 §2.3.3: 04 ‖ X ‖ Y uncompressed, 02/03 ‖ X compressed. The point at infinity (a lone
  // 00), which OpenSSL would import, and the hybrid forms are not keys anyone signs with.
  const size = Math.ceil(curve.bits / 8);
  const uncompressed = point[0] === 0x04 && point.length === 1 + 2 * size;
  const compressed = (point[0] === 0x02 || point[0] === 0x03) && point.length === 1 + size;
  if (!uncompressed && !compressed) throw malformed(`EC public key is not a ${curve.name} point`);
  // OpenSSL refuses a point that is not on the curve.
  const publicKey = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
  if (publicKey.asymmetricKeyDetails?.namedCurve !== curve.opensslName)
    throw malformed(`EC public key is not a ${curve.name} point`);
  const canonical = uncompressed
    ? publicKey
    : createPublicKey({ key: publicKey.export({ format: 'jwk' }), format: 'jwk' });
  return {
    keyDer: canonical.export({ type: 'spki', format: 'der' }),
    publicKey,
    keyAlgorithm: 'ec',
    curve: curve.name,
    keyBits: curve.bits,
  };
}

/**
 * node-forge reads only certificates with an RSA key (x509.js: "Cannot read public key. OID is not
 * RSA."), yet only its reading of names, validity and extensions is used. An EC certificate is
 * handed to it with a placeholder RSA SubjectPublicKeyInfo at `index` of its TBSCertificate; the
 * key, the signature and the signed bytes are read from the DER, never from node-forge.
 */
function withPlaceholderRsaKey(certificate: forge.asn1.Asn1, index: number): void {
  const tbs = (certificate.value as forge.asn1.Asn1[])[0]!;
  (tbs.value as forge.asn1.Asn1[])[index] = forge.asn1.fromDer(PLACEHOLDER_RSA_SPKI);
}

/** SubjectPublicKeyInfo { rsaEncryption NULL, RSAPublicKey { n 1, e 3 } }: no key at all. */
const PLACEHOLDER_RSA_SPKI = Buffer.from(
  '301a300d06092a864886f70d01010105000309003006020101020103',
  'hex',
).toString('latin1');

/**
 * Parsed certificates by their exact DER, least recently used evicted. Intermediates (SAT's AC4,
 * AC5…) arrive with every signature; parsing them again, and importing their keys again (OpenSSL
 * then rebuilds its Montgomery context), would cost more than the RSA checks themselves. Only
 * parsing is memoised: every signature on the path is still verified on every verification.
 */
export class CertificateCache {
  private readonly entries = new Map<string, Certificate>();

  constructor(private readonly capacity = 256) {}

  parse(der: Uint8Array): Certificate {
    if (this.capacity === 0) return parseCertificate(der);
    const key = Buffer.from(der.buffer, der.byteOffset, der.length).toString('latin1');
    let cert = this.entries.get(key);
    if (cert !== undefined) {
      this.entries.delete(key); // re-insert: Map order is recency
    } else {
      cert = parseCertificate(der);
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(key, cert);
    return cert;
  }
}

/**
 * FIEL vs CSD (DESIGN §3). SAT issues both to the same RFC from the same CA; they differ in the
 * subject and extensions: a CSD (seal for invoices) has an OU naming the branch and no extended key
 * usage; a FIEL (a person's e.firma) has no OU and extended key usage emailProtection + clientAuth.
 * The CSD rule is SAT's, so it applies only to certificates SAT issued: another CA's signer with an
 * OU in its subject (a department, say) and no extended key usage is judged like any other.
 */
function classify(cert: {
  hasOrganizationalUnit: boolean;
  issuedBySat: boolean;
  extKeyUsage: readonly string[] | null;
  subject: SignerIdentity;
}): CertificateKind {
  if (cert.issuedBySat && cert.hasOrganizationalUnit && cert.extKeyUsage === null) return 'csd';
  if (
    !cert.hasOrganizationalUnit &&
    cert.subject.rfc !== null &&
    cert.extKeyUsage?.includes(OID.emailProtection) === true
  ) {
    return 'fiel';
  }
  return 'other';
}

/** SAT's name as its CAs write it in their organizationName, compared without accents or case. */
const SAT_ORGANIZATION = 'SERVICIO DE ADMINISTRACION TRIBUTARIA';

/**
 * Whether an issuer's organizationName (O) is SAT's: how SAT's CAs are recognised, and why so.
 * SAT's CAs write SAT's legal name there: the test CAs of the fixtures ("AC UAT" as SERVICIO DE
 * ADMINISTRACION TRIBUTARIA, "A.C. 2 de pruebas(4096)" as "Servicio de Administración
 * Tributaria"), as do the production ones (AC DEL SERVICIO DE ADMINISTRACION TRIBUTARIA). The
 * other candidates are worse: the CN changes with every CA generation; the issuer's
 * x500UniqueIdentifier is SAT's RFC in one CA and a stray "2.5.4.45" in another; the certificates
 * carry no policy OID. The name is no proof (anyone can write it into a CA of their own), and need
 * not be: the CSD rule only refuses, so a look-alike issuer only gets its own signers refused,
 * while a real CSD always names SAT.
 */
function isSatOrganization(organization: string | null): boolean {
  if (organization === null) return false;
  const comparable = organization
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/\s+/g, ' ')
    .trim();
  return comparable === SAT_ORGANIZATION;
}

interface ForgeAttribute {
  type: string;
  shortName?: string;
  value: unknown;
}

interface ForgeExtension {
  id: string;
  critical?: boolean;
  value: string;
  digitalSignature?: boolean;
  nonRepudiation?: boolean;
  keyCertSign?: boolean;
  cRLSign?: boolean;
  cA?: boolean;
  pathLenConstraint?: number;
}

/**
 * The text of an attribute value. node-forge decodes UTF8String but leaves other string types as
 * bytes, and SAT writes UTF-8 into those too ("Coyoacán"): decode when the bytes are valid UTF-8.
 */
function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  let highBytes = false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0xff) return value; // already decoded by node-forge
    if (code >= 0x80) highBytes = true;
  }
  if (!highBytes) return value;
  const decoded = Buffer.from(value, 'latin1').toString('utf8');
  return decoded.includes('\ufffd') ? value : decoded;
}

function attributeText(attributes: readonly ForgeAttribute[], oid: string): string | null {
  return text(attributes.find((a) => a.type === oid)?.value);
}

/** Short names for the attributes SAT uses that node-forge does not name. */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.5': 'serialNumber',
  '2.5.4.9': 'street',
  '2.5.4.17': 'postalCode',
  '2.5.4.41': 'name',
  '2.5.4.45': 'x500UniqueIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '1.2.840.113549.1.9.2': 'unstructuredName',
};

/** Splits SAT's `A / B` form (persona moral) into its trimmed parts; empty parts become null. */
function splitSatPair(value: string | null): [string | null, string | null] {
  if (value === null) return [null, null];
  const [first, second] = value.split('/').map((part) => part.trim().toUpperCase());
  return [first || null, second || null];
}

function readIdentity(attributes: readonly ForgeAttribute[]): SignerIdentity {
  const [rfc, representativeRfc] = splitSatPair(attributeText(attributes, OID.x500UniqueIdentifier));
  const [curpFirst, curpSecond] = splitSatPair(attributeText(attributes, OID.serialNumber));
  const name = attributeText(attributes, OID.commonName) ?? attributeText(attributes, OID.name) ?? '';
  return { name, rfc, representativeRfc, curp: curpSecond ?? curpFirst };
}

/** A readable distinguished name in RFC 4514 order, as `openssl x509 -nameopt RFC2253` prints it. */
function nameText(attributes: readonly ForgeAttribute[]): string {
  return attributes
    .map((a) => [SHORT_NAMES[a.type] ?? a.shortName ?? a.type, text(a.value)] as const)
    .filter(([, value]) => value !== null)
    .map(([key, value]) => `${key}=${value}`)
    .reverse()
    .join(', ');
}

function binaryBytes(value: string): Uint8Array {
  return Buffer.from(value, 'latin1');
}

/** ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId (RFC 5280 §4.2.1.12). */
function readExtKeyUsage(value: string): string[] {
  const bytes = binaryBytes(value);
  return expectSequence(parseDer(bytes), 'ExtKeyUsageSyntax').children.map((c) => readOid(bytes, c));
}

function readOctetStringHex(value: string): string {
  const bytes = binaryBytes(value);
  const node = expectUniversal(parseDer(bytes), UniversalTag.octetString, 'KeyIdentifier');
  return Buffer.from(contentBytes(bytes, node)).toString('hex');
}

/**
 * CRLDistributionPoints ::= SEQUENCE OF DistributionPoint { distributionPoint [0] DistributionPointName
 * OPTIONAL, reasons [1], cRLIssuer [2] }: the URIs of every full name.
 */
function readCrlDistributionPoints(value: string): string[] {
  const bytes = binaryBytes(value);
  return expectSequence(parseDer(bytes), 'CRLDistributionPoints').children.flatMap((point) => {
    const name = expectSequence(point, 'DistributionPoint').children.find((c) => isContext(c, 0));
    return name === undefined ? [] : (distributionPointUris(bytes, name) ?? []);
  });
}

/** AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, … } */
function readAuthorityKeyId(value: string): string | null {
  const bytes = binaryBytes(value);
  const first = expectSequence(parseDer(bytes), 'AuthorityKeyIdentifier').children[0];
  return isContext(first, 0) ? Buffer.from(contentBytes(bytes, first)).toString('hex') : null;
}
