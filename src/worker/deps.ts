/** The real parts the activities need, built from configuration. */
import { createMailer } from '../activities/email';
import { RenderPool } from '../activities/render-pool';
import type { ActivityDeps } from '../activities';
import type { WorkerConfig } from '../config';
import { SigningLinks } from '../links/tokens';
import { openStores } from '../storage';
import type { ProcessClient } from '../process-client';
import { loadTrustStore, TrustConfigurationError, VerificationPool, type TrustStore } from '../signatures';

/**
 * Verification threads trusting the configured anchors and CRLs (the worker and the portal).
 * TRUST_ANCHORS that name no certificate (an empty folder, a wrong extension) stop start-up: every
 * signature would be refused.
 */
export function verificationPool(config: WorkerConfig): VerificationPool {
  return new VerificationPool(trustFrom(config), config.verification);
}

function trustFrom(config: WorkerConfig, log: (line: string) => void = console.warn): TrustStore {
  const trust = loadTrustStore({ anchors: config.trustAnchors, crls: config.crls });
  if (config.trustAnchors !== undefined && trust.anchors.size === 0) {
    throw new TrustConfigurationError(
      `TRUST_ANCHORS (${config.trustAnchors}) names no certificate: give the CA certificates' files (.pem .crt .cer .der) or folders holding them`,
    );
  }
  const now = new Date();
  for (const crl of trust.crls) {
    if (crl.nextUpdate === null || crl.nextUpdate < now)
      log(
        `CRL ${crl.source} is out of date (nextUpdate ${crl.nextUpdate?.toISOString() ?? 'absent'}): revocation is not checked with it; put its newer edition in CRLS`,
      );
  }
  return trust;
}

/** How often the worker and the portal re-read TRUST_ANCHORS and CRLS (SAT publishes CRLs daily). */
export const TRUST_RELOAD_MS = 15 * 60_000;

/**
 * Re-reads the trust files every {@link TRUST_RELOAD_MS}, so newly published CRLs are used
 * without a restart; a file that cannot be read keeps the previous material and is logged.
 * Returns the function that stops it.
 */
export function reloadTrustPeriodically(
  config: WorkerConfig,
  pool: VerificationPool,
  log: (line: string) => void = console.warn,
): () => void {
  const timer = setInterval(() => {
    try {
      void pool.reload(trustFrom(config, log));
    } catch (error) {
      log(`trust files not reloaded, the previous ones stay in use: ${(error as Error).message}`);
    }
  }, TRUST_RELOAD_MS);
  timer.unref();
  return () => clearInterval(timer);
}

export function activityDeps(
  config: WorkerConfig,
  processes?: ProcessClient,
): ActivityDeps & { readonly verifier: VerificationPool; readonly renderer: RenderPool } {
  const { evidence, ledger } = openStores(config.store, config.temporal.keyring);
  return {
    ...(processes ? { processes } : {}),
    evidence,
    mailer: createMailer(config.smtpUrl, config.mailFrom, ledger),
    links: new SigningLinks(config.linkSecret, config.portalBaseUrl),
    verifier: verificationPool(config),
    renderer: new RenderPool(),
  };
}
