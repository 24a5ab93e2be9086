/**
 * RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2) on Node's crypto: the RSA public operation
 * (OpenSSL checks the type-1 padding), then the recovered DigestInfo compared byte for byte with the
 * one we encode ourselves. Encoding and comparing, rather than parsing what was recovered, is the
 * construction that leaves no room for the lenient-parsing forgeries that hit node-forge before
 * 1.4.0. Taking a digest rather than data lets one hash of the document serve the signature check
 * and the report.
 *
 * Where only valid-or-not matters ({@link rsaVerify}: signed attributes, certificates, CRLs), OpenSSL's
 * own `verify` does the same (it encodes the expected DigestInfo and compares, RFC 8017 §8.2.2 steps
 * 3–4), without a copy of what was recovered.
 */
import { publicDecrypt, verify, type KeyObject } from 'node:crypto';
import { keyFacts } from './key-facts';
import type { DigestName } from './oids';

/** DER of DigestInfo up to the digest value, per RFC 8017 §9.2 note 1. */
const DIGEST_INFO_PREFIX: Record<DigestName, Buffer> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

/**
 * `valid`; `other-data` when the key did sign, with this algorithm, but a different digest (the
 * document was changed: DOCUMENT_MISMATCH); `invalid` when the signature is not this key's at all.
 */
export type RsaVerdict = 'valid' | 'other-data' | 'invalid';

export function rsaVerifyDigest(
  digest: DigestName,
  hash: Uint8Array,
  key: KeyObject,
  signature: Uint8Array,
): RsaVerdict {
  const { modulusBytes } = keyFacts(key);
  if (signature.length !== modulusBytes) return 'invalid'; // RFC 8017 §8.2.2 step 1
  let recovered: Buffer;
  try {
    // The key itself, not `{ key, padding }`: PKCS #1 v1.5 is the default, and under Node.js 24 the
    // options object costs half as much again as the RSA operation (its checks of what `key` is).
    recovered = publicDecrypt(key, signature);
  } catch {
    return 'invalid'; // bad padding, or a representative out of range
  }
  const prefix = DIGEST_INFO_PREFIX[digest];
  const expectedLength = prefix.length + hash.length;
  if (recovered.length !== expectedLength || !recovered.subarray(0, prefix.length).equals(prefix)) {
    return 'invalid';
  }
  return recovered.subarray(prefix.length).equals(hash) ? 'valid' : 'other-data';
}

export function rsaVerify(
  digest: DigestName,
  data: Uint8Array,
  key: KeyObject,
  signature: Uint8Array,
): boolean {
  const { type, modulusBytes } = keyFacts(key);
  if (type !== 'rsa' || signature.length !== modulusBytes) return false; // step 1
  try {
    return verify(digest, data, key, signature); // PKCS #1 v1.5 by default, for an RSA key
  } catch {
    return false;
  }
}
