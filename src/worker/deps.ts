/** The real parts the activities need, built from configuration. */
import { EvidenceStore } from '../activities/evidence-store';
import { createMailer } from '../activities/email';
import type { ActivityDeps } from '../activities';
import type { WorkerConfig } from '../config';
import { SigningLinks } from '../links/tokens';
import type { ProcessClient } from '../process-client';
import { loadTrustStore, VerificationPool } from '../signatures';

/** Verification threads trusting the configured anchors and CRLs (the worker and the portal). */
export function verificationPool(config: WorkerConfig): VerificationPool {
  return new VerificationPool(
    loadTrustStore({ anchors: config.trustAnchors, crls: config.crls }),
    config.verification,
  );
}

export function activityDeps(
  config: WorkerConfig,
  processes?: ProcessClient,
): ActivityDeps & { readonly verifier: VerificationPool } {
  return {
    ...(processes ? { processes } : {}),
    evidence: new EvidenceStore(config.evidenceDir),
    mailer: createMailer(config.smtpUrl, config.mailFrom),
    links: new SigningLinks(config.linkSecret, config.portalBaseUrl),
    verifier: verificationPool(config),
  };
}
