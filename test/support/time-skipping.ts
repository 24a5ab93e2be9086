/**
 * Temporal's time-skipping test server, for processes whose timers are days apart: the Java SDK's
 * server (Maven Central, io.temporal:temporal-test-server; see time-skipping/pom.xml) run as a
 * plain Java process, which `@temporalio/testing` drives as an existing server. While a client
 * awaits a workflow's result and no activity runs, the server jumps its clock to the next timer.
 *
 * We start the server and wait for it ourselves, as src/dev/temporal.ts does for the dev server:
 * the SDK (sdk-core's ephemeral_server) gives the executable it starts 50 tries 100 ms apart, 5 s
 * in all and not configurable, and a JVM starting beside a busy test run takes longer.
 *
 * It has no visibility store (no list queries) and knows only the search attributes registered
 * on it, so each environment registers the project's.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { freePort } from '../../src/dev/temporal';
import { searchAttributeTypes } from '../../src/client/namespace';
import { installTestRuntime } from './runtime';

const POM = join(__dirname, 'time-skipping', 'pom.xml');

/** How long the server may take to answer: a JVM's start on a 2-core machine busy with other tests. */
export const TEST_SERVER_START_TIMEOUT_MS = 120_000;

function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'manifiesta', 'test-server');
}

/**
 * The server's class path, resolved by Maven once (seconds, then cached in classpath.txt). `.ci/run`
 * calls this ahead of the tests.
 */
export function testServerClassPath(): string {
  const classPath = join(cacheDir(), 'classpath.txt');
  const usable =
    existsSync(classPath) &&
    readFileSync(classPath, 'utf8')
      .split(':')
      .every((jar) => existsSync(jar));
  if (!usable) {
    mkdirSync(cacheDir(), { recursive: true });
    execFileSync('mvn', ['-q', '-f', POM, 'dependency:build-classpath', `-Dmdep.outputFile=${classPath}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  return readFileSync(classPath, 'utf8').trim();
}

interface TestServer {
  readonly address: string;
  stop(): Promise<void>;
}

/** Starts `TestServer <port>` and resolves once it answers, within `timeoutMs`. */
async function startTestServer(timeoutMs: number): Promise<TestServer> {
  const port = await freePort();
  const child = spawn(
    'java',
    ['-Xmx256m', '-cp', testServerClassPath(), 'io.temporal.testserver.TestServer', String(port)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // mocha --exit ends the process without the after hooks of a failed run: never leave a JVM.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  const gaveUp = async (why: unknown): Promise<never> => {
    const ended = child.exitCode ?? child.signalCode;
    await stop();
    throw new Error(
      ended !== null
        ? `the time-skipping test server exited (${ended}): ${stderr}`
        : `the time-skipping test server did not answer on ${address} within ${timeoutMs} ms: ${String(why)}\n${stderr}`,
      { cause: why },
    );
  };
  // Listening first (a cheap probe every 100 ms), then answering gRPC.
  while (!(await accepts(port))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline)
      return gaveUp('not listening');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.close();
      return { address, stop };
    } catch (error) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) return gaveUp(error);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Whether something accepts TCP connections on the loopback `port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

type ClientOptions = NonNullable<Parameters<typeof TestWorkflowEnvironment.createTimeSkipping>[0]>['client'];

/**
 * `TestWorkflowEnvironment.create`, which `createTimeSkipping` and `createFromExistingServer` both
 * call: the only way to a time-skipping environment on a server the SDK did not start itself.
 */
type CreateEnvironment = (options: {
  server: { type: 'existing' };
  address: string;
  client?: ClientOptions;
  supportsTimeSkipping: true;
}) => Promise<TestWorkflowEnvironment>;

/** A fresh time-skipping server with the project's search attributes; `teardown` stops it. */
export async function timeSkippingEnvironment(
  client?: ClientOptions,
  startTimeoutMs = TEST_SERVER_START_TIMEOUT_MS,
): Promise<TestWorkflowEnvironment> {
  const create = (TestWorkflowEnvironment as unknown as { create?: CreateEnvironment }).create;
  if (typeof create !== 'function')
    throw new Error(
      '@temporalio/testing changed: TestWorkflowEnvironment.create is gone (test/support/time-skipping.ts)',
    );
  installTestRuntime();
  const server = await startTestServer(startTimeoutMs);
  let env: TestWorkflowEnvironment | undefined;
  try {
    env = await create.call(TestWorkflowEnvironment, {
      server: { type: 'existing' },
      address: server.address,
      client,
      supportsTimeSkipping: true,
    });
    // Added outright: this server cannot list what it has (registerSearchAttributes asks first).
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: searchAttributeTypes(),
    });
  } catch (error) {
    await env?.teardown();
    await server.stop();
    throw error;
  }
  const teardown = env.teardown.bind(env);
  env.teardown = async () => {
    await teardown();
    await server.stop();
  };
  return env;
}

if (require.main === module) {
  console.log(testServerClassPath());
}
