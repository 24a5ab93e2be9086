/**
 * The countersigning authority changes while a campaign runs (`manifiesta transfer-institution`),
 * on a campaign with a process in every stage: the plan printed first (and nothing changed by
 * --dry-run); then the one awaiting the municipal signature gets a new letter naming the successor
 * and a new link (the old one superseded), the one awaiting the countersignature gets the
 * successor's countersigner, who then countersigns with their own e.firma; the rest untouched; a
 * re-run changes nothing; each transfer audited; `report` names the institution per row.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { submitSignatureUpdate, withdrawUpdate } from '../../src/domain/messages';
import type { ProcessState } from '../../src/domain/process';
import { runCliAsync } from '../support/cli';
import { signingFixtures } from '../support/fixtures';
import { processEnv, type ProcessEnv } from '../support/process-env';
import {
  completeProcess,
  documentOf,
  presidentSignature,
  replayAndRecord,
  signBoth,
  signingLink,
  testInput,
  waitForState,
} from '../support/process-helpers';
import { opensslPkcs1 } from '../support/sign';

describe('transfer of the countersigning authority (transfer-institution)', function () {
  this.timeout(300_000);
  let env: ProcessEnv;
  const f = signingFixtures();
  const campaign = `trans${randomBytes(3).toString('hex')}`;
  // The successor and its countersigner: a person with an e.firma of the test PKI.
  const successor = {
    institution: {
      name: 'Secretaría de la Contraloría del Estado de México',
      shortName: 'SECOGEM',
      commissionerTitle: 'Titular de la Secretaría de la Contraloría',
      article: 'la',
    },
    countersigner: {
      name: f.signer4096.identity.name,
      email: 'titular@secogem.example.mx',
      rfc: f.signer4096.identity.rfc,
    },
  };

  before(async function () {
    env = await processEnv();
  });

  const cli = (...args: string[]) => runCliAsync(args, env.childEnv);
  const status = (id: string): Promise<ProcessState> => env.processes.status(id);

  it('moves every process awaiting a signature to the successor, and only those @history', async function () {
    // One process per stage.
    const awaitingMunicipal = testInput({ campaign });
    const { workflowId: municipalId } = await env.processes.start(awaitingMunicipal);
    const firstLink = await signingLink(env, awaitingMunicipal.president.email);

    const awaitingInstitute = testInput({ campaign });
    const { workflowId: instituteId } = await env.processes.start(awaitingInstitute);
    const link = await signingLink(env, awaitingInstitute.president.email);
    const letter = await documentOf(env, await waitForState(env, instituteId, (s) => s.document !== null));
    await env.processes.update(instituteId, submitSignatureUpdate, presidentSignature(letter, link.claims));

    const awaitingInstallation = testInput({ campaign });
    const { workflowId: installationId } = await env.processes.start(awaitingInstallation);
    await signBoth(env, installationId, {
      municipal: awaitingInstallation.president.email,
      institute: awaitingInstallation.commissioner.email,
    });

    const completed = testInput({ campaign });
    const completedId = await completeProcess(env, completed);

    const withdrawn = testInput({ campaign });
    const { workflowId: withdrawnId } = await env.processes.start(withdrawn);
    await waitForState(env, withdrawnId, (s) => s.document !== null);
    await env.processes.update(withdrawnId, withdrawUpdate, { reason: 'Iniciado por error' });
    await env.client.workflow.getHandle(completedId).result();
    await env.client.workflow.getHandle(withdrawnId).result();

    const file = join(mkdtempSync(join(tmpdir(), 'sucesora-')), 'secogem.json');
    writeFileSync(file, JSON.stringify(successor));
    const ids = [municipalId, instituteId, installationId, completedId, withdrawnId];
    const before = await Promise.all(ids.map(status));

    // The plan first, and nothing changes.
    const dry = await cli(
      'transfer-institution',
      '--campaign',
      campaign,
      '--institution',
      file,
      '--reason',
      'Extinción del Infoem (reforma de 2025)',
      '--dry-run',
    );
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /^Haría a Secretaría de la Contraloría del Estado de México \(SECOGEM\)/);
    assert.match(dry.stdout, new RegExp(`${municipalId}: nueva carta que nombra a la nueva institución`));
    assert.match(dry.stdout, new RegExp(`${instituteId}: nueva persona que contrafirma`));
    for (const id of [installationId, completedId, withdrawnId])
      assert.match(dry.stdout, new RegExp(`${id}: sin cambios`));
    assert.match(dry.stdout, /Nada cambió \(--dry-run\)\.$/m);
    assert.deepEqual(await Promise.all(ids.map(status)), before, 'a dry run changes nothing');

    // The transfer.
    const reason = 'Extinción del Infoem (reforma constitucional de 2025)';
    const run = await cli(
      'transfer-institution',
      '--campaign',
      campaign,
      '--institution',
      file,
      '--reason',
      reason,
      '--json',
    );
    assert.equal(run.status, 0, run.stderr);
    const outcome = JSON.parse(run.stdout) as {
      processes: { workflowId: string; plan: string; outcome: string | null }[];
    };
    assert.deepEqual(
      outcome.processes.map((p) => [p.workflowId, p.plan, p.outcome]).sort(),
      [
        [municipalId, 'new-letter', 'transferido'],
        [instituteId, 'new-countersigner', 'transferido'],
        [installationId, 'untouched', null],
        [completedId, 'untouched', null],
        [withdrawnId, 'untouched', null],
      ].sort(),
    );

    // Awaiting the municipal signature: a new letter naming the successor, a new link.
    const moved = await status(municipalId);
    assert.equal(moved.institution?.shortName, 'SECOGEM');
    assert.notEqual(moved.document!.sha256, before[0]!.document!.sha256);
    const newLetter = await documentOf(env, moved);
    const text = execFileSync('pdftotext', ['-', '-'], { input: newLetter }).toString().replace(/\s+/g, ' ');
    assert.match(text, /encabezado por la Secretaría de la Contraloría del Estado de México \(SECOGEM\)/);
    assert.match(text, /coadyuvar con la SECOGEM/);
    assert.match(text, /ANA LÓPEZ RUIZ/);
    assert.equal(moved.links.municipal!.version, firstLink.claims.version + 1, 'the old link is superseded');
    await signingLink(env, awaitingMunicipal.president.email, firstLink.claims.version + 1);
    assert.equal(moved.transfers?.length, 1);
    assert.ok(moved.audit.some((e) => e.type === 'institution-transferred' && e.detail.includes(reason)));

    // Awaiting the countersignature: the successor's countersigner, who countersigns with their e.firma.
    const countersigning = await status(instituteId);
    assert.equal(countersigning.signers.institute.email, successor.countersigner.email);
    assert.equal(countersigning.document!.sha256, before[1]!.document!.sha256, 'the signed letter stands');
    const successorLink = await signingLink(env, successor.countersigner.email);
    const result = await env.processes.update(instituteId, submitSignatureUpdate, {
      role: 'institute',
      linkVersion: successorLink.claims.version,
      run: successorLink.claims.run,
      format: 'pkcs1-sha256',
      signature: opensslPkcs1(letter, f.signer4096).toString('base64'),
      certificate: f.signer4096.certDer.toString('base64'),
    });
    assert.equal(result.stage, 'AwaitingSecretariatInstallation');
    assert.equal((await status(instituteId)).signatures.institute?.report.signer?.rfc, 'LORA700101GH4');

    // The others untouched.
    for (const [i, id] of [installationId, completedId, withdrawnId].entries())
      assert.deepEqual(await status(id), before[i + 2], `${id} untouched`);

    // A re-run changes nothing.
    const again = await cli(
      'transfer-institution',
      '--campaign',
      campaign,
      '--institution',
      file,
      '--reason',
      reason,
      '--json',
    );
    assert.equal(again.status, 0, again.stderr);
    const second = JSON.parse(again.stdout) as { processes: { workflowId: string; plan: string }[] };
    assert.equal(second.processes.find((p) => p.workflowId === municipalId)!.plan, 'already');
    assert.equal((await status(municipalId)).transfers?.length, 1);

    // report: the institution per row.
    const report = await cli('report', '--campaign', campaign, '--format', 'json');
    const rows = JSON.parse(report.stdout) as { workflow_id: string; institucion: string }[];
    const byId = new Map(rows.map((r) => [r.workflow_id, r.institucion]));
    assert.equal(byId.get(municipalId), 'SECOGEM');
    assert.equal(byId.get(instituteId), 'SECOGEM');
    assert.equal(byId.get(completedId), 'Infoem');

    // Recorded for replay: the transferred process, ended.
    await env.processes.update(municipalId, withdrawUpdate, { reason: 'Prueba de transferencia terminada' });
    await env.client.workflow.getHandle(municipalId).result();
    await replayAndRecord(env, municipalId, 'institution-transferred');
  });
});
