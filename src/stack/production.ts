/**
 * The production topology on one machine (`npm run stack:production`), for people who want to try
 * it and for the fault tests: the real Temporal server on PostgreSQL, an S3-compatible object
 * store for the evidence, the Web UI wired to the codec server, and two workers and two portals as
 * separate processes against them, the way docker-compose.yml lays the same parts out on hosts.
 * It honours `npm start`'s environment; its state lives in `$DATA_DIR/produccion`.
 */
import { join, resolve } from 'node:path';
import { LOCAL_KEYRING_FILE, localLinkSecret, portOr } from '../config';
import { privateDir, TRAVERSABLE_DIR_MODE } from '../storage/private-files';
import { localKeyring } from '../codec/keyring';
import { ensureDemoPki } from './demo-pki';
import { Outbox } from './outbox';
import { startOutboxPage } from './outbox-page';
import { resolveStackBinary, STACK_BINARIES, temporalSchemaDir } from './binaries';
import { ensureClusterCertificates, tlsEnv, type ClusterCertificates } from './certificates';
import { writeCliEnvFile } from './cli-env';
import { ManagedProcess } from './managed-process';
import { ObjectStoreServer } from './object-store-server';
import { Postgres } from './postgres';
import { TemporalServer } from './temporal-server';
import { UiServer } from './ui-server';
import { WORKER_ENV, WORKER_NODE_ARGS } from '../worker/heap';

export interface StackOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

export interface ProductionStack {
  readonly postgres: Postgres;
  readonly temporal: TemporalServer;
  readonly objectStore: ObjectStoreServer;
  readonly codec: ManagedProcess;
  readonly workers: readonly ManagedProcess[];
  readonly portals: readonly ManagedProcess[];
  readonly ui: UiServer | null;
  /** The local SMTP outbox, when SMTP_URL was not given. */
  readonly outbox: Outbox | null;
  /** What a CLI (or another part) needs to reach this stack, with the CLI's client certificate. */
  readonly env: NodeJS.ProcessEnv;
  /** `cli.env` in the stack's data folder: the CLI's part of `env`, for `--env-file` (cli-env.ts). */
  readonly cliEnvFile: string;
  /** The frontend's mutual TLS: the CA and every part's certificate. */
  readonly certificates: ClusterCertificates;
  readonly urls: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/** The built entry points (`npm run build`), also when this module runs from src/ (tests). */
const DIST = __filename.endsWith('.ts')
  ? resolve(__dirname, '..', '..', 'dist', 'src')
  : resolve(__dirname, '..');

export async function startProductionStack(options: StackOptions = {}): Promise<ProductionStack> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.log(`[stack] ${line}`));
  const dataDir = resolve(env.DATA_DIR || '.data');
  const dir = join(dataDir, 'produccion');
  // The owner's alone; when we are root, PostgreSQL runs as its own account and must pass through
  // DATA_DIR and this folder to reach its own (entered, never listed or read).
  const onTheWay = process.getuid?.() === 0 ? TRAVERSABLE_DIR_MODE : undefined;
  privateDir(dataDir, onTheWay);
  privateDir(dir, onTheWay);

  const ports = {
    temporal: portOr(env, 'TEMPORAL_PORT', 7233),
    ui: portOr(env, 'TEMPORAL_UI_PORT', 8233),
    portal: portOr(env, 'PORTAL_PORT', 8080),
    codec: portOr(env, 'CODEC_PORT', 8234),
    postgres: portOr(env, 'POSTGRES_PORT', 55432),
    objectStore: portOr(env, 'OBJECT_STORE_PORT', 7070),
    smtp: portOr(env, 'SMTP_PORT', 1025),
    outbox: portOr(env, 'OUTBOX_PORT', 8025),
    workerHealth: portOr(env, 'WORKER_HEALTH_PORT', 8091),
  };
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async (): Promise<void> => {
    for (const part of stops.splice(0).reverse()) await part().catch(() => {});
  };

  try {
    const binaries = {
      server: resolveStackBinary(STACK_BINARIES.server, log),
      sqlTool: resolveStackBinary(STACK_BINARIES.sqlTool, log),
      objectStore: resolveStackBinary(STACK_BINARIES.objectStore, log),
    };
    let uiBinary: string | null = null;
    try {
      uiBinary = resolveStackBinary(STACK_BINARIES.ui, log);
    } catch (error) {
      log(`the Web UI server could not be built, the stack runs without it: ${(error as Error).message}`);
    }

    const postgres = new Postgres({ dir: join(dir, 'postgres'), port: ports.postgres, log });
    await postgres.start();
    stops.push(() => postgres.process.stop());
    log(`PostgreSQL on ${postgres.address}`);

    // Before Temporal: its server archives the histories of closed workflows there (and checks the
    // bucket when the namespace is registered).
    const objectStore = new ObjectStoreServer({
      dir: join(dir, 'objetos'),
      port: ports.objectStore,
      binary: binaries.objectStore,
      bucket: 'manifiesta',
    });
    await objectStore.start();
    stops.push(() => objectStore.process.stop());

    // Mutual TLS on Temporal's frontend, with certificates made once into DATA_DIR.
    const certificates = ensureClusterCertificates(join(dir, 'tls'));
    const temporal = new TemporalServer({
      tls: certificates,
      dir: join(dir, 'temporal'),
      port: ports.temporal,
      server: binaries.server,
      sqlTool: binaries.sqlTool,
      schemaDir: temporalSchemaDir(log),
      postgres,
      namespace: env.TEMPORAL_NAMESPACE || 'default',
      historyArchive: objectStore.historyArchive,
      log,
    });
    temporal.setupSchema();
    await temporal.start();
    stops.push(() => temporal.process.stop());
    log(
      `Temporal server on ${temporal.address} (PostgreSQL; mutual TLS, clients need a certificate from ${certificates.ca})`,
    );

    let outbox: Outbox | null = null;
    let outboxUrl: string | null = null;
    if (!env.SMTP_URL) {
      outbox = new Outbox(join(dir, 'correo'));
      await outbox.load();
      await outbox.start(ports.smtp);
      const page = await startOutboxPage(outbox, ports.outbox);
      outboxUrl = `http://localhost:${ports.outbox}`;
      stops.push(
        () => outbox!.stop(),
        () => new Promise((done) => page.close(done)),
      );
    }

    if (!env.PAYLOAD_KEYS) localKeyring(join(dataDir, LOCAL_KEYRING_FILE)); // created once, as npm start keeps it
    let trustAnchors = env.TRUST_ANCHORS;
    let revocationPolicy = env.REVOCATION_POLICY;
    if (!trustAnchors) {
      const demo = ensureDemoPki(join(dataDir, 'demo-firmantes'));
      trustAnchors = demo.caPath;
      // The demo CA publishes no CRL: revocation cannot be required of its signers.
      revocationPolicy ??= 'best-effort';
      log(
        `TRUST_ANCHORS is not set: trusting the demo CA only (${demo.caPath}), with REVOCATION_POLICY=best-effort (it publishes no CRL); set TRUST_ANCHORS and CRLS or CRL_URLS for real e.firma`,
      );
    }
    const portalUrl = env.PORTAL_BASE_URL || `http://localhost:${ports.portal}`;
    const shared: NodeJS.ProcessEnv = {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE || 'default',
      ...(env.TEMPORAL_TASK_QUEUE ? { TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE } : {}),
      PAYLOAD_KEYS: env.PAYLOAD_KEYS || join(dataDir, LOCAL_KEYRING_FILE),
      ...(env.PAYLOAD_KEY_ID ? { PAYLOAD_KEY_ID: env.PAYLOAD_KEY_ID } : {}),
      ...objectStore.env,
      // The frontend's CA and name; each part adds its own client certificate.
      TEMPORAL_TLS_CA: certificates.ca,
      TEMPORAL_TLS_SERVER_NAME: certificates.serverName,
      SMTP_URL: env.SMTP_URL || outbox!.url,
      ...(env.MAIL_FROM ? { MAIL_FROM: env.MAIL_FROM } : {}),
      LINK_SECRET: localLinkSecret(env, dataDir),
      TRUST_ANCHORS: trustAnchors,
      ...(env.CRLS ? { CRLS: env.CRLS } : {}),
      ...(env.CRL_URLS ? { CRL_URLS: env.CRL_URLS } : {}),
      ...(revocationPolicy ? { REVOCATION_POLICY: revocationPolicy } : {}),
      PORTAL_BASE_URL: portalUrl,
      TEMPORAL_UI_URL: `http://localhost:${ports.ui},http://127.0.0.1:${ports.ui}`,
      DATA_DIR: dataDir,
    };
    const node = (
      name: string,
      entry: string,
      extra: NodeJS.ProcessEnv,
      ready: () => Promise<unknown>,
      nodeArgs: readonly string[] = [],
    ) =>
      new ManagedProcess({
        name,
        command: process.execPath,
        args: [...nodeArgs, join(DIST, entry)],
        env: { ...shared, ...extra },
        logFile: join(dir, 'registros', `${name.replace(/\s+/g, '-')}.log`),
        ready,
        stopGraceMs: 30_000,
      });
    const answers = (url: string) => async () => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    };

    // The stack's Web UI has no single sign-on to pass a token from, so its codec server runs as
    // on one machine (`--local`: loopback only, no token, every decode recorded in its log). A
    // real deployment sets CODEC_AUTH or CODEC_OIDC_ISSUER (docs/privacy.md#the-codec-server).
    const codec = new ManagedProcess({
      name: 'codec server',
      command: process.execPath,
      args: [join(DIST, 'codec/main.js'), '--local'],
      env: {
        PAYLOAD_KEYS: shared.PAYLOAD_KEYS,
        ...(shared.PAYLOAD_KEY_ID ? { PAYLOAD_KEY_ID: shared.PAYLOAD_KEY_ID } : {}),
        TEMPORAL_UI_URL: shared.TEMPORAL_UI_URL,
        CODEC_PORT: String(ports.codec),
      },
      logFile: join(dir, 'registros', 'codec-server.log'),
      ready: answers(`http://127.0.0.1:${ports.codec}/healthz`),
      stopGraceMs: 30_000,
    });
    await codec.start();
    stops.push(() => codec.stop());

    const workers = [1, 2].map((n) =>
      node(
        `worker ${n}`,
        'worker/main.js',
        {
          ...WORKER_ENV,
          ...tlsEnv(certificates, 'worker'),
          WORKER_HEALTH_PORT: String(ports.workerHealth + n - 1),
        },
        answers(`http://127.0.0.1:${ports.workerHealth + n - 1}/readyz`),
        WORKER_NODE_ARGS,
      ),
    );
    const portals = [0, 1].map((n) =>
      node(
        `portal ${n + 1}`,
        'portal/main.js',
        {
          ...tlsEnv(certificates, 'portal'),
          // Read-only on the bucket: a portal never writes evidence.
          ...objectStore.readOnlyEnv,
          PORTAL_PORT: String(ports.portal + n),
          PORTAL_HOST: '127.0.0.1',
          ...(env.TRUST_PROXY ? { TRUST_PROXY: env.TRUST_PROXY } : {}),
        },
        answers(`http://127.0.0.1:${ports.portal + n}/readyz`),
      ),
    );
    for (const part of [...workers, ...portals]) {
      await part.start();
      stops.push(() => part.stop());
    }

    let ui: UiServer | null = null;
    if (uiBinary) {
      ui = new UiServer({
        dir: join(dir, 'web-ui'),
        port: ports.ui,
        binary: uiBinary,
        temporalAddress: temporal.address,
        codecEndpoint: `http://localhost:${ports.codec}`,
        tls: certificates,
      });
      await ui.process.start();
      stops.push(() => ui!.process.stop());
    }

    const urls = {
      'Temporal Web UI': ui?.url ?? '(not built)',
      'Temporal frontend': temporal.address,
      'signer portals': `${portalUrl} and http://localhost:${ports.portal + 1}`,
      'codec server': `http://localhost:${ports.codec}`,
      'object store (S3)': `${objectStore.endpoint} (bucket manifiesta; Temporal's histories under ${objectStore.historyArchive.uri})`,
      PostgreSQL: postgres.address,
      'outbox (mail)': outboxUrl ?? '(your relay)',
      'worker health': workers.map((_, n) => `http://127.0.0.1:${ports.workerHealth + n}/readyz`).join(', '),
      data: dir,
    };
    return {
      postgres,
      temporal,
      objectStore,
      codec,
      workers,
      portals,
      ui,
      outbox,
      // What the CLI (or a script) needs: its own client certificate, the writers' store account.
      env: { ...shared, ...tlsEnv(certificates, 'cli') },
      cliEnvFile: writeCliEnvFile(dir, { ...shared, ...tlsEnv(certificates, 'cli') }),
      certificates,
      urls,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
