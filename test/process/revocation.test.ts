/**
 * Revocation fails closed through the real portal and process (docs/portal.md#revocation): a revoked
 * signer is refused; with no current CRL the signature is not accepted, the signer reads in Spanish
 * that the check cannot be completed now (503), nothing is stored, and the coordinator is told
 * once; once a current CRL is in use, the same signer signs.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { loadTrustStore, VerificationPool } from '../../src/signatures';
import { signingFixtures } from '../support/fixtures';
import { isolatedWorker, type IsolatedWorker } from '../support/isolated-worker';
import { processEnv, type ProcessEnv } from '../support/process-env';
import { signingLink, testInput } from '../support/process-helpers';
import { expectPortalError, postJson, startPortal, type TestPortal } from '../support/portal';
import { opensslCms } from '../support/sign';

const DAY = 86_400_000;

describe('revocation through the portal and the process', function () {
  this.timeout(180_000);
  let env: ProcessEnv;
  const f = signingFixtures();

  before(async function () {
    env = await processEnv();
  });

  it('a revoked signer is refused with CERTIFICATE_REVOKED, and the answer names no CRL', async function () {
    const portal = await startPortal(env);
    try {
      const input = testInput({
        president: {
          name: f.revoked.identity.name,
          email: 'revocado@huixquilucan.example',
          rfc: f.revoked.identity.rfc!,
        },
      });
      const { workflowId } = await env.processes.start(input);
      const { token } = await signingLink(env, input.president.email);
      const letter = Buffer.from(
        await (await fetch(`${portal.url}/api/v1/signing/${token}/document`)).arrayBuffer(),
      );
      const response = await postJson(portal, `/api/v1/signing/${token}/signature`, {
        format: 'cms',
        signature: opensslCms(letter, f.revoked, { carry: [f.intermediate] }).toString('base64'),
      });
      const text = await response.clone().text();
      await expectPortalError(response, 422, 'CERTIFICATE_REVOKED');
      assert.ok(!text.includes(f.crlPath) && !/\.crl/.test(text), text);
      assert.equal((await env.processes.status(workflowId)).signatures.municipal, undefined);
    } finally {
      await portal.close();
    }
  });

  describe('with no current CRL (the CA’s is past its nextUpdate)', function () {
    let worker: IsolatedWorker;
    let portal: TestPortal;
    let workerPool: VerificationPool;
    let portalPool: VerificationPool;

    before(async function () {
      const stale = f.pki.crl('intermedia-caducada', f.intermediate, [], {
        thisUpdate: new Date(Date.now() - 40 * DAY),
        nextUpdate: new Date(Date.now() - 10 * DAY),
      });
      const trust = () =>
        loadTrustStore({
          anchors: [f.root.certPath, f.intermediate.certPath],
          crls: [stale, f.rootCrlPath],
          revocationPolicy: 'required',
        });
      workerPool = new VerificationPool(trust(), { threads: 1 });
      portalPool = new VerificationPool(trust(), { threads: 1 });
      worker = await isolatedWorker(env, workerPool);
      portal = await startPortal(env, undefined, portalPool, worker);
    });
    after(async function () {
      await portal?.close();
      await worker?.stop();
      await workerPool?.close();
      await portalPool?.close();
    });

    it('the signature is not accepted (503, in Spanish), nothing is stored, the coordinator is told once; with a current CRL it is', async function () {
      const input = testInput();
      const { workflowId } = await worker.processes.start(input);
      const { token } = await signingLink(env, input.president.email);
      const letter = Buffer.from(
        await (await fetch(`${portal.url}/api/v1/signing/${token}/document`)).arrayBuffer(),
      );
      const signature = {
        format: 'cms',
        signature: opensslCms(letter, f.president, { carry: [f.intermediate] }).toString('base64'),
      };
      const stored = () =>
        readdirSync(worker.evidenceDir, { recursive: true }).filter((p) => !String(p).startsWith('mail'));
      const before = stored().length;

      for (let attempt = 0; attempt < 2; attempt++) {
        const response = await postJson(portal, `/api/v1/signing/${token}/signature`, signature);
        const body = (await response.clone().json()) as { error: { message: string } };
        await expectPortalError(response, 503, 'REVOCATION_UNAVAILABLE');
        assert.match(body.error.message, /no se puede comprobar que su certificado no esté revocado/);
      }
      const state = await worker.processes.status(workflowId);
      assert.equal(state.signatures.municipal, undefined);
      assert.equal(state.stage, 'AwaitingMunicipalSignature');
      const refusals = state.audit.filter((e) => e.type === 'signature-refused');
      assert.equal(refusals.length, 2);
      assert.match(refusals[0]!.detail, /REVOCATION_UNAVAILABLE; no cuenta contra el enlace/);
      // Not a verdict: a signer who tries again later, as told, is never locked out by it.
      assert.equal(state.linkUse?.municipal?.refusals ?? 0, 0);
      assert.equal(stored().length, before, 'nothing stored');
      const notice = await env.outbox.waitFor(
        (m) =>
          m.envelopeTo.includes(input.coordinator.email) &&
          /revocación no verificable/.test(m.mail.subject ?? ''),
        30_000,
      );
      assert.match(notice.mail.text ?? '', /no hay una lista de revocación \(CRL\) vigente/);
      // Told once per link: one notice sent (the mail ledger would hide a second send from the
      // outbox, not from the audit trail, which records every delivery).
      const notices = async () =>
        (await worker.processes.status(workflowId)).audit.filter(
          (e) => e.type === 'email-sent' && e.detail.startsWith('aviso de revocación no verificable'),
        ).length;
      for (let i = 0; i < 50 && (await notices()) === 0; i++) await new Promise((r) => setTimeout(r, 200));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.equal(await notices(), 1);

      // The CA publishes a current CRL; the parts take it at their next reload.
      const current = loadTrustStore({
        anchors: [f.root.certPath, f.intermediate.certPath],
        crls: [f.crlPath, f.rootCrlPath],
        revocationPolicy: 'required',
      });
      await workerPool.reload(current);
      await portalPool.reload(current);
      const accepted = await postJson(portal, `/api/v1/signing/${token}/signature`, signature);
      assert.equal(accepted.status, 200, await accepted.clone().text());
      const signed = await worker.processes.status(workflowId);
      assert.equal(signed.signatures.municipal?.report.revocationChecked, true);
    });
  });
});
