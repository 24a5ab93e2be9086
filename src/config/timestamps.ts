/**
 * Time-stamping (docs/configuration.md): `TSA_URL`, one or more RFC 3161 authorities tried in
 * order (comma-separated), `TSA_AUTH` (an Authorization header value, when they ask for one) and
 * `TSA_TRUST_ANCHORS`, the roots their certificates must chain to. Without `TSA_URL` signatures
 * stay PAdES baseline B: their time is the server's clock, as the worker says when it starts.
 */
import { ConfigError, isLoopback, redactUrl } from './parsers';

export interface TimestampConfig {
  readonly urls: readonly string[];
  readonly authorization?: string;
  /** Files or folders of the TSAs' root certificates. */
  readonly trustAnchors: string;
  /** `NOM151_TRUST_ANCHORS`: the PSCs' roots, whose tokens are read with the PSC profile. */
  readonly pscTrustAnchors?: string;
  /** `TSA_CRLS`: the TSAs' CRLs (files or folders), kept in the letter's /DSS (PAdES B-LT). */
  readonly crls?: string;
}

export function timestampConfig(env: NodeJS.ProcessEnv): TimestampConfig | null {
  const urls = (env.TSA_URL ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  if (urls.length === 0) return null;
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(
        `TSA_URL debe listar URL http(s) separadas por comas (recibido: "${redactUrl(url)}")`,
      );
    }
    if (!/^https?:$/.test(parsed.protocol) || parsed.username || parsed.password)
      throw new ConfigError(
        `TSA_URL debe listar URL http(s) sin credenciales; las credenciales van en TSA_AUTH (recibido: "${redactUrl(url)}")`,
      );
    // A token proves itself (signature, chain, imprint, nonce), so plain HTTP cannot forge one; but
    // TSA_AUTH would travel in the clear, so with credentials only https (or this machine) will do.
    if (env.TSA_AUTH && parsed.protocol === 'http:' && !isLoopback(parsed.hostname))
      throw new ConfigError(`con TSA_AUTH, TSA_URL debe ser https:// (recibido: "${redactUrl(url)}")`);
  }
  const trustAnchors = env.TSA_TRUST_ANCHORS?.trim();
  if (!trustAnchors)
    throw new ConfigError(
      'falta TSA_TRUST_ANCHORS junto con TSA_URL: los certificados raíz de las autoridades de sellado de tiempo (archivos o carpetas, separados por comas)',
    );
  return {
    urls,
    trustAnchors,
    ...(env.TSA_AUTH ? { authorization: env.TSA_AUTH } : {}),
    ...(env.NOM151_TRUST_ANCHORS?.trim() ? { pscTrustAnchors: env.NOM151_TRUST_ANCHORS.trim() } : {}),
    ...(env.TSA_CRLS?.trim() ? { crls: env.TSA_CRLS.trim() } : {}),
  };
}

export interface Nom151Config {
  /** `NOM151_URL`: the PSC's endpoint. */
  readonly url: string;
  /** `NOM151_API`: `rfc3161` (default) or `rest` (`POST {hash}` → `{nom151}`). */
  readonly api: 'rfc3161' | 'rest';
  readonly authorization?: string;
  /** `NOM151_TRUST_ANCHORS`: the PSCs' roots (ACR2-SE). */
  readonly trustAnchors: string;
}

/**
 * NOM-151 constancias (`NOM151_URL`, `NOM151_API`, `NOM151_AUTH`, `NOM151_TRUST_ANCHORS`): without
 * `NOM151_URL` the dossier carries none.
 */
export function nom151Config(env: NodeJS.ProcessEnv): Nom151Config | null {
  const url = env.NOM151_URL?.trim();
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`NOM151_URL debe ser la URL del PSC (recibido: "${redactUrl(url)}")`);
  }
  if (!/^https?:$/.test(parsed.protocol) || parsed.username || parsed.password)
    throw new ConfigError(
      `NOM151_URL debe ser una URL http(s) sin credenciales; las credenciales van en NOM151_AUTH (recibido: "${redactUrl(url)}")`,
    );
  if (env.NOM151_AUTH && parsed.protocol === 'http:' && !isLoopback(parsed.hostname))
    throw new ConfigError(`con NOM151_AUTH, NOM151_URL debe ser https:// (recibido: "${redactUrl(url)}")`);
  const api = (env.NOM151_API ?? 'rfc3161').trim();
  if (api !== 'rfc3161' && api !== 'rest')
    throw new ConfigError(`NOM151_API debe ser "rfc3161" o "rest" (recibido: "${api.slice(0, 40)}")`);
  const trustAnchors = env.NOM151_TRUST_ANCHORS?.trim();
  if (!trustAnchors)
    throw new ConfigError(
      'falta NOM151_TRUST_ANCHORS junto con NOM151_URL: la raíz de la Secretaría de Economía (ACR2-SE) o la de su PSC',
    );
  return { url, api, trustAnchors, ...(env.NOM151_AUTH ? { authorization: env.NOM151_AUTH } : {}) };
}
