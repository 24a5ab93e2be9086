/**
 * The signature algorithms an issuer may sign with, on certificates (RFC 5280 §4.1.1.2) and on CRLs
 * (§5.1.1.2), and the kind of key each needs: RSA PKCS #1 v1.5 with SHA-256/384/512 and an RSA key
 * (rsa.ts, unchanged), ECDSA with SHA-256/384/512 and an EC key (ecdsa.ts). An algorithm met with
 * the other kind of key never verifies: the key, not the algorithm the signed object names, says
 * how its holder signs.
 */
import { ecdsaVerify } from './ecdsa';
import { ECDSA_SIGNATURE_DIGEST_BY_OID, RSA_SIGNATURE_DIGEST_BY_OID } from './oids';
import { rsaVerify } from './rsa';
import type { KeyObject } from 'node:crypto';

/** The kind of public key: RSA (rsaEncryption) or elliptic-curve (id-ecPublicKey, RFC 5480). */
export type KeyAlgorithm = 'rsa' | 'ec';

/** An AlgorithmIdentifier as far as the checks need it. */
export interface AlgorithmIdentifier {
  readonly oid: string;
  /** True when the parameters field is omitted (not even a NULL). */
  readonly parametersAbsent: boolean;
}

/** The issuer's key as the checks need it. */
export interface SigningKey {
  readonly keyAlgorithm: KeyAlgorithm;
  readonly publicKey: KeyObject;
}

/** Whether `issuer`'s key made `signature` over `data` with `algorithm`. */
export function verifyIssuerSignature(
  algorithm: AlgorithmIdentifier,
  data: Uint8Array,
  issuer: SigningKey,
  signature: Uint8Array,
): boolean {
  const rsaDigest = RSA_SIGNATURE_DIGEST_BY_OID.get(algorithm.oid);
  if (rsaDigest !== undefined) {
    return issuer.keyAlgorithm === 'rsa' && rsaVerify(rsaDigest, data, issuer.publicKey, signature);
  }
  const ecdsaDigest = ECDSA_SIGNATURE_DIGEST_BY_OID.get(algorithm.oid);
  if (ecdsaDigest !== undefined) {
    // RFC 5758 §3.2: for ECDSA with SHA-2 "the encoding MUST omit the parameters field".
    return (
      issuer.keyAlgorithm === 'ec' &&
      algorithm.parametersAbsent &&
      ecdsaVerify(ecdsaDigest, data, issuer.publicKey, signature)
    );
  }
  return false;
}
