/**
 * A waiting stage's schedule on the working-day calendar: its deadline, the reminders before it,
 * the escalation when it passes and the expiry after the grace period, as instants. Pure, for the
 * workflow (planning at stage entry, on an extension and on a re-plan) and for the CLI.
 *
 * Lengths are spans: Temporal durations (`"15 days"`, `"36h"`, `"10s"`) or días hábiles
 * (`"10 días hábiles"`, `"10 business days"`).
 *
 * - A deadline of N días hábiles ends at 23:59:59 (Mexico City) of the N-th working day after the
 *   day the stage began; a duration is added to the instant.
 * - A reminder N días hábiles before goes out at 09:00 of the N-th working day before the
 *   deadline's day; one a duration before, at that instant, or, when that falls on a non-working
 *   day, at 09:00 of the working day before it.
 * - The escalation goes out when the deadline passes, or at 09:00 of the next working day when it
 *   passes on a non-working day.
 * - The process expires a grace period after the deadline (días hábiles: at the end of the N-th
 *   working day after the deadline's day).
 *
 * The working-day rules apply to day-scale schedules: a stage whose deadline is a duration of less
 * than a day (a demonstration, a test) runs on exact instants.
 */
import {
  END_OF_DAY,
  mexicoCityDate,
  mexicoCityOffset,
  mexicoCityTime,
  REMINDER_TIME,
  type WorkingCalendar,
} from './calendar';

/** A length of time: milliseconds, or working days. */
export type Span = { readonly ms: number } | { readonly businessDays: number };

/** One stage's schedule, as a process keeps it. */
export interface StageSchedule {
  readonly deadline: Span;
  readonly remindBefore: readonly Span[];
  readonly grace: Span;
}

/** When things happen in the current stage (state.plan). */
export interface StagePlan {
  readonly deadline: string;
  readonly expiresAt: string;
  readonly escalateAt: string;
  /** By the index of the reminder in the stage's schedule, in time order. */
  readonly reminders: readonly { readonly key: number; readonly at: string }[];
  /** The extensions granted in this stage, in order (kept to plan again on a new calendar). */
  readonly extensions: readonly Span[];
  /** Whether the deadline counts días hábiles (the stage's, or an extension's). */
  readonly businessDays: boolean;
  /** The calendar it was planned on (see calendarVersion). */
  readonly calendarVersion: string;
}

const BUSINESS_DAYS = /^\s*(\d{1,4})\s*(?:d[ií]as?\s+h[aá]bil(?:es)?|business\s+days?)\s*$/i;

/** `"10 días hábiles"` → 10; null when `value` is not a count of working days. */
export function businessDaysOf(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = BUSINESS_DAYS.exec(value);
  return match ? Number(match[1]) : null;
}

export const isBusinessDays = (span: Span): span is { readonly businessDays: number } =>
  'businessDays' in span;

const DAY_MS = 86_400_000;

/** Whether the working-day rules apply: a deadline of a day or more. */
export function isDayScale(schedule: StageSchedule): boolean {
  return isBusinessDays(schedule.deadline) || schedule.deadline.ms >= DAY_MS;
}

/** `instant` moved by `span` (business days from its Mexico City date, ending at end of day). */
function after(instant: number, span: Span, calendar: WorkingCalendar): number {
  if (!isBusinessDays(span)) return instant + span.ms;
  if (span.businessDays === 0) return instant;
  return mexicoCityTime(calendar.addWorkingDays(mexicoCityDate(instant), span.businessDays), END_OF_DAY);
}

/** When a reminder `span` before `deadline` goes out. */
function reminderAt(deadline: number, span: Span, calendar: WorkingCalendar, dayScale: boolean): number {
  if (isBusinessDays(span))
    return mexicoCityTime(
      calendar.subtractWorkingDays(mexicoCityDate(deadline), span.businessDays),
      REMINDER_TIME,
    );
  const at = deadline - span.ms;
  const day = mexicoCityDate(at);
  if (!dayScale || calendar.isWorkingDay(day)) return at;
  return mexicoCityTime(calendar.workingDayOnOrBefore(day), REMINDER_TIME);
}

/** When the escalation for `deadline` goes out. */
function escalationAt(deadline: number, calendar: WorkingCalendar, dayScale: boolean): number {
  const day = mexicoCityDate(deadline);
  if (!dayScale || calendar.isWorkingDay(day)) return deadline;
  return mexicoCityTime(calendar.workingDayOnOrAfter(day), REMINDER_TIME);
}

/**
 * Plans a stage that began at `enteredAt` with its `extensions` so far. Reminders at or before
 * `now` are left out of what is due (the caller marks them done: no burst of late reminders).
 */
export function planStage(
  enteredAt: number,
  schedule: StageSchedule,
  calendar: WorkingCalendar,
  extensions: readonly Span[] = [],
): StagePlan {
  const dayScale = isDayScale(schedule);
  let deadline = after(enteredAt, schedule.deadline, calendar);
  for (const extension of extensions) deadline = after(deadline, extension, calendar);
  const reminders = schedule.remindBefore
    .map((span, key) => ({ key, at: reminderAt(deadline, span, calendar, dayScale) }))
    .filter((r) => r.at > enteredAt && r.at < deadline)
    .sort((a, b) => a.at - b.at);
  return {
    deadline: new Date(deadline).toISOString(),
    expiresAt: new Date(after(deadline, schedule.grace, calendar)).toISOString(),
    escalateAt: new Date(escalationAt(deadline, calendar, dayScale)).toISOString(),
    reminders: reminders.map((r) => ({ key: r.key, at: new Date(r.at).toISOString() })),
    extensions: [...extensions],
    businessDays: [schedule.deadline, ...extensions].some(isBusinessDays),
    calendarVersion: calendar.version,
  };
}

/** A span in words, in Spanish: "10 días hábiles", "1 día hábil", "36 horas". */
export function spanText(span: Span): string {
  if (isBusinessDays(span))
    return `${span.businessDays} ${span.businessDays === 1 ? 'día hábil' : 'días hábiles'}`;
  const days = span.ms / DAY_MS;
  if (Number.isInteger(days)) return `${days} ${days === 1 ? 'día natural' : 'días naturales'}`;
  const hours = span.ms / 3_600_000;
  if (Number.isInteger(hours)) return `${hours} ${hours === 1 ? 'hora' : 'horas'}`;
  return `${Math.round(span.ms / 1000)} s`;
}

/** An instant as Mexico City reads it: "2026-12-08 23:59". */
export function mexicoCityText(iso: string): string {
  const instant = Date.parse(iso);
  return new Date(instant + mexicoCityOffset(instant)).toISOString().slice(0, 16).replace('T', ' ');
}

/** How the current deadline is counted, in words: "días hábiles" or "días naturales". */
export function deadlineCounting(plan: StagePlan | null | undefined): 'días hábiles' | 'días naturales' {
  return plan?.businessDays ? 'días hábiles' : 'días naturales';
}
