import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { declineUpdate, resendLinkUpdate, withdrawUpdate } from '../../src/domain/messages';
import { signingFixtures } from '../support/fixtures';
import { processEnv, type ProcessEnv } from '../support/process-env';
import { historyLength, signingLink, testInput, waitForState } from '../support/process-helpers';
import { expectPortalError, postJson, startPortal, type TestPortal } from '../support/portal';
import { flipByte, opensslCms, opensslPkcs1 } from '../support/sign';
import type { CodedError } from '../../src/domain/coded-error';

describe('the signer portal over HTTP', function () {
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

  async function openProcess() {
    const input = testInput();
    const { workflowId } = await env.processes.start(input);
    const { token, claims } = await signingLink(env, input.president.email);
    await waitForState(env, workflowId, (s) => s.audit.some((e) => e.type === 'email-sent'));
    const letter = Buffer.from(
      await (await fetch(`${portal.url}/api/v1/signing/${token}/document`)).arrayBuffer(),
    );
    return { input, workflowId, token, claims, letter };
  }

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    postJson(portal, path, body, headers);

  const expectError = expectPortalError;

  it('serves the signing page with the letter, its SHA-256 and strict security headers', async function () {
    const { token, input, workflowId } = await openProcess();
    const response = await fetch(`${portal.url}/firmar/${token}`);
    assert.equal(response.status, 200);
    const html = await response.text();
    const state = await env.processes.status(workflowId);
    assert.match(html, /<html lang="es-MX">/);
    assert.ok(html.includes(state.document!.sha256));
    assert.ok(html.includes(input.municipality));
    assert.ok(html.includes('ANTE ESTA MANIFESTACIÓN SE RECONOCE:'));
    assert.ok(html.includes('Presidencia Municipal'));
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.doesNotMatch(html, /<script>(?!<\/script>)|style="/, 'no inline script or style');
  });

  it('answers the JSON contract for the link and the exact document bytes', async function () {
    const { token, workflowId, letter } = await openProcess();
    const info = (await (await fetch(`${portal.url}/api/v1/signing/${token}`)).json()) as Record<
      string,
      unknown
    >;
    const state = await env.processes.status(workflowId);
    assert.equal(info.workflowId, workflowId);
    assert.equal(info.role, 'municipal');
    assert.deepEqual(info.expectedSigner, { name: f.president.identity.name, rfc: 'COCR800101AB1' });
    assert.equal(info.stage, 'AwaitingMunicipalSignature');
    assert.deepEqual(info.document, { sha256: state.document!.sha256, mediaType: 'application/pdf' });
    assert.equal(info.expiresAt, state.links.municipal!.expiresAt);
    assert.equal(createHash('sha256').update(letter).digest('hex'), state.document!.sha256);
    assert.deepEqual(await (await fetch(`${portal.url}/healthz`)).json(), { status: 'ok' });
  });

  it('accepts a valid signature once; a replayed submission is ALREADY_SIGNED and changes nothing', async function () {
    const { token, letter, workflowId } = await openProcess();
    const signature = opensslCms(letter, f.president, { carry: [f.intermediate] }).toString('base64');
    const accepted = await post(`/api/v1/signing/${token}/signature`, { format: 'cms', signature });
    assert.equal(accepted.status, 200);
    const body = (await accepted.json()) as {
      status: string;
      stage: string;
      report: { signer: { rfc: string } };
    };
    assert.equal(body.status, 'accepted');
    assert.equal(body.stage, 'AwaitingInstituteCountersignature');
    assert.equal(body.report.signer.rfc, 'COCR800101AB1');
    // The commissioner's invitation goes out after the answer; wait for it to be recorded.
    await waitForState(env, workflowId, (s) => s.audit.filter((e) => e.type === 'email-sent').length === 2);
    const events = await historyLength(env, workflowId);
    await expectError(
      await post(`/api/v1/signing/${token}/signature`, { format: 'cms', signature }),
      409,
      'ALREADY_SIGNED',
    );
    assert.equal(await historyLength(env, workflowId), events);
    assert.equal((await fetch(`${portal.url}/firmar/${token}`)).status, 409);
  });

  it('refuses forged, foreign and CSD signatures with their codes before they reach the process', async function () {
    const { token, letter, workflowId } = await openProcess();
    const events = await historyLength(env, workflowId);
    const cases: [string, unknown][] = [
      [
        'DOCUMENT_MISMATCH',
        {
          format: 'cms',
          signature: opensslCms(flipByte(letter, 200), f.president, { carry: [f.intermediate] }).toString(
            'base64',
          ),
        },
      ],
      [
        'SIGNATURE_INVALID',
        {
          format: 'pkcs1-sha256',
          signature: flipByte(opensslPkcs1(letter, f.president), 10).toString('base64'),
          certificate: f.president.certDer.toString('base64'),
        },
      ],
      [
        'SIGNER_MISMATCH',
        {
          format: 'pkcs1-sha256',
          signature: opensslPkcs1(letter, f.commissioner).toString('base64'),
          certificate: f.commissioner.certDer.toString('base64'),
        },
      ],
      [
        'CERTIFICATE_NOT_FOR_SIGNING',
        { signature: opensslCms(letter, f.csdLike, { carry: [f.intermediate] }).toString('base64') },
      ],
      ['CERTIFICATE_UNTRUSTED', { signature: opensslCms(letter, f.untrustedSigner).toString('base64') }],
      [
        'CERTIFICATE_EXPIRED',
        { signature: opensslCms(letter, f.expired, { carry: [f.intermediate] }).toString('base64') },
      ],
    ];
    for (const [code, body] of cases) {
      const response = await post(`/api/v1/signing/${token}/signature`, body);
      const json = (await response.clone().json()) as { error: { report?: { valid: boolean } } };
      assert.equal(json.error.report?.valid, false, `${code} carries the report`);
      await expectError(response, 422, code);
    }
    assert.equal(await historyLength(env, workflowId), events, 'the process history is unchanged');
  });

  it('refuses bad links: invalid, expired, superseded; and shows a Spanish page for them', async function () {
    const { token, workflowId, claims } = await openProcess();
    await expectError(await fetch(`${portal.url}/api/v1/signing/not-a-token`), 404, 'LINK_INVALID');
    const forgedMac = `${token.split('.')[0]}.${'A'.repeat(43)}`;
    await expectError(await fetch(`${portal.url}/api/v1/signing/${forgedMac}`), 404, 'LINK_INVALID');
    const expired = env.links.token({ ...claims, expiresAt: new Date(Date.now() - 60_000).toISOString() });
    await expectError(await fetch(`${portal.url}/api/v1/signing/${expired}`), 410, 'LINK_EXPIRED');
    const page = await fetch(`${portal.url}/firmar/${expired}`);
    assert.equal(page.status, 410);
    assert.match(await page.text(), /El enlace ha vencido\. Pida a la coordinación que le envíe uno nuevo\./);
    await env.processes.update(workflowId, resendLinkUpdate, { role: 'municipal' });
    await expectError(await fetch(`${portal.url}/api/v1/signing/${token}`), 410, 'LINK_SUPERSEDED');
    const superseded = await fetch(`${portal.url}/firmar/${token}`);
    assert.match(await superseded.text(), /Use el último correo que recibió/);
  });

  it('a link from a withdrawn process never acts on the process started again with its workflow ID', async function () {
    const { input, workflowId, token: old, claims, letter } = await openProcess();
    await env.processes.update(workflowId, withdrawUpdate, { reason: 'datos equivocados' });
    await env.client.workflow.getHandle(workflowId).result();
    const again = await env.processes.start(input);
    assert.equal(again.workflowId, workflowId);
    assert.notEqual(again.runId, claims.run);
    const fresh = await signingLink(env, input.president.email, 1, again.runId);
    // Settled: the request e-mail is recorded, so nothing else changes the state meanwhile.
    const before = await waitForState(
      env,
      workflowId,
      (s) => s.runId === again.runId && s.audit.some((e) => e.type === 'email-sent'),
    );
    const events = await historyLength(env, workflowId);
    const cms = opensslCms(letter, f.president, { carry: [f.intermediate] }).toString('base64');

    await expectError(await fetch(`${portal.url}/api/v1/signing/${old}`), 410, 'LINK_SUPERSEDED');
    assert.equal((await fetch(`${portal.url}/firmar/${old}`)).status, 410);
    await expectError(await fetch(`${portal.url}/api/v1/signing/${old}/document`), 410, 'LINK_SUPERSEDED');
    await expectError(
      await post(`/api/v1/signing/${old}/signature`, { signature: cms }),
      410,
      'LINK_SUPERSEDED',
    );
    await expectError(await post(`/api/v1/signing/${old}/decline`, { reason: 'no' }), 410, 'LINK_SUPERSEDED');
    // Straight to Temporal, addressed to the old run: refused as well, and the process holds its
    // own run so that even a stale run in the update input is refused by its validator.
    await assert.rejects(
      env.processes.update({ workflowId, run: claims.run }, declineUpdate, {
        role: 'municipal',
        linkVersion: 1,
        run: claims.run,
        reason: 'no',
      }),
      (error: CodedError) => error.code === 'LINK_SUPERSEDED',
    );
    await assert.rejects(
      env.processes.update(workflowId, declineUpdate, {
        role: 'municipal',
        linkVersion: 1,
        run: claims.run,
        reason: 'no',
      }),
      (error: CodedError) => error.code === 'LINK_SUPERSEDED',
    );
    assert.deepEqual(await env.processes.status(workflowId), before, 'the new process is unchanged');
    assert.equal(await historyLength(env, workflowId), events, 'and so is its history');

    const letterAgain = Buffer.from(
      await (await fetch(`${portal.url}/api/v1/signing/${fresh.token}/document`)).arrayBuffer(),
    );
    const accepted = await post(`/api/v1/signing/${fresh.token}/signature`, {
      signature: opensslCms(letterAgain, f.president, { carry: [f.intermediate] }).toString('base64'),
    });
    assert.equal(accepted.status, 200, await accepted.clone().text());
    assert.equal((await env.processes.status(workflowId)).stage, 'AwaitingInstituteCountersignature');
  });

  it('refuses malformed, oversized and cross-origin requests', async function () {
    const { token } = await openProcess();
    await expectError(
      await post(`/api/v1/signing/${token}/signature`, '{"signature": '),
      400,
      'MALFORMED_INPUT',
    );
    await expectError(
      await post(`/api/v1/signing/${token}/signature`, { signature: 'no base64 ☹' }),
      400,
      'MALFORMED_INPUT',
    );
    await expectError(
      await post(`/api/v1/signing/${token}/signature`, { signature: 'AAAA', extra: 1 }),
      400,
      'MALFORMED_INPUT',
    );
    await expectError(
      await post(`/api/v1/signing/${token}/signature`, { format: 'pkcs1-sha256', signature: 'AAAA' }),
      400,
      'MALFORMED_INPUT',
    );
    await expectError(
      await post(`/api/v1/signing/${token}/signature`, { signature: 'A'.repeat(2_000_000) }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    const form = await fetch(`${portal.url}/api/v1/signing/${token}/decline`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'reason=x',
    });
    await expectError(form, 400, 'MALFORMED_INPUT');
    await expectError(
      await post(`/api/v1/signing/${token}/decline`, { reason: 'x' }, { Origin: 'https://evil.example' }),
      403,
      'ORIGIN_REJECTED',
    );
    await expectError(
      await post(`/api/v1/signing/${token}/decline`, { reason: '   ' }),
      400,
      'MALFORMED_INPUT',
    );
  });

  it('a signed decline ends the process; the link then answers WRONG_STAGE', async function () {
    const { token, workflowId } = await openProcess();
    const reason = 'El Cabildo no aprobó la adhesión.';
    const text = (await (await post(`/api/v1/signing/${token}/decline/document`, { reason })).json()) as {
      document: string;
    };
    const response = await post(
      `/api/v1/signing/${token}/decline`,
      {
        reason,
        format: 'pkcs1-sha256',
        signature: opensslPkcs1(Buffer.from(text.document, 'base64'), f.president).toString('base64'),
        certificate: f.president.certDer.toString('base64'),
      },
      { Origin: portal.url },
    );
    const body = (await response.json()) as {
      status: string;
      stage: string;
      stageLabel: string;
      report: unknown;
    };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.deepEqual(
      { status: body.status, stage: body.stage, stageLabel: body.stageLabel },
      { status: 'declined', stage: 'Declined', stageLabel: 'Declinado' },
    );
    assert.equal((await env.processes.status(workflowId)).stage, 'Declined');
    await expectError(await fetch(`${portal.url}/api/v1/signing/${token}`), 409, 'WRONG_STAGE');
  });

  it('never logs a token', async function () {
    const { token } = await openProcess();
    await fetch(`${portal.url}/firmar/${token}`);
    await fetch(`${portal.url}/api/v1/signing/${token}/document`);
    const logs = portal.logs();
    assert.match(logs, /\/firmar\/<token>/);
    assert.ok(!logs.includes(token) && !logs.includes(token.split('.')[1]!), 'no token in the logs');
  });

  it('rate-limits each address: RATE_LIMITED once over the limit', async function () {
    const limited = await startPortal(env, { reads: 1000, writes: 2 });
    try {
      const { token } = await openProcess();
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++)
        statuses.push(
          (
            await fetch(`${limited.url}/api/v1/signing/${token}/decline`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: '{}',
            })
          ).status,
        );
      assert.deepEqual(statuses.slice(0, 2), [400, 400]);
      await expectError(
        await fetch(`${limited.url}/api/v1/signing/${token}/decline`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{}',
        }),
        429,
        'RATE_LIMITED',
      );
    } finally {
      await limited.close();
    }
  });
});
