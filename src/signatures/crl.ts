/**
 * Certificate revocation lists (RFC 5280 §5). node-forge does not read CRLs, so they are read here
 * on the DER; the issuer's signature is checked before a CRL is believed, and only an issuer whose
 * key may sign CRLs (keyUsage cRLSign, when the extension is present) is believed.
 *
 * Extensions are honoured as §5.2 and §5.3 require: a CRL or an entry with a critical extension we
 * do not process is not used at all; a delta CRL or an indirect CRL (which this verifier does not
 * process) likewise; and a CRL whose issuing distribution point limits its scope (§5.2.5) speaks
 * only for the certificates in that scope.
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
  type DerNode,
  distributionPointUris,
} from './der';
import { verifyIssuerSignature } from './algorithms';

/** What a CRL's issuing distribution point (RFC 5280 §5.2.5) says it covers. */
export interface CrlScope {
  readonly onlyContainsUserCerts: boolean;
  readonly onlyContainsCACerts: boolean;
  /** Only some revocation reasons are listed: it cannot say a certificate is not revoked. */
  readonly onlySomeReasons: boolean;
  readonly onlyContainsAttributeCerts: boolean;
  /** The distribution point's URIs, when it names one: the CRL covers certificates that point at it. */
  readonly distributionPointUris: readonly string[] | null;
}

export interface RevocationList {
  /** The CRL as read (DER). */
  readonly der: Uint8Array;
  /** Where it was read from (a file name or a URL), for the audit trail and logs. */
  readonly source: string;
  readonly issuerName: Uint8Array;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | null;
  /** Revoked serial (lowercase hex) → revocation date. */
  readonly revoked: ReadonlyMap<string, Date>;
  /** The cRLNumber extension (hex), when present. */
  readonly number: string | null;
  /**
   * Why this CRL cannot be used at all (a critical extension not processed, a delta or an indirect
   * CRL), or null. Such a CRL says nothing about any certificate.
   */
  readonly unusable: string | null;
  readonly scope: CrlScope;
  /** Whether `issuer` signed this CRL and may sign CRLs (memoised: CRLs do not change). */
  isSignedBy(issuer: Certificate): boolean;
  /** Whether `cert` is within this CRL's scope, so that its absence from the list means "not revoked". */
  covers(cert: Certificate): boolean;
}

const EXTENSION = {
  authorityKeyIdentifier: '2.5.29.35',
  cRLNumber: '2.5.29.20',
  deltaCRLIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  freshestCRL: '2.5.29.46',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  issuerAltName: '2.5.29.18',
  // entry extensions (§5.3)
  reasonCode: '2.5.29.21',
  holdInstructionCode: '2.5.29.23',
  invalidityDate: '2.5.29.24',
  certificateIssuer: '2.5.29.29',
} as const;

/** CRL extensions whose meaning is taken into account (others, when critical, make the CRL unusable). */
const PROCESSED_CRL_EXTENSIONS = new Set<string>([
  EXTENSION.authorityKeyIdentifier,
  EXTENSION.cRLNumber,
  EXTENSION.issuingDistributionPoint,
  EXTENSION.freshestCRL,
  EXTENSION.authorityInfoAccess,
  EXTENSION.issuerAltName,
]);
const PROCESSED_ENTRY_EXTENSIONS = new Set<string>([
  EXTENSION.reasonCode,
  EXTENSION.holdInstructionCode,
  EXTENSION.invalidityDate,
]);

interface Extension {
  readonly id: string;
  readonly critical: boolean;
  /** The extnValue's content: the extension's own DER. */
  readonly value: Uint8Array;
}

/** Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension { extnID, critical BOOLEAN DEFAULT FALSE, extnValue } */
function readExtensions(der: Uint8Array, node: DerNode): Extension[] {
  return expectSequence(node, 'Extensions').children.map((child) => {
    const parts = expectSequence(child, 'Extension').children;
    const id = readOid(der, parts[0]);
    const critical =
      parts.length === 3 && isUniversal(parts[1]!, UniversalTag.boolean)
        ? contentBytes(der, parts[1]!)[0] !== 0
        : false;
    const value = contentBytes(der, expectUniversal(parts.at(-1), UniversalTag.octetString, 'extnValue'));
    return { id, critical, value };
  });
}

const FULL_SCOPE: CrlScope = {
  onlyContainsUserCerts: false,
  onlyContainsCACerts: false,
  onlySomeReasons: false,
  onlyContainsAttributeCerts: false,
  distributionPointUris: null,
};

/** `[n] IMPLICIT BOOLEAN` inside a SEQUENCE: true when present and non-zero. */
function flag(bytes: Uint8Array, children: readonly DerNode[], tag: number): boolean {
  const node = children.find((c) => isContext(c, tag));
  return node !== undefined && contentBytes(bytes, node)[0] !== 0;
}

/**
 * IssuingDistributionPoint ::= SEQUENCE { distributionPoint [0] OPTIONAL, onlyContainsUserCerts [1],
 * onlyContainsCACerts [2], onlySomeReasons [3] OPTIONAL, indirectCRL [4], onlyContainsAttributeCerts [5] }
 */
function readScope(value: Uint8Array): { scope: CrlScope; indirect: boolean } {
  const children = expectSequence(parseDer(value), 'IssuingDistributionPoint').children;
  const point = children.find((c) => isContext(c, 0));
  return {
    scope: {
      onlyContainsUserCerts: flag(value, children, 1),
      onlyContainsCACerts: flag(value, children, 2),
      onlySomeReasons: children.some((c) => isContext(c, 3)),
      onlyContainsAttributeCerts: flag(value, children, 5),
      distributionPointUris: point === undefined ? null : (distributionPointUris(value, point) ?? []),
    },
    indirect: flag(value, children, 4),
  };
}

/** @throws DerError when the bytes are not a CertificateList. */
export function parseCrl(der: Uint8Array, source: string): RevocationList {
  // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
  const root = expectSequence(parseDer(der), 'CertificateList');
  const [tbsNode, algNode, sigNode] = root.children;
  const tbs = expectSequence(tbsNode, 'TBSCertList');
  const fields = isUniversal(tbs.children[0]!, UniversalTag.integer) ? tbs.children.slice(1) : tbs.children;
  // TBSCertList ::= SEQUENCE { version OPTIONAL, signature, issuer, thisUpdate, nextUpdate OPTIONAL,
  //   revokedCertificates SEQUENCE OF SEQUENCE { userCertificate, revocationDate,
  //   crlEntryExtensions OPTIONAL } OPTIONAL, crlExtensions [0] EXPLICIT Extensions OPTIONAL }
  const innerAlgorithm = elementBytes(der, expectSequence(fields[0], 'CRL signature'));
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
  const problems: string[] = [];
  const revoked = new Map<string, Date>();
  const list = fields[index];
  if (list !== undefined && !isContext(list, 0)) {
    for (const entry of expectSequence(list, 'revokedCertificates').children) {
      const [serial, date, entryExtensions] = expectSequence(entry, 'revoked certificate').children;
      revoked.set(readIntegerHex(der, serial), readTime(der, date));
      if (entryExtensions === undefined) continue;
      for (const extension of readExtensions(der, entryExtensions)) {
        if (extension.id === EXTENSION.certificateIssuer)
          problems.push('an entry names another certificate issuer (an indirect CRL, not processed)');
        else if (extension.critical && !PROCESSED_ENTRY_EXTENSIONS.has(extension.id))
          problems.push(`an entry has the critical extension ${extension.id}, not processed`);
      }
    }
    index++;
  }
  let number: string | null = null;
  let scope = FULL_SCOPE;
  const extensionsNode = fields[index];
  if (extensionsNode !== undefined && isContext(extensionsNode, 0)) {
    for (const extension of readExtensions(
      der,
      expectSequence(extensionsNode.children[0], 'crlExtensions'),
    )) {
      if (extension.id === EXTENSION.cRLNumber)
        number = readIntegerHex(extension.value, parseDer(extension.value));
      else if (extension.id === EXTENSION.deltaCRLIndicator)
        problems.push('a delta CRL (only complete CRLs are processed)');
      else if (extension.id === EXTENSION.issuingDistributionPoint) {
        const read = readScope(extension.value);
        scope = read.scope;
        if (read.indirect) problems.push('an indirect CRL (not processed)');
      } else if (extension.critical && !PROCESSED_CRL_EXTENSIONS.has(extension.id))
        problems.push(`the critical extension ${extension.id}, not processed`);
    }
  }
  const outerAlgorithm = expectSequence(algNode, 'AlgorithmIdentifier');
  // RFC 5280 §5.1.1.2: the outer signatureAlgorithm is not signed; it must repeat the signed one.
  if (!Buffer.from(elementBytes(der, outerAlgorithm)).equals(Buffer.from(innerAlgorithm)))
    problems.push('its signatureAlgorithm differs from the signed one');
  const algorithm = {
    oid: readOid(der, outerAlgorithm.children[0]),
    parametersAbsent: outerAlgorithm.children.length === 1,
  };
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
    number,
    unusable: problems.length > 0 ? `${source}: ${problems.join('; ')}` : null,
    scope,
    isSignedBy(issuer) {
      let verdict = verdicts.get(issuer);
      if (verdict === undefined) {
        // RFC 5280 §4.2.1.3: a key whose keyUsage lacks cRLSign may not sign CRLs.
        const maySign = issuer.keyUsage === null || issuer.keyUsage.cRLSign;
        verdict = maySign && verifyIssuerSignature(algorithm, signedBytes, issuer, signature);
        verdicts.set(issuer, verdict);
      }
      return verdict;
    },
    covers(cert) {
      if (scope.onlySomeReasons || scope.onlyContainsAttributeCerts) return false;
      const isCa = cert.basicConstraints?.ca === true;
      if (scope.onlyContainsUserCerts && isCa) return false;
      if (scope.onlyContainsCACerts && !isCa) return false;
      if (scope.distributionPointUris !== null)
        return cert.crlDistributionPoints.some((uri) => scope.distributionPointUris!.includes(uri));
      return true;
    },
  };
}
