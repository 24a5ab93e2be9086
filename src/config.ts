/**
 * Configuration from the environment (DESIGN §3). Invalid configuration stops start-up with one
 * clear message naming the variable.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { MIN_SECRET_LENGTH } from './links/tokens';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface TemporalConfig {
  readonly address: string;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly apiKey?: string;
  readonly tls?: { readonly crt: Buffer; readonly key: Buffer } | true;
}

export function temporalConfig(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
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
  return {
    address,
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || 'manifiesta',
    ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}),
    ...(cert && key
      ? { tls: { crt: readPem('TEMPORAL_TLS_CERT', cert), key: readPem('TEMPORAL_TLS_KEY', key) } }
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
  readonly evidenceDir: string;
  /** `VERIFICATION_THREADS`, `VERIFICATION_TIME_BUDGET_MS`; the pool's defaults when absent. */
  readonly verification: { readonly threads?: number; readonly timeBudgetMs?: number };
}

export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.DATA_DIR || '.data');
}

/**
 * How a part is run. `production` (`npm run worker`, `npm run portal`) fails closed: it refuses to
 * start without trust anchors (every signature would be refused) or without an explicit
 * PORTAL_BASE_URL (links in real mail would point at localhost). `development` (`npm start`)
 * fills both in for one machine.
 */
export type RunMode = 'production' | 'development';

/** A URL fit for a message: without user, password, query or fragment. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    const credentials = url.username || url.password ? '***@' : '';
    return `${url.protocol}//${credentials}${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

export function workerConfig(
  env: NodeJS.ProcessEnv = process.env,
  mode: RunMode = 'production',
): WorkerConfig {
  const smtpUrl = env.SMTP_URL || 'smtp://localhost:1025';
  if (!/^smtps?:\/\/[^\s]+$/.test(smtpUrl))
    throw new ConfigError(`SMTP_URL must be smtp://host:port or smtps://… (got "${redactUrl(smtpUrl)}")`);
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
  const linkSecret = env.LINK_SECRET ?? '';
  if (linkSecret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      `LINK_SECRET must be set, with at least ${MIN_SECRET_LENGTH} random characters (e.g. \`openssl rand -hex 32\`)`,
    );
  }
  const trustAnchors = env.TRUST_ANCHORS?.trim() || undefined;
  if (mode === 'production' && trustAnchors === undefined) {
    throw new ConfigError(
      "TRUST_ANCHORS must be set: the certificates of SAT's e.firma CAs (files or folders, comma-separated); without them every signature is refused",
    );
  }
  return {
    temporal: temporalConfig(env),
    smtpUrl,
    mailFrom: env.MAIL_FROM || 'manifiesta <no-responder@manifiesta.local>',
    portalBaseUrl,
    linkSecret,
    trustAnchors,
    crls: env.CRLS || undefined,
    evidenceDir: resolve(env.EVIDENCE_DIR || join(dataDir(env), 'evidence')),
    verification: verificationConfig(env),
  };
}

function verificationConfig(env: NodeJS.ProcessEnv): WorkerConfig['verification'] {
  const number = (name: string, min: number, max: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max)
      throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    return value;
  };
  const threads = number('VERIFICATION_THREADS', 1, 64);
  const timeBudgetMs = number('VERIFICATION_TIME_BUDGET_MS', 100, 600_000);
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
    if (family === 0 || !prefixOk || rest.length > 0) {
      throw new ConfigError(
        `TRUST_PROXY must list the proxies' addresses or CIDR ranges, comma-separated (e.g. 10.0.0.5,10.1.0.0/16); "${entry}" is neither`,
      );
    }
  }
  return { port, host: env.PORTAL_HOST || defaultHost, trustProxy };
}
