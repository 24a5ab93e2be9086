/**
 * Reaching Temporal (every part): address, namespace, task queue, TLS or an API key, and the payload
 * keyring that encrypts what Temporal stores.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyringError, localKeyring, parseKeyring, type Keyring } from '../codec/keyring';
import { ConfigError } from './parsers';
import { dataDir } from './store';

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
    'falta PAYLOAD_KEYS: las llaves que cifran lo que guarda Temporal, como JSON {"id de llave": "base64 de 32 bytes"} o la ruta de un archivo que lo contenga (una llave: `openssl rand -base64 32`)',
  );
}

/** The keyring `npm start` keeps in DATA_DIR (docs/privacy.md). */
export const LOCAL_KEYRING_FILE = 'payload-keys.json';

export function temporalConfig(
  env: NodeJS.ProcessEnv = process.env,
  keys: KeySource = 'production',
): TemporalConfig {
  const address = env.TEMPORAL_ADDRESS || 'localhost:7233';
  if (!/^[^\s:/]+:\d{1,5}$/.test(address))
    throw new ConfigError(`TEMPORAL_ADDRESS debe ser host:puerto (recibido: "${address}")`);
  const cert = env.TEMPORAL_TLS_CERT;
  const key = env.TEMPORAL_TLS_KEY;
  if (Boolean(cert) !== Boolean(key))
    throw new ConfigError('TEMPORAL_TLS_CERT y TEMPORAL_TLS_KEY van juntas: falta una de las dos');
  const readPem = (name: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch {
      throw new ConfigError(`${name}: no se pudo leer ${path}`);
    }
  };
  if ((env.TEMPORAL_TLS_CA || env.TEMPORAL_TLS_SERVER_NAME) && !(cert && key))
    throw new ConfigError(
      'TEMPORAL_TLS_CA y TEMPORAL_TLS_SERVER_NAME requieren TEMPORAL_TLS_CERT y TEMPORAL_TLS_KEY',
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

/**
 * How a part is run. `production` (`npm run worker`, `npm run portal`) fails closed: it refuses to
 * start without trust anchors (every signature would be refused) or without an explicit
 * PORTAL_BASE_URL (links in real mail would point at localhost). `development` (`npm start`)
 * fills both in for one machine.
 */
export type RunMode = 'production' | 'development';
