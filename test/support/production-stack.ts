/**
 * The production topology (src/stack/production.ts) for the fault tests: started once per test
 * run on free loopback ports, with the test PKI's anchors, the tests' payload keyring and an SMTP
 * outbox of its own, and stopped by the root hooks.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outbox } from '../../src/stack/outbox';
import { startProductionStack, type ProductionStack } from '../../src/stack/production';
import { signingFixtures } from './fixtures';
import { onTeardown, processEnv, TEST_KEYRING_FILE } from './process-env';

export interface TestStack {
  readonly stack: ProductionStack;
  readonly outbox: Outbox;
  readonly linkSecret: string;
  readonly portalUrls: readonly string[];
  readonly logs: () => string;
}

let started: Promise<TestStack> | undefined;

export function productionStack(): Promise<TestStack> {
  started ??= start();
  return started;
}

/**
 * `count` consecutive free loopback ports (the Temporal server takes ten in a row), below 32768:
 * Temporal keeps its membership ports in a PostgreSQL smallint.
 */
async function freePorts(count: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await free(p);
    if (ok) return base;
  }
  throw new Error('no free port range');
}

async function start(): Promise<TestStack> {
  // The temporal binary and the test PKI as the rest of the run has them.
  await processEnv();
  const f = signingFixtures();
  const outbox = new Outbox();
  await outbox.start();
  const temporal = await freePorts(10);
  const others = await freePorts(12);
  const linkSecret = randomBytes(32).toString('hex');
  let logs = '';
  const stack = await startProductionStack({
    env: {
      DATA_DIR: mkdtempSync(join(tmpdir(), 'manifiesta-produccion-')),
      TEMPORAL_PORT: String(temporal),
      TEMPORAL_UI_PORT: String(others),
      PORTAL_PORT: String(others + 1), // and the next one for the second portal
      CODEC_PORT: String(others + 3),
      POSTGRES_PORT: String(others + 4),
      OBJECT_STORE_PORT: String(others + 5),
      WORKER_HEALTH_PORT: String(others + 6), // and the next
      SMTP_URL: outbox.url,
      LINK_SECRET: linkSecret,
      TRUST_ANCHORS: `${f.root.certPath},${f.intermediate.certPath}`,
      CRLS: `${f.crlPath},${f.rootCrlPath}`,
      PAYLOAD_KEYS: TEST_KEYRING_FILE,
      PORTAL_BASE_URL: `http://127.0.0.1:${others + 1}`,
      // As behind the institute's reverse proxy: each signer is their own client for the rate
      // limits (the tests name them in X-Forwarded-For).
      TRUST_PROXY: '127.0.0.1',
    },
    log: (line) => (logs += `${line}\n`),
  });
  onTeardown(async () => {
    await stack.stop();
    await outbox.stop();
  });
  return {
    stack,
    outbox,
    linkSecret,
    portalUrls: [`http://127.0.0.1:${others + 1}`, `http://127.0.0.1:${others + 2}`],
    logs: () => logs,
  };
}
