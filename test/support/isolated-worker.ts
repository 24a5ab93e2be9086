/**
 * A worker of its own for one test: its own task queue and evidence folder on the run's Temporal
 * server, SMTP outbox and link secret, and the verifier the test chooses. What it stores and what
 * its processes do can then be counted exactly, whatever other tests left running.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createMailer } from '../../src/activities/email';
import { DEFAULT_CACHED_PROCESSES } from '../../src/config';
import { ProcessClient } from '../../src/client/process-client';
import type { Verifier } from '../../src/signatures';
import { openStores, type EvidenceStore, type PreparationStore } from '../../src/storage';
import { manifiestaPlugin, workflowsPath } from '../../src/worker/plugin';
import { workerTuning } from '../../src/worker/tuning';
import { testVerifier } from './fixtures';
import type { ProcessEnv } from './process-env';

export interface IsolatedWorker {
  readonly taskQueue: string;
  readonly processes: ProcessClient;
  readonly evidenceDir: string;
  readonly evidence: EvidenceStore;
  readonly preparations: PreparationStore;
  stop(): Promise<void>;
}

export async function isolatedWorker(
  env: ProcessEnv,
  verifier: Verifier = testVerifier(),
): Promise<IsolatedWorker> {
  const taskQueue = `aislado-${randomBytes(4).toString('hex')}`;
  const evidenceDir = mkdtempSync(join(tmpdir(), 'manifiesta-aislado-'));
  const { evidence, preparations, ledger } = openStores({ kind: 'folder', dir: evidenceDir }, env.keyring);
  const processes = new ProcessClient(env.client, taskQueue);
  const mailer = createMailer(env.outbox.url, 'manifiesta <no-responder@manifiesta.test>', ledger);
  const connection = await NativeConnection.connect({ address: env.server.address });
  const worker = await Worker.create({
    connection,
    namespace: env.server.namespace,
    taskQueue,
    workflowsPath,
    ...workerTuning({ cachedProcesses: DEFAULT_CACHED_PROCESSES, activitySlots: 2 }),
    plugins: [
      manifiestaPlugin(
        { processes, evidence, preparations, mailer, links: env.links, verifier },
        { keyring: env.keyring },
      ),
    ],
  });
  const running = worker.run();
  return {
    taskQueue,
    processes,
    evidenceDir,
    evidence,
    preparations,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      mailer.transport.close();
    },
  };
}
