/** The subject public key, read strictly: RSA (size and exponent bounded) or EC on a named curve. */
import { createPublicKey, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import type { KeyAlgorithm } from './algorithms';
import { type DerNode, isUniversal, readOid, UniversalTag } from './der';
import { malformed, unsupported } from './failure';
import { CURVE_BY_OID, OID, REFUSED_CURVE_NAMES, REFUSED_KEY_ALGORITHM_NAMES, type NamedCurve } from './oids';

/**
 * RSA keys this verifier will use. The cost of a public-key operation grows with the modulus and
 * the exponent, and both are the certificate author's choice: an issuer carried in a signature
 * with a 16,384-bit modulus or a huge exponent would turn each check into a private-key-sized
 * computation. SAT's CAs use 2048 and 4096 bits with e = 65537.
 */
const MAX_KEY_BITS = 8192;

const MAX_PUBLIC_EXPONENT = 2n ** 32n;

/** The key algorithm of a SubjectPublicKeyInfo, or UNSUPPORTED_ALGORITHM naming what it is. */
export function keyAlgorithmOf(oid: string): KeyAlgorithm {
  if (oid === OID.rsaEncryption) return 'rsa';
  if (oid === OID.ecPublicKey) return 'ec';
  const name = REFUSED_KEY_ALGORITHM_NAMES.get(oid);
  throw unsupported(
    `certificate key algorithm ${name === undefined ? oid : `${name} (${oid})`} is not accepted: RSA, or EC on P-256, P-384 or P-521`,
  );
}

/** What a certificate's subject public key gives it (its fields of the same names). */
export interface PublicKeyFields {
  readonly keyDer: Uint8Array;
  readonly publicKey: KeyObject;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly curve: NamedCurve | null;
  readonly keyBits: number;
}

export function readRsaKey(rsaPublicKey: Uint8Array): PublicKeyFields {
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
export function readEcKey(
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
export function withPlaceholderRsaKey(certificate: forge.asn1.Asn1, index: number): void {
  const tbs = (certificate.value as forge.asn1.Asn1[])[0]!;
  (tbs.value as forge.asn1.Asn1[])[index] = forge.asn1.fromDer(PLACEHOLDER_RSA_SPKI);
}

/** SubjectPublicKeyInfo { rsaEncryption NULL, RSAPublicKey { n 1, e 3 } }: no key at all. */
const PLACEHOLDER_RSA_SPKI = Buffer.from(
  '301a300d06092a864886f70d01010105000309003006020101020103',
  'hex',
).toString('latin1');
