/**
 * The worker's configuration (and the portal's, which verifies with the same trust): mail, links,
 * trust anchors and revocation, verification threads, caching, health.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MIN_SECRET_LENGTH } from '../links/tokens';
import type { RevocationPolicy } from '../signatures';
import type { StoreLocation } from '../storage';
import { ConfigError, isLoopback, portNumber, redactUrl, wholeNumber } from './parsers';
import { storeLocation } from './store';
import { nom151Config, timestampConfig, type Nom151Config, type TimestampConfig } from './timestamps';
import { type RunMode, type TemporalConfig, temporalConfig } from './temporal';
import { privacyNotice, type PrivacyNotice } from './privacy-notice';

export interface WorkerConfig {
  readonly temporal: TemporalConfig;
  readonly smtpUrl: string;
  readonly mailFrom: string;
  readonly portalBaseUrl: string;
  readonly linkSecret: string;
  readonly trustAnchors: string | undefined;
  readonly crls: string | undefined;
  /** `CRL_URLS`: CRLs the worker fetches on a schedule and keeps in the object store. */
  readonly crlUrls: readonly string[];
  /** `REVOCATION_POLICY`: `required` outside development, unless set to `best-effort`. */
  readonly revocationPolicy: RevocationPolicy;
  /** `CRL_REFRESH_MINUTES` (60), in ms. */
  readonly crlRefreshMs: number;
  /** `OCSP_URL`: OCSP responders asked about each signer's certificate, in order (none when empty). */
  readonly ocspUrls: readonly string[];
  /** `OCSP_RESPONDERS`: responder certificates trusted by configuration (RFC 6960 §4.2.2.2). */
  readonly ocspResponders: string | undefined;
  /** `EVIDENCE_DIR` or `EVIDENCE_URL` (with the S3 variables). */
  readonly store: StoreLocation;
  /** `WORKER_HEALTH_PORT`: where the worker answers /healthz and /readyz (none when absent). */
  readonly healthPort?: number;
  /** `WORKER_HEALTH_HOST` (default 127.0.0.1). */
  readonly healthHost: string;
  /** `VERIFICATION_THREADS`, `VERIFICATION_TIME_BUDGET_MS`; the pool's defaults when absent. */
  readonly verification: { readonly threads?: number; readonly timeBudgetMs?: number };
  /** `WORKER_CACHED_PROCESSES`: processes kept in the worker's memory between their tasks. */
  readonly cachedProcesses: number;
  /** `WORKER_ACTIVITY_SLOTS`: normal activities (dossiers, the mail updates send) run at once. */
  readonly activitySlots: number;
  /** `TSA_URL` and kin (./timestamps.ts): null when signatures are not time-stamped. */
  readonly timestamps: TimestampConfig | null;
  /** `NOM151_URL` and kin (./timestamps.ts): null when dossiers carry no NOM-151 constancia. */
  readonly nom151: Nom151Config | null;
  /** `PRIVACY_NOTICE_FILE`, `PRIVACY_NOTICE_URL` (./privacy-notice.ts): shown, named in every mail. */
  readonly privacyNotice: PrivacyNotice;
}

/**
 * Processes a worker keeps in memory between their workflow tasks. A process waits weeks between
 * tasks, so caching every one (the SDK sizes the cache from the heap: about 2,000 here) buys
 * little and costs memory; one that is not cached replays its short history (about 50 events)
 * when its next task comes.
 */
export const DEFAULT_CACHED_PROCESSES = 250;

export function workerConfig(
  env: NodeJS.ProcessEnv = process.env,
  mode: RunMode = 'production',
): WorkerConfig {
  const smtpUrl = env.SMTP_URL || 'smtp://localhost:1025';
  if (!/^smtps?:\/\/[^\s]+$/.test(smtpUrl))
    throw new ConfigError(
      'SMTP_URL debe ser smtp://host:puerto o smtps://usuario:contraseña@host:puerto (el valor recibido no se muestra: puede contener una contraseña)',
    );
  if (mode === 'production' && !env.PORTAL_BASE_URL) {
    throw new ConfigError(
      'falta PORTAL_BASE_URL: la dirección que los firmantes abren desde su correo (p. ej. https://firma.infoem.org.mx)',
    );
  }
  const portalBaseUrl = env.PORTAL_BASE_URL || `http://localhost:${env.PORTAL_PORT || 8080}`;
  let parsed: URL;
  try {
    parsed = new URL(portalBaseUrl);
  } catch {
    throw new ConfigError(`PORTAL_BASE_URL no es una URL (recibido: "${redactUrl(portalBaseUrl)}")`);
  }
  if (!/^https?:$/.test(parsed.protocol) || parsed.username || parsed.password)
    throw new ConfigError(
      `PORTAL_BASE_URL debe ser una URL http(s) sin credenciales (recibido: "${redactUrl(portalBaseUrl)}")`,
    );
  // Links carry a bearer token: over plain HTTP, anyone on the path reads it and signs or declines
  // in the signer's name. Only a portal on this machine (loopback) may be plain HTTP.
  if (mode === 'production' && parsed.protocol !== 'https:' && !isLoopback(parsed.hostname))
    throw new ConfigError(
      `PORTAL_BASE_URL debe ser una dirección https:// (recibido: "${redactUrl(portalBaseUrl)}"): los enlaces de firma llevan su token, que HTTP sin cifrar expondría en el camino; solo una dirección de esta máquina (localhost, 127.0.0.1, [::1]) puede ser http://`,
    );
  const linkSecret = env.LINK_SECRET ?? '';
  if (linkSecret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      `LINK_SECRET debe definirse con al menos ${MIN_SECRET_LENGTH} caracteres aleatorios (p. ej. \`openssl rand -hex 32\`)`,
    );
  }
  const trustAnchors = (env.TRUST_ANCHORS ?? '').split(',').some((path) => path.trim())
    ? env.TRUST_ANCHORS
    : undefined;
  if (mode === 'production' && trustAnchors === undefined) {
    throw new ConfigError(
      'falta TRUST_ANCHORS: los certificados de las autoridades certificadoras de la e.firma del SAT (archivos o carpetas, separados por comas); sin ellos se rechaza toda firma',
    );
  }
  const revocation = revocationConfig(env, mode);
  return {
    temporal: temporalConfig(env, mode),
    ...revocation,
    smtpUrl,
    mailFrom: env.MAIL_FROM || 'manifiesta <no-responder@manifiesta.local>',
    portalBaseUrl,
    linkSecret,
    trustAnchors,
    crls: env.CRLS || undefined,
    store: storeLocation(env),
    ...(env.WORKER_HEALTH_PORT ? { healthPort: portNumber(env, 'WORKER_HEALTH_PORT') } : {}),
    healthHost: env.WORKER_HEALTH_HOST || '127.0.0.1',
    verification: verificationConfig(env),
    cachedProcesses: wholeNumber(env, 'WORKER_CACHED_PROCESSES', 2, 100_000) ?? DEFAULT_CACHED_PROCESSES,
    activitySlots: wholeNumber(env, 'WORKER_ACTIVITY_SLOTS', 1, 1_000) ?? availableParallelism(),
    timestamps: timestampConfig(env),
    nom151: nom151Config(env),
    privacyNotice: privacyNotice(env),
  };
}

/**
 * Revocation (docs/portal.md#revocation). Outside development a signature is accepted only when its
 * certificate's revocation is established, so a source must be configured (`CRLS`, `CRL_URLS`);
 * `REVOCATION_POLICY=best-effort` is the explicit exception for an institute whose CAs publish no
 * CRL, and the parts say so when they start.
 */
function revocationConfig(
  env: NodeJS.ProcessEnv,
  mode: RunMode,
): Pick<WorkerConfig, 'crlUrls' | 'revocationPolicy' | 'crlRefreshMs' | 'ocspUrls' | 'ocspResponders'> {
  const policy = env.REVOCATION_POLICY?.trim() || (mode === 'production' ? 'required' : 'best-effort');
  if (policy !== 'required' && policy !== 'best-effort')
    throw new ConfigError(
      `REVOCATION_POLICY debe ser "required" o "best-effort" (recibido: "${policy.slice(0, 40)}")`,
    );
  const crlUrls = urlList(env, 'CRL_URLS');
  const ocspUrls = urlList(env, 'OCSP_URL');
  if (policy === 'required' && !env.CRLS?.trim() && crlUrls.length === 0 && ocspUrls.length === 0)
    throw new ConfigError(
      'falta CRLS, CRL_URLS u OCSP_URL: sin una fuente de revocación no se puede aceptar ninguna firma (hay que mostrar que el certificado no estaba revocado al firmar). Use REVOCATION_POLICY=best-effort solo donde las autoridades certificadoras no publiquen CRL ni respondan OCSP: entonces la revocación no se revisa',
    );
  const minutes = wholeNumber(env, 'CRL_REFRESH_MINUTES', 1, 7 * 24 * 60) ?? 60;
  return {
    crlUrls,
    revocationPolicy: policy,
    crlRefreshMs: minutes * 60_000,
    ocspUrls,
    ocspResponders: env.OCSP_RESPONDERS?.trim() || undefined,
  };
}

/** A comma-separated list of http(s) URLs without credentials (`CRL_URLS`, `OCSP_URL`). */
function urlList(env: NodeJS.ProcessEnv, name: string): string[] {
  const urls = (env[name] ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(
        `${name} debe listar URL http(s) separadas por comas (recibido: "${redactUrl(url)}")`,
      );
    }
    if (!/^https?:$/.test(parsed.protocol) || parsed.username || parsed.password)
      throw new ConfigError(
        `${name} debe listar URL http(s) sin credenciales (recibido: "${redactUrl(url)}")`,
      );
  }
  return urls;
}

function verificationConfig(env: NodeJS.ProcessEnv): WorkerConfig['verification'] {
  const threads = wholeNumber(env, 'VERIFICATION_THREADS', 1, 64);
  const timeBudgetMs = wholeNumber(env, 'VERIFICATION_TIME_BUDGET_MS', 100, 600_000);
  return {
    ...(threads !== undefined ? { threads } : {}),
    ...(timeBudgetMs !== undefined ? { timeBudgetMs } : {}),
  };
}

/**
 * The link secret on one machine (`npm start`, `npm run stack:production`): LINK_SECRET, else one
 * generated once and kept in DATA_DIR (the owner's only), so links outlive a restart.
 */
export function localLinkSecret(env: NodeJS.ProcessEnv, dataDir: string): string {
  if ((env.LINK_SECRET ?? '').length >= MIN_SECRET_LENGTH) return env.LINK_SECRET!;
  const file = join(dataDir, 'link-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}
