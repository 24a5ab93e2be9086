/**
 * Certification path building and validation (RFC 5280 §6, the parts that matter for e.firma):
 * from the signer's certificate up to a configured trust anchor, through intermediates carried in
 * the signature or given separately. Every issuer must be a CA (basicConstraints cA=TRUE, which a
 * missing extension does not imply), allowed to sign certificates (keyUsage keyCertSign when the
 * extension is present), within its pathLenConstraint, with no critical extension we do not
 * process; every link is a signature checked over the exact TBSCertificate bytes, RSA or ECDSA as
 * the issuer's key is (a chain may mix them: an EC signer under an RSA CA, or the other way round).
 *
 * The certificates carried in a signature are chosen by whoever sent it, so the search does bounded
 * work whatever they are (RFC 4158 §5 and §8): a certificate whose subject and key already stand on
 * the path is never added again (loops, and rings of CAs that share a key), each signature on a
 * certificate is checked at most once per issuer key, and the number of candidates examined and of
 * signatures checked is capped. Reaching a cap is a refusal of its own, never a long wait.
 */
import type { Certificate } from './certificate';
import { verifyIssuerSignature } from './algorithms';
import { bytesEqual } from './der';

/** The work one path search may do (docs/portal.md#limits). */
export const PATH_LIMITS = {
  /** Certificates on a path, the signer and the anchor included. */
  pathLength: 8,
  /** Issuer candidates examined in one search. */
  candidates: 128,
  /** Signature checks on certificates in one search. */
  signatureChecks: 24,
} as const;

/** What one search cost: issuer candidates examined and certificate signatures checked. */
export interface PathWork {
  readonly candidates: number;
  readonly signatureChecks: number;
}

export type PathResult =
  | { readonly ok: true; readonly path: readonly Certificate[]; readonly work: PathWork }
  | {
      readonly ok: false;
      readonly reason: string;
      /** True when a limit of {@link PATH_LIMITS} stopped the search before it found a path. */
      readonly limitReached: boolean;
      readonly work: PathWork;
    };

/** An RSA issuer's smallest key; every accepted curve (P-256 and up) is strong enough for an EC one. */
const MIN_ISSUER_RSA_KEY_BITS = 2048;

/** Anchors indexed by subject name, so that finding an issuer costs one map look-up. */
export class AnchorSet {
  private readonly bySubject = new Map<string, Certificate[]>();
  readonly size: number;

  constructor(anchors: readonly Certificate[]) {
    for (const anchor of anchors) {
      const key = bytesKey(anchor.subjectName);
      const list = this.bySubject.get(key) ?? [];
      if (!list.some((c) => bytesEqual(c.der, anchor.der))) list.push(anchor);
      this.bySubject.set(key, list);
    }
    this.size = [...this.bySubject.values()].reduce((n, list) => n + list.length, 0);
  }

  issuersOf(cert: Certificate): readonly Certificate[] {
    return (this.bySubject.get(bytesKey(cert.issuerName)) ?? []).filter((c) => keyIdsAgree(cert, c));
  }

  /** Every anchor, as configured (deduplicated). */
  all(): readonly Certificate[] {
    return [...this.bySubject.values()].flat();
  }
}

function bytesKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
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

/** RFC 4158 §5.2: a path never holds the same subject name with the same public key twice. */
function nameAndKey(cert: Certificate): string {
  return `${bytesKey(cert.subjectName)}\u0000${bytesKey(cert.keyDer)}`;
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
  if (issuer.keyAlgorithm === 'rsa' && issuer.keyBits < MIN_ISSUER_RSA_KEY_BITS)
    return `${name} has a ${issuer.keyBits}-bit key`;
  const pathLen = issuer.basicConstraints.pathLen;
  // RFC 5280 §4.2.1.9: pathLenConstraint counts the non-self-issued intermediates below the CA.
  const intermediatesBelow = path.slice(1).filter((c) => !isSelfIssued(c)).length;
  if (pathLen !== null && intermediatesBelow > pathLen)
    return `${name} allows at most ${pathLen} intermediates below it`;
  return null;
}

class LimitReached extends Error {
  override readonly name = 'LimitReached';
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
  if (anchors.size === 0) {
    const work = { candidates: 0, signatureChecks: 0 };
    return { ok: false, reason: 'no trust anchors are configured', limitReached: false, work };
  }
  const carried = uniqueByDer(intermediates.filter((c) => !bytesEqual(c.der, signer.der)));
  const problems = new Set<string>();
  let candidates = 0;
  let signatureChecks = 0;
  // The verdict on a certificate's signature depends only on the issuer's key: re-issued CA
  // certificates that share a key are checked once.
  const verdicts = new Map<Certificate, Map<string, boolean>>();
  const signedBy = (cert: Certificate, issuer: Certificate): boolean => {
    const byKey = verdicts.get(cert) ?? new Map<string, boolean>();
    verdicts.set(cert, byKey);
    const key = bytesKey(issuer.keyDer);
    let verdict = byKey.get(key);
    if (verdict === undefined) {
      if (++signatureChecks > PATH_LIMITS.signatureChecks) {
        throw new LimitReached(`more than ${PATH_LIMITS.signatureChecks} certificate signatures to check`);
      }
      verdict = verifyIssuerSignature(cert.signatureAlgorithm, cert.tbs, issuer, cert.signature);
      byKey.set(key, verdict);
    }
    return verdict;
  };

  const extend = (
    path: readonly Certificate[],
    onPath: ReadonlySet<string>,
  ): readonly Certificate[] | null => {
    const current = path.at(-1)!;
    if (path.length >= PATH_LIMITS.pathLength) {
      problems.add(`no path of at most ${PATH_LIMITS.pathLength} certificates`);
      return null;
    }
    const fromAnchors = anchors.issuersOf(current).map((cert) => ({ cert, anchor: true }));
    const fromCarried = carried
      .filter((c) => isIssuerOf(c, current) && !onPath.has(nameAndKey(c)))
      .map((cert) => ({ cert, anchor: false }));
    if (fromAnchors.length === 0 && fromCarried.length === 0) {
      problems.add(`no trusted issuer found for ${current.subjectText} (issued by ${current.issuerText})`);
    }
    for (const { cert, anchor } of [...fromAnchors, ...fromCarried]) {
      if (++candidates > PATH_LIMITS.candidates) {
        throw new LimitReached(`more than ${PATH_LIMITS.candidates} issuer candidates to examine`);
      }
      const problem = issuerProblem(cert, path);
      if (problem !== null) {
        problems.add(problem);
        continue;
      }
      if (!signedBy(current, cert)) {
        problems.add(
          `the signature on ${current.subjectText} does not verify with ${cert.subjectText}'s key`,
        );
        continue;
      }
      if (anchor) return [...path, cert];
      const found = extend([...path, cert], new Set([...onPath, nameAndKey(cert)]));
      if (found !== null) return found;
    }
    return null;
  };

  try {
    const path = extend([signer], new Set([nameAndKey(signer)]));
    const work = { candidates, signatureChecks };
    if (path !== null) return { ok: true, path, work };
    return { ok: false, reason: [...problems].join('; '), limitReached: false, work };
  } catch (error) {
    if (!(error instanceof LimitReached)) throw error;
    return {
      ok: false,
      reason: `path building stopped: ${error.message}`,
      limitReached: true,
      work: { candidates, signatureChecks },
    };
  }
}

function uniqueByDer(certificates: readonly Certificate[]): Certificate[] {
  const seen = new Set<string>();
  return certificates.filter((c) => {
    const key = bytesKey(c.der);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
