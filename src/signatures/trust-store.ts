import { parseCertificate, type Certificate } from './certificate';
import { AnchorSet } from './chain';
import { bytesEqual } from './der';
import type { RevocationList } from './crl';

/**
 * What the verifier trusts: anchors (roots, and intermediates accepted as anchors) and the CRLs
 * it consults. Immutable once built; share one per process.
 */
export class TrustStore {
  readonly anchors: AnchorSet;
  private readonly crlsByIssuer = new Map<string, RevocationList[]>();

  constructor(
    anchors: readonly Certificate[],
    readonly crls: readonly RevocationList[] = [],
  ) {
    this.anchors = new AnchorSet(anchors);
    for (const crl of crls) {
      const key = Buffer.from(crl.issuerName).toString('latin1');
      this.crlsByIssuer.set(key, [...(this.crlsByIssuer.get(key) ?? []), crl]);
    }
  }

  /** Trust anchors from DER certificates (e.g. the tests' own CA). */
  static fromCertificates(ders: readonly Uint8Array[], crls: readonly RevocationList[] = []): TrustStore {
    return new TrustStore(ders.map(parseCertificate), crls);
  }

  /** The CRLs that `issuer` signed and that cover certificates it issued. */
  crlsFor(issuer: Certificate): RevocationList[] {
    const candidates = this.crlsByIssuer.get(Buffer.from(issuer.subjectName).toString('latin1')) ?? [];
    return candidates.filter(
      (crl) => bytesEqual(crl.issuerName, issuer.subjectName) && crl.isSignedBy(issuer),
    );
  }
}
