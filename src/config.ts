/**
 * Configuration from the environment (DESIGN §3). Invalid configuration stops start-up with one
 * clear message naming the variable.
 */
import { readFileSync } from 'node:fs';
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
}

export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.DATA_DIR || '.data');
}

export function workerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const smtpUrl = env.SMTP_URL || 'smtp://localhost:1025';
  if (!/^smtps?:\/\/[^\s]+$/.test(smtpUrl))
    throw new ConfigError(`SMTP_URL must be smtp://host:port or smtps://… (got "${smtpUrl}")`);
  const portalBaseUrl = env.PORTAL_BASE_URL || `http://localhost:${env.PORTAL_PORT || 8080}`;
  try {
    new URL(portalBaseUrl);
  } catch {
    throw new ConfigError(`PORTAL_BASE_URL is not a URL (got "${portalBaseUrl}")`);
  }
  const linkSecret = env.LINK_SECRET ?? '';
  if (linkSecret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      `LINK_SECRET must be set, with at least ${MIN_SECRET_LENGTH} random characters (e.g. \`openssl rand -hex 32\`)`,
    );
  }
  return {
    temporal: temporalConfig(env),
    smtpUrl,
    mailFrom: env.MAIL_FROM || 'manifiesta <no-responder@manifiesta.local>',
    portalBaseUrl,
    linkSecret,
    trustAnchors: env.TRUST_ANCHORS || undefined,
    crls: env.CRLS || undefined,
    evidenceDir: resolve(env.EVIDENCE_DIR || join(dataDir(env), 'evidence')),
  };
}
