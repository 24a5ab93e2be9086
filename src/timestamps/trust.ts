/**
 * Whom a time-stamp is trusted from: TSA_TRUST_ANCHORS (the TSAs that stamp signatures and
 * archive the letter) and NOM151_TRUST_ANCHORS (the PSCs' roots, ACR2-SE by default, whose tokens
 * are read with the `psc` profile: see ./verify.ts).
 */
import { createHash } from 'node:crypto';
import { loadCertificates } from '../signatures';
import type { TimestampTrust } from './verify';

export function timestampTrust(files: {
  readonly anchors?: string | undefined;
  readonly pscAnchors?: string | undefined;
}): TimestampTrust {
  const psc = loadCertificates(files.pscAnchors ?? []);
  return {
    anchors: [...loadCertificates(files.anchors ?? []), ...psc],
    pscAnchors: psc.map((cert) => createHash('sha256').update(cert.der).digest('hex')),
  };
}
