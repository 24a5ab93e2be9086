/**
 * What one signing link can cost (docs/portal.md#what-a-link-may-cost): anyone holding a
 * link, and whoever it was forwarded to, can send requests with it. Through the real portal and
 * process: a flood of preparations and refused signatures leaves the evidence store and the
 * history bounded and the process free for the right signature and for the coordinator; each link
 * is rate-limited across addresses; refusals tell a stranger only what the certificate they sent
 * says; and the portal's smaller doors (assets, token spellings) hold.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, sign } from 'node:crypto';
import { extendDeadlineUpdate, submitSignatureUpdate, withdrawUpdate } from '../../src/domain/messages';
import { MAX_PREPARATIONS_PER_LINK } from '../../src/domain/limits';
import { buildPortal } from '../../src/portal/server';
import { signingFixtures, testVerifier } from '../support/fixtures';
import type { Party } from '../support/pki';
import { processEnv, type ProcessEnv } from '../support/process-env';
import { historyLength, replayAndRecord, signingLink, testInput } from '../support/process-helpers';
import { isolatedWorker, type IsolatedWorker } from '../support/isolated-worker';
import { expectPortalError, postJson, startPortal, type TestPortal } from '../support/portal';
import { opensslCms } from '../support/sign';
import type { CodedError } from '../../src/domain/coded-error';

/** Every file under `dir`, as `path` relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.endsWith('.tmp'))
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

describe('what one signing link can cost', function () {
  this.timeout(300_000);
  let env: ProcessEnv;
  let portal: TestPortal;
  let worker: IsolatedWorker;
  const f = signingFixtures();
  /** The president's second e.firma (the same RFC and CURP): a certificate she may also prepare with. */
  let presidentAgain: Party;

  before(async function () {
    env = await processEnv();
    // A worker and evidence store of this test's own: what the flood stores is counted exactly.
    worker = await isolatedWorker(env);
    // Limits raised far above what the flood sends: what is shown is the process's own bound.
    portal = await startPortal(
      env,
      { reads: 100_000, writes: 100_000, linkReads: 100_000, linkWrites: 100_000 },
      undefined,
      worker,
    );
    presidentAgain = f.pki.issue('president-again', f.president.identity, f.intermediate);
  });
  after(async function () {
    await portal?.close();
    await worker?.stop();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    postJson(portal, path, body, headers);

  async function openProcess() {
    const input = testInput();
    const { workflowId } = await worker.processes.start(input);
    const { token, claims } = await signingLink(env, input.president.email);
    await waitUntil(async () =>
      (await worker.processes.status(workflowId)).audit.some((e) => e.type === 'email-sent'),
    );
    return { input, workflowId, token, claims };
  }

  async function waitUntil(check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 150; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('timed out');
  }

  it('500 preparations and 500 refused signatures with one link: bounded evidence and history; then the signature, extend and withdraw all work @history', async function () {
    const { workflowId, token, claims } = await openProcess();
    const evidenceBefore = filesUnder(worker.evidenceDir).filter((p) => !p.startsWith('mail/'));
    const historyBefore = await historyLength(env, workflowId);

    // The signer's own certificates are public (every signature carries one): anyone may send them.
    const prepare = (party: Party) =>
      post(`/api/v1/signing/${token}/prepare`, { certificate: party.certDer.toString('base64') });
    const statuses = new Map<number, number>();
    for (let round = 0; round < 50; round++) {
      // Ten at once, alternating two valid certificates of the president.
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => prepare((round + i) % 2 === 0 ? f.president : presidentAgain)),
      );
      for (const answer of answers) {
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status === 429)
          assert.equal(((await answer.json()) as { error: { code: string } }).error.code, 'RATE_LIMITED');
        else await answer.arrayBuffer();
      }
    }
    assert.deepEqual(
      [...statuses.keys()].sort(),
      [...statuses.keys()].filter((s) => s === 200 || s === 409 || s === 429).sort(),
      `only answers, refusals for a preparation under way and RATE_LIMITED: ${JSON.stringify([...statuses])}`,
    );
    const flooded = await worker.processes.status(workflowId);
    const prepared = flooded.audit.filter((e) => e.type === 'signature-prepared').length;
    assert.ok(prepared >= 1 && prepared <= MAX_PREPARATIONS_PER_LINK, `${prepared} preparations admitted`);
    assert.equal(flooded.linkUse?.municipal?.preparations, prepared);

    // 500 signatures that are not the signer's: refused by the portal, never sent to the process.
    const garbage = opensslCms(Buffer.from('otra cosa'), f.president, { carry: [f.intermediate] });
    for (let round = 0; round < 50; round++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          post(
            `/api/v1/signing/${token}/signature`,
            i % 2 === 0
              ? { format: 'cms', signature: garbage.toString('base64') }
              : {
                  format: 'pades',
                  signature: Buffer.alloc(256, round + i).toString('base64'),
                  certificate: f.president.certDer.toString('base64'),
                },
          ),
        ),
      );
      for (const answer of answers) {
        assert.equal(answer.status, 422);
        await answer.arrayBuffer();
      }
    }
    const afterFlood = await historyLength(env, workflowId);
    // Each admitted preparation is an update and its local activity: a handful of events each.
    assert.ok(
      afterFlood - historyBefore <= MAX_PREPARATIONS_PER_LINK * 8,
      `the flood added ${afterFlood - historyBefore} events`,
    );
    const preparationsHeld = filesUnder(worker.evidenceDir).filter((p) => p.startsWith('preparations/'));
    assert.ok(
      preparationsHeld.length <= 2,
      `one preparation kept (its JSON and PDF): ${preparationsHeld.length} files`,
    );
    console.log(
      `      [link flood] 500 preparations (${[...statuses].map(([status, n]) => `${n}× ${status}`).join(', ')}), ${prepared} admitted; 500 refused signatures, none reached the process; history +${afterFlood - historyBefore} events; ${preparationsHeld.length} preparation files kept`,
    );

    // One sent straight to the process (only someone with Temporal access can): verified there,
    // refused, counted against the link and written to the audit trail with its reasons.
    await assert.rejects(
      worker.processes.update(workflowId, submitSignatureUpdate, {
        role: 'municipal',
        linkVersion: claims.version,
        run: claims.run,
        signature: garbage.toString('base64'),
      }),
      (error: CodedError) => error.code === 'DOCUMENT_MISMATCH',
    );
    const refused = await worker.processes.status(workflowId);
    assert.equal(refused.linkUse?.municipal?.refusals, 1);
    assert.match(
      refused.audit.at(-1)!.detail,
      /^firma rechazada \(DOCUMENT_MISMATCH; 1 de 10 con el enlace v1\): document: /,
    );

    // The right signature: over the preparation the process holds (answered from its state).
    const held = flooded.preparations!.municipal!;
    const holder =
      held.certificateSha256 === createHash('sha256').update(f.president.certDer).digest('hex')
        ? f.president
        : presidentAgain;
    const answer = await prepare(holder);
    const { toBeSigned } = (await answer.json()) as { toBeSigned: string };
    const signature = sign('sha256', Buffer.from(toBeSigned, 'base64'), holder.keyPem);
    const accepted = await post(`/api/v1/signing/${token}/signature`, {
      format: 'pades',
      signature: signature.toString('base64'),
      certificate: holder.certDer.toString('base64'),
    });
    assert.equal(accepted.status, 200, await accepted.clone().text());
    const signed = await worker.processes.status(workflowId);
    assert.equal(signed.stage, 'AwaitingInstituteCountersignature');
    // The evidence store: the signed letter, its CMS and the certificate; no preparation left.
    // The used preparation is discarded by an activity of its own after the signature is recorded.
    const addedSince = () =>
      filesUnder(worker.evidenceDir)
        .filter((p) => !p.startsWith('mail/'))
        .filter((p) => !evidenceBefore.includes(p));
    const kept = () => addedSince().filter((p) => p.startsWith('preparations/'));
    await waitUntil(async () => kept().length === 0).catch(() =>
      assert.deepEqual(kept(), [], 'used and superseded preparations discarded'),
    );
    const added = addedSince();
    assert.equal(added.length, 3, `stored: ${added.join(', ')}`);

    // The coordinator is not blocked.
    await worker.processes.update(workflowId, extendDeadlineUpdate, { days: 3, reason: 'prueba' });
    await worker.processes.update(workflowId, withdrawUpdate, { reason: 'prueba de límites' });
    assert.equal((await worker.processes.status(workflowId)).stage, 'Withdrawn');
    await env.client.workflow.getHandle(workflowId).result(); // its last mail sent, it completes
    await replayAndRecord(env, workflowId, 'link-bounds-withdrawn');
  });

  it('a certificate re-spelled (BER lengths) is not a second certificate: refused, and no preparation is spent', async function () {
    const { workflowId, token } = await openProcess();
    const der = f.president.certDer;
    // 30 82 LL LL → 30 83 00 LL LL: the same certificate, another digest.
    const respelled = Buffer.concat([Buffer.from([0x30, 0x83, 0x00]), der.subarray(2)]);
    await expectPortalError(
      await post(`/api/v1/signing/${token}/prepare`, { certificate: respelled.toString('base64') }),
      400,
      'MALFORMED_INPUT',
    );
    const first = await post(`/api/v1/signing/${token}/prepare`, { certificate: der.toString('base64') });
    assert.equal(first.status, 200);
    for (let i = 0; i < 3; i++)
      await expectPortalError(
        await post(`/api/v1/signing/${token}/prepare`, { certificate: respelled.toString('base64') }),
        400,
        'MALFORMED_INPUT',
      );
    assert.equal((await worker.processes.status(workflowId)).linkUse?.municipal?.preparations, 1);
  });

  it('each link is rate-limited across addresses; a flood from one address does not lock another link out', async function () {
    const { token } = await openProcess();
    const other = await openProcess();
    let url = 'http://127.0.0.1';
    const app = await buildPortal({
      processes: worker.processes,
      links: env.links,
      evidence: worker.evidence,
      preparations: worker.preparations,
      verifier: testVerifier(),
      get baseUrl() {
        return url;
      },
      // As behind the institute's proxy: each request names its client.
      trustProxy: ['127.0.0.1'],
      rateLimit: { linkWrites: 4 },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const decline = (link: string, client: string) =>
      fetch(`${url}/api/v1/signing/${link}/decline`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': client },
        body: JSON.stringify({ reason: 'x' }),
      });
    try {
      // Four addresses, one link: the link's own limit (4 here) applies to them together.
      const answers = [];
      for (let i = 1; i <= 5; i++) answers.push((await decline(token, `203.0.113.${i}`)).status);
      assert.deepEqual(answers, [400, 400, 400, 400, 429]);
      assert.equal((await decline(other.token, '203.0.113.9')).status, 400, 'another link is not limited');
    } finally {
      await app.close();
    }
  });

  it('a refusal tells a stranger what their certificate says, never whom the process expects nor where revocation data lives', async function () {
    const { token } = await openProcess();
    const response = await post(`/api/v1/signing/${token}/prepare`, {
      certificate: f.commissioner.certDer.toString('base64'),
    });
    const body = (await response.json()) as { error: { code: string; report: Record<string, unknown> } };
    assert.equal(response.status, 422);
    assert.equal(body.error.code, 'SIGNER_MISMATCH');
    const text = JSON.stringify(body);
    assert.ok(text.includes('MAVJ650101CD2'), 'what the submitted certificate says');
    for (const secret of ['COCR800101AB1', 'COCR800101MMCNRM09', f.crlPath, '.crl', 'expected', 'per '])
      assert.ok(!text.toLowerCase().includes(secret.toLowerCase()), `no "${secret}" in ${text}`);
    assert.deepEqual(
      (body.error.report.checks as { check: string; outcome: string; detail?: string }[]).find(
        (c) => c.check === 'identity',
      ),
      { check: 'identity', outcome: 'failed' },
    );
  });

  it('unknown assets are 404 NOT_FOUND, even when named like an object’s own properties; no false outage is logged', async function () {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'no-existe.js']) {
      await expectPortalError(await fetch(`${portal.url}/assets/${name}`), 404, 'NOT_FOUND');
    }
    assert.equal((await fetch(`${portal.url}/assets/signing.js`)).status, 200);
    assert.ok(!/portal (failure|defect)/.test(portal.logs()), 'nothing logged as a failure');
  });

  it('a token has one spelling: the others of its last character are not a link', async function () {
    const { token } = await openProcess();
    assert.equal((await fetch(`${portal.url}/api/v1/signing/${token}`)).status, 200);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = token.at(-1)!;
    const index = alphabet.indexOf(last);
    // The last character of 43 base64url digits carries 2 unused bits: these decode alike.
    const spellings = [0, 1, 2, 3].map((low) => alphabet[(index & ~3) | low]!).filter((c) => c !== last);
    assert.equal(spellings.length, 3);
    for (const c of spellings) {
      const variant = `${token.slice(0, -1)}${c}`;
      assert.ok(
        Buffer.from(variant.split('.')[1]!, 'base64url').equals(
          Buffer.from(token.split('.')[1]!, 'base64url'),
        ),
      );
      await expectPortalError(await fetch(`${portal.url}/api/v1/signing/${variant}`), 404, 'LINK_INVALID');
    }
  });
});
