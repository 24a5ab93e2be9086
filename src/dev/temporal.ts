/**
 * Temporal, owned by the project (DESIGN §4): finding the `temporal` CLI, starting its dev server
 * and waiting for it, and registering our search attributes on any server.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { registerSearchAttributes } from '../client/namespace';
import { isExecutable, temporalCacheDir, TemporalSetupError } from '../stack/binaries';

export { isExecutable, temporalCacheDir, TemporalSetupError };

/** The CLI version built from source where nothing else works (later versions refuse `go install`). */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

type Log = (line: string) => void;

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return null;
}

/**
 * The `temporal` binary, in the documented order: `TEMPORAL_CLI_PATH`, PATH, the project's cache,
 * the SDK's download (needs the internet), then `go install` of {@link TEMPORAL_CLI_MODULE} into
 * the cache (needs Go; the first build takes minutes, later ones are cached).
 */
export async function resolveTemporalBinary(log: Log = () => {}): Promise<string> {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit))
      throw new TemporalSetupError(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return explicit;
  }
  const fromPath = onPath('temporal');
  if (fromPath) return fromPath;
  const cacheDir = temporalCacheDir();
  const cached = join(cacheDir, 'temporal');
  if (isExecutable(cached)) return cached;
  mkdirSync(cacheDir, { recursive: true });

  const downloaded = await downloadWithSdk(join(cacheDir, 'sdk-download'), log);
  if (downloaded) return downloaded;

  if (onPath('go')) {
    log(`building the Temporal CLI: go install ${TEMPORAL_CLI_MODULE} (the first build takes minutes)`);
    const result = spawnSync('go', ['install', TEMPORAL_CLI_MODULE], {
      env: { ...process.env, GOBIN: cacheDir },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status === 0 && isExecutable(cached)) return cached;
    throw new TemporalSetupError(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${result.status})`);
  }
  throw new TemporalSetupError(
    'no Temporal CLI found: set TEMPORAL_CLI_PATH, put `temporal` on PATH, allow the SDK to download it, or install Go',
  );
}

/** The SDK's own download; resolves null when it cannot (no internet), within a minute. */
async function downloadWithSdk(downloadDir: string, log: Log): Promise<string | null> {
  log('trying the Temporal SDK download of the CLI');
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const attempt = TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir } },
    });
    const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 60_000).unref());
    const env = await Promise.race([attempt, timeout]);
    if (env === null) {
      attempt.then((late) => late.teardown()).catch(() => {});
      return null;
    }
    await env.teardown();
  } catch {
    return null;
  }
  const found = findExecutable(downloadDir);
  return found;
}

function findExecutable(dir: string): string | null {
  if (!existsSync(dir)) return null;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      const inner = findExecutable(path);
      if (inner) return inner;
    } else if (name.startsWith('temporal') && isExecutable(path)) {
      return path;
    }
  }
  return null;
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface DevServerOptions {
  readonly binary: string;
  readonly port?: number;
  /** The Web UI's port; no Web UI when absent. */
  readonly uiPort?: number;
  /** The codec server the Web UI asks to decode payloads (`--ui-codec-endpoint`). */
  readonly uiCodecEndpoint?: string;
  /** SQLite file for state that survives restarts; in memory when absent. */
  readonly dbFile?: string;
  readonly namespace?: string;
  readonly dynamicConfig?: Readonly<Record<string, string | number | boolean>>;
  /** How long to wait for the server to answer. */
  readonly startTimeoutMs?: number;
  readonly log?: Log;
}

export interface DevServer {
  readonly address: string;
  readonly namespace: string;
  readonly uiUrl: string | null;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` and waits until it answers, registering our search
 * attributes. We wait ourselves: the SDK gives an existing binary about 5 s, which a cold 2-core
 * machine can miss.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    'error',
  ];
  args.push(...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']));
  if (options.uiPort && options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {})) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  const child = spawn(options.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null) {
      throw new TemporalSetupError(`the Temporal dev server exited with ${child.exitCode}: ${stderr.trim()}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        await registerSearchAttributes(connection, namespace);
      } finally {
        await connection.close();
      }
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new TemporalSetupError(
          `the Temporal dev server did not answer on ${address}: ${String(error)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  options.log?.(`Temporal dev server on ${address}`);
  return {
    address,
    namespace,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : null,
    process: child,
    stop,
  };
}
