/**
 * The adhesion process's logic on its own: the workflow code on Temporal's time-skipping test
 * server, its activities plain fakes (test/support/fake-activities.ts). What is specified here is
 * what the people in the process notice: the stage it reaches, which mail it asks for, to whom and
 * in which order, and when, as weeks of process time pass in seconds.
 *
 * The real activities, servers and signatures are in test/process/ (the same process end to end).
 */
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { SendEmailInput, VerifySignatureInput } from '../../src/domain/activities';
import {
  recordInstallationUpdate,
  submitSignatureUpdate,
  withdrawUpdate,
  type SubmitSignatureInput,
} from '../../src/domain/messages';
import {
  Stage,
  type PolicyOverride,
  type ProcessInput,
  type ProcessState,
  type Role,
} from '../../src/domain/process';
import { ProcessClient } from '../../src/client/process-client';
import { workflowsPath } from '../../src/worker/plugin';
import { FakeActivities } from '../support/fake-activities';
import { timeSkippingEnvironment } from '../support/time-skipping';
import type { CodedError } from '../../src/domain/coded-error';

const MINUTE = 60_000;
let nextCode = 15_500;

function processInput(policy?: PolicyOverride): ProcessInput {
  const inegiCode = String(nextCode++);
  return {
    campaign: 'unitaria',
    inegiCode,
    municipality: `Municipio de Prueba ${inegiCode}`,
    president: {
      name: 'ROMINA CONTRERAS CARRASCO',
      email: `presidencia-${inegiCode}@example.mx`,
      rfc: 'COCR800101AB1',
    },
    commissioner: {
      name: 'JOSÉ MARTÍNEZ VILCHIS',
      email: `comisionado-${inegiCode}@example.mx`,
      rfc: 'MAVJ650101CD2',
    },
    coordinator: { name: 'Coordinación STL', email: `coordinacion-${inegiCode}@example.mx` },
    ...(policy ? { policy } : {}),
  };
}

/** A signature as a signer sends it from the link in their mail. */
function signatureFrom(mail: SendEmailInput, signature: string): SubmitSignatureInput {
  assert.ok(mail.link && mail.role, `"${mail.kind}" carries a signing link`);
  return {
    role: mail.role,
    linkVersion: mail.link.version,
    run: mail.link.run,
    signature: Buffer.from(signature).toString('base64'),
  };
}

/** Polls `probe` until it answers; the process's work happens on the worker, not in the test. */
async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const emails = (recipients: readonly { email: string }[] | undefined): string[] =>
  (recipients ?? []).map((r) => r.email);

describe('the adhesion process, its activities faked (time-skipping server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundle;
  let queues = 0;
  const started: string[] = [];

  before(async function () {
    // The Java server may take up to its own 120 s to start beside a busy machine.
    this.timeout(240_000);
    [env, bundle] = await Promise.all([
      timeSkippingEnvironment(),
      bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') }),
    ]);
  });

  afterEach(async function () {
    // A process a failed test left waiting would hold timers in the server's shared clock.
    for (const workflowId of started.splice(0))
      await env.client.workflow
        .getHandle(workflowId)
        .terminate('test over')
        .catch(() => undefined);
  });

  after(async function () {
    await env?.teardown();
  });

  /** Runs `body` with a worker of its own, whose activities are `fake`'s. */
  async function withWorker(
    fake: FakeActivities,
    body: (processes: ProcessClient) => Promise<void>,
  ): Promise<void> {
    const taskQueue = `proceso-unitario-${++queues}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: fake.activities,
    });
    await worker.runUntil(body(new ProcessClient(env.client, taskQueue)));
  }

  async function start(processes: ProcessClient, input: ProcessInput): Promise<string> {
    const { workflowId } = await processes.start(input);
    started.push(workflowId);
    return workflowId;
  }

  /** Lets the server's clock run to `iso` (plus a minute), firing every timer on the way. */
  async function skipTo(iso: string): Promise<void> {
    const ms = Date.parse(iso) + MINUTE - (await env.currentTimeMs());
    if (ms > 0) await env.sleep(ms);
  }

  const result = (workflowId: string): Promise<ProcessState> =>
    env.client.workflow.getHandle(workflowId).result() as Promise<ProcessState>;

  const linkFor = (fake: FakeActivities, role: Role) =>
    until(`the signature request to the ${role} signer`, () =>
      fake.mails.find((m) => m.kind === 'signature-request' && m.role === role),
    );

  it('asks the president to sign, then the commissioner to countersign, then waits for the installation, and completes when it is recorded', async function () {
    const fake = new FakeActivities();
    const input = processInput();
    await withWorker(fake, async (processes) => {
      const workflowId = await start(processes, input);

      const request = await linkFor(fake, 'municipal');
      assert.deepEqual(emails(request.to), [input.president.email]);
      const letter = (await processes.status(workflowId)).document;
      assert.equal(fake.calls[0]?.activity, 'renderLetter', 'the letter is drawn before anyone is asked');
      assert.equal(request.documentSha256, letter?.sha256, 'the request names the letter to sign');

      const signed = await processes.update(
        workflowId,
        submitSignatureUpdate,
        signatureFrom(request, 'firma de la presidenta'),
      );
      assert.equal(signed.stage, Stage.AwaitingInstituteCountersignature);
      const verified = fake.calls.find((c) => c.activity === 'verifySignature')
        ?.input as VerifySignatureInput;
      assert.equal(verified.documentSha256, letter?.sha256, 'judged against the letter');
      assert.equal(verified.expectedSigner.rfc, input.president.rfc, 'as the president’s');

      const countersign = await linkFor(fake, 'institute');
      assert.deepEqual(emails(countersign.to), [input.commissioner.email]);
      const countersigned = await processes.update(
        workflowId,
        submitSignatureUpdate,
        signatureFrom(countersign, 'firma del comisionado'),
      );
      assert.equal(countersigned.stage, Stage.AwaitingSecretariatInstallation);
      const complete = await until('the notice that both signed', () =>
        fake.mails.find((m) => m.kind === 'signatures-complete'),
      );
      assert.deepEqual(emails(complete.to), [input.president.email, input.commissioner.email]);
      assert.deepEqual(emails(complete.cc), [input.coordinator.email]);
      assert.ok(
        complete.attachments?.some((a) => a.sha256 === letter?.sha256),
        'the signed letter goes with it',
      );

      // The installation has its own deadline: its first reminder goes out when its time comes.
      const waiting = await processes.status(workflowId);
      const firstReminder = waiting.plan?.reminders[0];
      assert.ok(waiting.deadline && firstReminder, 'the installation stage is planned');
      assert.ok(Date.parse(firstReminder.at) > (await env.currentTimeMs()), 'its reminder is ahead');
      assert.equal(fake.mails.filter((m) => m.kind === 'reminder').length, 0);
      await skipTo(firstReminder.at);
      const reminder = await until('the installation reminder', () =>
        fake.mails.find((m) => m.kind === 'reminder'),
      );
      assert.equal(reminder.stage, Stage.AwaitingSecretariatInstallation);
      assert.deepEqual(emails(reminder.to), [input.president.email]);
      assert.deepEqual(emails(reminder.cc), [input.coordinator.email]);

      const minutes = fake.store(Buffer.from('%PDF-1.7\nActa de instalación\n'));
      const today = new Date(await env.currentTimeMs()).toISOString().slice(0, 10);
      const installed = await processes.update(workflowId, recordInstallationUpdate, {
        date: today,
        members: [{ name: 'Ana Pérez', sector: 'sociedad-civil', position: 'Integrante' }],
        minutes,
      });
      assert.equal(installed.stage, Stage.Completed);

      const final = await result(workflowId);
      assert.equal(final.stage, Stage.Completed);
      assert.equal(final.installation?.minutes.sha256, minutes.sha256);
      assert.deepEqual(
        fake.mails.map((m) => `${m.kind} → ${emails(m.to).join(', ')}`),
        [
          `signature-request → ${input.president.email}`,
          `signature-request → ${input.commissioner.email}`,
          `signatures-complete → ${input.president.email}, ${input.commissioner.email}`,
          `reminder → ${input.president.email}`,
          `completion → ${input.president.email}, ${input.commissioner.email}`,
        ],
      );
      assert.deepEqual(
        fake.calls
          .filter((c) => c.activity === 'assembleDossier')
          .map((c) => (c.input as { label: string }).label),
        ['signed', 'completed'],
        'a dossier when both signed, and the final one',
      );
    });
  });

  it('with no signature, reminds the president once per reminder of the policy as time passes, alerts the coordinator at the deadline, and expires after the grace period', async function () {
    const fake = new FakeActivities();
    const policy = {
      municipalSignature: {
        deadline: '10 días hábiles',
        remindBefore: ['6 días hábiles', '3 días hábiles', '1 día hábil'],
        grace: '2 días hábiles',
      },
    };
    const input = processInput(policy);
    await withWorker(fake, async (processes) => {
      const workflowId = await start(processes, input);
      await linkFor(fake, 'municipal');
      const { plan } = await processes.status(workflowId);
      assert.ok(plan);
      assert.equal(plan.reminders.length, policy.municipalSignature.remindBefore.length);
      const reminders = () => fake.mails.filter((m) => m.kind === 'reminder');

      for (const [i, planned] of plan.reminders.entries()) {
        assert.equal(reminders().length, i, `reminder ${i + 1} not before its time`);
        await skipTo(planned.at);
        await until(`reminder ${i + 1}`, () => reminders().length > i);
        assert.equal(reminders().length, i + 1, `reminder ${i + 1} sent once`);
      }
      for (const reminder of reminders()) {
        assert.deepEqual(emails(reminder.to), [input.president.email]);
        assert.equal(reminder.link?.version, 1, 'with the link the president already has');
      }
      assert.ok(!fake.mails.some((m) => m.kind === 'escalation'), 'no alert before the deadline');

      await skipTo(plan.escalateAt);
      const escalation = await until('the alert to the coordinator', () =>
        fake.mails.find((m) => m.kind === 'escalation'),
      );
      assert.deepEqual(emails(escalation.to), [input.coordinator.email]);
      assert.equal(
        (await processes.status(workflowId)).stage,
        Stage.AwaitingMunicipalSignature,
        'not yet expired',
      );

      const final = await result(workflowId);
      assert.equal(final.stage, Stage.Expired);
      const expiry = fake.mails.at(-1);
      assert.equal(expiry?.kind, 'expiry');
      assert.deepEqual(emails(expiry.to), [input.president.email]);
      assert.deepEqual(emails(expiry.cc), [input.coordinator.email]);
      assert.deepEqual(
        fake.mails.map((m) => m.kind),
        ['signature-request', ...plan.reminders.map(() => 'reminder'), 'escalation', 'expiry'],
      );
      assert.equal(
        fake.calls.filter((c) => c.activity === 'verifySignature').length,
        0,
        'nothing was signed',
      );
    });
  });

  it('withdrawn by the coordinator: ends as Withdrawn, tells the awaited signer why, and the link stops working', async function () {
    const fake = new FakeActivities();
    const input = processInput();
    await withWorker(fake, async (processes) => {
      const workflowId = await start(processes, input);
      const request = await linkFor(fake, 'municipal');
      const reason = 'El Cabildo pidió posponer la adhesión';

      const withdrawn = await processes.update(workflowId, withdrawUpdate, {
        reason,
        actor: input.coordinator.email,
      });
      assert.equal(withdrawn.stage, Stage.Withdrawn);
      const final = await result(workflowId);
      assert.equal(final.stage, Stage.Withdrawn);
      assert.match(final.outcome ?? '', new RegExp(reason));

      assert.deepEqual(
        fake.mails.map((m) => m.kind),
        ['signature-request', 'withdrawal'],
      );
      const notice = fake.mails[1]!;
      assert.deepEqual(emails(notice.to), [input.president.email]);
      assert.deepEqual(emails(notice.cc), [input.coordinator.email]);
      assert.equal(notice.reason, reason);

      await assert.rejects(
        processes.update(workflowId, submitSignatureUpdate, signatureFrom(request, 'firma tardía')),
        (error: CodedError) => error.code === 'WRONG_STAGE',
      );
      assert.ok(!fake.calls.some((c) => c.activity === 'verifySignature'), 'nothing was verified');
    });
  });

  it('a signature the verifier refuses changes nothing: no countersignature is asked for, and the same link can still sign', async function () {
    const fake = new FakeActivities();
    const input = processInput();
    await withWorker(fake, async (processes) => {
      const workflowId = await start(processes, input);
      const request = await linkFor(fake, 'municipal');
      const wrongSigner = signatureFrom(request, 'firma de otra persona');
      fake.refusals.set(wrongSigner.signature, 'SIGNER_MISMATCH');

      await assert.rejects(
        processes.update(workflowId, submitSignatureUpdate, wrongSigner),
        (error: CodedError) => error.code === 'SIGNER_MISMATCH' && error.report?.valid === false,
      );
      const after = await processes.status(workflowId);
      assert.equal(after.stage, Stage.AwaitingMunicipalSignature);
      assert.deepEqual(after.signatures, {});
      assert.ok(
        after.audit.some((e) => e.type === 'signature-refused'),
        'the refusal is on record',
      );
      assert.deepEqual(
        fake.mails.map((m) => m.kind),
        ['signature-request'],
      );

      const signed = await processes.update(
        workflowId,
        submitSignatureUpdate,
        signatureFrom(request, 'firma de la presidenta'),
      );
      assert.equal(signed.stage, Stage.AwaitingInstituteCountersignature);
      await linkFor(fake, 'institute');
    });
  });
});
