/** Where evidence and local state live: DATA_DIR, and the evidence store (a folder or S3). */
import { join, resolve } from 'node:path';
import type { StoreLocation } from '../storage';
import { ConfigError, redactUrl } from './parsers';

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
  if (!match)
    throw new ConfigError(`EVIDENCE_URL debe ser s3://bucket/prefijo (recibido: "${redactUrl(url)}")`);
  const endpoint = env.S3_ENDPOINT?.trim() || undefined;
  if (endpoint !== undefined && redactUrl(endpoint) === '(no se muestra)')
    throw new ConfigError('S3_ENDPOINT debe ser la URL del almacén, p. ej. http://127.0.0.1:7070');
  return {
    kind: 's3',
    bucket: match[1]!,
    prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, ''),
    endpoint,
    region: env.AWS_REGION || 'us-east-1',
    forcePathStyle: (env.S3_FORCE_PATH_STYLE ?? (endpoint ? 'true' : 'false')) === 'true',
  };
}
