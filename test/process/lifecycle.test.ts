import assert from 'node:assert/strict';
import {
  declineUpdate,
  extendDeadlineUpdate,
  replaceSignerUpdate,
  resendLinkUpdate,
  submitSignatureUpdate,
  withdrawUpdate,
} from '../../src/domain/messages';
import { declinationText } from '../../src/domain/declination';
import { STAGE_LABEL, type ProcessState } from '../../src/domain/process';
import { SearchAttributes } from '../../src/domain/search-attributes';
import { signingFixtures } from '../support/fixtures';
import { processEnv, type ProcessEnv } from '../support/process-env';
import {
  documentOf,
  presidentSignature,
  replayAndRecord,
  signingLink,
  testInput,
  waitForState,
} from '../support/process-helpers';
import { opensslCms } from '../support/sign';
import type { CodedError } from '../../src/domain/coded-error';

describe('the adhesion process over time and under coordinator actions', function () {
  this.timeout(180_000);
  let env: ProcessEnv;

  before(async function () {
    env = await processEnv();
  });

  it('sends each reminder once, escalates at the deadline, and expires after the grace period @history', async function () {
    const input = testInput({
      policy: { municipalSignature: { deadline: '6s', remindBefore: ['4s', '2s'], grace: '3s' } },
    });
    const { workflowId } = await env.processes.start(input);
    const started = await waitForState(env, workflowId, (s) => s.deadline !== null);
    const description = await env.client.workflow.getHandle(workflowId).describe();
    assert.equal(
      description.typedSearchAttributes.get(SearchAttributes.deadline)?.toISOString(),
      started.deadline,
    );

    const expired = await waitForState(env, workflowId, (s) => s.stage === 'Expired', 40_000);
    assert.equal(expired.remindersSent.length, 2);
    assert.ok(expired.escalatedAt !== null);
    const t = (type: string): number => Date.parse(expired.audit.find((e) => e.type === type)!.at);
    const deadline = Date.parse(started.deadline!);
    assert.ok(t('escalated') >= deadline, 'escalation not before the deadline');
    const reminders = expired.audit.filter((e) => e.type === 'reminder').map((e) => Date.parse(e.at));
    const offsets = reminders.map((r) => r - deadline);
    // Each not before its time, and the second no later than the escalation: a worker held up past
    // the deadline sends both in one step, and the seconds of exact timing are test/workflow's.
    assert.ok(
      offsets[0]! >= -4000 && offsets[1]! >= -2000 && reminders[1]! <= t('escalated'),
      `reminders at ${offsets.join(', ')} ms from the deadline, escalated at ${t('escalated') - deadline} ms`,
    );
    assert.ok(
      Date.parse(expired.stageEnteredAt) >= deadline + 3000,
      'expiry not before the grace period ends',
    );

    const toPresident =
      (pattern: RegExp) => (m: { envelopeTo: readonly string[]; mail: { subject?: string } }) =>
        m.envelopeTo.includes(input.president.email) && pattern.test(m.mail.subject ?? '');
    await env.outbox.waitFor(toPresident(/Proceso vencido/));
    const reminderMails = env.outbox.messages.filter(toPresident(/^Recordatorio/));
    assert.equal(reminderMails.length, 2);
    assert.ok(
      reminderMails.every((m) => /\/firmar\//.test(m.mail.text ?? '')),
      'reminders carry the signing link',
    );
    const escalation = await env.outbox.waitFor(
      (m) => m.envelopeTo.includes(input.coordinator.email) && /Plazo vencido/.test(m.mail.subject ?? ''),
    );
    assert.match(escalation.mail.text ?? '', /manifiesta extend/);
    const final = await env.client.workflow.getHandle(workflowId).describe();
    assert.equal(final.typedSearchAttributes.get(SearchAttributes.stage), 'Expired');
    await env.client.workflow.getHandle(workflowId).result();
    await replayAndRecord(env, workflowId, 'expired');
  });

  it('a signed decline ends the process as Declined and tells the coordinator why', async function () {
    const input = testInput();
    const { workflowId } = await env.processes.start(input);
    const { claims } = await signingLink(env, input.president.email);
    const state0 = await waitForState(env, workflowId, (s) => s.document !== null);
    const reason = 'El Cabildo no aprobó la adhesión.';
    const text = declinationText({
      workflowId,
      run: claims.run,
      municipality: input.municipality,
      inegiCode: input.inegiCode,
      role: 'municipal',
      signerName: input.president.name,
      letterSha256: state0.document!.sha256,
      reason,
    });
    const result = await env.processes.update(workflowId, declineUpdate, {
      role: 'municipal',
      linkVersion: claims.version,
      run: claims.run,
      reason,
      format: 'cms',
      signature: opensslCms(Buffer.from(text), signingFixtures().president, {
        carry: [signingFixtures().intermediate],
      }).toString('base64'),
    });
    assert.equal(result.stage, 'Declined');
    const state = await env.processes.status(workflowId);
    assert.match(state.outcome ?? '', /El Cabildo no aprobó/);
    const mail = await env.outbox.waitFor(
      (m) => m.envelopeTo.includes(input.coordinator.email) && /declinada/.test(m.mail.subject ?? ''),
    );
    assert.match(mail.mail.text ?? '', /El Cabildo no aprobó la adhesión/);
  });

  it('withdraw ends the process as Withdrawn, tells the awaited signer, and the link stops working', async function () {
    const input = testInput();
    const { workflowId } = await env.processes.start(input);
    const { claims } = await signingLink(env, input.president.email);
    const result = await env.processes.update(workflowId, withdrawUpdate, {
      reason: 'Cambio de administración municipal',
      actor: 'coordinacion@example.mx',
    });
    assert.equal(result.stage, 'Withdrawn');
    await env.outbox.waitFor(
      (m) => m.envelopeTo.includes(input.president.email) && /Proceso retirado/.test(m.mail.subject ?? ''),
    );
    const letter = await documentOf(env, await env.processes.status(workflowId));
    await assert.rejects(
      env.processes.update(workflowId, submitSignatureUpdate, presidentSignature(letter, claims)),
      (error: CodedError) => error.code === 'WRONG_STAGE',
    );
    const state = await env.processes.status(workflowId);
    assert.equal(
      state.audit
        .find((e) => e.type === 'stage-changed' && e.actor === 'coordinacion@example.mx')
        ?.detail.includes(`«${STAGE_LABEL.Withdrawn}»`),
      true,
    );
  });

  it('a withdrawal right after the start is final: no link goes out after it @history', async function () {
    const input = testInput();
    const { workflowId } = await env.processes.start(input);
    const result = await env.processes.update(workflowId, withdrawUpdate, { reason: 'Iniciado por error' });
    assert.equal(result.stage, 'Withdrawn');
    const final = (await env.client.workflow.getHandle(workflowId).result()) as ProcessState;
    assert.equal(final.stage, 'Withdrawn');
    assert.ok(
      !final.audit.some(
        (e) => e.type === 'stage-changed' && e.detail.startsWith(`«${STAGE_LABEL.Withdrawn}» →`),
      ),
      'never left Withdrawn',
    );
    // Version 5 renders the letter in the start's own workflow task, so the withdrawal usually
    // arrives after the first link; older code could accept it while the letter rendered.
    const withdrawnAt = final.audit.findIndex((e) => e.type === 'stage-changed');
    assert.ok(
      final.audit.slice(withdrawnAt).every((e) => e.type !== 'link-issued'),
      'no link issued after the withdrawal',
    );
    const toPresident = (pattern: RegExp) =>
      env.outbox.messages.filter(
        (m) => m.envelopeTo.includes(input.president.email) && pattern.test(m.mail.subject ?? ''),
      );
    if (final.links.municipal) {
      await env.outbox.waitFor(
        (m) => m.envelopeTo.includes(input.president.email) && /retir/i.test(m.mail.subject ?? ''),
      );
      assert.equal(toPresident(/^Firma requerida/).length, 1, 'the one link, then the withdrawal notice');
    } else {
      assert.equal(toPresident(/./).length, 0, 'nothing sent to the president');
    }
    await replayAndRecord(env, workflowId, 'withdrawn-at-start');
  });

  it('extend moves the deadline, records why, and sends a new link that supersedes the old one', async function () {
    const f = signingFixtures();
    // Días naturales, so that 7 days later is exactly 7 × 24 h (días hábiles: dias-habiles.test.ts).
    const input = testInput({
      policy: { municipalSignature: { deadline: '15 days', remindBefore: ['7 days'], grace: '5 days' } },
    });
    const { workflowId } = await env.processes.start(input);
    const first = await signingLink(env, input.president.email);
    const before = await env.processes.status(workflowId);
    const result = await env.processes.update(workflowId, extendDeadlineUpdate, {
      days: 7,
      reason: 'Sesión de Cabildo pospuesta',
    });
    assert.equal(Date.parse(result.deadline) - Date.parse(before.deadline!), 7 * 86_400_000);
    const after = await env.processes.status(workflowId);
    assert.equal(Date.parse(after.expiresAt!) - Date.parse(before.expiresAt!), 7 * 86_400_000);
    assert.match(
      after.audit.find((e) => e.type === 'deadline-extended')?.detail ?? '',
      /Sesión de Cabildo pospuesta/,
    );
    const second = await signingLink(env, input.president.email, 2);
    assert.match(second.message.mail.subject ?? '', /Plazo ampliado/);
    assert.equal(second.claims.expiresAt, after.links.municipal?.expiresAt);
    const letter = await documentOf(env, after);
    const signature = opensslCms(letter, f.president, { carry: [f.intermediate] }).toString('base64');
    await assert.rejects(
      env.processes.update(workflowId, submitSignatureUpdate, {
        role: 'municipal',
        linkVersion: first.claims.version,
        run: first.claims.run,
        signature,
      }),
      (error: CodedError) => error.code === 'LINK_SUPERSEDED',
    );
    const signed = await env.processes.update(workflowId, submitSignatureUpdate, {
      role: 'municipal',
      linkVersion: second.claims.version,
      run: second.claims.run,
      signature,
    });
    assert.equal(signed.stage, 'AwaitingInstituteCountersignature');
  });

  it('replace-signer sends the new signer a link, expects their RFC, and the old link stops working', async function () {
    const f = signingFixtures();
    const input = testInput();
    const { workflowId } = await env.processes.start(input);
    const old = await signingLink(env, input.president.email);
    await env.processes.update(workflowId, replaceSignerUpdate, {
      role: 'municipal',
      person: {
        name: f.signer4096.identity.name,
        email: `nueva-${input.inegiCode}@example.mx`,
        rfc: f.signer4096.identity.rfc ?? null,
      },
      reason: 'Licencia de la presidenta; asume el presidente por ministerio de ley',
    });
    const fresh = await signingLink(env, `nueva-${input.inegiCode}@example.mx`, 2);
    const letter = await documentOf(env, await env.processes.status(workflowId));
    const byOld = opensslCms(letter, f.president, { carry: [f.intermediate] }).toString('base64');
    await assert.rejects(
      env.processes.update(workflowId, submitSignatureUpdate, {
        role: 'municipal',
        linkVersion: old.claims.version,
        run: old.claims.run,
        signature: byOld,
      }),
      (error: CodedError) => error.code === 'LINK_SUPERSEDED',
    );
    // The former president's e.firma no longer matches the expected signer.
    await assert.rejects(
      env.processes.update(workflowId, submitSignatureUpdate, {
        role: 'municipal',
        linkVersion: fresh.claims.version,
        run: fresh.claims.run,
        signature: byOld,
      }),
      (error: CodedError) =>
        error.code === 'SIGNER_MISMATCH' && error.report?.signer?.rfc === 'COCR800101AB1',
    );
    const byNew = opensslCms(letter, f.signer4096, { carry: [f.intermediate] }).toString('base64');
    const signed = await env.processes.update(workflowId, submitSignatureUpdate, {
      role: 'municipal',
      linkVersion: fresh.claims.version,
      run: fresh.claims.run,
      signature: byNew,
    });
    assert.equal(signed.report.signer?.rfc, f.signer4096.identity.rfc);
  });

  it('resend issues a newer link; a duplicate start is refused and names the running process', async function () {
    const input = testInput();
    const { workflowId } = await env.processes.start(input);
    await signingLink(env, input.president.email);
    const resent = await env.processes.update(workflowId, resendLinkUpdate, { role: 'municipal' });
    assert.equal(resent.linkVersion, 2);
    await signingLink(env, input.president.email, 2);
    await assert.rejects(
      env.processes.start(input),
      (error: CodedError) => error.code === 'PROCESS_ALREADY_RUNNING' && error.message.includes(workflowId),
    );
    await assert.rejects(
      env.processes.update(workflowId, resendLinkUpdate, { role: 'institute' }),
      (error: CodedError) => error.code === 'WRONG_STAGE',
    );
  });
});
