/** Runs the built CLI the way a coordinator's script does: a child process, exit code and output. */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const BIN = join(__dirname, '..', '..', 'bin', 'manifiesta.js');

export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
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
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, cwd });
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
