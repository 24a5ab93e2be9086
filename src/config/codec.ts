/** The codec server's configuration: who may decode, from which origins, and where decodes are recorded. */
import { type Keyring } from '../codec/keyring';
import { ConfigError, isLoopback, redactUrl } from './parsers';
import { type KeySource, payloadKeyring } from './temporal';

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
 * without a way to tell who asks: `CODEC_AUTH` or `CODEC_OIDC_ISSUER` (docs/privacy.md#the-codec-server).
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
    throw new ConfigError(`CODEC_PORT debe ser un número de puerto (recibido: "${env.CODEC_PORT}")`);
  const uiPort = env.TEMPORAL_UI_PORT || '8233';
  const origins = (env.TEMPORAL_UI_URL || `http://localhost:${uiPort},http://127.0.0.1:${uiPort}`)
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean)
    .map((url) => {
      try {
        return new URL(url).origin;
      } catch {
        throw new ConfigError(`TEMPORAL_UI_URL debe ser la URL de la Web UI (recibido: "${redactUrl(url)}")`);
      }
    });
  const allowedHosts = (env.CODEC_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean);
  for (const host of allowedHosts)
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(host))
      throw new ConfigError(
        `CODEC_ALLOWED_HOSTS debe listar valores host o host:puerto separados por comas (recibido: "${host.slice(0, 80)}")`,
      );
  const auth = env.CODEC_AUTH || undefined;
  if (auth !== undefined && auth.length < 16)
    throw new ConfigError('CODEC_AUTH debe tener al menos 16 caracteres (p. ej. `openssl rand -hex 32`)');
  let oidc: CodecConfig['oidc'];
  if (env.CODEC_OIDC_ISSUER) {
    let issuer: URL;
    try {
      issuer = new URL(env.CODEC_OIDC_ISSUER);
    } catch {
      throw new ConfigError(
        `CODEC_OIDC_ISSUER debe ser la URL del emisor (recibido: "${redactUrl(env.CODEC_OIDC_ISSUER)}")`,
      );
    }
    if (issuer.protocol !== 'https:' && !isLoopback(issuer.hostname))
      throw new ConfigError(
        'CODEC_OIDC_ISSUER debe ser una URL https://: sus llaves deciden quién lee datos personales',
      );
    // Without an audience, any token the issuer signs for any of its clients would be taken.
    if (!env.CODEC_OIDC_AUDIENCE)
      throw new ConfigError(
        'falta CODEC_OIDC_AUDIENCE junto con CODEC_OIDC_ISSUER: el id de cliente para el que se emiten los tokens de la Web UI (su `aud`)',
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
        'sin CODEC_AUTH ni CODEC_OIDC_ISSUER el servidor de códec solo atiende a esta máquina: CODEC_HOST y CODEC_ALLOWED_HOSTS deben ser direcciones locales (loopback)',
      );
  }
  if (!local && auth === undefined && oidc === undefined)
    throw new ConfigError(
      'falta CODEC_AUTH o CODEC_OIDC_ISSUER: el servidor de códec descifra datos personales para quien los pida, así que debe saber quién los pide (un token bearer, o el token de acceso del inicio de sesión único de la Web UI con codec.passAccessToken)',
    );
  const encode = (env.CODEC_ENCODE ?? '').trim();
  if (encode !== '' && encode !== 'enabled' && encode !== 'disabled')
    throw new ConfigError(
      `CODEC_ENCODE debe ser "enabled" o "disabled" (recibido: "${encode.slice(0, 40)}")`,
    );
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
