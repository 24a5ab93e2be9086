import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkingCalendar } from '../../src/domain/calendar';
import { extendDeadlineUpdate, replanCalendarUpdate, withdrawUpdate } from '../../src/domain/messages';
import { resolvePolicy } from '../../src/domain/process';
import { planStage } from '../../src/domain/schedule';
import { SearchAttributes } from '../../src/domain/search-attributes';
import { runCliAsync } from '../support/cli';
import { processEnv, type ProcessEnv } from '../support/process-env';
import { CAMPAIGN, declaredAhead, signingLink, testInput, waitForState } from '../support/process-helpers';
import type { CodedError } from '../../src/domain/coded-error';

/** Waits until visibility lists `workflowId` among the campaign's running processes. */
async function listed(env: ProcessEnv, campaign: string, workflowId: string): Promise<void> {
  const query = `${SearchAttributes.campaign.name} = '${campaign}' AND ExecutionStatus = 'Running'`;
  for (let attempt = 0; attempt < 100; attempt++) {
    for await (const execution of env.client.workflow.list({ query }))
      if (execution.workflowId === workflowId) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${workflowId} never listed in campaign ${campaign}`);
}

const refusedWith =
  (code: string) =>
  (error: CodedError): boolean =>
    error.code === code;

describe('a process counted in días hábiles, on the real server', function () {
  this.timeout(120_000);
  let env: ProcessEnv;

  before(async function () {
    env = await processEnv();
  });

  it('plans the default stage on the calendar it was started with, and says so to the signer', async function () {
    const declared = declaredAhead(3);
    const input = testInput({ calendar: { declared } });
    const { workflowId } = await env.processes.start(input);
    const state = await waitForState(env, workflowId, (s) => s.deadline !== null);
    const calendar = new WorkingCalendar(declared);
    assert.equal(state.calendar?.version, calendar.version);
    const expected = planStage(
      Date.parse(state.stageEnteredAt),
      resolvePolicy().municipalSignature,
      calendar,
    );
    assert.deepEqual(state.plan, expected);
    assert.equal(state.deadline, expected.deadline);
    assert.equal(state.expiresAt, expected.expiresAt);
    // 23:59:59 in Mexico City, on a working day that is not one of the declared ones.
    assert.match(state.deadline!, /T05:59:59\.000Z$/);
    const lastDay = new Date(Date.parse(state.deadline!) - 6 * 3_600_000).toISOString().slice(0, 10);
    assert.ok(calendar.isWorkingDay(lastDay), `${lastDay} is a working day`);
    for (const reminder of state.plan!.reminders) assert.match(reminder.at, /T15:00:00\.000Z$/, '09:00');
    const described = await env.client.workflow.getHandle(workflowId).describe();
    assert.equal(
      described.typedSearchAttributes.get(SearchAttributes.deadline)?.toISOString(),
      state.deadline,
    );
    const { message } = await signingLink(env, input.president.email);
    assert.match(message.mail.text ?? '', /plazo contado en días hábiles/);
  });

  it('extends by días hábiles, and refuses an extension that is not one whole count', async function () {
    const input = testInput();
    const { workflowId } = await env.processes.start(input);
    const before = await waitForState(env, workflowId, (s) => s.deadline !== null);
    for (const bad of [{ businessDays: 0 }, { businessDays: 2.5 }, { days: 3, businessDays: 3 }, {}]) {
      await assert.rejects(
        env.processes.update(workflowId, extendDeadlineUpdate, { ...bad, reason: 'Cabildo' }),
        refusedWith('MALFORMED_INPUT'),
        JSON.stringify(bad),
      );
    }
    assert.deepEqual(await env.processes.status(workflowId), before, 'refusals change nothing');

    const result = await env.processes.update(workflowId, extendDeadlineUpdate, {
      businessDays: 3,
      reason: 'Sesión de Cabildo pospuesta',
    });
    const calendar = new WorkingCalendar();
    const deadlineDay = (iso: string): string =>
      new Date(Date.parse(iso) - 6 * 3_600_000).toISOString().slice(0, 10);
    assert.equal(deadlineDay(result.deadline), calendar.addWorkingDays(deadlineDay(before.deadline!), 3));
    const after = await env.processes.status(workflowId);
    assert.deepEqual(after.plan?.extensions, [{ businessDays: 3 }]);
    assert.match(
      after.audit.find((e) => e.type === 'deadline-extended')?.detail ?? '',
      /3 días hábiles.*Sesión de Cabildo pospuesta/,
    );
    const renewed = await signingLink(env, input.president.email, 2);
    assert.match(renewed.message.mail.subject ?? '', /Plazo ampliado/);
  });

  it('re-plans a running stage on newly declared días inhábiles, keeping its extensions; refuses a bad calendar and a finished process', async function () {
    const input = testInput();
    const { workflowId } = await env.processes.start(input);
    await waitForState(env, workflowId, (s) => s.deadline !== null);
    await env.processes.update(workflowId, extendDeadlineUpdate, { businessDays: 1, reason: 'Cabildo' });
    // The notice of the new deadline goes out after the answer; wait for it to be recorded.
    const before = await waitForState(
      env,
      workflowId,
      (s) => s.audit.filter((e) => e.type === 'email-sent').length === 2,
    );

    for (const calendar of [
      { declared: [{ date: '2026-02-30', reason: 'Vacaciones' }] },
      { declared: [{ date: '2026-12-21', reason: '' }] },
      {},
    ]) {
      await assert.rejects(
        env.processes.update(workflowId, replanCalendarUpdate, { calendar: calendar as never }),
        refusedWith('MALFORMED_INPUT'),
      );
    }
    assert.deepEqual(await env.processes.status(workflowId), before, 'refusals change nothing');

    const declared = declaredAhead(10);
    const result = await env.processes.update(workflowId, replanCalendarUpdate, {
      calendar: { declared },
      actor: 'coordinacion@example.mx',
    });
    const calendar = new WorkingCalendar(declared);
    const expected = planStage(
      Date.parse(before.stageEnteredAt),
      resolvePolicy().municipalSignature,
      calendar,
      [{ businessDays: 1 }],
    );
    assert.equal(result.calendarVersion, calendar.version);
    assert.equal(result.deadline, expected.deadline);
    assert.ok(Date.parse(result.deadline) > Date.parse(before.deadline!), 'ten more days off: later');
    const after = await env.processes.status(workflowId);
    assert.deepEqual(after.plan, expected);
    assert.deepEqual(after.calendar?.declared, declared);
    const event = after.audit.find((e) => e.type === 'calendar-replanned');
    assert.equal(event?.actor, 'coordinacion@example.mx');
    const described = await env.client.workflow.getHandle(workflowId).describe();
    assert.equal(
      described.typedSearchAttributes.get(SearchAttributes.deadline)?.toISOString(),
      expected.deadline,
    );

    await env.processes.update(workflowId, withdrawUpdate, { reason: 'Prueba terminada' });
    await assert.rejects(
      env.processes.update(workflowId, replanCalendarUpdate, { calendar: { declared } }),
      refusedWith('WRONG_STAGE'),
    );
  });

  it('`calendar replan` re-plans the campaign from an INHABILES file; a malformed file exits 1 and changes nothing', async function () {
    const campaign = `${CAMPAIGN}-dh`;
    const input = testInput({ campaign });
    const { workflowId } = await env.processes.start(input);
    const before = await waitForState(env, workflowId, (s) => s.deadline !== null);
    const dir = mkdtempSync(join(tmpdir(), 'inhabiles-'));
    const bad = join(dir, 'malo.csv');
    writeFileSync(bad, 'fecha,motivo\n2026-12-21,Vacaciones\n21/12/2026,Vacaciones\n');
    const cli = (args: string[]) => runCliAsync(args, env.childEnv);
    const refused = await cli(['calendar', 'replan', '--campaign', campaign, '--inhabiles', bad]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /MALFORMED_INPUT: .*malo\.csv, línea 3/);
    assert.deepEqual(await env.processes.status(workflowId), before);

    await listed(env, campaign, workflowId);
    const good = join(dir, 'inhabiles.csv');
    const declared = declaredAhead(10);
    writeFileSync(
      good,
      `fecha,motivo,acuerdo\n${declared.map((d) => `${d.date},${d.reason},${d.acuerdo}`).join('\n')}\n`,
    );
    const replanned = await cli([
      'calendar',
      'replan',
      '--campaign',
      campaign,
      '--inhabiles',
      good,
      '--json',
    ]);
    assert.equal(replanned.status, 0, replanned.stderr);
    const output = JSON.parse(replanned.stdout) as {
      calendarVersion: string;
      results: { workflowId: string; deadline?: string; code?: string }[];
    };
    assert.equal(output.calendarVersion, new WorkingCalendar(declared).version);
    assert.deepEqual(
      output.results.map((r) => r.workflowId),
      [workflowId],
    );
    const mine = output.results[0];
    assert.ok(mine?.deadline && Date.parse(mine.deadline) > Date.parse(before.deadline!));
    const after = await env.processes.status(workflowId);
    assert.equal(after.calendar?.version, output.calendarVersion);
    const status = await cli(['status', workflowId]);
    assert.match(status.stdout, /días hábiles/);
    assert.match(status.stdout, new RegExp(output.calendarVersion.replace('+', '\\+')));
  });
});
