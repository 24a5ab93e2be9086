import assert from 'node:assert/strict';
import { resolveLegacyPolicy, resolvePolicy, Stage, type ProcessState } from '../../src/domain/process';
import { dueAt, extendStage, nextDueAt, scheduleStage } from '../../src/workflows/adhesion-process/deadlines';

const DAY = 86_400_000;
/** Thursday 24 December 2026, 10:00 in Mexico City. */
const CHRISTMAS_EVE = Date.parse('2026-12-24T16:00:00Z');

/** The parts of a process state the deadline code reads and writes. */
function stateWith(policy: ProcessState['policy'], calendar?: ProcessState['calendar']): ProcessState {
  return {
    policy,
    ...(calendar ? { calendar, plan: null } : {}),
    stage: Stage.AwaitingMunicipalSignature,
    stageEnteredAt: new Date(CHRISTMAS_EVE).toISOString(),
    deadline: null,
    expiresAt: null,
    escalatedAt: null,
    remindersDone: [],
  } as unknown as ProcessState;
}

describe('the current stage’s dates in the process state', function () {
  it('keeps the calendar-day dates of processes started before días hábiles', function () {
    const state = stateWith(resolveLegacyPolicy(undefined));
    scheduleStage(state, CHRISTMAS_EVE);
    // The version-3 rule: 15 days to the instant, 5 more of grace, reminders 7 and 2 days before,
    // whatever the calendar says (this deadline falls on 8 January, the escalation too).
    assert.equal(state.deadline, new Date(CHRISTMAS_EVE + 15 * DAY).toISOString());
    assert.equal(state.expiresAt, new Date(CHRISTMAS_EVE + 20 * DAY).toISOString());
    assert.equal(state.plan, undefined, 'no plan: the old state shape');
    assert.equal(nextDueAt(state), CHRISTMAS_EVE + 8 * DAY);
    assert.deepEqual(dueAt(state, CHRISTMAS_EVE + 13 * DAY), {
      expire: false,
      escalate: false,
      reminders: [7 * DAY, 2 * DAY],
    });
    extendStage(state, { ms: 7 * DAY }, CHRISTMAS_EVE + DAY);
    assert.equal(state.deadline, new Date(CHRISTMAS_EVE + 22 * DAY).toISOString());
    assert.equal(state.expiresAt, new Date(CHRISTMAS_EVE + 27 * DAY).toISOString());
  });

  it('plans new processes on working days: nothing falls due over Christmas', function () {
    const state = stateWith(resolvePolicy(), { declared: [], version: 'v' });
    scheduleStage(state, CHRISTMAS_EVE);
    // 10 días hábiles from 24 December: 28–31 December, 4–8 and 11 January.
    assert.equal(state.deadline, '2027-01-12T05:59:59.000Z');
    assert.equal(state.plan?.reminders[0]?.at, '2027-01-04T15:00:00.000Z');
    assert.equal(nextDueAt(state), Date.parse('2027-01-04T15:00:00.000Z'));
    assert.deepEqual(dueAt(state, Date.parse('2026-12-31T23:00:00Z')), {
      expire: false,
      escalate: false,
      reminders: [],
    });
  });
});
