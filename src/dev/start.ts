/**
 * `npm start`: the whole system on one machine (DESIGN §3 "Processes"): a Temporal dev server with
 * its Web UI (unless TEMPORAL_ADDRESS is set), a local SMTP server with a readable outbox (unless
 * SMTP_URL is set), the worker and the portal. Prints every URL; Ctrl-C stops everything; state
 * persists in DATA_DIR. `--demo` also creates demo e.firma signers and starts a process for
 * Huixquilucan they can sign.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { EvidenceStore } from '../activities/evidence-store';
import { createMailer } from '../activities/email';
import { dataConverter } from '../codec/data-converter';
import { buildCodecServer } from '../codec/server';
import {
  codecConfig,
  ConfigError,
  dataDir as dataDirOf,
  portalConfig,
  redactUrl,
  workerConfig,
} from '../config';
import { MIN_SECRET_LENGTH, SigningLinks } from '../links/tokens';
import { buildPortal } from '../portal/server';
import { ProcessClient, ProcessError } from '../process-client';
import { TrustConfigurationError } from '../signatures';
import { reloadTrustPeriodically, verificationPool } from '../worker/deps';
import { manifiestaPlugin, workflowsPath } from '../worker/plugin';
import { ensureDemoPki } from './demo-pki';
import { Outbox } from './outbox';
import { startOutboxPage } from './outbox-page';
import { registerSearchAttributes, resolveTemporalBinary, startDevServer, type DevServer } from './temporal';

const log = (line: string): void => console.log(`[manifiesta] ${line}`);

/** The link secret for local use: LINK_SECRET, else one generated once and kept in DATA_DIR. */
function localLinkSecret(dir: string): string {
  if ((process.env.LINK_SECRET ?? '').length >= MIN_SECRET_LENGTH) return process.env.LINK_SECRET!;
  const file = join(dir, 'link-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

export async function start(argv: readonly string[]): Promise<void> {
  const demo = argv.includes('--demo');
  const dir = dataDirOf();
  mkdirSync(dir, { recursive: true });
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };

  try {
    const uiPort = Number(process.env.TEMPORAL_UI_PORT || 8233);
    // The payload key (PAYLOAD_KEYS, else created once in DATA_DIR) and the codec server that
    // lets the Web UI show staff what it encrypts.
    const codec = codecConfig(process.env, 'development');
    const codecServer = await buildCodecServer(codec);
    await codecServer.listen({ port: codec.port, host: codec.host });
    stops.push(() => codecServer.close());
    const codecUrl = `http://localhost:${codec.port}`;
    let server: DevServer | null = null;
    if (!process.env.TEMPORAL_ADDRESS) {
      log('starting the Temporal dev server (state in DATA_DIR/temporal.db)…');
      server = await startDevServer({
        binary: await resolveTemporalBinary(log),
        port: Number(process.env.TEMPORAL_PORT || 7233),
        uiPort,
        uiCodecEndpoint: codecUrl,
        dbFile: join(dir, 'temporal.db'),
        log,
      });
      stops.push(() => server!.stop());
    }
    let outbox: Outbox | null = null;
    let outboxUrl: string | null = null;
    if (!process.env.SMTP_URL) {
      outbox = new Outbox(join(dir, 'outbox'));
      await outbox.load();
      await outbox.start(Number(process.env.SMTP_PORT || 1025));
      const page = await startOutboxPage(outbox, Number(process.env.OUTBOX_PORT || 8025));
      outboxUrl = `http://localhost:${Number(process.env.OUTBOX_PORT || 8025)}`;
      stops.push(
        () => outbox!.stop(),
        () => new Promise((resolve) => page.close(resolve)),
      );
    }

    const demoPki = demo ? ensureDemoPki(join(dir, 'demo-firmantes')) : null;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS || server!.address,
      SMTP_URL: process.env.SMTP_URL || outbox!.url,
      LINK_SECRET: localLinkSecret(dir),
      EVIDENCE_DIR: process.env.EVIDENCE_DIR || join(dir, 'evidence'),
      TRUST_ANCHORS: [process.env.TRUST_ANCHORS, demoPki?.caPath].filter(Boolean).join(','),
    };
    const config = workerConfig(env, 'development');
    // One pool of verification threads for the worker and the portal.
    const verifier = verificationPool(config);
    const stopReloading = reloadTrustPeriodically(config, verifier, log);
    stops.push(async () => {
      stopReloading();
      await verifier.close();
    });
    const evidence = new EvidenceStore(config.evidenceDir);
    const links = new SigningLinks(config.linkSecret, config.portalBaseUrl);
    const mailer = createMailer(config.smtpUrl, config.mailFrom);

    const connection = await Connection.connect({ address: config.temporal.address });
    stops.push(() => connection.close());
    await registerSearchAttributes(connection, config.temporal.namespace);
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter: dataConverter(config.temporal.keyring),
    });
    const processes = new ProcessClient(client, config.temporal.taskQueue);

    const nativeConnection = await NativeConnection.connect({ address: config.temporal.address });
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowsPath,
      plugins: [
        manifiestaPlugin(
          { evidence, mailer, links, verifier, processes },
          { keyring: config.temporal.keyring },
        ),
      ],
    });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
      await nativeConnection.close();
      mailer.transport.close();
    });

    const portalSettings = portalConfig(env, '127.0.0.1');
    const portal = await buildPortal({
      processes,
      links,
      evidence,
      verifier,
      baseUrl: config.portalBaseUrl,
      trustProxy: portalSettings.trustProxy,
    });
    await portal.listen({ port: portalSettings.port, host: portalSettings.host });
    stops.push(() => portal.close());

    log('ready:');
    log(`  Temporal Web UI    ${server?.uiUrl?.replace('127.0.0.1', 'localhost') ?? '(your cluster’s)'}`);
    log(`  Temporal frontend  ${config.temporal.address}`);
    log(`  codec server       ${codecUrl} (payloads encrypted with key ${codec.keyring.currentKeyId})`);
    log(`  signer portal      ${config.portalBaseUrl}`);
    log(`  outbox (mail)      ${outboxUrl ?? `(your relay: ${redactUrl(config.smtpUrl)})`}`);
    log(`  data               ${dir}`);

    if (demoPki) {
      try {
        const { workflowId } = await processes.start({
          campaign: 'demo',
          inegiCode: '15037',
          municipality: 'Huixquilucan',
          president: {
            name: demoPki.president.name,
            email: 'presidencia@huixquilucan.example',
            rfc: demoPki.president.rfc,
          },
          commissioner: {
            name: demoPki.commissioner.name,
            email: 'presidencia@infoem.example',
            rfc: demoPki.commissioner.rfc,
          },
          coordinator: { name: 'Coordinación del STL', email: 'coordinacion@stl.example' },
          letterDate: new Date().toISOString().slice(0, 10),
          institution: { presidentTitle: 'Presidenta Municipal' },
        });
        log(`demo: started ${workflowId}`);
      } catch (error) {
        if (!(error instanceof ProcessError && error.code === 'PROCESS_ALREADY_RUNNING')) throw error;
        log('demo: the Huixquilucan process is already running');
      }
      log(`demo: e.firma files (.cer, .key, contraseña ${demoPki.password}):`);
      log(`  presidenta municipal  ${demoPki.president.dir}`);
      log(`  comisionado           ${demoPki.commissioner.dir}`);
      log(`demo: open the outbox, click the signing link, and sign with the presidenta's files`);
    }
    log('Ctrl-C stops everything');
  } catch (error) {
    await stopAll();
    throw error;
  }

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      log('stopping…');
      void stopAll().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

if (require.main === module) {
  start(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      if (error instanceof ConfigError || error instanceof TrustConfigurationError) {
        console.error(`configuration error: ${error.message}`);
        process.exit(2);
      }
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
