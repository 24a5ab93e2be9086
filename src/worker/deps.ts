/** The real parts the activities need, built from configuration. */
import { EvidenceStore } from '../activities/evidence-store';
import { createMailer } from '../activities/email';
import type { ActivityDeps } from '../activities';
import type { WorkerConfig } from '../config';
import { SigningLinks } from '../links/tokens';
import type { ProcessClient } from '../process-client';
import { loadTrustStore, SignatureVerifier } from '../signatures';

export function activityDeps(config: WorkerConfig, processes?: ProcessClient): ActivityDeps {
  return {
    ...(processes ? { processes } : {}),
    evidence: new EvidenceStore(config.evidenceDir),
    mailer: createMailer(config.smtpUrl, config.mailFrom),
    links: new SigningLinks(config.linkSecret, config.portalBaseUrl),
    verifier: new SignatureVerifier(loadTrustStore({ anchors: config.trustAnchors, crls: config.crls })),
  };
}
