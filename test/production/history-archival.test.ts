/**
 * Temporal's own history archival on the production topology (docs/operations.md#history-archival):
 * the real server archives the history of a workflow that closes to the stack's object store, with
 * an account of its own, and once the run is gone from Temporal's database (deleted here, as
 * retention deletes it after 30 days) the frontend serves its history from the archive, to the SDK
 * and to `temporal workflow show`, its payloads decrypted through the codec server as before.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Client, type Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { dataConverter } from '../../src/codec/data-converter';
import { ENCRYPTED_ENCODING } from '../../src/codec/encryption-codec';
import { parseKeyring } from '../../src/codec/keyring';
import { temporalConfig } from '../../src/config';
import { connect } from '../../src/client/connection';
import { processEnv, TEST_KEYRING_FILE } from '../support/process-env';
import { productionStack, type TestStack } from '../support/production-stack';

const { ArchivalState, EventType } = temporal.api.enums.v1;

/** An S3 client as one of the stack's accounts (its AWS_* variables). */
function s3As(env: NodeJS.ProcessEnv, endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: env.AWS_REGION!,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  });
}

async function refused(promise: Promise<unknown>): Promise<boolean> {
  try {
    await promise;
    return false;
  } catch (error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403;
  }
}

describe('the production topology’s Temporal history archival', function () {
  this.timeout(300_000);
  let t: TestStack;
  let connection: Connection;
  let client: Client;

  before(async function () {
    t = await productionStack();
    connection = await connect(temporalConfig(t.stack.env, 'cli'));
    client = new Client({
      connection,
      namespace: t.stack.env.TEMPORAL_NAMESPACE!,
      dataConverter: dataConverter(parseKeyring(TEST_KEYRING_FILE)),
    });
  });

  after(async function () {
    await connection?.close();
  });

  it('archives a closed workflow’s history to the object store, and serves it from there once the run is deleted', async function () {
    const namespace = t.stack.env.TEMPORAL_NAMESPACE!;
    const archive = t.stack.objectStore.historyArchive;
    const { namespaceInfo, config } = await connection.workflowService.describeNamespace({ namespace });
    assert.equal(config?.historyArchivalState, ArchivalState.ARCHIVAL_STATE_ENABLED, 'namespace archives');
    assert.equal(config?.historyArchivalUri, archive.uri);
    const [bucket, prefix] = archive.uri.replace(/^s3:\/\//, '').split(/\/(.*)/s) as [string, string];

    // A workflow no worker runs (its own task queue), with an input, closed by terminating it.
    const workflowId = `archivo-historia-${randomBytes(4).toString('hex')}`;
    const input = { sonda: 'historia archivada', n: 15037 };
    const handle = await client.workflow.start('SondaDeArchivo', {
      workflowId,
      taskQueue: `sonda-archivo-${randomBytes(4).toString('hex')}`,
      args: [input],
    });
    const runId = handle.firstExecutionRunId;
    // Without details (the SDK's handle.terminate records an empty list of them, which the codec
    // server refuses to decode, failing `temporal workflow show --codec-endpoint` below).
    await connection.workflowService.terminateWorkflowExecution({
      namespace,
      workflowExecution: { workflowId, runId },
      reason: 'sonda de archivo de historia',
    });
    const closedAt = Date.now();
    const live = await connection.workflowService.getWorkflowExecutionHistory({
      namespace,
      execution: { workflowId, runId },
    });
    assert.equal(live.archived, false, 'served from Temporal’s database while the run exists');
    const liveEvents = live.history!.events!;

    // Archived within the server's archive delay (a random time up to 15 s after the close): the
    // s3store archiver's layout, <prefix>/<namespace id>/history/<workflow id>/<run id>/<version>/<n>.
    const s3 = s3As(archive.env, archive.endpoint);
    const runPrefix = `${prefix}/${namespaceInfo!.id}/history/${workflowId}/${runId}/`;
    let keys: string[] = [];
    while (keys.length === 0) {
      assert.ok(Date.now() - closedAt < 120_000, `no history archived under s3://${bucket}/${runPrefix}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: runPrefix }));
      keys = (listed.Contents ?? []).map((o) => o.Key!);
    }
    const archivedAfter = Date.now() - closedAt;
    const blob = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: bucket, Key: keys[0]! }))
      ).Body!.transformToString(),
    ) as { header: { isLast: boolean }; body: { events: { eventType: string }[] }[] };
    assert.equal(blob.header.isLast, true);
    assert.equal(
      blob.body.flatMap((b) => b.events).length,
      liveEvents.length,
      'the whole history in one blob',
    );

    // The server's account may read and write its histories only: not delete them, nor touch evidence.
    assert.ok(await refused(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: keys[0]! }))), 'delete');
    const evidence = s3As(t.stack.env, archive.endpoint);
    const evidencePrefix = t.stack.env.EVIDENCE_URL!.replace(`s3://${bucket}/`, '');
    const evidenceKey = `${evidencePrefix}/prueba-archivo/${workflowId}`;
    await evidence.send(new PutObjectCommand({ Bucket: bucket, Key: evidenceKey, Body: 'evidencia' }));
    assert.ok(
      await refused(s3.send(new GetObjectCommand({ Bucket: bucket, Key: evidenceKey }))),
      'read evidence',
    );
    assert.ok(
      await refused(s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${evidencePrefix}/x`, Body: 'x' }))),
      'write evidence',
    );
    await evidence.send(new DeleteObjectCommand({ Bucket: bucket, Key: evidenceKey }));
    // …and the evidence accounts may not write into the archive.
    assert.ok(
      await refused(evidence.send(new PutObjectCommand({ Bucket: bucket, Key: `${runPrefix}x`, Body: 'x' }))),
      'workers write into the archive',
    );

    // Gone from Temporal's database, as after retention.
    await connection.workflowService.deleteWorkflowExecution({
      namespace,
      workflowExecution: { workflowId, runId },
    });
    for (let deadline = Date.now() + 60_000; ;) {
      try {
        await connection.workflowService.describeWorkflowExecution({
          namespace,
          execution: { workflowId, runId },
        });
      } catch (error) {
        if ((error as { code?: number }).code === 5 /* NOT_FOUND */) break;
        throw error;
      }
      assert.ok(Date.now() < deadline, 'the run was not deleted');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }

    // The frontend reads it from the archive: the same events, the input still encrypted.
    const archived = await connection.workflowService.getWorkflowExecutionHistory({
      namespace,
      execution: { workflowId, runId },
    });
    assert.equal(archived.archived, true, 'served from the archive');
    const events = archived.history!.events!;
    assert.deepEqual(
      events.map((e) => [Number(e.eventId), e.eventType]),
      liveEvents.map((e) => [Number(e.eventId), e.eventType]),
    );
    assert.equal(events[0]!.eventType, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
    assert.equal(events.at(-1)!.eventType, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED);
    assert.equal(
      events.at(-1)!.workflowExecutionTerminatedEventAttributes!.reason,
      'sonda de archivo de historia',
    );
    const payload = events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    assert.equal(Buffer.from(payload.metadata!.encoding!).toString(), ENCRYPTED_ENCODING);

    // And as docs/operations.md says to read it: `temporal workflow show` with the run ID, the
    // CLI's certificate, decoded by the stack's codec server.
    const env = t.stack.env;
    const show = spawnSync(
      (await processEnv()).temporalBinary,
      [
        'workflow',
        'show',
        '--workflow-id',
        workflowId,
        '--run-id',
        runId,
        '--output',
        'json',
        '--address',
        env.TEMPORAL_ADDRESS!,
        '--namespace',
        namespace,
        '--tls-cert-path',
        env.TEMPORAL_TLS_CERT!,
        '--tls-key-path',
        env.TEMPORAL_TLS_KEY!,
        '--tls-ca-path',
        env.TEMPORAL_TLS_CA!,
        '--tls-server-name',
        env.TEMPORAL_TLS_SERVER_NAME!,
        '--codec-endpoint',
        t.stack.urls['codec server']!,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(show.status, 0, show.stderr);
    const shown = JSON.parse(show.stdout) as {
      events: {
        workflowExecutionStartedEventAttributes?: {
          input: { payloads: { metadata: { encoding: string }; data: string }[] };
        };
      }[];
    };
    assert.equal(shown.events.length, events.length);
    const decoded = shown.events[0]!.workflowExecutionStartedEventAttributes!.input.payloads[0]!;
    assert.equal(Buffer.from(decoded.metadata.encoding, 'base64').toString(), 'json/plain');
    assert.deepEqual(JSON.parse(Buffer.from(decoded.data, 'base64').toString()), input);
    console.log(
      `      history archived ${(archivedAfter / 1000).toFixed(1)} s after the close (${keys.length} object: s3://${bucket}/${keys[0]}); read back from the archive after deletion`,
    );
  });
});
