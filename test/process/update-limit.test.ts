/**
 * Temporal admits a bounded number of updates per run (`history.maxTotalUpdates`, 2,000 by default,
 * lowered to 10 here). Updates that change nothing the process waits on (refused signatures) used
 * to pile up in one run until the coordinator's own actions were refused. The process now
 * continues as new as soon as Temporal suggests it, also while it waits, and holds each link to a
 * few refusals: a flood leaves every coordinator action possible.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createMailer } from '../../src/activities/email';
import { dataConverter } from '../../src/codec/data-converter';
import { MAX_REFUSALS_PER_LINK } from '../../src/domain/limits';
import { extendDeadlineUpdate, submitSignatureUpdate, withdrawUpdate } from '../../src/domain/messages';
import { startDevServer, type DevServer } from '../../src/dev/temporal';
import { ProcessClient } from '../../src/client/process-client';
import { manifiestaPlugin, workflowsPath } from '../../src/worker/plugin';
import { signingFixtures, testVerifier } from '../support/fixtures';
import { processEnv, type ProcessEnv } from '../support/process-env';
import { signingLink, testInput } from '../support/process-helpers';
import { opensslCms } from '../support/sign';
import type { CodedError } from '../../src/domain/coded-error';

describe('a run’s update limit never blocks the coordinator', function () {
  this.timeout(180_000);
  let env: ProcessEnv;
  let server: DevServer;
  let connection: Connection;
  let native: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let processes: ProcessClient;
  const f = signingFixtures();

  before(async function () {
    env = await processEnv();
    server = await startDevServer({
      binary: env.temporalBinary,
      dynamicConfig: { 'history.maxTotalUpdates': 10 },
    });
    connection = await Connection.connect({ address: server.address });
    const taskQueue = `limite-${randomBytes(3).toString('hex')}`;
    processes = new ProcessClient(
      new Client({ connection, namespace: server.namespace, dataConverter: dataConverter(env.keyring) }),
      taskQueue,
    );
    native = await NativeConnection.connect({ address: server.address });
    worker = await Worker.create({
      connection: native,
      namespace: server.namespace,
      taskQueue,
      workflowsPath,
      plugins: [
        manifiestaPlugin(
          {
            processes,
            evidence: env.evidence,
            preparations: env.preparations,
            mailer: createMailer(env.outbox.url, 'manifiesta <no-responder@manifiesta.test>'),
            links: env.links,
            verifier: testVerifier(),
          },
          { keyring: env.keyring },
        ),
      ],
    });
    running = worker.run();
  });
  after(async function () {
    worker?.shutdown();
    await running;
    await native?.close();
    await connection?.close();
    await server?.stop();
  });

  it('a flood of refused signatures: each answered with its refusal, the run continued as new, extend and withdraw accepted', async function () {
    const input = testInput();
    const { workflowId } = await processes.start(input);
    const { claims } = await signingLink(env, input.president.email);
    // Signatures that pass the validator and fail verification (someone else's letter): each is an
    // update Temporal counts. Sent straight to the process, as only someone with Temporal access can.
    const wrong = opensslCms(Buffer.from('otra carta'), f.president, { carry: [f.intermediate] });
    const codes: string[] = [];
    for (let i = 0; i < 14; i++) {
      try {
        await processes.update(workflowId, submitSignatureUpdate, {
          role: 'municipal',
          linkVersion: claims.version,
          run: claims.run,
          signature: wrong.toString('base64'),
        });
        codes.push('accepted');
      } catch (error) {
        codes.push((error as CodedError).code);
      }
    }
    assert.deepEqual(codes, [
      ...Array<string>(MAX_REFUSALS_PER_LINK).fill('DOCUMENT_MISMATCH'),
      ...Array<string>(14 - MAX_REFUSALS_PER_LINK).fill('RATE_LIMITED'),
    ]);
    await processes.update(workflowId, extendDeadlineUpdate, {
      days: 2,
      reason: 'la presidencia pidió tiempo',
    });
    await processes.update(workflowId, withdrawUpdate, { reason: 'se retira para iniciarlo de nuevo' });
    const state = await processes.status(workflowId);
    assert.equal(state.stage, 'Withdrawn');
    assert.ok(state.generation >= 1, `continued as new (${state.generation})`);
    assert.equal(
      state.linkUse?.municipal?.refusals,
      MAX_REFUSALS_PER_LINK,
      'the count travels with the state',
    );
  });
});
