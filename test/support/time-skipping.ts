/**
 * Temporal's time-skipping test server, for processes whose timers are days apart: the Java SDK's
 * server (Maven Central, io.temporal:temporal-test-server; see time-skipping/pom.xml) run as a
 * plain Java process, which `@temporalio/testing` drives as an existing executable. While a client
 * awaits a workflow's result and no activity runs, the server jumps its clock to the next timer.
 *
 * It has no visibility store (no list queries) and knows only the search attributes registered
 * on it, so each environment registers the project's.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { searchAttributeTypes } from '../../src/client/namespace';

const POM = join(__dirname, 'time-skipping', 'pom.xml');

function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'manifiesta', 'test-server');
}

/**
 * The script that starts the test server: its class path resolved by Maven once (seconds, then
 * cached), then `java … TestServer <port>`. `.ci/run` calls this ahead of the tests.
 */
export function testServerExecutable(): string {
  const dir = cacheDir();
  const classPath = join(dir, 'classpath.txt');
  const script = join(dir, 'test-server.sh');
  const usable =
    existsSync(classPath) &&
    readFileSync(classPath, 'utf8')
      .split(':')
      .every((jar) => existsSync(jar));
  if (!usable) {
    mkdirSync(dir, { recursive: true });
    execFileSync('mvn', ['-q', '-f', POM, 'dependency:build-classpath', `-Dmdep.outputFile=${classPath}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      '# Temporal time-skipping test server (written by test/support/time-skipping.ts).',
      // Its stderr (SLF4J's notice that it logs nowhere, and any crash) goes to a log beside it.
      `exec java -Xmx256m -cp "$(cat '${classPath}')" io.temporal.testserver.TestServer "$@" 2>>'${join(dir, 'test-server.log')}'`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return script;
}

/** A fresh time-skipping server with the project's search attributes. */
export async function timeSkippingEnvironment(
  client: NonNullable<Parameters<typeof TestWorkflowEnvironment.createTimeSkipping>[0]>['client'],
): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerExecutable() } },
    client,
  });
  // Added outright: this server cannot list what it has (registerSearchAttributes asks first).
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: searchAttributeTypes(),
  });
  return env;
}

if (require.main === module) {
  console.log(testServerExecutable());
}
