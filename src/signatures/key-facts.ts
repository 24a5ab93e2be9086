/**
 * What the checks need to know of a public key (its type, its RSA modulus length, its EC curve),
 * read once per `KeyObject`. Node.js 24 computes `asymmetricKeyDetails` anew on every access; read
 * on each of a verification's three signature checks, that was a sixth of its time (CPU profile of
 * `npm run bench:verify`). Parsed certificates are cached, so their keys are the same objects.
 */
import type { KeyObject } from 'node:crypto';

export interface KeyFacts {
  readonly type: string | undefined;
  /** The RSA modulus length in bytes (0 for other keys): a PKCS #1 signature's exact length. */
  readonly modulusBytes: number;
  /** OpenSSL's name of an EC key's curve. */
  readonly namedCurve: string | undefined;
}

const known = new WeakMap<KeyObject, KeyFacts>();

export function keyFacts(key: KeyObject): KeyFacts {
  let facts = known.get(key);
  if (facts === undefined) {
    const details = key.asymmetricKeyDetails;
    facts = {
      type: key.asymmetricKeyType,
      modulusBytes: Math.ceil((details?.modulusLength ?? 0) / 8),
      namedCurve: details?.namedCurve,
    };
    known.set(key, facts);
  }
  return facts;
}
