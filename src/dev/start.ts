/**
 * `npm start`: the whole system on one machine (DESIGN §3 "Processes"): a Temporal dev server with
 * its Web UI (unless TEMPORAL_ADDRESS is set), a local SMTP server with a readable outbox (unless
 * SMTP_URL is set), the codec server, the worker and the portal. Prints every URL; Ctrl-C stops
 * everything; state persists in DATA_DIR. A part that stops on its own is started again (see
 * supervisor.ts). `--demo` also creates demo e.firma signers and starts a process for Huixquilucan
 * they can sign.
 */
import { calendarFromEnv } from '../config/calendar-file';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { buildCodecServer } from '../codec/server';
import {
  codecConfig,
  dataDir as dataDirOf,
  localLinkSecret,
  portalConfig,
  portOr,
  redactUrl,
  workerConfig,
} from '../config';
import { buildPortal } from '../portal/server';
import { ProcessClient } from '../client/process-client';
import { privateDir } from '../storage/private-files';
import { activityDeps } from '../wiring/parts';
import { runMain, untilStopped } from '../wiring/main';
import { workflowCode } from '../worker/bundle';
import { workerTuning } from '../worker/tuning';
import { manifiestaPlugin } from '../worker/plugin';
import { ensureDemoPki, type DemoPki } from '../stack/demo-pki';
import { Outbox } from '../stack/outbox';
import { startOutboxPage } from '../stack/outbox-page';
import { Supervisor, type RunningPart } from './supervisor';
import { registerSearchAttributes } from '../client/namespace';
import { resolveTemporalBinary, startDevServer } from './temporal';
import { clientOver, connect, connectWorker } from '../client/connection';
import { CodedError } from '../domain/coded-error';

const log = (line: string): void => console.log(`[manifiesta] ${line}`);

/** An in-process HTTP server as a supervised part: it stops when its socket closes. */
function serving(app: { server: Server; close(): Promise<unknown> }): RunningPart {
  return {
    stopped: new Promise((resolve) => app.server.once('close', () => resolve('its server closed'))),
    stop: async () => {
      await app.close();
    },
  };
}

export async function start(argv: readonly string[]): Promise<void> {
  const demo = argv.includes('--demo');
  const dir = dataDirOf();
  privateDir(dir);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const parts = new Supervisor(log);
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async (): Promise<void> => {
    await parts.stopAll();
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };

  try {
    const uiPort = portOr(process.env, 'TEMPORAL_UI_PORT', 8233);
    // The payload key (PAYLOAD_KEYS, else created once in DATA_DIR) and the codec server that
    // lets the Web UI show staff what it encrypts.
    const codec = codecConfig(process.env, 'development');
    await parts.keep('the codec server', async () => {
      const app = await buildCodecServer(codec);
      await app.listen({ port: codec.port, host: codec.host });
      return serving(app);
    });
    const codecUrl = `http://localhost:${codec.port}`;
    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    let uiUrl: string | null = null;
    if (!temporalAddress) {
      log('starting the Temporal dev server (state in DATA_DIR/temporal.db)…');
      const binary = await resolveTemporalBinary(log);
      await parts.keep('the Temporal dev server', async () => {
        const server = await startDevServer({
          binary,
          port: portOr(process.env, 'TEMPORAL_PORT', 7233),
          uiPort,
          uiCodecEndpoint: codecUrl,
          dbFile: join(dir, 'temporal.db'),
          log,
        });
        temporalAddress = server.address;
        uiUrl = server.uiUrl;
        return {
          stopped: new Promise((resolve) =>
            server.process.once('exit', (code, signal) =>
              resolve(signal ? `killed by ${signal}` : `exit ${code}`),
            ),
          ),
          stop: () => server.stop(),
        };
      });
    }
    let smtpUrl = process.env.SMTP_URL;
    let outboxUrl: string | null = null;
    if (!smtpUrl) {
      const outbox = new Outbox(join(dir, 'outbox'));
      await outbox.load();
      await parts.keep('the SMTP outbox', async () => {
        await outbox.start(portOr(process.env, 'SMTP_PORT', 1025));
        return { stopped: outbox.closed(), stop: () => outbox.stop() };
      });
      const outboxPort = portOr(process.env, 'OUTBOX_PORT', 8025);
      const page = await startOutboxPage(outbox, outboxPort);
      outboxUrl = `http://localhost:${outboxPort}`;
      smtpUrl = outbox.url;
      stops.push(() => new Promise((resolve) => page.close(resolve)));
    }

    const demoPki = demo ? ensureDemoPki(join(dir, 'demo-firmantes')) : null;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress,
      SMTP_URL: smtpUrl,
      LINK_SECRET: localLinkSecret(process.env, dir),
      EVIDENCE_DIR: process.env.EVIDENCE_DIR || join(dir, 'evidence'),
      TRUST_ANCHORS: [process.env.TRUST_ANCHORS, demoPki?.caPath].filter(Boolean).join(','),
    };
    const config = workerConfig(env, 'development');
    // The worker's parts, as `npm run worker` builds them; one pool of verification threads for the
    // worker and the portal.
    const workerParts = await activityDeps(config, undefined, log);
    stops.push(() => workerParts.close());
    const { evidence, preparations, links, verifier } = workerParts;

    // The connections every part makes (temporal-connection.ts): TEMPORAL_API_KEY and the mTLS pair
    // apply here as in `npm run worker`.
    const connection = await connect(config.temporal);
    stops.push(() => connection.close());
    await registerSearchAttributes(connection, config.temporal.namespace);
    const client = clientOver(connection, config.temporal);
    const processes = new ProcessClient(client, config.temporal.taskQueue).withArchive(workerParts.archive!);

    await parts.keep('the worker', async () => {
      const nativeConnection = await connectWorker(config.temporal);
      const worker = await Worker.create({
        connection: nativeConnection,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        ...workflowCode(),
        ...workerTuning(config),
        plugins: [manifiestaPlugin({ ...workerParts, processes }, { keyring: config.temporal.keyring })],
      });
      const running = worker.run();
      return {
        stopped: running.then(
          () => 'it shut down',
          (error: unknown) => `it failed: ${(error as Error)?.message ?? String(error)}`,
        ),
        stop: async () => {
          worker.shutdown();
          await running.catch(() => {});
          await nativeConnection.close();
        },
      };
    });

    const portalSettings = portalConfig(env, '127.0.0.1');
    await parts.keep('the signer portal', async () => {
      const portal = await buildPortal({
        processes,
        links,
        evidence,
        preparations,
        verifier,
        privacyNotice: config.privacyNotice,
        baseUrl: config.portalBaseUrl,
        trustProxy: portalSettings.trustProxy,
      });
      await portal.listen({ port: portalSettings.port, host: portalSettings.host });
      return serving(portal);
    });

    log('ready:');
    log(
      `  Temporal Web UI    ${(uiUrl as string | null)?.replace('127.0.0.1', 'localhost') ?? '(your cluster’s)'}`,
    );
    log(`  Temporal frontend  ${config.temporal.address}`);
    log(`  codec server       ${codecUrl} (payloads encrypted with key ${codec.keyring.currentKeyId})`);
    log(`  signer portal      ${config.portalBaseUrl}`);
    log(`  outbox (mail)      ${outboxUrl ?? `(your relay: ${redactUrl(config.smtpUrl)})`}`);
    log(`  data               ${dir}`);

    if (demoPki) await startDemo(processes, demoPki);
    log('Ctrl-C stops everything');
  } catch (error) {
    await stopAll();
    throw error;
  }

  const reason = await Promise.race([untilStopped(() => log('stopping…')).then(() => null), parts.gaveUp]);
  if (reason !== null) log(reason);
  await stopAll();
  if (reason !== null) throw new Error(reason);
}

/** The demo's process for Huixquilucan, signed by the demo e.firma (started once). */
async function startDemo(processes: ProcessClient, demoPki: DemoPki): Promise<void> {
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
      calendar: calendarFromEnv(process.env),
    });
    log(`demo: started ${workflowId}`);
  } catch (error) {
    if (!(error instanceof CodedError && error.code === 'PROCESS_ALREADY_RUNNING')) throw error;
    log('demo: the Huixquilucan process is already running');
  }
  log(`demo: e.firma files (.cer, .key, contraseña ${demoPki.password}):`);
  log(`  presidenta municipal  ${demoPki.president.dir}`);
  log(`  comisionado           ${demoPki.commissioner.dir}`);
  log(`demo: open the outbox, click the signing link, and sign with the presidenta's files`);
}

runMain(module, () => start(process.argv.slice(2)));
