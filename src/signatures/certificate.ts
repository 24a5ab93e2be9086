/**
 * X.509 certificates (RFC 5280) as the verifier needs them: the exact signed spans, the RSA or EC
 * key as a Node `KeyObject`, and the fields node-forge interprets (names, validity, extensions).
 */
import { type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { MAX_CERTIFICATE_BYTES } from '../domain/limits';
import type { CertificateKind } from '../domain/verification-report';
import type { AlgorithmIdentifier, KeyAlgorithm } from './algorithms';
import {
  bytesEqual,
  DerError,
  contentBytes,
  elementBytes,
  expectSequence,
  isContext,
  parseDer,
  readIntegerHex,
  readOid,
  STRICT_DER,
  UniversalTag,
  expectUniversal,
} from './der';
import { isInputRejected, malformed } from './failure';
import { OID, type NamedCurve } from './oids';
import {
  type ForgeAttribute,
  type ForgeExtension,
  attributeText,
  readAuthorityKeyId,
  readCrlDistributionPoints,
  readExtKeyUsage,
  readOctetStringHex,
} from './forge-fields';
import { keyAlgorithmOf, readEcKey, readRsaKey, withPlaceholderRsaKey } from './public-key';
import { classify, nameText, readIdentity, type SignerIdentity } from './sat';
import { isSatOrganization } from './sat-rules';

export type { CertificateKind, KeyAlgorithm, SignerIdentity };

export interface KeyUsage {
  readonly digitalSignature: boolean;
  readonly nonRepudiation: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
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
 * Parses a DER certificate. Throws {@link InputRejected}: `MALFORMED_INPUT` for bytes that are not
 * a certificate, `UNSUPPORTED_ALGORITHM` for a key that is neither RSA nor EC on P-256, P-384 or
 * P-521 (Ed25519, DSA, RSASSA-PSS, brainpool, secp256k1…).
 */
export function parseCertificate(der: Uint8Array): Certificate {
  if (der.length > MAX_CERTIFICATE_BYTES) throw malformed('certificate larger than 64 KiB');
  try {
    return parseCertificateUnchecked(der);
  } catch (error) {
    if (isInputRejected(error)) throw error;
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
