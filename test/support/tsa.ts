/**
 * A real RFC 3161 time-stamping authority for tests: sigstore's timestamp-authority server
 * (github.com/sigstore/timestamp-authority/v2, `timestamp-server`), run on loopback with a key and
 * certificate chain the test made (its file signer), so that tests check real tokens against a
 * root they control. Without a key it uses its memory signer and serves a chain of its own.
 *
 * The binary is found like the stack's servers (src/stack/binaries.ts): `MANIFIESTA_TSA_SERVER`,
 * then `timestamp-server` on PATH, then the project's cache, else built there from the Go module
 * (a minute or two on a cold Go cache). v2.1.3 is the last release this machine's Go (1.26)
 * builds without fetching a newer toolchain (later ones declare go 1.27).
 *
 * We build it rather than `go install` it because the released server also serves Prometheus
 * metrics on the fixed address `:2112` (pkg/server/prometheus.go) and exits when that port is
 * taken: a second server on the machine (another test file, another worktree's CI run) would die.
 * The build copies the module's source from the module cache and moves that listener to an
 * ephemeral loopback port; nothing else changes. `ServerProcess` is shared with ./ocsp.ts.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isExecutable, temporalCacheDir } from '../../src/stack/binaries';

export type Log = (line: string) => void;

export const TSA_MODULE = 'github.com/sigstore/timestamp-authority/v2';
export const TSA_VERSION = 'v2.1.3';
const BINARY = 'timestamp-server';
/** The released metrics listener, and the one our build gets instead. */
const METRICS_ADDR = /Addr:(\s*)":2112",/;
const LOOPBACK_METRICS_ADDR = 'Addr:$1"127.0.0.1:0",';

/** How long a server may take to answer once started, on a machine busy with other tests. */
export const TSA_START_TIMEOUT_MS = 60_000;

/**
 * The `timestamp-server` binary: `MANIFIESTA_TSA_SERVER`, PATH, the cache, else built into the
 * cache with Go. A binary from the first two must be one whose metrics listener does not take
 * `:2112` if several servers may run at once (see the file comment).
 */
export async function ensureTsaServer(log: Log = () => {}): Promise<string> {
  const explicit = process.env.MANIFIESTA_TSA_SERVER;
  if (explicit) {
    if (!isExecutable(explicit))
      throw new Error(`MANIFIESTA_TSA_SERVER=${explicit} is not an executable file`);
    return explicit;
  }
  const fromPath = onPath(BINARY);
  if (fromPath) return fromPath;
  const cached = join(temporalCacheDir(), BINARY);
  if (isExecutable(cached)) return cached;
  mkdirSync(temporalCacheDir(), { recursive: true });
  const started = Date.now();
  log(`building ${BINARY} ${TSA_VERSION} with Go into ${temporalCacheDir()} (minutes on a cold Go cache)`);
  await buildTsaServer(cached, log);
  log(`built ${BINARY} in ${Math.round((Date.now() - started) / 1000)} s`);
  return cached;
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** Builds the server from a patched copy of its module's source into `out` (atomically). */
async function buildTsaServer(out: string, log: Log): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'manifiesta-tsa-build-'));
  try {
    const download = await run('go', ['mod', 'download', '-json', `${TSA_MODULE}@${TSA_VERSION}`], {
      cwd: work,
      log,
    });
    const source = join(work, 'src');
    cpSync((JSON.parse(download) as { Dir: string }).Dir, source, { recursive: true });
    makeWritable(source); // the module cache's files are read-only, and so are their copies
    moveMetricsListener(join(source, 'pkg', 'server', 'prometheus.go'));
    const built = join(work, BINARY);
    const ldflags = `-X sigs.k8s.io/release-utils/version.gitVersion=${TSA_VERSION}`;
    await run('go', ['build', '-trimpath', '-ldflags', ldflags, '-o', built, './cmd/timestamp-server'], {
      cwd: source,
      env: { CGO_ENABLED: '0' },
      log,
    });
    cpSync(built, `${out}.${process.pid}.tmp`);
    renameSync(`${out}.${process.pid}.tmp`, out);
  } finally {
    makeWritable(work);
    rmSync(work, { recursive: true, force: true });
  }
}

function moveMetricsListener(file: string): void {
  const text = readFileSync(file, 'utf8');
  if (!METRICS_ADDR.test(text))
    throw new Error(`${TSA_MODULE}@${TSA_VERSION}: no ":2112" metrics listener in ${file} to move`);
  writeFileSync(file, text.replace(METRICS_ADDR, LOOPBACK_METRICS_ADDR));
}

function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(path);
    else if (entry.isFile()) chmodSync(path, 0o644);
  }
}

/** Runs `command` to its end and resolves its stdout; its stderr goes to `log`, line by line. */
function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; log: Log },
): Promise<string> {
  options.log(`${command} ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    forwardLines(child.stderr, options.log);
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} failed (exit ${code})`)),
    );
  });
}

function forwardLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => pending && onLine(pending));
}

/**
 * A server process a test started: its output kept (the end of it, for errors) and passed to a
 * log, a wait for a line of it, and a stop that always ends it. A process left running when the
 * test process exits (mocha --exit skips the after hooks of a failed run) is killed then.
 */
export class ServerProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private output = '';
  private readonly lineWaiters = new Set<(line: string) => void>();
  private readonly killOnExit = (): void => void this.child.kill('SIGKILL');

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    options: Pick<SpawnOptions, 'cwd' | 'env'>,
    private readonly log: Log = () => {},
  ) {
    this.child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.child.once('close', () => resolve());
      this.child.once('error', (error) => {
        this.onLine(`failed to start ${command}: ${error.message}`);
        resolve();
      });
    });
    forwardLines(this.child.stdout!, (line) => this.onLine(line));
    forwardLines(this.child.stderr!, (line) => this.onLine(line));
    process.once('exit', this.killOnExit);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined;
  }

  /** The end of what the process wrote, for error messages. */
  get recentOutput(): string {
    return this.output;
  }

  private onLine(line: string): void {
    this.output = (this.output + line + '\n').slice(-6000);
    this.log(`[${this.name}] ${line}`);
    for (const waiter of this.lineWaiters) waiter(line);
  }

  /** The first line from now on that matches `pattern`; rejects if the process ends or time runs out. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.lineWaiters.delete(onLine);
      };
      const onLine = (line: string): void => {
        const match = pattern.exec(line);
        if (match) {
          done();
          resolve(match);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(this.failure(`wrote no line matching ${pattern} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.lineWaiters.add(onLine);
      void this.exited.then(() => {
        done();
        reject(this.failure('exited'));
      });
    });
  }

  /** An error naming the process, what went wrong and the end of its output. */
  failure(what: string, cause?: unknown): Error {
    const ended = this.child.exitCode ?? this.child.signalCode;
    const status = ended === null ? '' : ` (exit ${ended})`;
    return new Error(`${this.name} ${what}${status}:\n${this.output}`, { cause });
  }

  /** Ends the process: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 3_000): Promise<void> {
    process.removeListener('exit', this.killOnExit);
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The TSA's own key and chain (PEM files), or its memory signer (a fresh key and chain per start). */
export type TsaSigner =
  | {
      /** The TSA certificate's private key: PKCS#1, PKCS#8 (optionally encrypted) or SEC1 EC. */
      readonly keyPath: string;
      readonly keyPassword?: string;
      /**
       * The TSA certificate (one EKU, timeStamping, critical; not a CA), then its issuers up to
       * and including the root. The server refuses to start on a chain it does not accept.
       */
      readonly chainPath: string;
    }
  | 'memory';

export interface TsaOptions {
  readonly signer: TsaSigner;
  /** The digest of the token's signature (signed attributes). Default sha256. Ignored by `memory`. */
  readonly signerHash?: 'sha256' | 'sha384' | 'sha512';
  /** Put the TSA certificate's issuers too, not only it, in tokens whose request asks for certificates. */
  readonly includeChain?: boolean;
  /** The one policy the TSA stamps with and accepts. Default sigstore's 1.3.6.1.4.1.57264.2. */
  readonly policyOid?: string;
  /** Whether intermediates must have the timeStamping EKU too (the server's default: true). */
  readonly enforceIntermediateEku?: boolean;
  /** The server's output and the build's, line by line. */
  readonly log?: Log;
  readonly startTimeoutMs?: number;
}

export interface Tsa {
  /** Where RFC 3161 requests go: `POST` with `Content-Type: application/timestamp-query`. */
  readonly url: string;
  /** The server's root (`/ping`, `/api/v1/timestamp/certchain`). */
  readonly origin: string;
  /** The chain the server signs with, as it publishes it: TSA certificate first, root last. */
  readonly chainPem: string;
  stop(): Promise<void>;
}

/** Starts a TSA on 127.0.0.1 (a port of its choosing), offline, and resolves once it answers. */
export async function startTsa(options: TsaOptions): Promise<Tsa> {
  const log = options.log ?? (() => {});
  const binary = await ensureTsaServer(log);
  const home = mkdtempSync(join(tmpdir(), 'manifiesta-tsa-'));
  // An explicit, empty config file, and no environment but PATH: viper reads both otherwise.
  const config = join(home, 'timestamp-server.yaml');
  writeFileSync(config, '{}\n');
  const server = new ServerProcess(
    'timestamp-server',
    binary,
    ['serve', ...serverFlags(options, config)],
    { cwd: home, env: { PATH: process.env.PATH ?? '', HOME: home } },
    log,
  );
  const stop = async (): Promise<void> => {
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  };
  try {
    const timeoutMs = options.startTimeoutMs ?? TSA_START_TIMEOUT_MS;
    const serving = await server.waitForLine(
      /Serving timestamp server at (http:\/\/127\.0\.0\.1:\d+)/,
      timeoutMs,
    );
    const origin = serving[1]!;
    const chainPem = await certificateChain(origin, server);
    return { url: `${origin}/api/v1/timestamp`, origin, chainPem, stop };
  } catch (error) {
    await stop();
    if (/:2112.*address already in use/.test(server.recentOutput))
      throw new Error(
        `${binary} serves metrics on :2112, which another process holds: use the binary ensureTsaServer builds (test/support/tsa.ts)`,
        { cause: error },
      );
    throw error;
  }
}

/** The `timestamp-server serve` flags for `options`. */
export function serverFlags(options: TsaOptions, configPath: string): string[] {
  const flags = [
    `--config=${configPath}`,
    '--host=127.0.0.1',
    '--port=0',
    '--disable-ntp-monitoring',
    '--log-type=dev',
  ];
  if (options.signer === 'memory') flags.push('--timestamp-signer=memory');
  else {
    flags.push(
      '--timestamp-signer=file',
      `--file-signer-key-path=${options.signer.keyPath}`,
      `--certificate-chain-path=${options.signer.chainPath}`,
      `--timestamp-signer-hash=${options.signerHash ?? 'sha256'}`,
    );
    if (options.signer.keyPassword !== undefined)
      flags.push(`--file-signer-passwd=${options.signer.keyPassword}`);
  }
  if (options.includeChain) flags.push('--include-chain-in-response');
  if (options.policyOid !== undefined)
    flags.push(`--default-policy-oid=${options.policyOid}`, `--accepted-policy-oids=${options.policyOid}`);
  if (options.enforceIntermediateEku !== undefined)
    flags.push(`--enforce-intermediate-eku=${options.enforceIntermediateEku}`);
  return flags;
}

/** The chain the server publishes; answering this is our sign that it is ready. */
async function certificateChain(origin: string, server: ServerProcess): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${origin}/api/v1/timestamp/certchain`, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw server.failure(`did not answer on ${origin}`, error);
  }
  const body = await response.text();
  if (!response.ok || !body.includes('-----BEGIN CERTIFICATE-----'))
    throw server.failure(`answered ${response.status} for its certificate chain: ${body}`);
  return body;
}

if (require.main === module) {
  ensureTsaServer((line) => process.stderr.write(`${line}\n`)).then(
    (binary) => process.stdout.write(`${binary}\n`),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
