/**
 * `--env-file <archivo>` and `MANIFIESTA_ENV_FILE`: a dotenv file whose variables the CLI takes as
 * if they were in its environment, read before any configuration is (`npm run stack:production`
 * writes one for its deployment: `$DATA_DIR/produccion/cli.env`). A variable already in the
 * environment, even empty, wins over the file's, as with Node's own `--env-file`: a coordinator
 * can override one setting for one command. Node's parser (`util.parseEnv`) reads the file.
 */
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { UsageError } from './errors';

/** The variable naming the file when `--env-file` is not given. */
export const ENV_FILE_VARIABLE = 'MANIFIESTA_ENV_FILE';

/**
 * Reads the file `option` (`--env-file`) names, else `MANIFIESTA_ENV_FILE`'s, into `env`, and
 * returns the names it set (those the environment did not already have). Neither given: nothing.
 * A file that cannot be read is a usage error (exit 2), in Spanish, naming the file and who named it.
 */
export function loadEnvFile(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const fromVariable = env[ENV_FILE_VARIABLE] || undefined;
  const path = option ?? fromVariable;
  if (path === undefined) return [];
  const source = option !== undefined ? '--env-file' : ENV_FILE_VARIABLE;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `no se pudo leer el archivo de entorno ${path} (${source}): ${unreadable(error as NodeJS.ErrnoException)}`,
    );
  }
  const set: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (name === ENV_FILE_VARIABLE || env[name] !== undefined) continue;
    env[name] = value;
    set.push(name);
  }
  return set;
}

function unreadable(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'no existe (el stack de producción escribe el suyo, cli.env, en su carpeta de datos al arrancar)';
    case 'EACCES':
    case 'EPERM':
      return 'no hay permiso para leerlo';
    case 'EISDIR':
      return 'es una carpeta, no un archivo';
    default:
      return error.code ?? error.message;
  }
}
