/**
 * Configuration from the environment (DESIGN §3). Invalid configuration stops start-up with one
 * clear message naming the variable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { KeyringError, localKeyring, parseKeyring, type Keyring } from './codec/keyring';
import { MIN_SECRET_LENGTH } from './links/tokens';
import type { RevocationPolicy } from './signatures';
import type { StoreLocation } from './storage';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface TemporalConfig {
  readonly address: string;
  readonly namespace: string;
  readonly taskQueue: string;
  /** `PAYLOAD_KEYS`, `PAYLOAD_KEY_ID`: what encrypts and decrypts every payload (src/codec). */
  readonly keyring: Keyring;
  readonly apiKey?: string;
  /**
   * TLS to the frontend: `true` (Temporal Cloud with an API key: the system's roots), or the
   * client's pair for mutual TLS (`TEMPORAL_TLS_CERT`, `TEMPORAL_TLS_KEY`), with the CA that issued
   * the server's certificate when it is not a public one (`TEMPORAL_TLS_CA`) and the name to verify
   * it by (`TEMPORAL_TLS_SERVER_NAME`).
   */
  readonly tls?:
    | {
        readonly crt: Buffer;
        readonly key: Buffer;
        readonly ca?: Buffer | undefined;
        readonly serverName?: string | undefined;
      }
    | true;
}

/**
 * Where the payload keyring comes from. `production` (worker, portal, codec server): PAYLOAD_KEYS,
 * or start-up stops. `development` (`npm start`): PAYLOAD_KEYS, else the key kept in DATA_DIR,
 * created on first run. `cli`: PAYLOAD_KEYS, else DATA_DIR's key when `npm start` made one.
 */
export type KeySource = RunMode | 'cli';

export function payloadKeyring(env: NodeJS.ProcessEnv, source: KeySource): Keyring {
  try {
    if (env.PAYLOAD_KEYS) return parseKeyring(env.PAYLOAD_KEYS, env.PAYLOAD_KEY_ID);
    const local = join(dataDir(env), LOCAL_KEYRING_FILE);
    if (source === 'development') return localKeyring(local);
    if (source === 'cli' && existsSync(local)) return parseKeyring(local, env.PAYLOAD_KEY_ID);
  } catch (error) {
    if (error instanceof KeyringError) throw new ConfigError(error.message);
    throw error;
  }
  throw new ConfigError(
    'PAYLOAD_KEYS must be set: the keys that encrypt what Temporal stores, as JSON {"key id": "base64 of 32 bytes"} or the path of a file holding it (a key: `openssl rand -base64 32`)',
  );
}

/** The keyring `npm start` keeps in DATA_DIR (README "Private payloads"). */
export const LOCAL_KEYRING_FILE = 'payload-keys.json';

export function temporalConfig(
  env: NodeJS.ProcessEnv = process.env,
  keys: KeySource = 'production',
): TemporalConfig {
  const address = env.TEMPORAL_ADDRESS || 'localhost:7233';
  if (!/^[^\s:/]+:\d{1,5}$/.test(address))
    throw new ConfigError(`TEMPORAL_ADDRESS must be host:port (got "${address}")`);
  const cert = env.TEMPORAL_TLS_CERT;
  const key = env.TEMPORAL_TLS_KEY;
  if (Boolean(cert) !== Boolean(key))
    throw new ConfigError('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together');
  const readPem = (name: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch {
      throw new ConfigError(`${name}: cannot read ${path}`);
    }
  };
  if ((env.TEMPORAL_TLS_CA || env.TEMPORAL_TLS_SERVER_NAME) && !(cert && key))
    throw new ConfigError(
      'TEMPORAL_TLS_CA and TEMPORAL_TLS_SERVER_NAME go with TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY',
    );
  return {
    address,
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || 'manifiesta',
    keyring: payloadKeyring(env, keys),
    ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}),
    ...(cert && key
      ? {
          tls: {
            crt: readPem('TEMPORAL_TLS_CERT', cert),
            key: readPem('TEMPORAL_TLS_KEY', key),
            ...(env.TEMPORAL_TLS_CA ? { ca: readPem('TEMPORAL_TLS_CA', env.TEMPORAL_TLS_CA) } : {}),
            ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverName: env.TEMPORAL_TLS_SERVER_NAME } : {}),
          },
        }
      : env.TEMPORAL_API_KEY
        ? { tls: true as const }
        : {}),
  };
}

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
}

/**
 * Processes a worker keeps in memory between their workflow tasks. A process waits weeks between
 * tasks, so caching every one (the SDK sizes the cache from the heap: about 2,000 here) buys
 * little and costs memory; one that is not cached replays its short history (about 50 events)
 * when its next task comes.
 */
export const DEFAULT_CACHED_PROCESSES = 250;

export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.DATA_DIR || '.data');
}

/**
 * Where evidence and the mail ledger are kept: `EVIDENCE_URL=s3://bucket/prefix` (an S3-compatible
 * store: `S3_ENDPOINT` for one that is not AWS, `AWS_REGION`, credentials from the AWS SDK's chain,
 * e.g. `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`), else the folder `EVIDENCE_DIR` (default
 * `$DATA_DIR/evidence`).
 */
export function storeLocation(env: NodeJS.ProcessEnv = process.env): StoreLocation {
  const url = env.EVIDENCE_URL?.trim();
  if (!url) return { kind: 'folder', dir: resolve(env.EVIDENCE_DIR || join(dataDir(env), 'evidence')) };
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/([A-Za-z0-9/._-]*))?$/.exec(url);
  if (!match) throw new ConfigError(`EVIDENCE_URL must be s3://bucket/prefix (got "${redactUrl(url)}")`);
  const endpoint = env.S3_ENDPOINT?.trim() || undefined;
  if (endpoint !== undefined && redactUrl(endpoint) === '(not shown)')
    throw new ConfigError("S3_ENDPOINT must be the store's URL, e.g. http://127.0.0.1:7070");
  return {
    kind: 's3',
    bucket: match[1]!,
    prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, ''),
    endpoint,
    region: env.AWS_REGION || 'us-east-1',
    forcePathStyle: (env.S3_FORCE_PATH_STYLE ?? (endpoint ? 'true' : 'false')) === 'true',
  };
}

/**
 * How a part is run. `production` (`npm run worker`, `npm run portal`) fails closed: it refuses to
 * start without trust anchors (every signature would be refused) or without an explicit
 * PORTAL_BASE_URL (links in real mail would point at localhost). `development` (`npm start`)
 * fills both in for one machine.
 */
export type RunMode = 'production' | 'development';

/**
 * A URL fit for a message: its scheme and host only, never a user, password, path, query or
 * fragment; and nothing at all of a value that does not parse as a URL with a host (a mistyped
 * `user:password@host` would otherwise be printed whole).
 */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (!url.host) return '(not shown)';
    return `${url.protocol}//${url.username || url.password ? '***@' : ''}${url.host}`;
  } catch {
    return '(not shown)';
  }
}

export function workerConfig(
  env: NodeJS.ProcessEnv = process.env,
  mode: RunMode = 'production',
): WorkerConfig {
  const smtpUrl = env.SMTP_URL || 'smtp://localhost:1025';
  if (!/^smtps?:\/\/[^\s]+$/.test(smtpUrl))
    throw new ConfigError(
      'SMTP_URL must be smtp://host:port or smtps://user:password@host:port (the value given is not shown: it may hold a password)',
    );
  if (mode === 'production' && !env.PORTAL_BASE_URL) {
    throw new ConfigError(
      'PORTAL_BASE_URL must be set: the address signers open from their e-mail (e.g. https://firma.infoem.org.mx)',
    );
  }
  const portalBaseUrl = env.PORTAL_BASE_URL || `http://localhost:${env.PORTAL_PORT || 8080}`;
  let parsed: URL;
  try {
    parsed = new URL(portalBaseUrl);
  } catch {
    throw new ConfigError(`PORTAL_BASE_URL is not a URL (got "${redactUrl(portalBaseUrl)}")`);
  }
  if (!/^https?:$/.test(parsed.protocol) || parsed.username || parsed.password)
    throw new ConfigError(
      `PORTAL_BASE_URL must be an http(s) URL without credentials (got "${redactUrl(portalBaseUrl)}")`,
    );
  // Links carry a bearer token: over plain HTTP, anyone on the path reads it and signs or declines
  // in the signer's name. Only a portal on this machine (loopback) may be plain HTTP.
  if (mode === 'production' && parsed.protocol !== 'https:' && !isLoopback(parsed.hostname))
    throw new ConfigError(
      `PORTAL_BASE_URL must be an https:// address (got "${redactUrl(portalBaseUrl)}"): signing links carry their token, which plain HTTP would expose on the way; only a loopback address (localhost, 127.0.0.1, [::1]) may be http://`,
    );
  const linkSecret = env.LINK_SECRET ?? '';
  if (linkSecret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      `LINK_SECRET must be set, with at least ${MIN_SECRET_LENGTH} random characters (e.g. \`openssl rand -hex 32\`)`,
    );
  }
  const trustAnchors = (env.TRUST_ANCHORS ?? '').split(',').some((path) => path.trim())
    ? env.TRUST_ANCHORS
    : undefined;
  if (mode === 'production' && trustAnchors === undefined) {
    throw new ConfigError(
      "TRUST_ANCHORS must be set: the certificates of SAT's e.firma CAs (files or folders, comma-separated); without them every signature is refused",
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
  };
}

/**
 * Revocation (README "Revocation"). Outside development a signature is accepted only when its
 * certificate's revocation is established, so a source must be configured (`CRLS`, `CRL_URLS`);
 * `REVOCATION_POLICY=best-effort` is the explicit exception for an institute whose CAs publish no
 * CRL, and the parts say so when they start.
 */
function revocationConfig(
  env: NodeJS.ProcessEnv,
  mode: RunMode,
): Pick<WorkerConfig, 'crlUrls' | 'revocationPolicy' | 'crlRefreshMs'> {
  const policy = env.REVOCATION_POLICY?.trim() || (mode === 'production' ? 'required' : 'best-effort');
  if (policy !== 'required' && policy !== 'best-effort')
    throw new ConfigError(
      `REVOCATION_POLICY must be "required" or "best-effort" (got "${policy.slice(0, 40)}")`,
    );
  const crlUrls = (env.CRL_URLS ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  for (const url of crlUrls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(`CRL_URLS must list http(s) URLs, comma-separated (got "${redactUrl(url)}")`);
    }
    if (!/^https?:$/.test(parsed.protocol) || parsed.username || parsed.password)
      throw new ConfigError(`CRL_URLS must list http(s) URLs without credentials (got "${redactUrl(url)}")`);
  }
  if (policy === 'required' && !env.CRLS?.trim() && crlUrls.length === 0)
    throw new ConfigError(
      'CRLS or CRL_URLS must be set: without a revocation source no signature can be accepted (a certificate must be shown not revoked when it signs). Set REVOCATION_POLICY=best-effort only where the CAs publish no CRL: revocation is then not checked',
    );
  const minutes = wholeNumber(env, 'CRL_REFRESH_MINUTES', 1, 7 * 24 * 60) ?? 60;
  return { crlUrls, revocationPolicy: policy, crlRefreshMs: minutes * 60_000 };
}

/** Whether `hostname` (as URL parses it) names this machine. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
  );
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  return value;
}

function verificationConfig(env: NodeJS.ProcessEnv): WorkerConfig['verification'] {
  const threads = wholeNumber(env, 'VERIFICATION_THREADS', 1, 64);
  const timeBudgetMs = wholeNumber(env, 'VERIFICATION_TIME_BUDGET_MS', 100, 600_000);
  return {
    ...(threads !== undefined ? { threads } : {}),
    ...(timeBudgetMs !== undefined ? { timeBudgetMs } : {}),
  };
}

export interface PortalConfig {
  readonly port: number;
  readonly host: string;
  /** `TRUST_PROXY`: addresses or CIDR ranges of the reverse proxies in front of the portal. */
  readonly trustProxy: readonly string[];
}

export function portalConfig(env: NodeJS.ProcessEnv = process.env, defaultHost = '0.0.0.0'): PortalConfig {
  const port = Number(env.PORTAL_PORT || 8080);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new ConfigError(`PORTAL_PORT must be a port number (got "${env.PORTAL_PORT}")`);
  const trustProxy = (env.TRUST_PROXY ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of trustProxy) {
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    const maxPrefix = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
    // A /0 range trusts every address: anyone could then name their own in X-Forwarded-For.
    if (family === 0 || !prefixOk || rest.length > 0 || prefix === '0') {
      throw new ConfigError(
        `TRUST_PROXY must list the proxies' addresses or CIDR ranges, comma-separated (e.g. 10.0.0.5,10.1.0.0/16); "${entry}" is neither`,
      );
    }
  }
  return { port, host: env.PORTAL_HOST || defaultHost, trustProxy };
}

export interface CodecConfig {
  readonly keyring: Keyring;
  readonly port: number;
  readonly host: string;
  /** The Web UI's origins: `TEMPORAL_UI_URL` (comma-separated), else localhost on TEMPORAL_UI_PORT. */
  readonly allowedOrigins: readonly string[];
  /** `CODEC_ALLOWED_HOSTS`: the Host values served (`host:port`, or `host`); loopback when absent. */
  readonly allowedHosts: readonly string[];
  /** `CODEC_AUTH`: a bearer token requests may carry. */
  readonly auth: string | undefined;
  /**
   * `CODEC_OIDC_ISSUER`, `CODEC_OIDC_AUDIENCE` (+ `CODEC_OIDC_REQUIRED_GROUP`,
   * `CODEC_OIDC_GROUPS_CLAIM`): the SSO whose access tokens the Web UI passes.
   */
  readonly oidc:
    | {
        readonly issuer: string;
        readonly audience: string;
        readonly requiredGroup: string | undefined;
        readonly groupsClaim: string | undefined;
      }
    | undefined;
  /** Development only: no token required. */
  readonly allowAnonymous: boolean;
  /** `CODEC_ENCODE=enabled`: serve `/encode` (off by default: reading needs only `/decode`). */
  readonly encode: boolean;
  /** `CODEC_ACCESS_LOG`: a file the access record is appended to (stdout when absent). */
  readonly accessLog: string | undefined;
}

/**
 * The codec server's settings. Outside development (`npm run codec-server`) it refuses to start
 * without a way to tell who asks: `CODEC_AUTH` or `CODEC_OIDC_ISSUER` (README "The codec server").
 * `local` (`npm start`, and `npm run stack:production`'s trial on one machine): no token needed,
 * and then it may only listen on loopback and serve loopback names.
 */
export function codecConfig(
  env: NodeJS.ProcessEnv,
  keys: KeySource,
  local: boolean = keys === 'development',
): CodecConfig {
  const port = Number(env.CODEC_PORT || 8234);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new ConfigError(`CODEC_PORT must be a port number (got "${env.CODEC_PORT}")`);
  const uiPort = env.TEMPORAL_UI_PORT || '8233';
  const origins = (env.TEMPORAL_UI_URL || `http://localhost:${uiPort},http://127.0.0.1:${uiPort}`)
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean)
    .map((url) => {
      try {
        return new URL(url).origin;
      } catch {
        throw new ConfigError(`TEMPORAL_UI_URL must be the Web UI's URL (got "${redactUrl(url)}")`);
      }
    });
  const allowedHosts = (env.CODEC_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean);
  for (const host of allowedHosts)
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(host))
      throw new ConfigError(
        `CODEC_ALLOWED_HOSTS must list host or host:port values, comma-separated (got "${host.slice(0, 80)}")`,
      );
  const auth = env.CODEC_AUTH || undefined;
  if (auth !== undefined && auth.length < 16)
    throw new ConfigError('CODEC_AUTH must have at least 16 characters (e.g. `openssl rand -hex 32`)');
  let oidc: CodecConfig['oidc'];
  if (env.CODEC_OIDC_ISSUER) {
    let issuer: URL;
    try {
      issuer = new URL(env.CODEC_OIDC_ISSUER);
    } catch {
      throw new ConfigError(
        `CODEC_OIDC_ISSUER must be the issuer's URL (got "${redactUrl(env.CODEC_OIDC_ISSUER)}")`,
      );
    }
    if (issuer.protocol !== 'https:' && !isLoopback(issuer.hostname))
      throw new ConfigError(
        'CODEC_OIDC_ISSUER must be an https:// URL: its keys decide who reads personal data',
      );
    // Without an audience, any token the issuer signs for any of its clients would be taken.
    if (!env.CODEC_OIDC_AUDIENCE)
      throw new ConfigError(
        "CODEC_OIDC_AUDIENCE must be set with CODEC_OIDC_ISSUER: the client id the Web UI's tokens are issued for (its `aud`)",
      );
    oidc = {
      issuer: env.CODEC_OIDC_ISSUER,
      audience: env.CODEC_OIDC_AUDIENCE,
      requiredGroup: env.CODEC_OIDC_REQUIRED_GROUP || undefined,
      groupsClaim: env.CODEC_OIDC_GROUPS_CLAIM || undefined,
    };
  }
  const host = env.CODEC_HOST || '127.0.0.1';
  if (local && auth === undefined && oidc === undefined) {
    if (!isLoopback(host) || allowedHosts.some((h) => !isLoopback(h.replace(/:\d+$/, ''))))
      throw new ConfigError(
        'without CODEC_AUTH or CODEC_OIDC_ISSUER the codec server serves this machine only: CODEC_HOST and CODEC_ALLOWED_HOSTS must be loopback',
      );
  }
  if (!local && auth === undefined && oidc === undefined)
    throw new ConfigError(
      "CODEC_AUTH or CODEC_OIDC_ISSUER must be set: the codec server decrypts personal data for whoever asks, so it must know who asks (a bearer token, or the Web UI's single sign-on access token with codec.passAccessToken)",
    );
  const encode = (env.CODEC_ENCODE ?? '').trim();
  if (encode !== '' && encode !== 'enabled' && encode !== 'disabled')
    throw new ConfigError(`CODEC_ENCODE must be "enabled" or "disabled" (got "${encode.slice(0, 40)}")`);
  return {
    keyring: payloadKeyring(env, keys),
    port,
    host,
    allowedOrigins: origins,
    allowedHosts,
    auth,
    oidc,
    allowAnonymous: local,
    encode: encode === 'enabled',
    accessLog: env.CODEC_ACCESS_LOG || undefined,
  };
}

function portNumber(env: NodeJS.ProcessEnv, name: string): number {
  const port = Number(env[name]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new ConfigError(`${name} must be a port number (got "${env[name]}")`);
  return port;
}
