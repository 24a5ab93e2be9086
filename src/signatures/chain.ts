/**
 * Certification path building and validation (RFC 5280 §6, the parts that matter for e.firma):
 * from the signer's certificate up to a configured trust anchor, through intermediates carried in
 * the signature or given separately. Every issuer must be a CA (basicConstraints cA=TRUE, which a
 * missing extension does not imply), allowed to sign certificates (keyUsage keyCertSign when the
 * extension is present), within its pathLenConstraint, with no critical extension we do not
 * process; every link is an RSA signature checked over the exact TBSCertificate bytes.
 */
import type { Certificate } from './certificate';
import { bytesEqual } from './der';
import { RSA_SIGNATURE_DIGEST_BY_OID } from './oids';
import { rsaVerify } from './rsa';

export type PathResult =
  | { readonly ok: true; readonly path: readonly Certificate[] }
  | { readonly ok: false; readonly reason: string };

const MAX_PATH_LENGTH = 8;
const MIN_ISSUER_KEY_BITS = 2048;

/** Anchors indexed by subject name, so that finding an issuer costs one map look-up. */
export class AnchorSet {
  private readonly bySubject = new Map<string, Certificate[]>();
  readonly size: number;

  constructor(anchors: readonly Certificate[]) {
    for (const anchor of anchors) {
      const key = nameKey(anchor.subjectName);
      const list = this.bySubject.get(key) ?? [];
      if (!list.some((c) => bytesEqual(c.der, anchor.der))) list.push(anchor);
      this.bySubject.set(key, list);
    }
    this.size = [...this.bySubject.values()].reduce((n, list) => n + list.length, 0);
  }

  issuersOf(cert: Certificate): readonly Certificate[] {
    return (this.bySubject.get(nameKey(cert.issuerName)) ?? []).filter((c) => keyIdsAgree(cert, c));
  }
}

function nameKey(name: Uint8Array): string {
  return Buffer.from(name.buffer, name.byteOffset, name.length).toString('latin1');
}

function keyIdsAgree(child: Certificate, issuer: Certificate): boolean {
  return (
    child.authorityKeyId === null ||
    issuer.subjectKeyId === null ||
    child.authorityKeyId === issuer.subjectKeyId
  );
}

function isIssuerOf(candidate: Certificate, child: Certificate): boolean {
  return bytesEqual(candidate.subjectName, child.issuerName) && keyIdsAgree(child, candidate);
}

export function isSelfIssued(cert: Certificate): boolean {
  return bytesEqual(cert.subjectName, cert.issuerName);
}

/** Why `issuer` may not issue the next certificate of `path` (leaf first), or null when it may. */
function issuerProblem(issuer: Certificate, path: readonly Certificate[]): string | null {
  const name = issuer.subjectText;
  if (issuer.basicConstraints?.ca !== true) return `${name} is not a CA (basicConstraints cA is not TRUE)`;
  if (issuer.keyUsage !== null && !issuer.keyUsage.keyCertSign)
    return `${name} may not sign certificates (keyUsage)`;
  if (issuer.unknownCriticalExtensions.length > 0) {
    return `${name} has unprocessed critical extensions ${issuer.unknownCriticalExtensions.join(', ')}`;
  }
  if (issuer.keyBits < MIN_ISSUER_KEY_BITS) return `${name} has a ${issuer.keyBits}-bit key`;
  const pathLen = issuer.basicConstraints.pathLen;
  // RFC 5280 §4.2.1.9: pathLenConstraint counts the non-self-issued intermediates below the CA.
  const intermediatesBelow = path.slice(1).filter((c) => !isSelfIssued(c)).length;
  if (pathLen !== null && intermediatesBelow > pathLen)
    return `${name} allows at most ${pathLen} intermediates below it`;
  return null;
}

function signedBy(cert: Certificate, issuer: Certificate): boolean {
  const digest = RSA_SIGNATURE_DIGEST_BY_OID.get(cert.signatureAlgorithm);
  return digest !== undefined && rsaVerify(digest, cert.tbs, issuer.publicKey, cert.signature);
}

/**
 * Finds a valid path `[signer, …intermediates, anchor]`. Depth-first with backtracking, because
 * CAs are re-keyed and one name may have several certificates; anchors are tried first.
 */
export function buildPath(
  signer: Certificate,
  intermediates: readonly Certificate[],
  anchors: AnchorSet,
): PathResult {
  if (anchors.size === 0) return { ok: false, reason: 'no trust anchors are configured' };
  const problems: string[] = [];

  const extend = (path: readonly Certificate[]): readonly Certificate[] | null => {
    const current = path.at(-1)!;
    if (path.length > MAX_PATH_LENGTH) return null;
    const fromAnchors = anchors.issuersOf(current).map((c) => ({ cert: c, anchor: true }));
    const fromCarried = intermediates
      .filter((c) => isIssuerOf(c, current) && !path.some((p) => bytesEqual(p.der, c.der)))
      .map((c) => ({ cert: c, anchor: false }));
    for (const { cert, anchor } of [...fromAnchors, ...fromCarried]) {
      const problem = issuerProblem(cert, path);
      if (problem !== null) {
        problems.push(problem);
        continue;
      }
      if (!signedBy(current, cert)) {
        problems.push(
          `the signature on ${current.subjectText} does not verify with ${cert.subjectText}'s key`,
        );
        continue;
      }
      if (anchor) return [...path, cert];
      const found = extend([...path, cert]);
      if (found !== null) return found;
    }
    if (fromAnchors.length === 0 && fromCarried.length === 0) {
      problems.push(`no trusted issuer found for ${current.subjectText} (issued by ${current.issuerText})`);
    }
    return null;
  };

  const path = extend([signer]);
  return path !== null ? { ok: true, path } : { ok: false, reason: problems.join('; ') };
}
