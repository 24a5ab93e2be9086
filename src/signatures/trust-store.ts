import { parseCertificate, type Certificate } from './certificate';
import { AnchorSet, PATH_LIMITS } from './chain';
import { bytesEqual } from './der';
import type { RevocationList } from './crl';

/**
 * What the verifier does when a certificate's revocation cannot be established (no CRL from its
 * issuer whose thisUpdate..nextUpdate covers the time judged):
 *
 * - `required`: the signature is not accepted; the report's code is REVOCATION_UNAVAILABLE ("cannot
 *   be judged now, try again"), never a verdict that the signature is bad. What the worker and the
 *   portal do outside development (docs/portal.md#revocation).
 * - `best-effort`: the revocation check is skipped and the report says so (`revocationChecked`
 *   false). For `manifiesta verify` by default, for development, and for an institute whose CAs
 *   publish no CRL (`REVOCATION_POLICY=best-effort`, said loudly at start).
 */
export type RevocationPolicy = 'required' | 'best-effort';

/**
 * What the verifier trusts: anchors (roots, and intermediates accepted as anchors), the CRLs it
 * consults, the revocation policy, and OCSP responders trusted by configuration (`OCSP_RESPONDERS`:
 * one that is neither a certificate's issuer nor authorised by it, RFC 6960 §4.2.2.2). Immutable
 * once built; share one per process.
 */
export class TrustStore {
  readonly anchors: AnchorSet;
  private readonly crlsByIssuer = new Map<string, RevocationList[]>();

  constructor(
    anchors: readonly Certificate[],
    readonly crls: readonly RevocationList[] = [],
    readonly revocationPolicy: RevocationPolicy = 'best-effort',
    readonly ocspResponders: readonly Certificate[] = [],
  ) {
    this.anchors = new AnchorSet(anchors);
    for (const crl of crls) {
      const key = Buffer.from(crl.issuerName).toString('latin1');
      this.crlsByIssuer.set(key, [...(this.crlsByIssuer.get(key) ?? []), crl]);
    }
  }

  /** Trust anchors from DER certificates (e.g. the tests' own CA). */
  static fromCertificates(
    ders: readonly Uint8Array[],
    crls: readonly RevocationList[] = [],
    revocationPolicy: RevocationPolicy = 'best-effort',
  ): TrustStore {
    return new TrustStore(ders.map(parseCertificate), crls, revocationPolicy);
  }

  /**
   * The CRLs held for `certificate` and for each CA above it up to the anchor (DER, once each): the
   * revocation data a PDF's DSS keeps so that its signatures validate offline (PAdES B-LT).
   */
  revocationDataOf(certificate: Uint8Array): Uint8Array[] {
    const crls = new Map<string, Uint8Array>();
    let current = parseCertificate(certificate);
    for (let depth = 0; depth < PATH_LIMITS.pathLength; depth++) {
      const issuer = this.anchors.issuersOf(current)[0];
      if (issuer === undefined) break;
      for (const crl of this.crlsFor(issuer)) crls.set(Buffer.from(crl.der).toString('base64'), crl.der);
      if (bytesEqual(issuer.der, current.der)) break;
      current = issuer;
    }
    return [...crls.values()];
  }

  /**
   * The CRLs that `issuer` signed (with a key allowed to sign CRLs) and that can be used: none with
   * a critical extension not processed, no delta or indirect CRL (RFC 5280 §5.2).
   */
  crlsFor(issuer: Certificate): RevocationList[] {
    const candidates = this.crlsByIssuer.get(Buffer.from(issuer.subjectName).toString('latin1')) ?? [];
    return candidates.filter(
      (crl) =>
        crl.unusable === null && bytesEqual(crl.issuerName, issuer.subjectName) && crl.isSignedBy(issuer),
    );
  }
}
