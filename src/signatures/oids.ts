/** Object identifiers used by the verifier, named as in their RFCs. */
export const OID = {
  // RFC 5652 (CMS) content types and attributes
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  // RFC 8017 (PKCS #1) and RFC 4055
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  sha1WithRSAEncryption: '1.2.840.113549.1.1.5',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',
  // RFC 5480 (elliptic-curve keys) and RFC 5758 §3.2 (ECDSA with SHA-2)
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  // RFC 5480 §2.1.1.1 named curves
  secp256r1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  secp521r1: '1.3.132.0.35',
  // RFC 5754 digests
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  // X.520 attributes carried by SAT e.firma subjects
  commonName: '2.5.4.3',
  serialNumber: '2.5.4.5',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
  name: '2.5.4.41',
  x500UniqueIdentifier: '2.5.4.45',
  // RFC 5280 extensions
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  crlNumber: '2.5.29.20',
  crlReason: '2.5.29.21',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  // Extended key usages that allow signing documents
  anyExtendedKeyUsage: '2.5.29.37.0',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  documentSigning: '1.3.6.1.5.5.7.3.36', // RFC 9336
  microsoftDocumentSigning: '1.3.6.1.4.1.311.10.3.12',
} as const;

export type DigestName = 'sha256' | 'sha384' | 'sha512';

/** Digest algorithms accepted for signatures (DESIGN §3: SHA-256/384/512). */
export const DIGEST_BY_OID: ReadonlyMap<string, DigestName> = new Map([
  [OID.sha256, 'sha256'],
  [OID.sha384, 'sha384'],
  [OID.sha512, 'sha512'],
]);

/** PKCS #1 v1.5 signature algorithms accepted on certificates, CRLs and SignerInfos. */
export const RSA_SIGNATURE_DIGEST_BY_OID: ReadonlyMap<string, DigestName> = new Map([
  [OID.sha256WithRSAEncryption, 'sha256'],
  [OID.sha384WithRSAEncryption, 'sha384'],
  [OID.sha512WithRSAEncryption, 'sha512'],
]);

/** ECDSA signature algorithms accepted on certificates, CRLs and SignerInfos (RFC 5758 §3.2). */
export const ECDSA_SIGNATURE_DIGEST_BY_OID: ReadonlyMap<string, DigestName> = new Map([
  [OID.ecdsaWithSha256, 'sha256'],
  [OID.ecdsaWithSha384, 'sha384'],
  [OID.ecdsaWithSha512, 'sha512'],
]);

/** The NIST curves accepted for EC keys, by the names FIPS 186-5 gives them. */
export type NamedCurve = 'P-256' | 'P-384' | 'P-521';

export interface CurveFacts {
  readonly name: NamedCurve;
  /** The curve's size (the order's bit length): what `keyBits` says of an EC key. */
  readonly bits: number;
  /** OpenSSL's name, as Node's `asymmetricKeyDetails.namedCurve` reports it. */
  readonly opensslName: string;
}

/** Accepted curves by their RFC 5480 namedCurve OID. */
export const CURVE_BY_OID: ReadonlyMap<string, CurveFacts> = new Map([
  [OID.secp256r1, { name: 'P-256', bits: 256, opensslName: 'prime256v1' }],
  [OID.secp384r1, { name: 'P-384', bits: 384, opensslName: 'secp384r1' }],
  [OID.secp521r1, { name: 'P-521', bits: 521, opensslName: 'secp521r1' }],
]);

/** Key algorithms that are refused, named so that the refusal says what it met. */
export const REFUSED_KEY_ALGORITHM_NAMES: ReadonlyMap<string, string> = new Map([
  ['1.3.101.112', 'Ed25519'],
  ['1.3.101.113', 'Ed448'],
  ['1.3.101.110', 'X25519'],
  ['1.3.101.111', 'X448'],
  ['1.2.840.10040.4.1', 'DSA'],
  ['1.2.840.10046.2.1', 'Diffie-Hellman'],
  [OID.rsassaPss, 'RSASSA-PSS'],
  ['1.2.840.113549.1.1.7', 'RSAES-OAEP'],
  ['1.2.643.7.1.1.1.1', 'GOST R 34.10-2012 (256-bit)'],
  ['1.2.643.7.1.1.1.2', 'GOST R 34.10-2012 (512-bit)'],
]);

/** Curves that are refused, named for the same reason. */
export const REFUSED_CURVE_NAMES: ReadonlyMap<string, string> = new Map([
  ['1.3.132.0.10', 'secp256k1'],
  ['1.3.132.0.33', 'P-224'],
  ['1.2.840.10045.3.1.1', 'P-192'],
  ['1.3.36.3.3.2.8.1.1.7', 'brainpoolP256r1'],
  ['1.3.36.3.3.2.8.1.1.11', 'brainpoolP384r1'],
  ['1.3.36.3.3.2.8.1.1.13', 'brainpoolP512r1'],
  ['1.2.156.10197.1.301', 'SM2'],
]);
