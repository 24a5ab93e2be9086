import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runCliAsync, type CliResult } from '../support/cli';
import { signingFixtures } from '../support/fixtures';
import { processEnv, type ProcessEnv } from '../support/process-env';
import { CAMPAIGN, signBoth, signingLink, testInput } from '../support/process-helpers';

describe('coordinator CLI on a real Temporal server', function () {
  this.timeout(180_000);
  let env: ProcessEnv;
  const cli = (args: string[]): Promise<CliResult> =>
    runCliAsync(args, { ...env.childEnv, COORDINATOR_EMAIL: 'coordinacion@example.mx' });

  before(async function () {
    env = await processEnv();
  });

  function startArgs(inegi: string): string[] {
    const f = signingFixtures();
    return [
      'start',
      '--inegi',
      inegi,
      '--municipality',
      'Huixquilucan',
      '--president-name',
      f.president.identity.name,
      '--president-email',
      `presidencia-${inegi}@example.mx`,
      '--president-rfc',
      'cocr800101ab1',
      '--commissioner-name',
      f.commissioner.identity.name,
      '--commissioner-email',
      `comisionado-${inegi}@example.mx`,
      '--commissioner-rfc',
      f.commissioner.identity.rfc!,
      '--campaign',
      CAMPAIGN,
      '--letter-date',
      '2022-07-08',
    ];
  }

  it('start prints the workflow ID and its Web UI link; a duplicate start exits 1 naming the running one', async function () {
    const inegi = testInput().inegiCode;
    const started = await cli(startArgs(inegi));
    assert.equal(started.status, 0, started.stderr);
    const [workflowId, link] = started.stdout.trim().split('\n');
    assert.equal(workflowId, `adhesion-${CAMPAIGN}-${inegi}`);
    assert.match(link!, new RegExp(`/namespaces/default/workflows/${workflowId}$`));
    const again = await cli(startArgs(inegi));
    assert.equal(again.status, 1);
    assert.match(again.stderr, new RegExp(`PROCESS_ALREADY_RUNNING: .*${workflowId}`));
  });

  it('start refuses bad input with exit 2 and starts nothing', async function () {
    const bad = await cli([...startArgs('1503'), '--president-email', 'no-es-correo']);
    assert.equal(bad.status, 2);
    assert.match(
      bad.stderr,
      /la clave INEGI debe tener 5 dígitos; el correo de la presidencia municipal no es válido/,
    );
    assert.equal((await cli([...startArgs('15999'), '--policy', '{no json'])).status, 2);
    assert.equal((await cli(['status', '15999', '--campaign', CAMPAIGN])).status, 1);
  });

  it('status, list, resend, extend, withdraw drive a process; refusals exit 1 with their code', async function () {
    const inegi = testInput().inegiCode;
    assert.equal((await cli(startArgs(inegi))).status, 0);
    const workflowId = `adhesion-${CAMPAIGN}-${inegi}`;
    await signingLink(env, `presidencia-${inegi}@example.mx`);

    const status = await cli(['status', inegi, '--campaign', CAMPAIGN]);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /Huixquilucan \(clave INEGI \d{5}\)/);
    assert.match(status.stdout, /Etapa: +AwaitingMunicipalSignature — En espera de la firma municipal/);
    const json = JSON.parse((await cli(['status', workflowId, '--json'])).stdout);
    assert.equal(json.stage, 'AwaitingMunicipalSignature');

    let listed: { workflowId: string; stage: string }[] = [];
    for (let i = 0; i < 50 && !listed.some((r) => r.workflowId === workflowId); i++) {
      listed = JSON.parse(
        (await cli(['list', '--campaign', CAMPAIGN, '--stage', 'AwaitingMunicipalSignature', '--json']))
          .stdout,
      );
      if (!listed.some((r) => r.workflowId === workflowId)) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(listed.some((r) => r.workflowId === workflowId));
    assert.ok(listed.every((r) => r.stage === 'AwaitingMunicipalSignature'));
    const table = await cli(['list', '--campaign', CAMPAIGN]);
    assert.match(table.stdout, /Clave +Municipio +Campaña +Etapa +Fecha límite/);

    const resent = await cli(['resend', inegi, '--campaign', CAMPAIGN, '--role', 'municipal']);
    assert.equal(resent.status, 0, resent.stderr);
    assert.match(resent.stdout, /enlace v2 enviado/);
    const wrongRole = await cli(['resend', inegi, '--campaign', CAMPAIGN, '--role', 'institute']);
    assert.equal(wrongRole.status, 1);
    assert.match(wrongRole.stderr, /^WRONG_STAGE: /);

    const extended = await cli(['extend', workflowId, '--days', '3', '--reason', 'Sesión de Cabildo']);
    assert.equal(extended.status, 0, extended.stderr);
    assert.match(extended.stdout, /nueva fecha límite/);
    assert.equal((await cli(['extend', workflowId, '--days', 'tres', '--reason', 'x'])).status, 2);

    const noInstallationYet = join(mkdtempSync(join(tmpdir(), 'acta-')), 'acta.pdf');
    writeFileSync(noInstallationYet, '%PDF-1.4 acta');
    const early = await cli([
      'record-installation',
      workflowId,
      '--date',
      '2026-11-01',
      '--minutes',
      noInstallationYet,
      '--member',
      'Ana|gobierno|Regidora',
    ]);
    assert.equal(early.status, 1);
    assert.match(early.stderr, /^WRONG_STAGE: /);
    assert.equal(
      (
        await cli([
          'record-installation',
          workflowId,
          '--date',
          '2026-11-01',
          '--minutes',
          noInstallationYet,
          '--member',
          'Ana|vecinos|Regidora',
        ])
      ).status,
      2,
    );

    const withdrawn = await cli(['withdraw', workflowId, '--reason', 'Prueba de la CLI']);
    assert.equal(withdrawn.status, 0, withdrawn.stderr);
    assert.match(withdrawn.stdout, /Withdrawn/);
    const after = await cli(['withdraw', workflowId, '--reason', 'otra vez']);
    assert.equal(after.status, 1);
    assert.match(after.stderr, /^WRONG_STAGE: /);
    const state = await env.processes.status(workflowId);
    assert.ok(
      state.audit.some((e) => e.actor === 'coordinacion@example.mx' && e.type === 'deadline-extended'),
    );
  });

  it('record-installation completes a countersigned process; replace-signer validates its input', async function () {
    const f = signingFixtures();
    const input = testInput();
    const { workflowId } = await env.processes.start(input);
    const bad = await cli([
      'replace-signer',
      workflowId,
      '--role',
      'institute',
      '--name',
      'X',
      '--email',
      'mal',
      '--reason',
      'r',
    ]);
    assert.equal(bad.status, 2);
    const replaced = await cli([
      'replace-signer',
      workflowId,
      '--role',
      'institute',
      '--name',
      f.commissioner.identity.name,
      '--email',
      `nuevo-${input.inegiCode}@example.mx`,
      '--rfc',
      f.commissioner.identity.rfc!,
      '--reason',
      'Cambio de presidencia del Instituto',
    ]);
    assert.equal(replaced.status, 0, replaced.stderr);
    await signBoth(env, workflowId, {
      municipal: input.president.email,
      institute: `nuevo-${input.inegiCode}@example.mx`,
    });

    const acta = join(mkdtempSync(join(tmpdir(), 'acta-')), 'acta-instalacion.pdf');
    writeFileSync(acta, '%PDF-1.4\nActa de instalación\n');
    const recorded = await cli([
      'record-installation',
      workflowId,
      '--date',
      '2026-11-20',
      '--minutes',
      acta,
      '--member',
      'Romina Contreras|gobierno|Presidenta Municipal',
      '--member',
      'Ana Ruiz|sociedad-civil|Integrante',
      '--member',
      'José Martínez|organo-garante|Comisionado',
    ]);
    assert.equal(recorded.status, 0, recorded.stderr);
    assert.match(recorded.stdout, /Completed/);
    const state = await env.processes.status(workflowId);
    assert.equal(state.installation?.minutes.fileName, 'acta-instalacion.pdf');
    assert.deepEqual(
      state.installation?.members.map((m) => m.sector),
      ['gobierno', 'sociedad-civil', 'organo-garante'],
    );
  });

  it('an unreachable Temporal server: exit 1 with TEMPORAL_UNAVAILABLE after --timeout; bad TEMPORAL_ADDRESS: exit 2', async function () {
    // The CLI's own start, measured now: a busy machine slows it down, not the --timeout.
    let started = Date.now();
    assert.equal(
      (await runCliAsync(['status', '15037', '--timeout', 'pronto'], env.childEnv)).status,
      2,
      'a --timeout that is not a number is a usage error',
    );
    const start = Date.now() - started;
    started = Date.now();
    const down = await runCliAsync(['status', '15037', '--timeout', '2'], {
      ...env.childEnv,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    });
    const took = Date.now() - started;
    assert.equal(down.status, 1);
    assert.match(down.stderr, /^TEMPORAL_UNAVAILABLE: .* en 2 s/);
    assert.ok(took - start < 5_000, `gave up after ${took} ms, of which ${start} ms to start`);
    const bad = await runCliAsync(['status', '15037'], {
      ...env.childEnv,
      TEMPORAL_ADDRESS: 'not an address',
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /TEMPORAL_ADDRESS/);
  });
});
