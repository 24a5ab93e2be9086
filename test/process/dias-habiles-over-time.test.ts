import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createMailer } from '../../src/activities/email';
import { dataConverter } from '../../src/codec/data-converter';
import { mexicoCityDate, WorkingCalendar } from '../../src/domain/calendar';
import { resolvePolicy, type ProcessState } from '../../src/domain/process';
import { mexicoCityText, planStage } from '../../src/domain/schedule';
import { ProcessClient } from '../../src/client/process-client';
import { openStores } from '../../src/storage';
import { manifiestaPlugin, workflowsPath } from '../../src/worker/plugin';
import { bestEffortVerifier } from '../support/fixtures';
import { processEnv, type ProcessEnv } from '../support/process-env';
import { declaredAhead, testInput } from '../support/process-helpers';
import { timeSkippingEnvironment } from '../support/time-skipping';

const MINUTE = 60_000;
const closeTo = (actual: string | null | undefined, expected: string, what: string): void => {
  assert.ok(actual, `${what}: none`);
  const drift = Date.parse(actual) - Date.parse(expected);
  assert.ok(drift >= 0 && drift < MINUTE, `${what} at ${actual}, planned for ${expected}`);
};

describe('a process in días hábiles over weeks of process time (time-skipping server)', function () {
  this.timeout(240_000);
  let parts: ProcessEnv;
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let processes: ProcessClient;
  const taskQueue = 'dias-habiles-over-time';

  before(async function () {
    parts = await processEnv();
    env = await timeSkippingEnvironment({ dataConverter: dataConverter(parts.keyring) });
    const { evidence, preparations, ledger } = openStores(
      { kind: 'folder', dir: mkdtempSync(join(tmpdir(), 'manifiesta-timeskip-')) },
      parts.keyring,
    );
    processes = new ProcessClient(env.client, taskQueue);
    worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowsPath,
      plugins: [
        manifiestaPlugin(
          {
            processes,
            evidence,
            preparations,
            mailer: createMailer(parts.outbox.url, 'manifiesta <no-responder@manifiesta.test>', ledger),
            links: parts.links,
            // Judged weeks ahead, past any CRL's nextUpdate: revocation best-effort.
            verifier: bestEffortVerifier(),
          },
          { keyring: parts.keyring },
        ),
      ],
    });
    running = worker.run();
  });

  after(async function () {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  it('reminds at 09:00 on working days, escalates at the end of the last one, expires after the grace, all where the calendar says', async function () {
    const today = mexicoCityDate(Date.now());
    const declared = declaredAhead(10, 2, today);
    const input = testInput({ calendar: { declared } });
    const { workflowId } = await processes.start(input);
    // Awaiting the result lets the server skip from timer to timer: about five weeks of process time.
    const final = (await env.client.workflow.getHandle(workflowId).result()) as ProcessState;

    const calendar = new WorkingCalendar(declared);
    // The stage began when its first link went out, in the same workflow task.
    const entered = final.audit.find((e) => e.type === 'link-issued')!.at;
    const plan = planStage(Date.parse(entered), resolvePolicy().municipalSignature, calendar);
    // 10 días hábiles: the next working day, then none of the ten declared, then nine more.
    assert.equal(mexicoCityDate(Date.parse(plan.deadline)), new WorkingCalendar().addWorkingDays(today, 20));
    assert.equal(final.stage, 'Expired');

    const reminders = final.remindersSent;
    assert.equal(reminders.length, 2);
    closeTo(reminders[0]?.at, plan.reminders[0]!.at, 'the first reminder');
    closeTo(reminders[1]?.at, plan.reminders[1]!.at, 'the second reminder');
    for (const reminder of reminders) {
      assert.match(mexicoCityText(reminder.at), / 09:00$/, 'at 09:00 in Mexico City');
      assert.ok(
        calendar.isWorkingDay(mexicoCityDate(Date.parse(reminder.at))),
        `${reminder.at}: a working day`,
      );
    }
    closeTo(final.escalatedAt, plan.escalateAt, 'the escalation');
    assert.match(mexicoCityText(plan.deadline), / 23:59$/);
    closeTo(final.stageEnteredAt, plan.expiresAt, 'the expiry');

    const to = (email: string, subject: RegExp) =>
      parts.outbox.messages.filter((m) => m.envelopeTo.includes(email) && subject.test(m.mail.subject ?? ''));
    await parts.outbox.waitFor(
      (m) => m.envelopeTo.includes(input.president.email) && /vencido/.test(m.mail.subject ?? ''),
    );
    assert.equal(to(input.president.email, /^Recordatorio/).length, 2);
    const [escalation] = to(input.coordinator.email, /Plazo vencido/);
    assert.ok(escalation, 'the coordinator was alerted');
    assert.match(escalation.mail.text ?? '', /días hábiles/);
  });
});
