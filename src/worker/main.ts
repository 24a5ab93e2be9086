/**
 * `npm run worker`: hosts the adhesion process, configured by the environment (DESIGN §3).
 * SIGTERM or SIGINT shut it down gracefully: running activities finish, then the process exits.
 */
import { Worker } from '@temporalio/worker';
import { workerConfig } from '../config';
import { registerSearchAttributes } from '../client/namespace';
import { ProcessClient } from '../client/process-client';
import { connect, connectClient, connectWorker } from '../client/connection';
import type { TemporalConfig } from '../config';
import { activityDeps } from '../wiring/parts';
import { runMain } from '../wiring/main';
import { startHealthServer } from './health';
import { workflowCode } from './bundle';
import { workerTuning } from './tuning';
import { manifiestaPlugin } from './plugin';

export async function runWorker(): Promise<void> {
  const config = workerConfig();
  // Every configuration check (trust anchors included) before anything connects.
  const parts = await activityDeps(config);
  const client = await connectClient(config.temporal);
  const deps = {
    ...parts,
    processes: new ProcessClient(client, config.temporal.taskQueue).withArchive(parts.archive!),
  };
  const connection = await connectWorker(config.temporal);
  await ensureSearchAttributes(config.temporal);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...workflowCode(),
    ...workerTuning(config),
    plugins: [manifiestaPlugin(deps, { keyring: config.temporal.keyring })],
  });
  const health =
    config.healthPort === undefined
      ? null
      : await startHealthServer(config.healthPort, config.healthHost, {
          ready: async () => {
            if (worker.getState() !== 'RUNNING') throw new Error(`worker ${worker.getState().toLowerCase()}`);
            await client.withDeadline(Date.now() + 2_000, () => client.workflowService.getSystemInfo({}));
          },
        });
  console.log(
    `manifiesta worker: task queue ${config.temporal.taskQueue} on ${config.temporal.address} (${config.temporal.namespace})${
      health ? `; health on ${config.healthHost}:${config.healthPort}` : ''
    }`,
  );
  try {
    await worker.run(); // resolves after SIGINT/SIGTERM once in-flight work is done
  } finally {
    health?.close();
    await parts.close();
    await connection.close();
    await client.connection.close();
  }
}

/** Registering is idempotent; a cluster that forbids it (Temporal Cloud) was configured by its operator. */
async function ensureSearchAttributes(config: TemporalConfig): Promise<void> {
  try {
    const connection = await connect(config);
    try {
      await registerSearchAttributes(connection, config.namespace);
    } finally {
      await connection.close();
    }
  } catch (error) {
    console.warn(
      `search attributes not registered (${String(error)}); register them as docs/coordinators.md#staff-in-the-temporal-web-ui explains`,
    );
  }
}

runMain(module, runWorker, { exitWhenDone: false, showStack: true });
