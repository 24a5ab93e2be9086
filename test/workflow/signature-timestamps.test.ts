/**
 * Version 8's time-stamps, as the people in the process notice them: a signature made inside the
 * PDF gets a TSA's token before the next signer is asked (or both are told the letter is signed);
 * when no TSA answers, the process waits at most STAMP_WAIT, tells the coordinator, and goes on
 * with the signature unstamped. The workflow code on Temporal's time-skipping test server, its
 * activities plain fakes (test/support/fake-activities.ts, whose `tsa` says whether the worker has
 * a TSA and whether it answers), as in test/workflow/adhesion-process.test.ts.
 *
 * The real time-stamping (tokens, the PDF's /Contents) is in test/pdf/signature-timestamp.test.ts.
 */
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { PreparePadesInput, SendEmailInput, TimestampSignatureInput } from '../../src/domain/activities';
import {
  prepareSignatureUpdate,
  resendLinkUpdate,
  submitSignatureUpdate,
  withdrawUpdate,
  type SubmitSignatureResult,
} from '../../src/domain/messages';
import { SIGNATURE_FIELD, Stage, type ProcessInput, type Role } from '../../src/domain/process';
import { ProcessClient } from '../../src/client/process-client';
import type { CodedError } from '../../src/domain/coded-error';
import { workflowsPath } from '../../src/worker/plugin';
import { STAMP_WAIT } from '../../src/workflows/adhesion-process/context';
import { FakeActivities } from '../support/fake-activities';
import { timeSkippingEnvironment } from '../support/time-skipping';

const MINUTE = 60_000;
/** STAMP_WAIT in ms (it is written for Temporal: '30 minutes'). */
const STAMP_WAIT_MS = Number(/^(\d+) minutes$/.exec(STAMP_WAIT)?.[1]) * MINUTE;
let nextCode = 15_800;

function processInput(): ProcessInput {
  const inegiCode = String(nextCode++);
  return {
    campaign: 'sellos',
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

const base64 = (text: string): string => Buffer.from(text).toString('base64');

/** The link a signer holds: from the mail that carried it. */
function linkOf(mail: SendEmailInput): { role: Role; linkVersion: number; run: string } {
  assert.ok(mail.link && mail.role, `"${mail.kind}" carries a signing link`);
  return { role: mail.role, linkVersion: mail.link.version, run: mail.link.run };
}

/** The certificate a signer's browser sends (any bytes: the fakes judge by `refusals`). */
const certificateOf = (who: string): string => base64(`certificado de ${who}`);

describe('signatures in the PDF time-stamped (version 8, activities faked, time-skipping server)', function () {
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
    const taskQueue = `proceso-sellos-${++queues}`;
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

  const linkFor = (fake: FakeActivities, role: Role, version = 1) =>
    until(`the signature request to the ${role} signer (link v${version})`, () =>
      fake.mails.find(
        (m) => m.kind === 'signature-request' && m.role === role && m.link?.version === version,
      ),
    );

  /** Asks for the bytes to sign with the certificate of `who`, as the signing page does first. */
  const prepare = (processes: ProcessClient, workflowId: string, mail: SendEmailInput, who: string) =>
    processes.update(workflowId, prepareSignatureUpdate, {
      ...linkOf(mail),
      certificate: certificateOf(who),
    });

  /** Signs the letter inside the PDF from the link in `mail`: prepare, then submit. */
  async function signInPdf(
    processes: ProcessClient,
    workflowId: string,
    mail: SendEmailInput,
    who: string,
  ): Promise<SubmitSignatureResult> {
    const prepared = await prepare(processes, workflowId, mail, who);
    return processes.update(workflowId, submitSignatureUpdate, {
      ...linkOf(mail),
      format: 'pades',
      signature: base64(`firma de ${who} sobre ${prepared.toBeSigned}`),
      certificate: certificateOf(who),
    });
  }

  /** Where in the worker's calls the first one `matches` is (-1: none). */
  const callIndex = (fake: FakeActivities, matches: (c: FakeActivities['calls'][number]) => boolean) =>
    fake.calls.findIndex(matches);

  const stampsOf = (fake: FakeActivities, role: Role) =>
    fake.calls.filter(
      (c) =>
        c.activity === 'timestampSignature' &&
        (c.input as TimestampSignatureInput).field === SIGNATURE_FIELD[role],
    );

  /** The letter as the timestamp attempts for `role` were asked to stamp it (the signed letter). */
  const stampedInput = (fake: FakeActivities, role: Role): TimestampSignatureInput => {
    const [first] = stampsOf(fake, role);
    assert.ok(first, `the ${role} signature was sent to be time-stamped`);
    return first.input as TimestampSignatureInput;
  };

  const preparationsFor = (fake: FakeActivities, role: Role) =>
    fake.calls
      .filter((c) => c.activity === 'preparePadesSignature')
      .map((c) => c.input as PreparePadesInput)
      .filter((p) => p.field === SIGNATURE_FIELD[role]);

  const isRefusal = (code: string) => (error: CodedError) => {
    assert.equal(error.code, code, error.message);
    return true;
  };

  it('with a TSA: each signature made in the PDF is time-stamped before the next signer is asked, and the letter they sign on carries the token', async function () {
    const fake = new FakeActivities();
    fake.tsa = 'up';
    const input = processInput();
    await withWorker(fake, async (processes) => {
      const workflowId = await start(processes, input);
      const request = await linkFor(fake, 'municipal');

      const signed = await signInPdf(processes, workflowId, request, 'la presidenta');
      assert.equal(signed.status, 'accepted');
      assert.equal(signed.stage, Stage.AwaitingInstituteCountersignature);

      const countersign = await linkFor(fake, 'institute');
      assert.deepEqual(emails(countersign.to), [input.commissioner.email]);
      const after = await processes.status(workflowId);
      const stamp = after.signatures.municipal?.timestamp;
      assert.ok(stamp, 'the president’s signature has its time-stamp');
      assert.equal(stamp.tsa, 'CN=TSA de prueba');
      assert.ok(fake.files.has(stamp.tokenSha256), 'the token is kept as evidence');
      assert.ok(!Number.isNaN(Date.parse(stamp.genTime)));

      // The letter sent to be stamped is the one the signature was embedded in; the letter of record
      // is now the stamped one: the same bytes, with the token added.
      const asSigned = stampedInput(fake, 'municipal');
      const embedded = fake.files.get(asSigned.documentSha256);
      assert.ok(embedded, 'the signed letter was stored');
      assert.ok(after.signedDocument && after.signedDocument.sha256 !== asSigned.documentSha256);
      const stamped = fake.files.get(after.signedDocument.sha256);
      assert.ok(stamped, 'the stamped letter was stored');
      assert.deepEqual(stamped.subarray(0, embedded.length), embedded);
      assert.match(stamped.subarray(embedded.length).toString(), /sello de tiempo/);

      const types = after.audit.map((e) => e.type);
      assert.ok(types.includes('signature-timestamped'), 'the stamp is on record');
      assert.ok(!types.includes('signature-timestamp-late'));
      assert.ok(
        !fake.mails.some((m) => m.kind === 'timestamp-unavailable'),
        'the coordinator is not bothered',
      );

      const stampedAt = callIndex(
        fake,
        (c) =>
          c.activity === 'timestampSignature' &&
          (c.input as TimestampSignatureInput).field === SIGNATURE_FIELD.municipal,
      );
      const askedAt = callIndex(
        fake,
        (c) =>
          c.activity === 'sendEmail' &&
          (c.input as SendEmailInput).kind === 'signature-request' &&
          (c.input as SendEmailInput).role === 'institute',
      );
      assert.ok(stampedAt >= 0 && stampedAt < askedAt, 'the commissioner is asked after the stamp');

      // The commissioner signs on top of the stamped letter, and is stamped in turn.
      const countersigned = await signInPdf(processes, workflowId, countersign, 'el comisionado');
      assert.equal(countersigned.stage, Stage.AwaitingSecretariatInstallation);
      assert.equal(preparationsFor(fake, 'institute')[0]?.baseSha256, after.signedDocument.sha256);
      const complete = await until('the notice that both signed', () =>
        fake.mails.find((m) => m.kind === 'signatures-complete'),
      );
      const final = await processes.status(workflowId);
      assert.equal(final.signatures.institute?.timestamp?.tsa, 'CN=TSA de prueba');
      assert.notEqual(final.signedDocument?.sha256, stampedInput(fake, 'institute').documentSha256);
      assert.ok(
        complete.attachments?.some((a) => a.sha256 === final.signedDocument?.sha256),
        'the letter sent to both carries both time-stamps',
      );
      const confirmedAt = callIndex(
        fake,
        (c) => c.activity === 'sendEmail' && (c.input as SendEmailInput).kind === 'signatures-complete',
      );
      const secondStampAt = callIndex(
        fake,
        (c) =>
          c.activity === 'timestampSignature' &&
          (c.input as TimestampSignatureInput).field === SIGNATURE_FIELD.institute,
      );
      assert.ok(secondStampAt >= 0 && secondStampAt < confirmedAt, 'both are told after the second stamp');
      // Version 9: then the letter's validation data and archive time-stamp (B-LTA), before the mail.
      const archivedAt = callIndex(fake, (c) => c.activity === 'archiveLetter');
      assert.ok(
        secondStampAt < archivedAt && archivedAt < confirmedAt,
        'archived between the stamp and the mail',
      );
      assert.equal(final.archive?.length, 1);
      assert.equal(final.archive![0]!.tsa, 'CN=TSA de prueba');
      assert.ok(final.audit.some((e) => e.type === 'letter-archived'));
      assert.equal(
        final.audit.filter((e) => e.type === 'signature-timestamped').length,
        2,
        'one stamp per signature',
      );
    });
  });

  it('with the TSAs down: the signature is accepted at once, the next signer waits at most STAMP_WAIT, then the coordinator is told and the process goes on unstamped', async function () {
    const fake = new FakeActivities();
    fake.tsa = 'down';
    const input = processInput();
    await withWorker(fake, async (processes) => {
      const workflowId = await start(processes, input);
      const request = await linkFor(fake, 'municipal');

      const before = await env.currentTimeMs();
      const signed = await signInPdf(processes, workflowId, request, 'la presidenta');
      assert.equal(signed.status, 'accepted');
      assert.equal(signed.stage, Stage.AwaitingInstituteCountersignature);
      assert.ok(
        (await env.currentTimeMs()) - before < STAMP_WAIT_MS,
        'the president is answered without waiting for the TSA',
      );
      await until('a first time-stamp attempt', () => stampsOf(fake, 'municipal').length > 0);
      assert.ok(
        !fake.mails.some((m) => m.role === 'institute'),
        'the commissioner is not asked while the signature is being stamped',
      );

      // A commissioner who holds a link meanwhile (the coordinator resent it) cannot prepare yet: the
      // letter is signed on top of the president's signature once its stamp is settled.
      const resent = await processes.update(workflowId, resendLinkUpdate, { role: 'institute' });
      const early = await linkFor(fake, 'institute', resent.linkVersion);
      await assert.rejects(
        prepare(processes, workflowId, early, 'el comisionado'),
        isRefusal('SIGNATURE_IN_PROGRESS'),
      );
      assert.equal(preparationsFor(fake, 'institute').length, 0, 'nothing was prepared');

      // Short of the bound (with minutes to spare for a slow machine: the server's clock also runs
      // while it does not skip): retried, nobody told yet.
      await env.sleep(STAMP_WAIT_MS - 5 * MINUTE);
      await until('the time-stamp retried', () => stampsOf(fake, 'municipal').length > 1);
      assert.ok(!fake.mails.some((m) => m.kind === 'timestamp-unavailable'));
      assert.ok(
        !(await processes.status(workflowId)).audit.some((e) => e.type === 'signature-timestamp-late'),
      );
      await assert.rejects(
        prepare(processes, workflowId, early, 'el comisionado'),
        isRefusal('SIGNATURE_IN_PROGRESS'),
      );

      // Past it: the coordinator is told, and the link the commissioner holds now works (the one
      // resent meanwhile stands: no second link that would make it stale).
      await env.sleep(6 * MINUTE);
      const notice = await until('the notice to the coordinator', () =>
        fake.mails.find((m) => m.kind === 'timestamp-unavailable'),
      );
      assert.deepEqual(emails(notice.to), [input.coordinator.email]);
      assert.equal(notice.role, 'municipal');
      const countersign = early;
      assert.deepEqual(emails(countersign.to), [input.commissioner.email]);
      assert.equal(
        fake.mails.filter((m) => m.kind === 'signature-request' && m.role === 'institute').length,
        1,
        'one link for the commissioner',
      );
      assert.ok(stampsOf(fake, 'municipal').length > 1, 'the TSA was tried more than once');

      const after = await processes.status(workflowId);
      const types = after.audit.map((e) => e.type);
      assert.ok(types.includes('signature-timestamp-late'), 'the missing stamp is on record');
      assert.ok(!types.includes('signature-timestamped'));
      assert.ok(after.signatures.municipal, 'the signature stands');
      assert.equal(after.signatures.municipal.timestamp, undefined, 'unstamped');
      assert.equal(after.signedDocument?.sha256, stampedInput(fake, 'municipal').documentSha256);

      // A TSA back later changes nothing: the commissioner may be signing on top of that letter.
      fake.tsa = 'up';
      await env.sleep(15 * MINUTE);
      const prepared = await prepare(processes, workflowId, countersign, 'el comisionado');
      assert.ok(prepared.toBeSigned.length > 0, 'the commissioner can prepare now');
      assert.equal(preparationsFor(fake, 'institute')[0]?.baseSha256, after.signedDocument?.sha256);
      const later = await processes.status(workflowId);
      assert.equal(later.signedDocument?.sha256, after.signedDocument?.sha256);
      assert.equal(later.signatures.municipal?.timestamp, undefined);
      assert.equal(fake.mails.filter((m) => m.kind === 'timestamp-unavailable').length, 1, 'told once');
    });
  });

  it('a TSA back within STAMP_WAIT: the retried attempt stamps the signature, and nobody is told of a delay', async function () {
    const fake = new FakeActivities();
    fake.tsa = 'down';
    const input = processInput();
    await withWorker(fake, async (processes) => {
      const workflowId = await start(processes, input);
      const request = await linkFor(fake, 'municipal');
      await signInPdf(processes, workflowId, request, 'la presidenta');
      await until('a first time-stamp attempt', () => stampsOf(fake, 'municipal').length > 0);
      await env.sleep(MINUTE);
      await until('the time-stamp retried', () => stampsOf(fake, 'municipal').length > 1);
      fake.tsa = 'up';
      await env.sleep(10 * MINUTE);

      const countersign = await linkFor(fake, 'institute');
      const after = await processes.status(workflowId);
      assert.equal(after.signatures.municipal?.timestamp?.tsa, 'CN=TSA de prueba');
      assert.notEqual(after.signedDocument?.sha256, stampedInput(fake, 'municipal').documentSha256);
      assert.ok(!after.audit.some((e) => e.type === 'signature-timestamp-late'));
      assert.ok(!fake.mails.some((m) => m.kind === 'timestamp-unavailable'));
      await prepare(processes, workflowId, countersign, 'el comisionado');
      assert.equal(preparationsFor(fake, 'institute')[0]?.baseSha256, after.signedDocument?.sha256);
    });
  });

  it('a worker without a TSA: the process goes on as before version 8, at once and without a time-stamp', async function () {
    const fake = new FakeActivities(); // tsa: 'none'
    const input = processInput();
    await withWorker(fake, async (processes) => {
      const workflowId = await start(processes, input);
      const request = await linkFor(fake, 'municipal');
      const before = await env.currentTimeMs();
      await signInPdf(processes, workflowId, request, 'la presidenta');
      const countersign = await linkFor(fake, 'institute');
      assert.ok((await env.currentTimeMs()) - before < MINUTE, 'without waiting for anything');

      const after = await processes.status(workflowId);
      assert.equal(after.signatures.municipal?.timestamp, undefined);
      assert.equal(after.signedDocument?.sha256, stampedInput(fake, 'municipal').documentSha256);
      await signInPdf(processes, workflowId, countersign, 'el comisionado');
      const complete = await until('the notice that both signed', () =>
        fake.mails.find((m) => m.kind === 'signatures-complete'),
      );
      const final = await processes.status(workflowId);
      assert.equal(final.signatures.institute?.timestamp, undefined);
      assert.ok(complete.attachments?.some((a) => a.sha256 === final.signedDocument?.sha256));
      const types = final.audit.map((e) => e.type);
      for (const type of ['signature-timestamped', 'signature-timestamp-late', 'signature-timestamp-failed'])
        assert.ok(!types.includes(type), `no ${type}`);
      assert.deepEqual(
        fake.mails.map((m) => `${m.kind} → ${emails(m.to).join(', ')}`),
        [
          `signature-request → ${input.president.email}`,
          `signature-request → ${input.commissioner.email}`,
          `signatures-complete → ${input.president.email}, ${input.commissioner.email}`,
        ],
      );
    });
  });

  it('a signature not made in the PDF is never sent to a TSA: the commissioner is asked at once, even with the TSAs down', async function () {
    const fake = new FakeActivities();
    fake.tsa = 'down';
    const input = processInput();
    await withWorker(fake, async (processes) => {
      const workflowId = await start(processes, input);
      const request = await linkFor(fake, 'municipal');
      const signed = await processes.update(workflowId, submitSignatureUpdate, {
        ...linkOf(request),
        signature: base64('firma CMS de la presidenta'),
      });
      assert.equal(signed.stage, Stage.AwaitingInstituteCountersignature);
      await linkFor(fake, 'institute');
      assert.equal(stampsOf(fake, 'municipal').length, 0);
      assert.equal((await processes.status(workflowId)).signatures.municipal?.timestamp, undefined);
    });
  });

  it('a process withdrawn while its signature is being stamped ends at once: no late notice, no link to the next signer', async function () {
    const fake = new FakeActivities();
    fake.tsa = 'down';
    const input = processInput();
    await withWorker(fake, async (processes) => {
      const workflowId = await start(processes, input);
      const request = await linkFor(fake, 'municipal');
      assert.equal((await signInPdf(processes, workflowId, request, 'la presidenta')).status, 'accepted');
      await until('a first stamping attempt', () => stampsOf(fake, 'municipal').length > 0);
      const withdrawn = await processes.update(workflowId, withdrawUpdate, {
        reason: 'el municipio pidió retirarse',
        actor: input.coordinator.email,
      });
      assert.equal(withdrawn.stage, Stage.Withdrawn);
      // Well under STAMP_WAIT of process time: the process does not wait for the TSAs to give up.
      await env.sleep(MINUTE);
      const description = await env.client.workflow.getHandle(workflowId).describe();
      assert.equal(description.status.name, 'COMPLETED');
      await env.sleep(STAMP_WAIT_MS + MINUTE);
      assert.deepEqual(
        fake.mails.filter(
          (m) =>
            m.kind === 'timestamp-unavailable' || (m.kind === 'signature-request' && m.role === 'institute'),
        ),
        [],
        'neither a late notice nor a link for a withdrawn process',
      );
      const state = await processes.status(workflowId);
      assert.equal(
        state.audit.some((e) => e.type === 'signature-timestamp-late'),
        false,
      );
    });
  });
});
