/**
 * Hosting the process elsewhere: an existing worker adds the plugin and re-exports our workflows
 * (DESIGN §6); and a long-waiting process continues as new when the server suggests it, carrying
 * its whole state.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createMailer } from '../../src/activities/email';
import { dataConverter } from '../../src/codec/data-converter';
import { startDevServer } from '../../src/dev/temporal';
import { submitSignatureUpdate } from '../../src/domain/messages';
import { ProcessClient } from '../../src/client/process-client';
import { manifiestaPlugin, workflowsPath } from '../../src/worker/plugin';
import { testVerifier } from '../support/fixtures';
import { processEnv, type ProcessEnv } from '../support/process-env';
import {
  documentOf,
  presidentSignature,
  signingLink,
  testInput,
  waitForState,
} from '../support/process-helpers';

describe('hosting the process', function () {
  this.timeout(240_000);
  let env: ProcessEnv;

  before(async function () {
    env = await processEnv();
  });

  function deps() {
    return {
      evidence: env.evidence,
      preparations: env.preparations,
      mailer: createMailer(env.outbox.url, 'host <host@example.mx>'),
      links: env.links,
      verifier: testVerifier(),
    };
  }

  it('the package entry point (main, types) is what the build makes, and exports the plugin', function () {
    const root = join(__dirname, '..', '..');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      main: string;
      types: string;
    };
    assert.ok(existsSync(join(root, pkg.types)), `${pkg.types} exists after the build`);
    // As a host's `require('manifiesta')` loads it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- exactly how a host loads the package
    const entry = require(join(root, pkg.main)) as Record<string, unknown>;
    assert.equal(typeof entry.manifiestaPlugin, 'function');
    assert.equal(typeof entry.activityDeps, 'function');
    assert.ok(existsSync(entry.workflowsPath as string), 'workflowsPath names the built workflows');
    assert.equal((entry.submitSignatureUpdate as { name: string }).name, 'submitSignature');
  });

  it('a host worker with its own workflows module and the plugin runs both its workflows and the process', async function () {
    const taskQueue = `host-${randomBytes(4).toString('hex')}`;
    const connection = await NativeConnection.connect({ address: env.server.address });
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: require.resolve('../host/workflows'),
      plugins: [manifiestaPlugin(deps(), { keyring: env.keyring })],
    });
    await worker.runUntil(async () => {
      const greeting = await env.client.workflow.execute('hostGreeting', {
        taskQueue,
        workflowId: `host-${taskQueue}`,
        args: ['Infoem'],
      });
      assert.equal(greeting, 'hola, Infoem');
      const hosted = new ProcessClient(env.client, taskQueue);
      const input = testInput();
      const { workflowId } = await hosted.start(input);
      const { claims } = await signingLink(env, input.president.email);
      assert.equal(claims.workflowId, workflowId);
      const state = await hosted.status(workflowId);
      assert.equal(state.stage, 'AwaitingMunicipalSignature');
    });
    await connection.close();
  });

  it('continues as new when the server suggests it, carrying the whole state; signing still works', async function () {
    // A server that suggests continue-as-new after a few dozen events.
    const server = await startDevServer({
      binary: env.temporalBinary,
      dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 40 },
    });
    const connection = await Connection.connect({ address: server.address });
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    const taskQueue = `can-${randomBytes(4).toString('hex')}`;
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowsPath,
      plugins: [manifiestaPlugin(deps(), { keyring: env.keyring })],
    });
    try {
      await worker.runUntil(async () => {
        const processes = new ProcessClient(
          new Client({ connection, dataConverter: dataConverter(env.keyring) }),
          taskQueue,
        );
        const input = testInput({
          policy: {
            municipalSignature: {
              deadline: '40s',
              remindBefore: ['36s', '34s', '32s', '30s', '28s', '26s'],
              grace: '60s',
            },
          },
        });
        const { workflowId, runId: firstRunId } = await processes.start(input);
        const local = { ...env, processes } as ProcessEnv;
        const state = await waitForState(
          local,
          workflowId,
          (s) => s.generation >= 1 && s.remindersSent.length >= 3,
          60_000,
        );
        assert.ok(state.document, 'the letter survived');
        assert.equal(state.audit[0]?.type, 'started', 'the audit trail survived');
        assert.equal(
          state.audit.filter((e) => e.type === 'letter-rendered').length,
          1,
          'the letter was not rendered again',
        );
        const description = await processes.handle(workflowId).describe();
        assert.notEqual(description.runId, firstRunId, 'the process now runs in a newer execution');
        const events = (await processes.handle(workflowId).fetchHistory()).events?.length ?? 0;
        assert.ok(events < 80, `the current run's history stays short (${events} events)`);

        const letter = await documentOf(env, state);
        const link = state.links.municipal!;
        const signed = await processes.update(
          workflowId,
          submitSignatureUpdate,
          presidentSignature(letter, { version: link.version, run: state.runId }),
        );
        assert.equal(signed.stage, 'AwaitingInstituteCountersignature');
        const after = await processes.status(workflowId);
        assert.ok(after.remindersSent.length >= 3, 'reminders sent before continuing were kept');
      });
    } finally {
      await nativeConnection.close();
      await connection.close();
      await server.stop();
    }
  });
});
