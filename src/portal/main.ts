/** `npm run portal`: the signer portal alone, configured by the environment (DESIGN §3). */
import { portalConfig, workerConfig } from '../config';
import { SigningLinks } from '../links/tokens';
import { ProcessClient } from '../client/process-client';
import { openStores } from '../storage';
import { trustSource, verificationPool } from '../wiring/parts';
import { runMain, untilStopped } from '../wiring/main';
import { connectClient } from '../client/connection';
import { buildPortal } from './server';

export async function runPortal(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = workerConfig(env);
  const portal = portalConfig(env);
  // Every configuration check (trust anchors included) before anything connects.
  const stores = openStores(config.store, config.temporal.keyring);
  const source = trustSource(config, stores);
  console.log(`manifiesta portal: ${source.describe()}`);
  // The portal only reads the CRLs the worker fetches from CRL_URLS into the store.
  const {
    pool,
    verifier,
    stopKeeping: stopReloading,
  } = await verificationPool(config, source, { fetch: false });
  const client = await connectClient(config.temporal);
  const app = await buildPortal({
    // A signer waits at most this long for Temporal, then reads "try again" (503), never a hung page.
    processes: new ProcessClient(client, config.temporal.taskQueue, 30_000),
    links: new SigningLinks(config.linkSecret, config.portalBaseUrl),
    evidence: stores.evidence,
    preparations: stores.preparations,
    verifier,
    privacyNotice: config.privacyNotice,
    baseUrl: config.portalBaseUrl,
    trustProxy: portal.trustProxy,
    logger: true,
  });
  const stop = async (): Promise<void> => {
    stopReloading();
    await app.close();
    await pool.close();
    await client.connection.close();
  };
  void untilStopped(stop);
  await app.listen({ port: portal.port, host: portal.host });
  console.log(`manifiesta portal: ${config.portalBaseUrl}`);
}

runMain(module, runPortal, { exitWhenDone: false, showStack: true });
