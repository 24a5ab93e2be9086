/** Runs the built CLI the way a coordinator's script does: a child process, exit code and output. */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const BIN = join(__dirname, '..', '..', 'bin', 'manifiesta.js');
/** As its shebang runs it: `node --`, so that Node leaves the CLI's `--env-file` to the CLI. */
const NODE_ARGS = ['--', BIN];

/**
 * The variables the CLI's configuration reads (src/config.ts, src/cli), and MANIFIESTA_ENV_FILE:
 * for a run that must take none of them from the tests' own environment.
 */
export const CLI_CONFIGURATION = [
  'MANIFIESTA_ENV_FILE',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TASK_QUEUE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS_CERT',
  'TEMPORAL_TLS_KEY',
  'TEMPORAL_TLS_CA',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_UI_URL',
  'TEMPORAL_UI_PORT',
  'PAYLOAD_KEYS',
  'PAYLOAD_KEY_ID',
  'EVIDENCE_DIR',
  'EVIDENCE_URL',
  'S3_ENDPOINT',
  'S3_FORCE_PATH_STYLE',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_PROFILE',
  'DATA_DIR',
  'TRUST_ANCHORS',
  'CRLS',
  'TSA_TRUST_ANCHORS',
  'NOM151_TRUST_ANCHORS',
  'COORDINATOR_EMAIL',
  'COORDINATOR_NAME',
  'MAIL_FROM',
  'INHABILES_FILE',
] as const;

/** An environment for `runCli`: every CLI_CONFIGURATION variable unset (a child's `undefined` is), but `env`'s. */
export function onlyConfiguration(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(CLI_CONFIGURATION.map((name) => [name, undefined])), ...env };
}

export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const result = spawnSync(process.execPath, [...NODE_ARGS, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Preloaded into a command: reports its CPU time on descriptor 3 as it exits. */
const CPU_REPORT = join(__dirname, 'cpu-report.js');

export interface MeasuredCliResult extends CliResult {
  /**
   * The CPU time the command used, user and system, every thread (ms): what its work cost,
   * however busy the machine was, where the time it took also counts everyone else's work.
   */
  readonly cpuMs: number;
}

/** As {@link runCli}, with the command's CPU time. */
export function runCliMeasured(args: readonly string[], env: NodeJS.ProcessEnv = {}): MeasuredCliResult {
  const result = spawnSync(process.execPath, ['--require', CPU_REPORT, BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const cpuMs = Number(result.output[3]);
  if (!(result.output[3] && Number.isFinite(cpuMs)))
    throw new Error(`the command reported no CPU time (status ${result.status}): ${result.stderr}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, cpuMs };
}

/**
 * The same, without blocking this process: needed whenever this process also hosts the worker the
 * command talks to (a synchronous spawn would stall the worker until the command times out).
 */
export function runCliAsync(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  cwd?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, ...args], { env: { ...process.env, ...env }, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** A command line split as a POSIX shell splits it: spaces, and single or double quotes. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /'([^']*)'|"((?:\\.|[^"])*)"|\\(.)|([^\s'"\\]+)/g;
  let word: string | undefined;
  let last = -1;
  for (let m = pattern.exec(line); m !== null; m = pattern.exec(line)) {
    const part = m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3] ?? m[4]!;
    // Parts written together ('a'\''b') make one word.
    if (word !== undefined && m.index === last) word += part;
    else {
      if (word !== undefined) words.push(word);
      word = part;
    }
    last = pattern.lastIndex;
  }
  if (word !== undefined) words.push(word);
  return words;
}
