/** The signer portal's listening address and proxy trust. */
import { isIP } from 'node:net';
import { ConfigError } from './parsers';

export interface PortalConfig {
  readonly port: number;
  readonly host: string;
  /** `TRUST_PROXY`: addresses or CIDR ranges of the reverse proxies in front of the portal. */
  readonly trustProxy: readonly string[];
}

export function portalConfig(env: NodeJS.ProcessEnv = process.env, defaultHost = '0.0.0.0'): PortalConfig {
  const port = Number(env.PORTAL_PORT || 8080);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new ConfigError(`PORTAL_PORT debe ser un número de puerto (recibido: "${env.PORTAL_PORT}")`);
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
        `TRUST_PROXY debe listar las direcciones o rangos CIDR de los proxies, separados por comas (p. ej. 10.0.0.5,10.1.0.0/16); "${entry}" no es ninguna de las dos cosas`,
      );
    }
  }
  return { port, host: env.PORTAL_HOST || defaultHost, trustProxy };
}
