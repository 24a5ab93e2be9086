/**
 * The real parts for process tests, one of each per test run (started on first use, stopped by the
 * root hook): a Temporal dev server, an SMTP outbox, the evidence folder and a worker hosting the
 * process through the plugin, trusting the test PKI's root.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { DEFAULT_CACHED_PROCESSES, workerConfig } from '../../src/config';
import { dataConverter } from '../../src/codec/data-converter';
import { parseKeyring, type Keyring } from '../../src/codec/keyring';
import { buildCodecServer, type CodecAccessRecord } from '../../src/codec/server';
import { freePort, resolveTemporalBinary, startDevServer, type DevServer } from '../../src/dev/temporal';
import { Outbox } from '../../src/stack/outbox';
import type { SigningLinks } from '../../src/links/tokens';
import type { EvidenceStore, PreparationStore } from '../../src/storage';
import { activityDeps } from '../../src/wiring/parts';
import { ProcessClient } from '../../src/client/process-client';
import { manifiestaPlugin, workflowsPath } from '../../src/worker/plugin';
import { workerTuning } from '../../src/worker/tuning';
import { signingFixtures } from './fixtures';
import { installTestRuntime } from './runtime';
import { testTsaParties } from './timestamp-tokens';
import { startTsa, type Tsa } from './tsa';
import { startOcspResponder, writeIndex } from './ocsp';

/**
 * One scratch folder per test run, removed after it: every test's temporary folders (keys,
 * evidence, browser profiles, the servers' data) go under it, since `os.tmpdir()` and the child
 * processes read TMPDIR.
 */
const scratch = mkdtempSync(join(tmpdir(), 'manifiesta-tests-'));
// Traversable, not listable: the production stack run as root hands PostgreSQL's folder, inside it,
// to the `postgres` account.
chmodSync(scratch, 0o711);
process.env.TMPDIR = scratch;

export interface ProcessEnv {
  readonly server: DevServer;
  readonly client: Client;
  readonly processes: ProcessClient;
  readonly outbox: Outbox;
  readonly evidence: EvidenceStore;
  readonly preparations: PreparationStore;
  readonly links: SigningLinks;
  readonly linkSecret: string;
  readonly taskQueue: string;
  readonly evidenceDir: string;
  readonly temporalBinary: string;
  /** The payload keyring of the run (test/support/payload-keys.json). */
  readonly keyring: Keyring;
  /** The codec server the Web UI decodes with. */
  readonly codecUrl: string;
  /** The run's time-stamping authority (its root: `testTsaParties().root`). */
  readonly tsa: Tsa;
  /** Environment for a separate worker or CLI process pointing at the same parts. */
  readonly childEnv: NodeJS.ProcessEnv;
  /** Stops the in-process worker (to test a worker in another process); resolves when it is down. */
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
}

/**
 * The tests' payload keyring: a fixed, test-only key, so that the histories they record (and
 * commit) can be replayed by later runs. Never used outside tests.
 */
export const TEST_KEYRING_FILE = join(__dirname, 'payload-keys.json');

let started: Promise<ProcessEnv> | undefined;

/** The test run's codec server's access record (every decode, every refusal). */
export const codecRecord: CodecAccessRecord[] = [];
let teardown: (() => Promise<void>) | undefined;

export function processEnv(): Promise<ProcessEnv> {
  started ??= start();
  return started;
}

async function start(): Promise<ProcessEnv> {
  installTestRuntime();
  const temporalBinary = await resolveTemporalBinary((line) => console.log(`      [temporal] ${line}`));
  // Payloads encrypted as in production, with the test run's fixed keyring (so that recorded
  // histories stay replayable), and a codec server for the Web UI and `temporal --codec-endpoint`.
  const keyring = parseKeyring(TEST_KEYRING_FILE);
  const uiPort = await freePort();
  const codecServer = await buildCodecServer({
    keyring,
    allowedOrigins: [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`],
    // As `npm start` runs it (development): no token; the access record kept for the tests.
    allowAnonymous: true,
    record: (entry) => codecRecord.push(entry),
  });
  await codecServer.listen({ port: 0, host: '127.0.0.1' });
  const codecAddress = codecServer.server.address();
  const codecUrl = `http://127.0.0.1:${typeof codecAddress === 'object' && codecAddress ? codecAddress.port : 0}`;
  // With its Web UI, which the staff tests browse, decoding through the codec server.
  const server = await startDevServer({ binary: temporalBinary, uiPort, uiCodecEndpoint: codecUrl });
  const outbox = new Outbox();
  await outbox.start();
  // A real RFC 3161 TSA (sigstore's timestamp-server), signing with the tests' TSA chain: every
  // signature made in the letter is time-stamped (PAdES B-T), as in production.
  const tsaParties = testTsaParties();
  const tsaChain = join(tsaParties.dir, 'tsa-chain.pem');
  writeFileSync(tsaChain, tsaParties.tsa.certPem + tsaParties.root.certPem);
  const tsa = await startTsa({ signer: { keyPath: tsaParties.tsa.keyPath, chainPath: tsaChain } });
  // And a PSC issuing NOM-151 constancias (the same server, under a policy of the Secretaría de
  // Economía's arc), so that every dossier carries its constancias.
  const psc = await startTsa({
    signer: { keyPath: tsaParties.tsa.keyPath, chainPath: tsaChain },
    policyOid: '2.16.484.101.10.316.2.1',
  });
  const evidenceDir = mkdtempSync(join(tmpdir(), 'manifiesta-evidence-'));
  const linkSecret = randomBytes(32).toString('hex');
  const portalBaseUrl = 'http://127.0.0.1:9/portal';
  const taskQueue = `manifiesta-test-${randomBytes(4).toString('hex')}`;
  const fixtures = signingFixtures();
  // A real OCSP responder for the intermediate CA (`openssl ocsp`, the CA signing its answers), as
  // SAT's answers for its e.firmas: the worker asks it beside the CRLs (OCSP_URL), and each letter's
  // /DSS keeps its answer about each signer.
  const ocspIndex = join(evidenceDir, '..', `ocsp-index-${randomBytes(4).toString('hex')}.txt`);
  writeIndex(ocspIndex, [
    ...[fixtures.president, fixtures.commissioner, fixtures.moral, fixtures.signer4096].map((party) => ({
      status: 'valid' as const,
      serial: party.serial,
      subject: `/CN=${party.label}`,
      notAfter: party.notAfter,
    })),
    {
      status: 'revoked' as const,
      serial: fixtures.revoked.serial,
      subject: `/CN=${fixtures.revoked.label}`,
      notAfter: fixtures.revoked.notAfter,
      revokedAt: fixtures.revokedAt,
      reason: 'keyCompromise' as const,
    },
  ]);
  const ocsp = await startOcspResponder({
    caCertPath: fixtures.intermediate.certPath,
    indexPath: ocspIndex,
    responderCertPath: fixtures.intermediate.certPath,
    responderKeyPath: fixtures.intermediate.keyPath,
    nextUpdateMinutes: 24 * 60,
  });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({
    connection,
    namespace: server.namespace,
    dataConverter: dataConverter(keyring),
  });
  // What a worker started with `npm run worker` would be given (the CLI and child processes get it
  // too), and the parts built from it by the same wiring as every entry point's.
  const childEnv = {
    PAYLOAD_KEYS: readFileSync(TEST_KEYRING_FILE, 'utf8'),
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: server.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SMTP_URL: outbox.url,
    LINK_SECRET: linkSecret,
    PORTAL_BASE_URL: portalBaseUrl,
    EVIDENCE_DIR: evidenceDir,
    // As in production: the root and the intermediate CAs (a raw PKCS#1 signature carries no chain).
    TRUST_ANCHORS: `${fixtures.root.certPath},${fixtures.intermediate.certPath}`,
    CRLS: `${fixtures.crlPath},${fixtures.rootCrlPath}`,
    OCSP_URL: ocsp.url,
    TSA_URL: tsa.url,
    TSA_TRUST_ANCHORS: tsaParties.root.certPath,
    // The TSA root's CRL: kept in each letter's /DSS, so the TSA's certificate validates offline.
    TSA_CRLS: fixtures.pki.crl('tsa-root-process-env', tsaParties.root, []),
    NOM151_URL: psc.url,
    NOM151_TRUST_ANCHORS: tsaParties.root.certPath,
  };
  const config = workerConfig(
    { ...childEnv, MAIL_FROM: 'manifiesta <no-responder@manifiesta.test>', VERIFICATION_THREADS: '2' },
    'production',
  );
  const deps = await activityDeps(config, new ProcessClient(client, taskQueue), () => {});
  const { evidence, preparations, links } = deps;

  let nativeConnection: NativeConnection | null = null;
  let worker: Worker | null = null;
  let running: Promise<void> | null = null;
  const startWorker = async (): Promise<void> => {
    nativeConnection = await NativeConnection.connect({ address: server.address });
    worker = await Worker.create({
      connection: nativeConnection,
      namespace: server.namespace,
      taskQueue,
      workflowsPath,
      ...workerTuning({ cachedProcesses: DEFAULT_CACHED_PROCESSES, activitySlots: 2 }),
      plugins: [manifiestaPlugin(deps, { keyring })],
    });
    running = worker.run();
  };
  const stopWorker = async (): Promise<void> => {
    worker?.shutdown();
    await running;
    await nativeConnection?.close();
    worker = null;
    running = null;
  };
  await startWorker();

  teardown = async () => {
    await stopWorker();
    await deps.close();
    await connection.close();
    await outbox.stop();
    await tsa.stop();
    await psc.stop();
    await ocsp.stop();
    await server.stop();
    await codecServer.close();
  };

  return {
    server,
    client,
    processes: new ProcessClient(client, taskQueue),
    outbox,
    evidence,
    preparations,
    links,
    linkSecret,
    taskQueue,
    evidenceDir,
    temporalBinary,
    keyring,
    codecUrl,
    tsa,
    childEnv,
    stopWorker,
    startWorker,
  };
}

const teardowns: (() => Promise<void>)[] = [];

/** Registers something else to stop after all tests (another topology, say). */
export function onTeardown(stop: () => Promise<void>): void {
  teardowns.push(stop);
}

/** Mocha root hooks: stop whatever was started, once, after all tests. */
export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(120_000);
    for (const stop of teardowns.splice(0).reverse()) await stop().catch(() => {});
    await teardown?.();
    rmSync(scratch, { recursive: true, force: true });
  },
};
