/**
 * The daily renewal of archive time-stamps (PAdES B-LTA), as staff notice it: the letters whose
 * archive time-stamp's TSA certificate expires within the horizon are renewed, the most urgent
 * first; the others are left alone; a letter that cannot be renewed, or a TSA down past the
 * retries, does not hold up the rest and is named in the summary, and the next run takes it up.
 * The workflow on Temporal's time-skipping test server (the retries' waits skipped), its
 * activities fakes (test/support/fake-activities.ts: `letters` is the register's renewBy by
 * process); the real renewal of a real letter is in test/portal/pades.test.ts.
 */
import assert from 'node:assert/strict';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundle } from '@temporalio/worker';
import { workflowsPath } from '../../src/worker/plugin';
import type { RenewalSummary } from '../../src/workflows/letter-renewal';
import { FakeActivities } from '../support/fake-activities';
import { timeSkippingEnvironment } from '../support/time-skipping';

const DAY = 86_400_000;

describe('renewal of archive time-stamps (activities faked, time-skipping server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundle;
  let runs = 0;

  before(async function () {
    this.timeout(240_000);
    [env, bundle] = await Promise.all([
      timeSkippingEnvironment(),
      bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') }),
    ]);
  });

  after(async function () {
    await env?.teardown();
  });

  /**
   * One run of the renewal, as the Schedule starts it, on a worker whose activities are `fake`'s.
   * Awaiting a result through the environment's client lets the test server skip time, and an idle
   * one jumps to its far default timeout: so without `skip` the run is awaited by a plain client in
   * real time (its fakes answer at once), and the server's clock stays where the letters' dates were set.
   */
  async function renew(
    fake: FakeActivities,
    options: { horizonDays?: number; skip?: boolean } = {},
  ): Promise<RenewalSummary> {
    const taskQueue = `renovacion-${++runs}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: fake.activities,
    });
    // The time-skipping client lets the server skip time while it awaits a result; a plain one does not.
    const client = options.skip
      ? env.client
      : new Client({ connection: env.connection, ...(env.namespace ? { namespace: env.namespace } : {}) });
    return worker.runUntil(
      client.workflow.execute('renewArchiveTimestamps', {
        taskQueue,
        workflowId: `archive-renewal-${runs}`,
        args: [options.horizonDays === undefined ? {} : { horizonDays: options.horizonDays }],
      }) as Promise<RenewalSummary>,
    );
  }

  it('renews what expires within 90 days, most urgent first, leaves the rest, and goes on past a letter that fails', async function () {
    const now = await env.currentTimeMs();
    const inDays = (days: number): string => new Date(now + days * DAY).toISOString();
    const fake = new FakeActivities();
    fake.tsa = 'up';
    fake.letters.set('adhesion-cga-15001', inDays(10));
    const farOff = inDays(200);
    fake.letters.set('adhesion-cga-15002', farOff);
    fake.letters.set('adhesion-cga-15003', inDays(30));
    fake.letters.set('adhesion-cga-15004', inDays(5));
    fake.unrenewable.add('adhesion-cga-15003');

    const first = await renew(fake);
    assert.equal(first.due, 3);
    assert.deepEqual(
      first.renewed.map((r) => r.workflowId),
      ['adhesion-cga-15004', 'adhesion-cga-15001'],
    );
    assert.deepEqual(first.failed, ['adhesion-cga-15003']);
    for (const { renewBy } of first.renewed) assert.ok(Date.parse(renewBy) > now + 4 * 365 * DAY);
    assert.equal(fake.letters.get('adhesion-cga-15002'), farOff, 'not due: left as it was');

    // The next day's run: only the one that failed is still due.
    const second = await renew(fake);
    assert.equal(second.due, 1);
    assert.deepEqual(second.failed, ['adhesion-cga-15003']);
    assert.deepEqual(second.renewed, []);
    // A wider horizon takes the letter due in 200 days too.
    fake.unrenewable.clear();
    const wider = await renew(fake, { horizonDays: 365 });
    assert.deepEqual(
      wider.renewed.map((r) => r.workflowId),
      ['adhesion-cga-15003', 'adhesion-cga-15002'],
    );
  });

  it('with the TSA down, retries for a while, names the letter, and the next run renews it', async function () {
    const fake = new FakeActivities();
    fake.tsa = 'down';
    fake.letters.set('adhesion-cga-15011', new Date((await env.currentTimeMs()) + 20 * DAY).toISOString());
    // The retries' waits (about a quarter of an hour) skipped by the test server.
    const down = await renew(fake, { skip: true });
    assert.deepEqual(down.failed, ['adhesion-cga-15011']);
    const attempts = fake.calls.filter((c) => c.activity === 'renewLetterArchive').length;
    assert.equal(attempts, 8, 'the activity is retried, then the letter waits for the next run');

    fake.tsa = 'up';
    const back = await renew(fake, { skip: true });
    assert.deepEqual(
      back.renewed.map((r) => r.workflowId),
      ['adhesion-cga-15011'],
    );
    assert.deepEqual(back.failed, []);
  });
});
