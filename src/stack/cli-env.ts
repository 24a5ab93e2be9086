/**
 * The coordinator CLI's environment for the production stack: `cli.env` in the stack's data folder
 * (`$DATA_DIR/produccion`), written at every start, mode 0600 (it holds the store's credentials and
 * names the keyring and the CLI's private key). Every variable the CLI reads to reach this
 * deployment, and nothing the CLI does not read (no link secret, no SMTP relay, no portal's
 * account): `manifiesta --env-file …/cli.env status …`, or `MANIFIESTA_ENV_FILE=…/cli.env`
 * (src/cli/env-file.ts). The file is checked against Node's own parser (`util.parseEnv`, which
 * the CLI reads it with) before it is written.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { PRIVATE_FILE_MODE } from '../storage/private-files';

/** Its name in the stack's data folder. */
export const CLI_ENV_FILE = 'cli.env';

/** What the CLI reads, by what for; in the file's order. Absent ones are left out. */
export const CLI_ENV_SECTIONS: readonly { readonly what: string; readonly names: readonly string[] }[] = [
  {
    what: "Temporal's frontend, over mutual TLS with the CLI's own client certificate",
    names: [
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'TEMPORAL_TASK_QUEUE',
      'TEMPORAL_TLS_CERT',
      'TEMPORAL_TLS_KEY',
      'TEMPORAL_TLS_CA',
      'TEMPORAL_TLS_SERVER_NAME',
    ],
  },
  {
    what: 'the payload keyring (what the workers encrypt with)',
    names: ['PAYLOAD_KEYS', 'PAYLOAD_KEY_ID'],
  },
  {
    what: "the evidence store (S3), with the writers' account: record-installation, evidence, reseal",
    names: [
      'EVIDENCE_URL',
      'S3_ENDPOINT',
      'S3_FORCE_PATH_STYLE',
      'AWS_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
    ],
  },
  { what: 'what `verify` trusts, as the workers do', names: ['TRUST_ANCHORS', 'CRLS'] },
  {
    what: "the Web UI (the links `start` prints) and the workers' sender (start's escalation address)",
    names: ['TEMPORAL_UI_URL', 'MAIL_FROM'],
  },
];

/** Variables holding paths (comma-separated for several), made absolute: the CLI runs from anywhere. */
const PATHS = new Set(['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TRUST_ANCHORS', 'CRLS']);

/**
 * The CLI's variables out of the environment the stack gives its parts and its CLI (the CLI's
 * client certificate, the writers' store account): relative paths made absolute, PAYLOAD_KEYS
 * too when it names a file, and the Web UI's first origin only (the CLI builds links from it).
 */
export function cliEnvironment(stackEnv: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { names } of CLI_ENV_SECTIONS)
    for (const name of names) {
      let value = stackEnv[name];
      if (value === undefined || value.trim() === '') continue;
      if (PATHS.has(name))
        value = value
          .split(',')
          .map((path) => path.trim())
          .filter(Boolean)
          .map((path) => resolve(path))
          .join(',');
      else if (name === 'PAYLOAD_KEYS' && !value.trim().startsWith('{')) value = resolve(value.trim());
      else if (name === 'TEMPORAL_UI_URL') value = value.split(',')[0]!.trim();
      out[name] = value;
    }
  return out;
}

/** One value as dotenv writes it: bare when plain, else quoted so that `util.parseEnv` reads it back whole. */
function quoted(name: string, value: string): string {
  if (/^[\w./:,@%+=-]*$/.test(value)) return value;
  if (!/['\n\r]/.test(value)) return `'${value}'`;
  if (!/[`\n\r]/.test(value)) return `\`${value}\``;
  throw new Error(
    `${name} cannot be written to a dotenv file (it holds quotes of every kind or a line break)`,
  );
}

/** The file's text; refused when Node's parser would not read back exactly `vars`. */
export function formatCliEnv(vars: Readonly<Record<string, string>>, header: readonly string[] = []): string {
  const lines = header.map((line) => `# ${line}`);
  for (const { what, names } of CLI_ENV_SECTIONS) {
    const present = names.filter((name) => vars[name] !== undefined);
    if (present.length === 0) continue;
    lines.push('', `# ${what}`, ...present.map((name) => `${name}=${quoted(name, vars[name]!)}`));
  }
  const text = `${lines.join('\n')}\n`;
  const back = parseEnv(text);
  for (const name of new Set([...Object.keys(vars), ...Object.keys(back)]))
    if (back[name] !== vars[name])
      throw new Error(`${name} would not read back from the dotenv file as written`);
  return text;
}

/**
 * Writes `dir/cli.env` (mode 0600, replaced whole: a reader never sees half of it) from the
 * stack's CLI environment, and returns its path.
 */
export function writeCliEnvFile(dir: string, stackEnv: NodeJS.ProcessEnv): string {
  const path = join(dir, CLI_ENV_FILE);
  const text = formatCliEnv(cliEnvironment(stackEnv), [
    `The coordinator CLI's environment for the stack in ${dir} (npm run stack:production writes it at every start).`,
    'It holds credentials: keep it the owner’s alone (0600).',
    `Use: manifiesta --env-file ${path} status <id>   or   export MANIFIESTA_ENV_FILE=${path}`,
    'A variable already set in the environment wins over this file.',
  ]);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  return path;
}

/** What the stack prints once it is up: where the file is and how to use it. */
export function cliEnvUsage(path: string): string[] {
  const shell = /^[\w./:@%+=-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
  return [
    `the CLI's environment (Temporal with its certificate, the keyring, the evidence store): ${path}`,
    `  npx manifiesta --env-file ${shell} list`,
    `  or: export MANIFIESTA_ENV_FILE=${shell}   (a variable already set in the environment wins over the file)`,
  ];
}
