/**
 * The policy: how long each stage may take, when to remind and when to escalate, in días hábiles or
 * in calendar time; the documented defaults (docs/process.md#policy), overrides, and their checks.
 */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { businessDaysOf, isBusinessDays, type Span, type StageSchedule } from './schedule';
import { type Stage } from './stages';

/**
 * A length in a policy: a Temporal duration (`'15 days'`, `'36h'`, `'10s'`, or ms) or working
 * days (`'10 días hábiles'`, `'10 business days'`), counted on the calendar (src/domain/calendar.ts).
 */
export type PolicyDuration = Duration | string;

/** Timing of one waiting stage. */
export interface StagePolicy {
  /** From entering the stage to its deadline. */
  readonly deadline: PolicyDuration;
  /** Reminders to whoever is awaited, this long before the deadline (each sent once). */
  readonly remindBefore: readonly PolicyDuration[];
  /** After the deadline passes (and the coordinator has been alerted), how long before the process expires. */
  readonly grace: PolicyDuration;
}

/**
 * The process policy. Every waiting stage has a deadline, reminders before it, an escalation to
 * the coordinator when it passes, and a grace period after which the process is Expired.
 */
export interface Policy {
  readonly municipalSignature: StagePolicy;
  readonly instituteCountersignature: StagePolicy;
  readonly secretariatInstallation: StagePolicy;
}

/** The documented defaults (docs/process.md#policy), in días hábiles. */
export const DEFAULT_POLICY: Policy = {
  municipalSignature: {
    deadline: '10 días hábiles',
    remindBefore: ['5 días hábiles', '2 días hábiles'],
    grace: '5 días hábiles',
  },
  instituteCountersignature: {
    deadline: '7 días hábiles',
    remindBefore: ['3 días hábiles', '1 día hábil'],
    grace: '3 días hábiles',
  },
  secretariatInstallation: {
    deadline: '40 días hábiles',
    remindBefore: ['20 días hábiles', '5 días hábiles'],
    grace: '10 días hábiles',
  },
};

/** The defaults of processes started before días hábiles (code versions 1–3), which keep them. */
const LEGACY_DEFAULT_POLICY: Policy = {
  municipalSignature: { deadline: '15 days', remindBefore: ['7 days', '2 days'], grace: '5 days' },
  instituteCountersignature: { deadline: '10 days', remindBefore: ['5 days', '1 day'], grace: '5 days' },
  secretariatInstallation: { deadline: '60 days', remindBefore: ['30 days', '7 days'], grace: '15 days' },
};

export type PolicyOverride = {
  readonly [K in keyof Policy]?: Partial<StagePolicy>;
};

export const POLICY_KEY_OF_STAGE: Readonly<Partial<Record<Stage, keyof Policy>>> = {
  AwaitingMunicipalSignature: 'municipalSignature',
  AwaitingInstituteCountersignature: 'instituteCountersignature',
  AwaitingSecretariatInstallation: 'secretariatInstallation',
};

/** The policy as a process keeps it: every length a span (ms or días hábiles). */
export type ResolvedPolicy = Readonly<Record<keyof Policy, StageSchedule>>;

/** The policy as processes started before días hábiles keep it: every length in ms. */
export interface LegacyStagePolicy {
  readonly deadlineMs: number;
  readonly remindBeforeMs: readonly number[];
  readonly graceMs: number;
}

export type LegacyPolicy = Readonly<Record<keyof Policy, LegacyStagePolicy>>;

export function isLegacyPolicy(policy: ResolvedPolicy | LegacyPolicy): policy is LegacyPolicy {
  return 'deadlineMs' in policy.municipalSignature;
}

/** Longest accepted count of días hábiles (about eight years). */
const MAX_BUSINESS_DAYS = 2000;

function merged(defaults: Policy, key: keyof Policy, overrides: readonly (PolicyOverride | undefined)[]) {
  return Object.assign({}, defaults[key], ...overrides.map((o) => o?.[key] ?? {})) as StagePolicy;
}

/** Defaults, then the campaign's, then the process's overrides; throws PolicyError on a bad length. */
export function resolvePolicy(...overrides: readonly (PolicyOverride | undefined)[]): ResolvedPolicy {
  const resolved = {} as Record<keyof Policy, StageSchedule>;
  for (const key of Object.keys(DEFAULT_POLICY) as (keyof Policy)[]) {
    const policy = merged(DEFAULT_POLICY, key, overrides);
    if (!Array.isArray(policy.remindBefore)) throw new PolicyError(`${key}.remindBefore must be a list`);
    const deadline = span(policy.deadline, `${key}.deadline`, 1);
    const remindBefore = policy.remindBefore
      .map((d, i) => span(d, `${key}.remindBefore[${i}]`, 1))
      // A reminder as long as the deadline or longer could never go out.
      .filter((r) => !sameKind(r, deadline) || amount(r) < amount(deadline));
    resolved[key] = { deadline, remindBefore, grace: span(policy.grace, `${key}.grace`, 0) };
  }
  return resolved;
}

/** The policy of a process started before días hábiles, as it resolved it then. */
export function resolveLegacyPolicy(...overrides: readonly (PolicyOverride | undefined)[]): LegacyPolicy {
  const resolved = {} as Record<keyof Policy, LegacyStagePolicy>;
  for (const key of Object.keys(LEGACY_DEFAULT_POLICY) as (keyof Policy)[]) {
    const policy = merged(LEGACY_DEFAULT_POLICY, key, overrides);
    const deadlineMs = toMs(policy.deadline, `${key}.deadline`, 1);
    const remindBeforeMs = policy.remindBefore
      .map((d, i) => toMs(d, `${key}.remindBefore[${i}]`, 1))
      .filter((ms) => ms < deadlineMs)
      .sort((a, b) => b - a);
    resolved[key] = { deadlineMs, remindBeforeMs, graceMs: toMs(policy.grace, `${key}.grace`, 0) };
  }
  return resolved;
}

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

const sameKind = (a: Span, b: Span): boolean => isBusinessDays(a) === isBusinessDays(b);

const amount = (s: Span): number => (isBusinessDays(s) ? s.businessDays : s.ms);

function span(value: PolicyDuration, what: string, min: number): Span {
  const days = businessDaysOf(value);
  if (days === null) return { ms: toMs(value, what, min) };
  if (days < min) throw new PolicyError(`${what} must be ${min > 0 ? 'positive' : 'zero or more'}`);
  if (days > MAX_BUSINESS_DAYS) throw new PolicyError(`${what}: at most ${MAX_BUSINESS_DAYS} días hábiles`);
  return { businessDays: days };
}

function toMs(value: PolicyDuration, what: string, min: number): number {
  let ms = Number.NaN;
  try {
    ms = msToNumber(value as Duration);
  } catch {
    // reported below
  }
  if (!Number.isFinite(ms))
    throw new PolicyError(
      `${what}: "${String(value)}" is not a duration (e.g. "10 días hábiles", "15 days", "36h", "10s")`,
    );
  if (ms < min) throw new PolicyError(`${what} must be ${min > 0 ? 'positive' : 'zero or more'}`);
  return ms;
}
