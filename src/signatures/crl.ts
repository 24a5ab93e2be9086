/**
 * Certificate revocation lists (RFC 5280 §5). node-forge does not read CRLs, so they are read here
 * on the DER; the issuer's signature is checked before a CRL is believed.
 */
import type { Certificate } from './certificate';
import {
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
  readTime,
  UniversalTag,
} from './der';
import { RSA_SIGNATURE_DIGEST_BY_OID } from './oids';
import { rsaVerify } from './rsa';

export interface RevocationList {
  /** The CRL as read (DER). */
  readonly der: Uint8Array;
  /** Where it was read from (a file name), for reports. */
  readonly source: string;
  readonly issuerName: Uint8Array;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | null;
  /** Revoked serial (lowercase hex) → revocation date. */
  readonly revoked: ReadonlyMap<string, Date>;
  /** Whether `issuer` signed this CRL (memoised: CRLs are configuration and do not change). */
  isSignedBy(issuer: Certificate): boolean;
}

/** @throws DerError when the bytes are not a CertificateList. */
export function parseCrl(der: Uint8Array, source: string): RevocationList {
  // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
  const root = expectSequence(parseDer(der), 'CertificateList');
  const [tbsNode, algNode, sigNode] = root.children;
  const tbs = expectSequence(tbsNode, 'TBSCertList');
  const fields = isUniversal(tbs.children[0]!, UniversalTag.integer) ? tbs.children.slice(1) : tbs.children;
  // TBSCertList ::= SEQUENCE { version OPTIONAL, signature, issuer, thisUpdate, nextUpdate OPTIONAL,
  //   revokedCertificates SEQUENCE OF SEQUENCE { userCertificate, revocationDate, … } OPTIONAL, … }
  const issuerName = elementBytes(der, expectSequence(fields[1], 'CRL issuer'));
  const thisUpdate = readTime(der, fields[2]);
  let index = 3;
  let nextUpdate: Date | null = null;
  const maybeTime = fields[index];
  if (
    maybeTime !== undefined &&
    (isUniversal(maybeTime, UniversalTag.utcTime) || isUniversal(maybeTime, UniversalTag.generalizedTime))
  ) {
    nextUpdate = readTime(der, maybeTime);
    index++;
  }
  const revoked = new Map<string, Date>();
  const list = fields[index];
  if (list !== undefined && !isContext(list, 0)) {
    for (const entry of expectSequence(list, 'revokedCertificates').children) {
      const [serial, date] = expectSequence(entry, 'revoked certificate').children;
      revoked.set(readIntegerHex(der, serial), readTime(der, date));
    }
  }
  const algorithm = readOid(der, expectSequence(algNode, 'AlgorithmIdentifier').children[0]);
  const bits = contentBytes(der, expectUniversal(sigNode, UniversalTag.bitString, 'CRL signature'));
  if (bits[0] !== 0) throw new DerError('CRL signature has unused bits');
  const signedBytes = elementBytes(der, tbs);
  const signature = bits.subarray(1);
  const verdicts = new WeakMap<Certificate, boolean>();

  return {
    der,
    source,
    issuerName,
    thisUpdate,
    nextUpdate,
    revoked,
    isSignedBy(issuer) {
      let verdict = verdicts.get(issuer);
      if (verdict === undefined) {
        const digest = RSA_SIGNATURE_DIGEST_BY_OID.get(algorithm);
        verdict = digest !== undefined && rsaVerify(digest, signedBytes, issuer.publicKey, signature);
        verdicts.set(issuer, verdict);
      }
      return verdict;
    },
  };
}
