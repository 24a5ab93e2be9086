/**
 * ECDSA verification (FIPS 186-5 §6.4.2; in X.509 and CMS per RFC 5480, RFC 5758 and RFC 5753) on
 * Node's crypto, beside rsa.ts.
 *
 * The signature value is an ECDSA-Sig-Value (RFC 5480 §2.2, RFC 5758 §3.2):
 *
 *     ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }
 *
 * in DER. It is checked here before OpenSSL sees it: one spelling per signature, as for
 * certificates (a BER length or a padded INTEGER would make a second, different-looking signature
 * out of the same one), and anything else is an invalid signature, never an exception. OpenSSL
 * refuses non-DER values too; checking them here keeps the rule ours to read.
 */
import { verify, type KeyObject } from 'node:crypto';
import { contentBytes, isUniversal, parseDer, STRICT_DER, UniversalTag } from './der';
import { keyFacts } from './key-facts';
import { CURVE_BY_OID, type DigestName } from './oids';

/**
 * Whether `signature` is a DER ECDSA-Sig-Value whose r and s are positive and no longer than a
 * curve of `curveBits` allows (their range, 1..n-1, is OpenSSL's to check).
 */
export function isDerEcdsaSigValue(signature: Uint8Array, curveBits: number): boolean {
  let root;
  try {
    root = parseDer(signature, STRICT_DER);
  } catch {
    return false;
  }
  if (!isUniversal(root, UniversalTag.sequence) || !root.constructed || root.children.length !== 2)
    return false;
  const maxBytes = Math.ceil(curveBits / 8) + 1; // one more for the sign octet
  return root.children.every((node) => {
    if (!isUniversal(node, UniversalTag.integer) || node.constructed) return false;
    const value = contentBytes(signature, node);
    if (value.length === 0 || value.length > maxBytes) return false;
    if ((value[0]! & 0x80) !== 0) return false; // negative
    // X.690 §8.3.2: no leading zero octet unless the next one would read as negative.
    if (value.length > 1 && value[0] === 0 && (value[1]! & 0x80) === 0) return false;
    return value.some((octet) => octet !== 0); // zero is not a valid r or s
  });
}

const CURVE_BITS_BY_OPENSSL_NAME: ReadonlyMap<string, number> = new Map(
  [...CURVE_BY_OID.values()].map((curve) => [curve.opensslName, curve.bits]),
);

/**
 * Whether the EC `key`, on an accepted curve, made `signature` (a DER ECDSA-Sig-Value) over `data`
 * with `digest`. Any other key, curve or value: false.
 */
export function ecdsaVerify(
  digest: DigestName,
  data: Uint8Array,
  key: KeyObject,
  signature: Uint8Array,
): boolean {
  const { type, namedCurve } = keyFacts(key);
  if (type !== 'ec') return false;
  const curveBits = CURVE_BITS_BY_OPENSSL_NAME.get(namedCurve ?? '');
  if (curveBits === undefined || !isDerEcdsaSigValue(signature, curveBits)) return false;
  try {
    return verify(digest, data, key, signature); // a DER ECDSA-Sig-Value is the default encoding
  } catch {
    return false;
  }
}
