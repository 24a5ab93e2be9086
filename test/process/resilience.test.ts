/**
 * Nothing is lost when parts fail: the SMTP relay going down and coming back, and the worker
 * process killed with SIGKILL mid-process and started again.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { submitSignatureUpdate } from '../../src/domain/messages';
import { signingFixtures } from '../support/fixtures';
import { processEnv, type ProcessEnv } from '../support/process-env';
import { documentOf, signingLink, testInput, waitForState } from '../support/process-helpers';
import { opensslCms } from '../support/sign';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the process survives failing parts', function () {
  this.timeout(240_000);
  let env: ProcessEnv;

  before(async function () {
    env = await processEnv();
  });

  it('SMTP down, then up: the mail is delivered after recovery and the process never fails', async function () {
    const port = env.outbox.port;
    await env.outbox.stop();
    const input = testInput();
    const { workflowId } = await env.processes.start(input);
    try {
      await waitForState(env, workflowId, (s) => s.links.municipal !== undefined);
      await sleep(4_000); // several failed attempts
      const during = await env.processes.status(workflowId);
      assert.equal(during.stage, 'AwaitingMunicipalSignature');
      assert.ok(!during.audit.some((e) => e.type === 'email-sent'), 'nothing was sent while SMTP was down');
      const description = await env.client.workflow.getHandle(workflowId).describe();
      assert.equal(description.status.name, 'RUNNING');
    } finally {
      await env.outbox.start(port);
    }
    const { claims } = await signingLink(env, input.president.email);
    assert.equal(claims.version, 1);
    const after = await waitForState(
      env,
      workflowId,
      (s) => s.audit.some((e) => e.type === 'email-sent'),
      60_000,
    );
    assert.equal(after.audit.filter((e) => e.type === 'email-failed').length, 0);
    const copies = env.outbox.messages.filter((m) =>
      m.mail.messageId?.startsWith(`<${workflowId}.signature-request-municipal-v1@`),
    );
    assert.ok(copies.length >= 1, 'delivered');
  });

  it('a worker killed with SIGKILL mid-process and restarted: the process resumes and nothing is lost', async function () {
    const f = signingFixtures();
    await env.stopWorker();
    const startChild = async (): Promise<ChildProcess> => {
      const child = spawn(
        process.execPath,
        [join(__dirname, '..', '..', 'dist', 'src', 'worker', 'main.js')],
        {
          env: { ...process.env, ...env.childEnv },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const deadline = Date.now() + 90_000;
      while (!output.includes('manifiesta worker:')) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`worker did not start: ${output}`);
        await sleep(100);
      }
      return child;
    };
    let child = await startChild();
    try {
      const input = testInput({
        policy: { municipalSignature: { deadline: '20s', remindBefore: ['14s'], grace: '60s' } },
      });
      const { workflowId } = await env.processes.start(input);
      const { claims } = await signingLink(env, input.president.email);
      const before = await waitForState(env, workflowId, (s) => s.audit.some((e) => e.type === 'email-sent'));

      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      await sleep(7_000); // the reminder falls due while no worker runs
      child = await startChild();

      const reminded = await waitForState(env, workflowId, (s) => s.remindersSent.length === 1, 60_000);
      assert.equal(reminded.document?.sha256, before.document?.sha256);
      assert.equal(reminded.links.municipal?.version, claims.version);
      await env.outbox.waitFor(
        (m) => m.envelopeTo.includes(input.president.email) && /^Recordatorio/.test(m.mail.subject ?? ''),
        60_000,
      );

      const letter = await documentOf(env, reminded);
      const signed = await env.processes.update(workflowId, submitSignatureUpdate, {
        role: 'municipal',
        linkVersion: claims.version,
        signature: opensslCms(letter, f.president, { carry: [f.intermediate] }).toString('base64'),
      });
      assert.equal(signed.stage, 'AwaitingInstituteCountersignature');
      const state = await env.processes.status(workflowId);
      assert.equal(state.remindersSent.length, 1, 'the reminder was sent exactly once');
      assert.equal(state.audit.filter((e) => e.type === 'letter-rendered').length, 1);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
      await env.startWorker();
    }
  });
});
