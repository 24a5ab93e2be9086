/**
 * The current stage's dates in the process state: planned on the working-day calendar
 * (src/domain/schedule.ts), or, for processes started before días hábiles (a legacy policy in
 * ms), exactly as those processes computed them, so that they keep their dates and replay.
 *
 * Deterministic: every function takes the workflow's `now`.
 */
import { WorkingCalendar } from '../../domain/calendar';
import {
  isLegacyPolicy,
  POLICY_KEY_OF_STAGE,
  type LegacyStagePolicy,
  type ProcessState,
} from '../../domain/process';
import { planStage, type Span, type StagePlan, type StageSchedule } from '../../domain/schedule';

const calendarOf = (state: ProcessState): WorkingCalendar => WorkingCalendar.of(state.calendar);

type StagePolicyOf = { legacy: LegacyStagePolicy } | { schedule: StageSchedule } | null;

function stagePolicy(state: ProcessState): StagePolicyOf {
  const key = POLICY_KEY_OF_STAGE[state.stage];
  if (!key) return null;
  return isLegacyPolicy(state.policy) ? { legacy: state.policy[key] } : { schedule: state.policy[key] };
}

/** Takes `plan` as the stage's dates; reminders whose time has passed are not sent in a burst. */
function apply(state: ProcessState, plan: StagePlan, now: number): void {
  state.plan = plan;
  state.deadline = plan.deadline;
  state.expiresAt = plan.expiresAt;
  state.remindersDone = plan.reminders.filter((r) => Date.parse(r.at) <= now).map((r) => r.key);
  if (Date.parse(plan.escalateAt) > now) state.escalatedAt = null;
}

/** The dates of the stage just entered (at `now`); a terminal stage has none. */
export function scheduleStage(state: ProcessState, now: number): void {
  const policy = stagePolicy(state);
  if (policy === null) {
    state.deadline = null;
    state.expiresAt = null;
    if (state.plan) state.plan = null;
    return;
  }
  // A new waiting stage starts its own reminders and escalation.
  state.remindersDone = [];
  state.escalatedAt = null;
  if ('legacy' in policy) {
    const deadline = now + policy.legacy.deadlineMs;
    state.deadline = new Date(deadline).toISOString();
    state.expiresAt = new Date(deadline + policy.legacy.graceMs).toISOString();
    return;
  }
  apply(state, planStage(now, policy.schedule, calendarOf(state)), now);
}

/** Moves the current stage's deadline (and expiry) by `by`. */
export function extendStage(state: ProcessState, by: Span, now: number): void {
  const policy = stagePolicy(state)!;
  if ('legacy' in policy) {
    const ms = 'ms' in by ? by.ms : 0;
    const deadline = Date.parse(state.deadline!) + ms;
    state.deadline = new Date(deadline).toISOString();
    state.expiresAt = new Date(Date.parse(state.expiresAt!) + ms).toISOString();
    if (deadline > now) state.escalatedAt = null;
    // Reminders whose time is already past under the new deadline are not sent in a burst.
    state.remindersDone = policy.legacy.remindBeforeMs.filter((offset) => deadline - offset <= now);
    return;
  }
  const entered = Date.parse(state.stageEnteredAt);
  const extensions = [...(state.plan?.extensions ?? []), by];
  apply(state, planStage(entered, policy.schedule, calendarOf(state), extensions), now);
}

/**
 * Plans the current stage again on a new calendar (new días inhábiles), from the day it began,
 * with the extensions it was granted.
 */
export function replanStage(state: ProcessState, calendar: WorkingCalendar, now: number): void {
  const policy = stagePolicy(state);
  if (policy === null || 'legacy' in policy) return;
  const entered = Date.parse(state.stageEnteredAt);
  apply(state, planStage(entered, policy.schedule, calendar, state.plan?.extensions ?? []), now);
}

/** What is due at `now`: expiry, the escalation, and the reminders (their keys). */
export interface Due {
  readonly expire: boolean;
  readonly escalate: boolean;
  readonly reminders: readonly number[];
}

/** Reminders of the current stage: key (plan key, or legacy offset) and time. */
function reminders(state: ProcessState): { key: number; at: number }[] {
  const policy = stagePolicy(state);
  if (policy === null) return [];
  if ('legacy' in policy) {
    const deadline = Date.parse(state.deadline!);
    return policy.legacy.remindBeforeMs.map((offset) => ({ key: offset, at: deadline - offset }));
  }
  return (state.plan?.reminders ?? []).map((r) => ({ key: r.key, at: Date.parse(r.at) }));
}

function escalationAt(state: ProcessState): number {
  return Date.parse(state.plan?.escalateAt ?? state.deadline!);
}

export function dueAt(state: ProcessState, now: number): Due {
  if (!state.deadline || !state.expiresAt) return { expire: false, escalate: false, reminders: [] };
  return {
    expire: now >= Date.parse(state.expiresAt),
    escalate: state.escalatedAt === null && now >= escalationAt(state),
    reminders: reminders(state)
      .filter((r) => !state.remindersDone.includes(r.key) && now >= r.at)
      .map((r) => r.key),
  };
}

/** The next time something is due: a reminder, the escalation, or expiry. */
export function nextDueAt(state: ProcessState): number | null {
  if (!state.deadline || !state.expiresAt) return null;
  const times = [Date.parse(state.expiresAt)];
  if (state.escalatedAt === null) times.push(escalationAt(state));
  for (const r of reminders(state)) if (!state.remindersDone.includes(r.key)) times.push(r.at);
  return Math.min(...times);
}
