/**
 * A decline is the municipality's act (docs/portal.md#decline): it is signed with the signer's e.firma
 * over the declination text (the process, the letter's SHA-256 and the reason), verified with the
 * checks of a signature, kept as evidence and listed in the dossier. A forwarded link alone can no
 * longer end a process: an unsigned decline, someone else's signature, or a signature over another
 * reason are refused and change nothing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { declineUpdate } from '../../src/domain/messages';
import { buildDossier, verificationCommands } from '../../src/evidence/dossier';
import { signingFixtures } from '../support/fixtures';
import { processEnv, type ProcessEnv } from '../support/process-env';
import {
  historyLength,
  replayAndRecord,
  signingLink,
  testInput,
  waitForState,
} from '../support/process-helpers';
import { expectPortalError, postJson, startPortal, type TestPortal } from '../support/portal';
import { opensslCms, opensslPkcs1 } from '../support/sign';
import type { CodedError } from '../../src/domain/coded-error';

describe('a decline is signed with the e.firma', function () {
  this.timeout(180_000);
  let env: ProcessEnv;
  let portal: TestPortal;
  const f = signingFixtures();

  before(async function () {
    env = await processEnv();
    portal = await startPortal(env);
  });
  after(async function () {
    await portal?.close();
  });

  const post = (path: string, body: unknown) => postJson(portal, path, body);

  async function openProcess() {
    const input = testInput();
    const { workflowId } = await env.processes.start(input);
    const { token, claims } = await signingLink(env, input.president.email);
    await waitForState(env, workflowId, (s) => s.audit.some((e) => e.type === 'email-sent'));
    return { input, workflowId, token, claims };
  }

  async function declinationOf(token: string, reason: string): Promise<Buffer> {
    const response = await post(`/api/v1/signing/${token}/decline/document`, { reason });
    const body = (await response.json()) as { document: string; sha256: string; mediaType: string };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.mediaType, 'text/plain; charset=utf-8');
    return Buffer.from(body.document, 'base64');
  }

  it('an unsigned decline, someone else’s, or one over another reason is refused; nothing changes', async function () {
    const { workflowId, token, claims } = await openProcess();
    const before = await env.processes.status(workflowId);
    const events = await historyLength(env, workflowId);
    const reason = 'Hágase clic aquí: https://phishing.example para "confirmar" <script>alert(1)</script>';

    await expectPortalError(
      await post(`/api/v1/signing/${token}/decline`, { reason }),
      400,
      'SIGNATURE_REQUIRED',
    );
    const text = await declinationOf(token, reason);
    // Signed by the commissioner, not the expected president.
    const foreign = await post(`/api/v1/signing/${token}/decline`, {
      reason,
      format: 'pkcs1-sha256',
      signature: opensslPkcs1(text, f.commissioner).toString('base64'),
      certificate: f.commissioner.certDer.toString('base64'),
    });
    const refusal = (await foreign.clone().json()) as { error: { report: object } };
    await expectPortalError(foreign, 422, 'SIGNER_MISMATCH');
    assert.ok(!JSON.stringify(refusal).includes('COCR800101AB1'), 'the expected RFC is not told');
    // The president's signature, but over another reason than the one sent.
    const otherText = await declinationOf(token, 'Otro motivo.');
    await expectPortalError(
      await post(`/api/v1/signing/${token}/decline`, {
        reason,
        format: 'cms',
        signature: opensslCms(otherText, f.president, { carry: [f.intermediate] }).toString('base64'),
      }),
      422,
      'DOCUMENT_MISMATCH',
    );
    // Straight to the process, as someone with Temporal access might: refused before history.
    await assert.rejects(
      env.processes.update({ workflowId, run: claims.run }, declineUpdate, {
        role: 'municipal',
        linkVersion: claims.version,
        run: claims.run,
        reason,
      }),
      (error: CodedError) => error.code === 'SIGNATURE_REQUIRED',
    );
    const after = await env.processes.status(workflowId);
    assert.equal(after.stage, 'AwaitingMunicipalSignature');
    assert.deepEqual(after.audit, before.audit);
    assert.equal(await historyLength(env, workflowId), events, 'no history either');
  });

  it('the president declines with a signature made by `openssl cms`: Declined, kept as evidence, in the dossier, checkable @history', async function () {
    const { input, workflowId, token } = await openProcess();
    const reason = 'El Cabildo acordó no participar en esta edición; véase el acta <b>12/2026</b>.';
    const text = await declinationOf(token, reason);
    const state = await env.processes.status(workflowId);
    const lines = text.toString('utf8');
    assert.ok(
      lines.includes(workflowId) && lines.includes(state.runId) && lines.includes(state.document!.sha256),
    );
    assert.ok(lines.includes(reason));

    const response = await post(`/api/v1/signing/${token}/decline`, {
      reason,
      format: 'cms',
      signature: opensslCms(text, f.president, { carry: [f.intermediate] }).toString('base64'),
    });
    const body = (await response.json()) as {
      status: string;
      stage: string;
      report: { signer: { rfc: string } };
    };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.status, 'declined');
    assert.equal(body.stage, 'Declined');
    assert.equal(body.report.signer.rfc, 'COCR800101AB1');

    const declined = await env.processes.status(workflowId);
    assert.equal(declined.stage, 'Declined');
    assert.equal(declined.declination?.format, 'cms');
    assert.ok(
      declined.audit.some((e) => e.type === 'declined' && e.detail.includes('declinó con su e.firma')),
    );
    assert.deepEqual(await env.evidence.get(declined.declination!.documentSha256), text);
    await env.client.workflow.getHandle(workflowId).result(); // its last mail sent, it completes
    await replayAndRecord(env, workflowId, 'declined');

    // The coordinator's message says it was signed, and keeps the reason as text.
    const mail = await env.outbox.waitFor(
      (m) => m.envelopeTo.includes(input.coordinator.email) && /declinada/.test(m.mail.subject ?? ''),
      30_000,
    );
    assert.match(mail.mail.text ?? '', /firmada con la e\.firma de ROMINA CONTRERAS CARRASCO/);
    assert.ok(!(mail.mail.html || '').includes('<b>12/2026</b>'), 'the reason is escaped in HTML');

    // The dossier holds what was signed; its own commands check it with openssl.
    const dir = mkdtempSync(join(tmpdir(), 'expediente-declinacion-'));
    const files = await buildDossier(declined, env.evidence);
    for (const file of files) writeFileSync(join(dir, file.name), file.bytes);
    const names = files.map((file) => file.name);
    for (const name of ['declinacion.txt', 'firma-declinacion.p7s', 'reporte-verificacion-declinacion.json'])
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    writeFileSync(join(dir, 'ac-confianza.pem'), `${f.root.certPem}${f.intermediate.certPem}`);
    const check = verificationCommands(declined).find((c) => c.includes('firma-declinacion.p7s'))!;
    execFileSync('sh', ['-c', check], { cwd: dir, stdio: 'pipe' });
    writeFileSync(join(dir, 'declinacion.txt'), text.toString('utf8').replace('12/2026', '13/2026'));
    assert.throws(
      () => execFileSync('sh', ['-c', check], { cwd: dir, stdio: 'pipe' }),
      'an altered text fails',
    );
  });
});
