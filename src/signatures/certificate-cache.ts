/** Certificates parsed once: an LRU of the last ones seen, by their bytes' digest. */
import { type Certificate, parseCertificate } from './certificate';

/**
 * Parsed certificates by their exact DER, least recently used evicted. Intermediates (SAT's AC4,
 * AC5…) arrive with every signature; parsing them again, and importing their keys again (OpenSSL
 * then rebuilds its Montgomery context), would cost more than the RSA checks themselves. Only
 * parsing is memoised: every signature on the path is still verified on every verification.
 */
export class CertificateCache {
  private readonly entries = new Map<string, Certificate>();

  constructor(private readonly capacity = 256) {}

  parse(der: Uint8Array): Certificate {
    if (this.capacity === 0) return parseCertificate(der);
    const key = Buffer.from(der.buffer, der.byteOffset, der.length).toString('latin1');
    let cert = this.entries.get(key);
    if (cert !== undefined) {
      this.entries.delete(key); // re-insert: Map order is recency
    } else {
      cert = parseCertificate(der);
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(key, cert);
    return cert;
  }
}
