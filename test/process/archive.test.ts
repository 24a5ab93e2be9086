/**
 * The archive of ended processes, as staff meet it months into a campaign: a completed, a declined
 * and a withdrawn process, deleted from Temporal (`temporal workflow delete`, as retention does),
 * still answer `status`, `report`, `list --ended` and `evidence` as before, and a campaign report
 * covers live and archived processes in one table. `archive backfill` writes the record of a
 * process that ended without one, while Temporal still keeps it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withdrawUpdate } from '../../src/domain/messages';
import type { ProcessState } from '../../src/domain/process';
import { runCliAsync } from '../support/cli';
import { signingFixtures } from '../support/fixtures';
import { processEnv, type ProcessEnv } from '../support/process-env';
import { postJson, startPortal, type TestPortal } from '../support/portal';
import { completeProcess, signingLink, testInput, waitForState } from '../support/process-helpers';
import { opensslCms } from '../support/sign';

describe('the archive of ended processes, after Temporal let them go', function () {
  this.timeout(300_000);
  let env: ProcessEnv;
  let portal: TestPortal;
  const f = signingFixtures();
  const campaign = `arch${randomBytes(3).toString('hex')}`;

  before(async function () {
    env = await processEnv();
    portal = await startPortal(env);
  });
  after(async function () {
    await portal?.close();
  });

  const cli = (...args: string[]) => runCliAsync(args, env.childEnv);
  const records = (workflowId: string): string[] => {
    const dir = join(env.evidenceDir, 'archive', campaign, workflowId);
    return existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [];
  };
  /** As retention does: the execution and its history gone from Temporal. */
  async function deleteFromTemporal(workflowId: string): Promise<void> {
    execFileSync(env.temporalBinary, [
      'workflow',
      'delete',
      '--workflow-id',
      workflowId,
      '--address',
      env.server.address,
      '--namespace',
      env.server.namespace,
    ]);
    // Deletion is asynchronous: wait until Temporal says it does not know the process.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const gone = await env.client.workflow
        .getHandle(workflowId)
        .describe()
        .then(
          () => false,
          () => true,
        );
      if (gone) return;
      if (Date.now() > deadline) throw new Error(`${workflowId} still in Temporal`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('a completed, a declined and a withdrawn process, deleted from Temporal, answer status, report, list --ended and evidence as before', async function () {
    // Completed: both signatures and the installation.
    const completed = testInput({ campaign });
    const completedId = await completeProcess(env, completed);
    // Declined, with the president's e.firma.
    const declined = testInput({ campaign });
    const { workflowId: declinedId } = await env.processes.start(declined);
    const { token } = await signingLink(env, declined.president.email);
    const reason = 'El Cabildo acordó no participar.';
    const documentResponse = await postJson(portal, `/api/v1/signing/${token}/decline/document`, { reason });
    const text = Buffer.from(((await documentResponse.json()) as { document: string }).document, 'base64');
    const declineResponse = await postJson(portal, `/api/v1/signing/${token}/decline`, {
      reason,
      format: 'cms',
      signature: opensslCms(text, f.president, { carry: [f.intermediate] }).toString('base64'),
    });
    assert.equal(declineResponse.status, 200, await declineResponse.text());
    // Withdrawn by the coordinator.
    const withdrawn = testInput({ campaign });
    const { workflowId: withdrawnId } = await env.processes.start(withdrawn);
    await waitForState(env, withdrawnId, (s) => s.document !== null);
    await env.processes.update(withdrawnId, withdrawUpdate, { reason: 'Iniciado por error' });
    // And one still running.
    const running = testInput({ campaign });
    const { workflowId: runningId } = await env.processes.start(running);

    const ended = [completedId, declinedId, withdrawnId];
    const before = new Map<string, { status: string; state: ProcessState }>();
    for (const id of ended) {
      const final = (await env.client.workflow.getHandle(id).result()) as ProcessState;
      // The record is written before the execution closes.
      assert.equal(records(id).length, 1, `${id} archived`);
      const status = await cli('status', id);
      assert.equal(status.status, 0, status.stderr);
      before.set(id, { status: status.stdout, state: final });
    }
    const sizes = ended.map((id) => statSync(records(id)[0]!).size);
    console.log(`      archive records: ${sizes.map((s) => `${(s / 1024).toFixed(1)} KiB`).join(', ')}`);
    const reportBefore = await cli('report', '--campaign', campaign, '--format', 'json');
    assert.equal(reportBefore.status, 0, reportBefore.stderr);
    const evidenceBefore = mkdtempSync(join(tmpdir(), 'expediente-antes-'));
    assert.equal((await cli('evidence', completedId, '--out', evidenceBefore)).status, 0);

    for (const id of ended) await deleteFromTemporal(id);

    // status: the same output, from the record.
    for (const id of ended) {
      const status = await cli('status', id);
      assert.equal(status.status, 0, status.stderr);
      assert.equal(status.stdout, before.get(id)!.status, `${id}: status as before`);
      const json = await cli('status', id, '--json');
      assert.deepEqual(JSON.parse(json.stdout), before.get(id)!.state);
    }
    // report: one table, live and archived, as before.
    const reportAfter = await cli('report', '--campaign', campaign, '--format', 'json');
    assert.equal(reportAfter.status, 0, reportAfter.stderr);
    assert.deepEqual(JSON.parse(reportAfter.stdout), JSON.parse(reportBefore.stdout));
    const rows = JSON.parse(reportAfter.stdout) as { workflow_id: string; etapa: string }[];
    assert.deepEqual(
      rows.map((r) => [r.workflow_id, r.etapa]),
      [
        [completedId, 'Completed'],
        [declinedId, 'Declined'],
        [withdrawnId, 'Withdrawn'],
        [runningId, 'AwaitingMunicipalSignature'],
      ],
    );
    // list --ended: the three, from the archive.
    const list = await cli('list', '--ended', '--campaign', campaign, '--json');
    assert.equal(list.status, 0, list.stderr);
    assert.deepEqual(
      (JSON.parse(list.stdout) as { workflowId: string; stage: string; status: string }[]).map((r) => [
        r.workflowId,
        r.stage,
        r.status,
      ]),
      [
        [completedId, 'Completed', 'ARCHIVED'],
        [declinedId, 'Declined', 'ARCHIVED'],
        [withdrawnId, 'Withdrawn', 'ARCHIVED'],
      ],
    );
    // evidence: the dossier the process assembled, file for file.
    const evidenceAfter = mkdtempSync(join(tmpdir(), 'expediente-despues-'));
    const exported = await cli('evidence', completedId, '--out', evidenceAfter);
    assert.equal(exported.status, 0, exported.stderr);
    assert.deepEqual(readdirSync(evidenceAfter).sort(), readdirSync(evidenceBefore).sort());
    for (const name of readdirSync(evidenceBefore))
      assert.ok(
        execFileSync('cmp', [join(evidenceBefore, name), join(evidenceAfter, name)]).length === 0,
        name,
      );
    // An access request about the completed process's president, after Temporal let it go: the
    // archive answers it, as JSON and PDF, and the export itself is recorded.
    const personal = mkdtempSync(join(tmpdir(), 'datos-personales-'));
    const asked = await cli(
      'personal-data',
      '--email',
      completed.president.email.toUpperCase(),
      '--campaign',
      campaign,
      '--out',
      personal,
    );
    assert.equal(asked.status, 0, asked.stderr);
    const personalData = JSON.parse(readFileSync(join(personal, 'datos-personales.json'), 'utf8')) as {
      processes: {
        workflowId: string;
        roles: { role: string }[];
        signatures: { signer: { rfc: string } }[];
        mails: unknown[];
        audit: unknown[];
      }[];
    };
    assert.deepEqual(
      personalData.processes.map((p) => [p.workflowId, p.roles.map((r) => r.role)]),
      [[completedId, ['municipal']]],
    );
    assert.equal(personalData.processes[0]!.signatures[0]!.signer.rfc, 'COCR800101AB1');
    assert.ok(personalData.processes[0]!.mails.length >= 2, 'the invitation and the confirmations');
    assert.ok(personalData.processes[0]!.audit.length > 0);
    assert.equal(readFileSync(join(personal, 'datos-personales.pdf')).subarray(0, 5).toString(), '%PDF-');
    // By RFC, without a folder: the JSON on the standard output, every process where she is named.
    const byRfc = await cli('personal-data', '--rfc', 'cocr800101ab1', '--campaign', campaign);
    assert.equal(byRfc.status, 0, byRfc.stderr);
    const ids = (JSON.parse(byRfc.stdout) as { processes: { workflowId: string }[] }).processes.map(
      (p) => p.workflowId,
    );
    for (const id of [completedId, declinedId, withdrawnId, runningId]) assert.ok(ids.includes(id), id);
    const accessDir = join(env.evidenceDir, 'access', 'personal-data');
    const access = readdirSync(accessDir);
    assert.ok(access.length >= 1, 'the export is recorded');
    assert.ok(
      access.every((name) => !readFileSync(join(accessDir, name)).includes(completed.president.email)),
      'the record is sealed: no e-mail in plaintext',
    );

    // A process neither in Temporal nor in the archive is still not found.
    const missing = await cli('status', `adhesion-${campaign}-99999`);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^PROCESS_NOT_FOUND/m);
  });

  it('archive backfill writes the record of an ended process that has none, once', async function () {
    const input = testInput({ campaign });
    const { workflowId } = await env.processes.start(input);
    await waitForState(env, workflowId, (s) => s.document !== null);
    await env.processes.update(workflowId, withdrawUpdate, { reason: 'Prueba de archivo' });
    await env.client.workflow.getHandle(workflowId).result();
    // As if it had ended before processes archived themselves.
    for (const record of records(workflowId)) rmSync(record);
    const backfill = await cli('archive', 'backfill', '--campaign', campaign, '--json');
    assert.equal(backfill.status, 0, backfill.stderr);
    const summary = JSON.parse(backfill.stdout) as { written: string[]; present: string[] };
    assert.deepEqual(summary.written, [workflowId]);
    assert.equal(records(workflowId).length, 1);
    const again = JSON.parse((await cli('archive', 'backfill', '--campaign', campaign, '--json')).stdout) as {
      written: string[];
      present: string[];
    };
    assert.deepEqual(again.written, []);
    assert.ok(again.present.includes(workflowId));
    await deleteFromTemporal(workflowId);
    const status = await cli('status', workflowId, '--json');
    assert.equal(status.status, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as ProcessState).stage, 'Withdrawn');
  });
});
