/**
 * What every component's configuration is read with: one error type, naming the variable, and the
 * parsers of numbers, ports, hosts and URLs they share.
 */

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * A URL fit for a message: its scheme and host only, never a user, password, path, query or
 * fragment; and nothing at all of a value that does not parse as a URL with a host (a mistyped
 * `user:password@host` would otherwise be printed whole).
 */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (!url.host) return '(no se muestra)';
    return `${url.protocol}//${url.username || url.password ? '***@' : ''}${url.host}`;
  } catch {
    return '(no se muestra)';
  }
}

/** Whether `hostname` (as URL parses it) names this machine. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
  );
}

export function wholeNumber(
  env: NodeJS.ProcessEnv,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(`${name} debe ser un número entero de ${min} a ${max} (recibido: "${raw}")`);
  return value;
}

export function portNumber(env: NodeJS.ProcessEnv, name: string): number {
  const port = Number(env[name]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new ConfigError(`${name} debe ser un número de puerto (recibido: "${env[name]}")`);
  return port;
}

/** A port from `name`, else `fallback` (the local stacks' well-known ports). */
export function portOr(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  return env[name] ? portNumber(env, name) : fallback;
}
