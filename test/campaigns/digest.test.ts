import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { withdrawUpdate } from '../../src/domain/messages';
import { STAGE_LABEL } from '../../src/domain/process';
import { runCliAsync, type CliResult } from '../support/cli';
import { processEnv, type ProcessEnv } from '../support/process-env';
import { testInput, waitForState } from '../support/process-helpers';

describe('the coordinator’s campaign digest', function () {
  this.timeout(180_000);
  let env: ProcessEnv;
  const campaign = `d${randomBytes(3).toString('hex')}`;
  const to = `coordinacion-${campaign}@example.mx`;
  const cli = (args: string[]): Promise<CliResult> => runCliAsync(args, env.childEnv);
  const waiting = testInput({ campaign });
  const withdrawn = testInput({ campaign });
  const late = testInput({
    campaign,
    policy: { municipalSignature: { deadline: '1s', remindBefore: [], grace: '1 hour' } },
  });

  before(async function () {
    env = await processEnv();
    for (const input of [waiting, withdrawn, late]) await env.processes.start(input);
    await env.processes.update(`adhesion-${campaign}-${withdrawn.inegiCode}`, withdrawUpdate, {
      reason: 'Cambio de administración',
    });
    await waitForState(env, `adhesion-${campaign}-${late.inegiCode}`, (s) => s.escalatedAt !== null);
  });

  after(async function () {
    await env?.client.schedule
      .getHandle(`digest-${campaign}`)
      .delete()
      .catch(() => {});
  });

  it('digest send: counts by stage, the overdue municipalities and the week’s changes, by email', async function () {
    let digest:
      | {
          total: number;
          byStage: Record<string, number>;
          overdue: { inegiCode: string }[];
          changes: { inegiCode: string; what: string }[];
        }
      | undefined;
    for (let i = 0; i < 30 && digest?.total !== 3; i++) {
      const r = await cli(['digest', 'send', '--campaign', campaign, '--to', to, '--json']);
      assert.equal(r.status, 0, r.stderr);
      digest = JSON.parse(r.stdout);
      if (digest?.total !== 3) await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.equal(digest!.total, 3);
    assert.equal(digest!.byStage.AwaitingMunicipalSignature, 2, JSON.stringify(digest));
    assert.equal(digest!.byStage.Withdrawn, 1);
    assert.deepEqual(
      digest!.overdue.map((o) => o.inegiCode),
      [late.inegiCode],
    );
    assert.ok(
      digest!.changes.some(
        (c) => c.inegiCode === withdrawn.inegiCode && c.what.includes(`«${STAGE_LABEL.Withdrawn}»`),
      ),
    );
    const mail = await env.outbox.waitFor((m) => m.envelopeTo.includes(to));
    assert.equal(
      mail.mail.subject,
      `Resumen de la campaña ${campaign}: 0 de 3 concluidos, 1 con plazo vencido`,
    );
    const text = mail.mail.text ?? '';
    assert.match(text, /En espera de la firma municipal: 2/);
    assert.match(text, /Retirado por la coordinación: 1/);
    assert.ok(
      text.includes(`${late.municipality} (${late.inegiCode}) — En espera de la firma municipal, venció el`),
    );
    assert.ok(text.includes(`${withdrawn.municipality} (${withdrawn.inegiCode}):`));
  });

  it('digest schedule creates, then updates, a weekly Temporal Schedule that sends it', async function () {
    const created = await cli([
      'digest',
      'schedule',
      '--campaign',
      campaign,
      '--to',
      to,
      '--day',
      'friday',
      '--hour',
      '9',
    ]);
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`digest-${campaign}: creado; próximo envío \\d{4}-`));
    const updated = await cli([
      'digest',
      'schedule',
      '--campaign',
      campaign,
      '--to',
      to,
      '--day',
      'monday',
      '--hour',
      '8',
    ]);
    assert.equal(updated.status, 0, updated.stderr);
    assert.match(updated.stdout, /actualizado/);
    const handle = env.client.schedule.getHandle(`digest-${campaign}`);
    const description = await handle.describe();
    assert.equal(description.spec.calendars?.[0]?.dayOfWeek?.[0]?.start, 'MONDAY');
    assert.equal(description.spec.calendars?.[0]?.hour?.[0]?.start, 8);
    assert.equal(description.spec.timezone, 'America/Mexico_City');
    assert.equal(description.action.type, 'startWorkflow');
    const before = env.outbox.messages.filter((m) => m.envelopeTo.includes(to)).length;
    await handle.trigger();
    await env.outbox.waitFor(
      (m) =>
        m.envelopeTo.includes(to) &&
        env.outbox.messages.filter((x) => x.envelopeTo.includes(to)).length > before,
    );
    assert.equal((await cli(['digest', 'schedule', '--campaign', campaign, '--hour', '25'])).status, 2);
  });
});
