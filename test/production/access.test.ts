/**
 * Who may reach the production topology's admin doors (docs/operations.md): Temporal's frontend
 * takes only clients with a certificate from the stack's CA, each part with its own; a portal's
 * bucket account reads evidence and can neither write nor delete it; and `npm start`, pointed at
 * such a frontend, connects with the same settings as every other part (one connection factory).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { storeLocation } from '../../src/config';
import { freePort } from '../../src/dev/temporal';
import { S3ObjectStore, StoreUnavailableError, type S3Location } from '../../src/storage';
import { runCliAsync } from '../support/cli';
import { signingFixtures } from '../support/fixtures';
import { TEST_KEYRING_FILE } from '../support/process-env';
import { productionStack, type TestStack } from '../support/production-stack';

const START = join(__dirname, '..', '..', 'dist', 'src', 'dev', 'start.js');

describe('the production topology’s doors', function () {
  this.timeout(300_000);
  let t: TestStack;

  before(async function () {
    t = await productionStack();
  });

  it('Temporal’s frontend refuses a client without a certificate from the stack’s CA; each part has its own', async function () {
    const { certificates, temporal } = t.stack;
    const address = temporal.address;
    const ca = readFileSync(certificates.ca);
    const attempt = async (options: Parameters<typeof Connection.connect>[0]): Promise<string> => {
      try {
        const connection = await Connection.connect({ address, connectTimeout: 3_000, ...options });
        try {
          await connection.workflowService.getSystemInfo({});
          return 'admitted';
        } finally {
          await connection.close();
        }
      } catch (error) {
        return `refused: ${(error as Error).message}`;
      }
    };
    assert.match(await attempt({}), /^refused/, 'plaintext');
    assert.match(
      await attempt({ tls: { serverRootCACertificate: ca, serverNameOverride: 'localhost' } }),
      /^refused/,
      'TLS without a client certificate',
    );
    // A certificate from another CA (the test PKI's signer) is not ours.
    const f = signingFixtures();
    assert.match(
      await attempt({
        tls: {
          serverRootCACertificate: ca,
          serverNameOverride: 'localhost',
          clientCertPair: { crt: readFileSync(f.president.certPath), key: readFileSync(f.president.keyPath) },
        },
      }),
      /^refused/,
      'a certificate from another CA',
    );
    for (const part of ['worker', 'portal', 'cli', 'web-ui'] as const) {
      const pair = certificates.clients[part];
      assert.equal(
        await attempt({
          tls: {
            serverRootCACertificate: ca,
            serverNameOverride: certificates.serverName,
            clientCertPair: { crt: readFileSync(pair.cert), key: readFileSync(pair.key) },
          },
        }),
        'admitted',
        part,
      );
    }
    // The CLI as a coordinator runs it, with the stack's environment, and without the certificate.
    const withCertificate = await runCliAsync(['list', '--campaign', 'nadie', '--json'], t.stack.env);
    assert.equal(withCertificate.status, 0, withCertificate.stderr);
    const {
      TEMPORAL_TLS_CERT: _cert,
      TEMPORAL_TLS_KEY: _key,
      TEMPORAL_TLS_CA: _ca,
      TEMPORAL_TLS_SERVER_NAME: _name,
      ...bare
    } = t.stack.env;
    const without = await runCliAsync(['--timeout', '5', 'list', '--campaign', 'nadie'], {
      ...bare,
      TEMPORAL_TLS_CERT: '',
      TEMPORAL_TLS_KEY: '',
      TEMPORAL_TLS_CA: '',
      TEMPORAL_TLS_SERVER_NAME: '',
    });
    assert.equal(without.status, 1);
    assert.match(without.stderr, /^TEMPORAL_UNAVAILABLE/m);
  });

  it('a portal’s bucket account reads evidence and can neither write nor delete it', async function () {
    const writer = new S3ObjectStore(storeLocationOf(t.stack.env));
    const reader = new S3ObjectStore(storeLocationOf(t.stack.objectStore.readOnlyEnv));
    const key = `prueba-acceso/${Date.now()}`;
    assert.equal(await writer.putOnce(key, Buffer.from('evidencia')), 'written');
    assert.deepEqual(await reader.get(key), Buffer.from('evidencia'));
    await assert.rejects(reader.putOnce(`${key}-otro`, Buffer.from('x')), StoreUnavailableError);
    await assert.rejects(reader.replace(key, Buffer.from('alterada')), StoreUnavailableError);
    await assert.rejects(reader.delete(key), StoreUnavailableError);
    assert.deepEqual(await writer.get(key), Buffer.from('evidencia'), 'unchanged');
  });

  it('npm start against a frontend with mutual TLS connects with TEMPORAL_TLS_* as every part does', async function () {
    const ports = {
      SMTP_PORT: await freePort(),
      OUTBOX_PORT: await freePort(),
      PORTAL_PORT: await freePort(),
      CODEC_PORT: await freePort(),
    };
    const inherited = { ...process.env };
    for (const name of ['SMTP_URL', 'LINK_SECRET', 'EVIDENCE_DIR', 'TRUST_ANCHORS', 'PORTAL_BASE_URL'])
      delete inherited[name];
    const f = signingFixtures();
    const child: ChildProcess = spawn(process.execPath, [START], {
      env: {
        ...inherited,
        ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
        DATA_DIR: mkdtempSync(join(tmpdir(), 'manifiesta-start-tls-')),
        TEMPORAL_ADDRESS: t.stack.env.TEMPORAL_ADDRESS,
        TEMPORAL_NAMESPACE: t.stack.env.TEMPORAL_NAMESPACE,
        // Its own task queue: it must not take the stack's processes.
        TEMPORAL_TASK_QUEUE: 'npm-start-tls',
        TEMPORAL_TLS_CERT: t.stack.env.TEMPORAL_TLS_CERT,
        TEMPORAL_TLS_KEY: t.stack.env.TEMPORAL_TLS_KEY,
        TEMPORAL_TLS_CA: t.stack.env.TEMPORAL_TLS_CA,
        TEMPORAL_TLS_SERVER_NAME: t.stack.env.TEMPORAL_TLS_SERVER_NAME,
        PAYLOAD_KEYS: TEST_KEYRING_FILE,
        TRUST_ANCHORS: `${f.root.certPath},${f.intermediate.certPath}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    try {
      for (let i = 0; i < 300 && !output.includes('Ctrl-C stops everything') && child.exitCode === null; i++)
        await new Promise((r) => setTimeout(r, 200));
      assert.match(output, /Ctrl-C stops everything/, output);
      const ready = await fetch(`http://127.0.0.1:${ports.PORTAL_PORT}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, {
        temporal: 'ok',
        evidence: 'ok',
      });
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
  });
});

/** The store a part's environment names, with that part's own credentials. */
function storeLocationOf(env: NodeJS.ProcessEnv): S3Location {
  const location = storeLocation(env);
  if (location.kind !== 's3') throw new Error('the stack keeps evidence in S3');
  return {
    ...location,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  };
}
