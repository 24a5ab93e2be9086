/**
 * Every invalid update is refused with its typed error and changes nothing: validator refusals
 * leave history as it was; a signature refused after verification leaves the state as it was.
 */
import assert from 'node:assert/strict';
import {
  declineUpdate,
  extendDeadlineUpdate,
  recordInstallationUpdate,
  replaceSignerUpdate,
  submitSignatureUpdate,
  withdrawUpdate,
  type SubmitSignatureInput,
} from '../../src/domain/messages';
import type { ProcessState } from '../../src/domain/process';
import { signingFixtures } from '../support/fixtures';
import { processEnv, type ProcessEnv } from '../support/process-env';
import {
  activityCalls,
  documentOf,
  historyLength,
  signingLink,
  testInput,
  waitForState,
} from '../support/process-helpers';
import { flipByte, opensslCms, opensslPkcs1 } from '../support/sign';
import type { CodedError } from '../../src/domain/coded-error';

/** The state without what moves by itself (nothing, while no timer is due). */
const snapshot = (state: ProcessState): string => JSON.stringify(state);

describe('refused updates leave the process unchanged', function () {
  this.timeout(180_000);
  let env: ProcessEnv;
  let workflowId: string;
  let letter: Buffer;
  let linkVersion: number;
  let run: string;
  const f = signingFixtures();

  before(async function () {
    env = await processEnv();
    const input = testInput();
    ({ workflowId } = await env.processes.start(input));
    ({ version: linkVersion, run } = (await signingLink(env, input.president.email)).claims);
    // Let the outbox settle: the email-sent audit entry lands after the mail.
    const state = await waitForState(env, workflowId, (s) => s.audit.some((e) => e.type === 'email-sent'));
    letter = await documentOf(env, state);
  });

  async function refusedByValidator(code: string, attempt: () => Promise<unknown>): Promise<void> {
    const before = snapshot(await env.processes.status(workflowId));
    const events = await historyLength(env, workflowId);
    await assert.rejects(attempt(), (error: CodedError) => {
      assert.equal(error.code, code, error.message);
      return true;
    });
    assert.equal(snapshot(await env.processes.status(workflowId)), before, 'state unchanged');
    assert.equal(await historyLength(env, workflowId), events, 'history unchanged');
  }

  const sign = (signature: Buffer, extra: Record<string, unknown> = {}) =>
    env.processes.update(workflowId, submitSignatureUpdate, {
      role: 'municipal',
      linkVersion,
      run,
      signature: signature.toString('base64'),
      ...extra,
    });

  it('wrong role for the stage: WRONG_STAGE', async function () {
    const counter = opensslCms(letter, f.commissioner, { carry: [f.intermediate] });
    await refusedByValidator('WRONG_STAGE', () =>
      env.processes.update(workflowId, submitSignatureUpdate, {
        role: 'institute',
        linkVersion: 1,
        run,
        signature: counter.toString('base64'),
      }),
    );
  });

  it('a link version that was never issued: LINK_INVALID; malformed input: MALFORMED_INPUT; too large: PAYLOAD_TOO_LARGE', async function () {
    const cms = opensslCms(letter, f.president, { carry: [f.intermediate] });
    await refusedByValidator('LINK_INVALID', () => sign(cms, { linkVersion: 7 }));
    await refusedByValidator('MALFORMED_INPUT', () =>
      env.processes.update(workflowId, submitSignatureUpdate, {
        role: 'municipal',
        linkVersion,
        run,
        signature: 'no es base64!',
      }),
    );
    // A signer's update without the run of its link (version 1's form) is refused for new requests.
    await refusedByValidator('MALFORMED_INPUT', () =>
      env.processes.update(workflowId, submitSignatureUpdate, {
        role: 'municipal',
        linkVersion,
        signature: cms.toString('base64'),
      } as unknown as SubmitSignatureInput),
    );
    await refusedByValidator('MALFORMED_INPUT', () =>
      sign(opensslPkcs1(letter, f.president), { format: 'pkcs1-sha256' }),
    );
    await refusedByValidator('PAYLOAD_TOO_LARGE', () => sign(Buffer.alloc(1_100_000, 1)));
    await refusedByValidator('MALFORMED_INPUT', () =>
      env.processes.update(workflowId, declineUpdate, { role: 'municipal', linkVersion, run, reason: '   ' }),
    );
  });

  it('coordinator updates with bad input: MALFORMED_INPUT; installation before its stage: WRONG_STAGE', async function () {
    await refusedByValidator('MALFORMED_INPUT', () =>
      env.processes.update(workflowId, extendDeadlineUpdate, { days: 0, reason: 'x' }),
    );
    await refusedByValidator('MALFORMED_INPUT', () =>
      env.processes.update(workflowId, extendDeadlineUpdate, { days: 5, reason: '' }),
    );
    await refusedByValidator('MALFORMED_INPUT', () =>
      env.processes.update(workflowId, replaceSignerUpdate, {
        role: 'municipal',
        person: { name: 'X', email: 'no-es-correo' },
        reason: 'r',
      }),
    );
    await refusedByValidator('WRONG_STAGE', () =>
      env.processes.update(workflowId, recordInstallationUpdate, {
        date: '2026-01-01',
        members: [{ name: 'A', sector: 'gobierno', position: 'B' }],
        minutes: { sha256: '0'.repeat(64), fileName: 'a.pdf', mediaType: 'application/pdf', size: 5 },
      }),
    );
  });

  it('a forged or foreign signature: its verification code; nothing changes but the refusal, counted and audited', async function () {
    const before = snapshot(await env.processes.status(workflowId));
    const cases: [string, Buffer, Record<string, unknown>?][] = [
      ['DOCUMENT_MISMATCH', opensslCms(flipByte(letter, 100), f.president, { carry: [f.intermediate] })],
      [
        'SIGNATURE_INVALID',
        flipByte(opensslCms(letter, f.president, { carry: [f.intermediate], noAttributes: true }), -5),
      ],
      ['SIGNER_MISMATCH', opensslCms(letter, f.commissioner, { carry: [f.intermediate] })],
      ['CERTIFICATE_UNTRUSTED', opensslCms(letter, f.untrustedSigner)],
      ['CERTIFICATE_NOT_FOR_SIGNING', opensslCms(letter, f.csdLike, { carry: [f.intermediate] })],
    ];
    for (const [code, signature, extra] of cases) {
      await assert.rejects(sign(signature, extra), (error: CodedError) => {
        assert.equal(error.code, code, error.message);
        assert.equal(error.report?.valid, false, 'the refusal carries the verification report');
        return true;
      });
    }
    // Version 7: each refusal the process verified is counted against the link and audited with its
    // reasons (what the signer's answer leaves out); nothing else changes, nothing is stored.
    const after = await env.processes.status(workflowId);
    const refusals = after.audit.filter((e) => e.type === 'signature-refused');
    assert.deepEqual(
      refusals.map((e) => /\(([A-Z_]+);/.exec(e.detail)?.[1]),
      cases.map(([code]) => code),
    );
    assert.match(refusals[2]!.detail, /RFC MAVJ650101CD2 is not the expected COCR800101AB1/);
    assert.equal(after.linkUse?.municipal?.refusals, cases.length);
    const { linkUse: _use, ...rest } = after;
    assert.equal(
      snapshot({ ...rest, audit: after.audit.filter((e) => e.type !== 'signature-refused') } as ProcessState),
      before,
    );
  });

  it('without an RFC or CURP the certificate must bear the signer’s name, unless the coordinator accepted any signer', async function () {
    for (const acceptAnySigner of [false, true]) {
      const base = testInput();
      const input = {
        ...base,
        // The president's name as a coordinator types it: accents and case as they come.
        president: {
          name: 'Romina Contreras Carrasco',
          email: base.president.email,
          ...(acceptAnySigner ? { acceptAnySigner } : {}),
        },
      };
      const { workflowId: id } = await env.processes.start(input);
      const { claims } = await signingLink(env, input.president.email);
      const document = await documentOf(env, await waitForState(env, id, (s) => s.document !== null));
      const submit = (party: typeof f.president) =>
        env.processes.update(id, submitSignatureUpdate, {
          role: 'municipal',
          linkVersion: claims.version,
          run: claims.run,
          signature: opensslCms(document, party, { carry: [f.intermediate] }).toString('base64'),
        });
      if (!acceptAnySigner) {
        await assert.rejects(submit(f.commissioner), (error: CodedError) => error.code === 'SIGNER_MISMATCH');
        const accepted = await submit(f.president);
        const identity = accepted.report.checks.find((c) => c.check === 'identity')!;
        assert.equal(identity.outcome, 'passed');
        assert.match(
          identity.detail,
          /ROMINA CONTRERAS CARRASCO matches the expected Romina Contreras Carrasco/,
        );
      } else {
        const accepted = await submit(f.commissioner);
        const identity = accepted.report.checks.find((c) => c.check === 'identity')!;
        assert.equal(identity.outcome, 'skipped');
        assert.match(identity.detail, /the coordinator accepted any signer/);
      }
    }
  });

  it('two signatures sent at once: one is verified and accepted, the other refused without a verification of its own', async function () {
    const input = testInput();
    const { workflowId: id } = await env.processes.start(input);
    const { claims } = await signingLink(env, input.president.email);
    const document = await documentOf(env, await waitForState(env, id, (s) => s.document !== null));
    const submit = () =>
      env.processes.update(id, submitSignatureUpdate, {
        role: 'municipal',
        linkVersion: claims.version,
        run: claims.run,
        signature: opensslCms(document, f.president, { carry: [f.intermediate] }).toString('base64'),
      });
    const outcomes = await Promise.allSettled([submit(), submit(), submit()]);
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1, 'one accepted');
    for (const o of outcomes.filter((o) => o.status === 'rejected'))
      assert.ok(
        ['SIGNATURE_IN_PROGRESS', 'ALREADY_SIGNED'].includes((o.reason as CodedError).code),
        (o.reason as CodedError).message,
      );
    const history = await env.client.workflow.getHandle(id).fetchHistory();
    assert.equal(activityCalls(history, 'verifySignature'), 1, 'one verification for three submissions');
  });

  it('after completion of the step: ALREADY_SIGNED; after the process ends: WRONG_STAGE', async function () {
    const cms = opensslCms(letter, f.president, { carry: [f.intermediate] });
    await sign(cms);
    // Settled: the commissioner's request is sent and recorded before the state is compared.
    await waitForState(env, workflowId, (s) =>
      s.audit.some((e) => e.type === 'email-sent' && e.detail.includes('signature-request-institute')),
    );
    await refusedByValidator('ALREADY_SIGNED', () => sign(cms));
    await refusedByValidator('ALREADY_SIGNED', () =>
      env.processes.update(workflowId, replaceSignerUpdate, {
        role: 'municipal',
        person: { name: 'Otra', email: 'otra@example.mx' },
        reason: 'r',
      }),
    );
    await env.processes.update(workflowId, withdrawUpdate, { reason: 'prueba de cierre' });
    await env.client.workflow.getHandle(workflowId).result();
    await assert.rejects(
      env.processes.update(workflowId, withdrawUpdate, { reason: 'otra vez' }),
      (error: CodedError) => error.code === 'WRONG_STAGE',
    );
    await assert.rejects(
      env.processes.update(workflowId, extendDeadlineUpdate, { days: 1, reason: 'tarde' }),
      (error: CodedError) => error.code === 'WRONG_STAGE',
    );
  });

  it('a process that does not exist: PROCESS_NOT_FOUND', async function () {
    await assert.rejects(
      env.processes.status('adhesion-nope-99999'),
      (error: CodedError) => error.code === 'PROCESS_NOT_FOUND',
    );
    await assert.rejects(
      env.processes.update('adhesion-nope-99999', withdrawUpdate, { reason: 'x' }),
      (error: CodedError) => error.code === 'PROCESS_NOT_FOUND',
    );
  });
});
