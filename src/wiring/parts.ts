/** The real parts the activities need, built from configuration. */
import { createMailer } from '../activities/email';
import { RenderPool } from '../activities/render-pool';
import type { ActivityDeps } from '../activities';
import type { WorkerConfig } from '../config';
import { SigningLinks } from '../links/tokens';
import { CrlStore } from '../revocation/crl-store';
import { TrustSource } from '../revocation/trust-source';
import { openStores, type Stores } from '../storage';
import type { ProcessClient } from '../client/process-client';
import { loadTrustStore, VerificationPool, type Verifier } from '../signatures';
import { OcspCheckingVerifier, OcspSource } from '../revocation/ocsp-source';
import { LetterRegister } from '../evidence/letter-register';
import { ProcessArchive } from '../evidence/process-archive';
import { TsaClient } from '../timestamps/client';
import { timestampTrust } from '../timestamps/trust';
import { Nom151Client } from '../timestamps/nom151';
import type { Nom151Config, TimestampConfig } from '../config';
import { privacyNoticeUrl } from '../config/privacy-notice';

/**
 * Where the verifier's trust comes from (anchors, CRL files, CRLs fetched from `CRL_URLS` into
 * the object store, the revocation policy), for the worker and the portal alike.
 */
export function trustSource(config: WorkerConfig, stores: Stores, log?: (line: string) => void): TrustSource {
  const crls =
    config.crlUrls.length > 0
      ? new CrlStore(stores.evidence.objects, stores.evidence, config.temporal.keyring)
      : null;
  return new TrustSource(config, crls, log);
}

/**
 * Verification threads trusting what `source` says now, kept current by it from then on (with
 * `fetch`, the worker's, also fetching `CRL_URLS`). TRUST_ANCHORS that name no certificate (an
 * empty folder, a wrong extension) stop start-up: every signature would be refused.
 */
export async function verificationPool(
  config: WorkerConfig,
  source: TrustSource,
  options: {
    readonly fetch: boolean;
    /** Where the OCSP answers an accepted signature relied on are kept (the worker's evidence store). */
    readonly keepOcsp?: (der: Uint8Array) => Promise<unknown>;
    readonly log?: (line: string) => void;
  },
): Promise<{
  readonly pool: VerificationPool;
  /** The pool, asking `OCSP_URL` first when it is set. */
  readonly verifier: Verifier;
  readonly ocsp: OcspCheckingVerifier | null;
  readonly stopKeeping: () => void;
}> {
  const pool = new VerificationPool(await source.build(), config.verification);
  const ocsp =
    config.ocspUrls.length === 0
      ? null
      : new OcspCheckingVerifier(
          pool,
          new OcspSource({ urls: config.ocspUrls, ...(options.log ? { log: options.log } : {}) }),
          options.keepOcsp ?? null,
        );
  return { pool, verifier: ocsp ?? pool, ocsp, stopKeeping: source.keep(pool, options) };
}

export interface WorkerParts extends ActivityDeps {
  readonly renderer: RenderPool;
  /** Stops keeping trust current, closes the mail transport and the thread pools. */
  close(): Promise<void>;
}

/** Everything a worker hosting the process needs (docs/hosting.md). */
export async function activityDeps(
  config: WorkerConfig,
  processes?: ProcessClient,
  log: (line: string) => void = console.warn,
): Promise<WorkerParts> {
  const stores = openStores(config.store, config.temporal.keyring);
  const source = trustSource(config, stores, log);
  log(`manifiesta: ${source.describe()}`);
  const { pool, verifier, ocsp, stopKeeping } = await verificationPool(config, source, {
    fetch: true,
    keepOcsp: (der) => stores.evidence.put(Buffer.from(der)),
    log,
  });
  const mailer = createMailer(
    config.smtpUrl,
    config.mailFrom,
    stores.ledger,
    privacyNoticeUrl(config.privacyNotice, config.portalBaseUrl),
  );
  const renderer = new RenderPool();
  // The privacy notice's text, kept with the evidence: a dossier shows the notice each signer saw.
  // A store that does not answer now does not stop the worker: the next start keeps it.
  await stores.evidence
    .put(config.privacyNotice.bytes)
    .catch((error: unknown) =>
      log(`manifiesta: el aviso de privacidad no se guardó: ${(error as Error).message}`),
    );
  const archive = new ProcessArchive(stores.evidence.objects, config.temporal.keyring);
  const tsa = config.timestamps === null ? null : tsaClient(config.timestamps);
  log(
    tsa === null
      ? 'manifiesta: sin TSA_URL: las firmas quedan en PAdES B-B (su hora es la del servidor)'
      : `manifiesta: sellos de tiempo de ${config.timestamps!.urls.map((url) => new URL(url).origin).join(', ')}`,
  );
  return {
    // The digest reads ended processes from the archive too.
    ...(processes ? { processes: processes.withArchive(archive) } : {}),
    tsa,
    tsaTrust:
      config.timestamps === null
        ? null
        : loadTrustStore({ anchors: config.timestamps.trustAnchors, crls: config.timestamps.crls }),
    nom151: config.nom151 === null ? null : nom151Client(config.nom151),
    evidence: stores.evidence,
    preparations: stores.preparations,
    mailer,
    links: new SigningLinks(config.linkSecret, config.portalBaseUrl),
    verifier,
    ocspOf: ocsp === null ? null : (certificate) => ocsp.ocspOf(certificate),
    register: new LetterRegister(stores.evidence.objects, config.temporal.keyring),
    archive,
    renderer,
    async close() {
      stopKeeping();
      mailer.transport.close();
      await pool.close();
      await renderer.close();
    },
  };
}

/** The TSAs of TSA_URL, trusted as TSA_TRUST_ANCHORS (and NOM151_TRUST_ANCHORS) say. */
export function tsaClient(config: TimestampConfig): TsaClient {
  const trust = timestampTrust({ anchors: config.trustAnchors, pscAnchors: config.pscTrustAnchors });
  return new TsaClient(
    config.urls.map((url) => ({
      url,
      ...(config.authorization ? { authorization: config.authorization } : {}),
    })),
    trust,
  );
}

/** The PSC of NOM151_URL, its constancias read with the PSC profile under NOM151_TRUST_ANCHORS. */
export function nom151Client(config: Nom151Config): Nom151Client {
  return new Nom151Client({
    url: config.url,
    api: config.api,
    trust: timestampTrust({ pscAnchors: config.trustAnchors }),
    ...(config.authorization ? { authorization: config.authorization } : {}),
  });
}
