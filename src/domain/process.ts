/**
 * The adhesion process (DESIGN §2): stages, roles, the policy with its defaults, and the process's
 * input and state. Pure and sandbox-safe: imported by the workflow, activities, portal and CLI.
 */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { SignatureFormat, VerificationReport } from './verification-report';
import type { CalendarData } from './calendar';
import { businessDaysOf, isBusinessDays, type Span, type StageSchedule, type StagePlan } from './schedule';

export const Stage = {
  AwaitingMunicipalSignature: 'AwaitingMunicipalSignature',
  AwaitingInstituteCountersignature: 'AwaitingInstituteCountersignature',
  AwaitingSecretariatInstallation: 'AwaitingSecretariatInstallation',
  Completed: 'Completed',
  Declined: 'Declined',
  Withdrawn: 'Withdrawn',
  Expired: 'Expired',
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];

export const WAITING_STAGES: readonly Stage[] = [
  Stage.AwaitingMunicipalSignature,
  Stage.AwaitingInstituteCountersignature,
  Stage.AwaitingSecretariatInstallation,
];

export function isTerminal(stage: Stage): boolean {
  return !WAITING_STAGES.includes(stage);
}

/** Who signs: the municipal president, or the institute's presiding commissioner. */
export type Role = 'municipal' | 'institute';
export const ROLES: readonly Role[] = ['municipal', 'institute'];

/** The letter's PDF signature field of each role (its /T name): where a PAdES signature goes. */
export const SIGNATURE_FIELD: Readonly<Record<Role, string>> = {
  municipal: 'FirmaMunicipal',
  institute: 'FirmaInstitucional',
};

/** The role whose signature a stage awaits, if any. */
export function roleAwaited(stage: Stage): Role | null {
  if (stage === Stage.AwaitingMunicipalSignature) return 'municipal';
  if (stage === Stage.AwaitingInstituteCountersignature) return 'institute';
  return null;
}

/** Spanish names, for signers, emails and the Web UI. */
export const STAGE_LABEL: Readonly<Record<Stage, string>> = {
  AwaitingMunicipalSignature: 'En espera de la firma municipal',
  AwaitingInstituteCountersignature: 'En espera de la contrafirma del Instituto',
  AwaitingSecretariatInstallation: 'En espera de la instalación del Secretariado Técnico Municipal',
  Completed: 'Concluido',
  Declined: 'Declinado',
  Withdrawn: 'Retirado por la coordinación',
  Expired: 'Vencido',
};

export interface Person {
  readonly name: string;
  readonly email: string;
  readonly rfc?: string | null;
  readonly curp?: string | null;
  /**
   * For a signer without RFC or CURP: accept a signature from anyone the CAs certify, rather than
   * requiring the certificate to bear this name. The coordinator's explicit choice; reports say so.
   */
  readonly acceptAnySigner?: boolean;
}

/** Whom a signature must come from, as the verifier takes it (see src/signatures ExpectedSigner). */
export function expectedSignerOf(person: Person): {
  rfc: string | null;
  curp: string | null;
  name: string;
  acceptAnySigner: boolean;
} {
  return {
    rfc: person.rfc ?? null,
    curp: person.curp ?? null,
    name: person.name,
    acceptAnySigner: person.acceptAnySigner === true,
  };
}

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

/** Names shown in the letter and emails; other states run the same process with their own. */
export interface Institution {
  /** E.g. "Instituto de Transparencia, Acceso a la Información Pública y Protección de Datos Personales del Estado de México y Municipios". */
  readonly name: string;
  /** E.g. "Infoem". */
  readonly shortName: string;
  /** E.g. "Estado de México". */
  readonly state: string;
  /** The commissioner's title, e.g. "Comisionado Presidente del Infoem". */
  readonly commissionerTitle: string;
  /** The president's title, e.g. "Presidenta Municipal". */
  readonly presidentTitle: string;
  /** The commitment's name, e.g. "Cultura de Gobierno Abierto". */
  readonly commitment: string;
}

export const DEFAULT_INSTITUTION: Institution = {
  name: 'Instituto de Transparencia, Acceso a la Información Pública y Protección de Datos Personales del Estado de México y Municipios',
  shortName: 'Infoem',
  state: 'Estado de México',
  commissionerTitle: 'Comisionado Presidente del Infoem',
  presidentTitle: 'Presidente Municipal',
  commitment: 'Cultura de Gobierno Abierto',
};

export interface ProcessInput {
  readonly campaign: string;
  /** Clave INEGI: 5 digits (state + municipality), e.g. "15037". */
  readonly inegiCode: string;
  readonly municipality: string;
  readonly president: Person;
  readonly commissioner: Person;
  /** Who receives escalations; the coordinator who started the process. */
  readonly coordinator: Person;
  /** The letter's date, `YYYY-MM-DD`; the start date when absent. */
  readonly letterDate?: string;
  /** The letter's place; "<municipality>, <state>" when absent. */
  readonly place?: string;
  readonly policy?: PolicyOverride;
  readonly institution?: Partial<Institution>;
  /** The días inhábiles declared by the institution (INHABILES_FILE), read when the process starts. */
  readonly calendar?: CalendarData;
}

export interface LinkRecord {
  readonly role: Role;
  /** Increases with every link sent for the role; only the newest works. */
  readonly version: number;
  readonly issuedAt: string;
  readonly expiresAt: string;
  readonly sentTo: string;
}

export interface DocumentRecord {
  readonly sha256: string;
  readonly size: number;
  readonly mediaType: string;
  readonly fileName: string;
  /** The PDF's empty signature fields, by name: a letter that can be signed in the PDF (PAdES). */
  readonly signatureFields?: readonly string[];
}

/** A PAdES revision prepared for a signer's certificate, waiting for their signature. */
export interface PreparationRecord {
  /** The preparation (prepared PDF, byte range, the bytes to sign), stored by its SHA-256. */
  readonly sha256: string;
  readonly certificateSha256: string;
  readonly linkVersion: number;
  readonly preparedAt: string;
  /**
   * `preparations`: kept in the preparation store and discarded once superseded or used (version
   * 7). Absent: in the evidence store, as version 6 kept them.
   */
  readonly store?: 'preparations';
}

/**
 * What a role's current link has been used for (version 7): the process admits a few preparations
 * and refusals per link version (src/domain/limits.ts), and a new link starts afresh.
 */
export interface LinkUse {
  readonly linkVersion: number;
  readonly preparations: number;
  readonly refusals: number;
  /** The coordinator was told that this link's signer could not sign: revocation not checkable. */
  readonly revocationNoticeSent?: boolean;
}

/**
 * A decline signed with the signer's e.firma (version 7): the municipality's refusal to take part
 * is an act of its government. What was signed is the declination text (src/domain/declination.ts),
 * kept in the evidence store with the signature and the certificate.
 */
export interface DeclinationRecord {
  readonly role: Role;
  readonly reason: string;
  readonly receivedAt: string;
  readonly format: SignatureFormat;
  /** SHA-256 of the declination text the signer signed (stored). */
  readonly documentSha256: string;
  readonly signatureSha256: string;
  readonly certificateSha256: string | null;
  readonly linkVersion: number;
  readonly report: VerificationReport;
}

export interface SignatureRecord {
  readonly role: Role;
  readonly format: SignatureFormat;
  readonly receivedAt: string;
  /** SHA-256 of the signature bytes as they arrived (stored in EVIDENCE_DIR). */
  readonly signatureSha256: string;
  /** SHA-256 of the certificate given beside a PKCS#1 signature, when any. */
  readonly certificateSha256: string | null;
  readonly linkVersion: number;
  readonly report: VerificationReport;
}

export type Sector = 'gobierno' | 'sociedad-civil' | 'organo-garante';
export const SECTORS: readonly Sector[] = ['gobierno', 'sociedad-civil', 'organo-garante'];

export interface InstallationRecord {
  readonly date: string;
  readonly members: readonly { readonly name: string; readonly sector: Sector; readonly position: string }[];
  readonly minutes: DocumentRecord;
  readonly recordedAt: string;
  readonly recordedBy: string;
}

export interface AuditEvent {
  readonly at: string;
  /** `coordinator`, `municipal`, `institute` or `system`, with a name when known. */
  readonly actor: string;
  readonly type: string;
  readonly detail: string;
}

export interface ReminderRecord {
  readonly stage: Stage;
  readonly at: string;
  readonly to: string;
}

/** The whole process state: the `status` query's answer, and what continue-as-new carries. */
/** A dossier assembled at a milestone: what it holds and where its manifest and constancia are. */
export interface DossierRecord {
  readonly label: 'signed' | 'completed';
  readonly at: string;
  readonly files: number;
  /** The SHA256SUMS manifest and the constancia, stored in EVIDENCE_DIR under their digests. */
  readonly manifestSha256: string;
  readonly constanciaSha256: string;
}

export interface ProcessState {
  readonly workflowId: string;
  /**
   * The run this process is: the first run ID of its chain (continue-as-new keeps it). Signing
   * links carry it, so a link from a withdrawn process never acts on a later one with the same
   * workflow ID.
   */
  readonly runId: string;
  /** The workflow code version that started this process (docs/versioning.md). */
  readonly codeVersion: number;
  readonly input: ProcessInput;
  /** In ms for processes started before días hábiles (code versions 1–3), which keep their dates. */
  readonly policy: ResolvedPolicy | LegacyPolicy;
  /** The días inhábiles counted with: the input's, or those of the last re-plan. */
  calendar?: CalendarData & { readonly version: string };
  stage: Stage;
  stageEnteredAt: string;
  /** The current waiting stage's deadline; null once terminal. */
  deadline: string | null;
  /** When the process expires if nothing happens: deadline + grace. */
  expiresAt: string | null;
  /** When the coordinator was alerted that the current stage's deadline passed. */
  escalatedAt: string | null;
  /**
   * The current stage's schedule: reminders, escalation, expiry (absent for a legacy policy,
   * whose reminders are offsets before the deadline).
   */
  plan?: StagePlan | null;
  /**
   * Reminders already sent in the current stage: their keys in the plan (a legacy policy: their
   * offsets, ms before the deadline).
   */
  remindersDone: number[];
  remindersSent: ReminderRecord[];
  signers: Record<Role, Person>;
  links: Partial<Record<Role, LinkRecord>>;
  document: DocumentRecord | null;
  signatures: Partial<Record<Role, SignatureRecord>>;
  installation: InstallationRecord | null;
  /** Why the process ended, for Declined, Withdrawn and Expired. */
  outcome: string | null;
  audit: AuditEvent[];
  /** How many times this process has continued as new (history kept bounded). */
  generation: number;
  /** Evidence dossiers assembled (when both signatures are in, and at completion). */
  dossiers?: DossierRecord[];
  /** The letter with the PAdES signatures embedded so far (carta-firmada.pdf), when any. */
  signedDocument?: DocumentRecord | null;
  /** PAdES revisions prepared and not yet signed, by role. */
  preparations?: Partial<Record<Role, PreparationRecord>>;
  /** What each role's current link has been used for (version 7). */
  linkUse?: Partial<Record<Role, LinkUse>>;
  /** The signed decline that ended the process, when it was declined (version 7). */
  declination?: DeclinationRecord | null;
}

/** Workflow ID scheme (DESIGN §2): `adhesion-<campaign>-<clave_inegi>`. */
/** The workflow type of every adhesion process (DESIGN §3). */
export const WORKFLOW_TYPE = 'adhesionProcess';

export function workflowIdFor(campaign: string, inegiCode: string): string {
  return `adhesion-${campaign}-${inegiCode}`;
}

export const INEGI_CODE = /^\d{5}$/;
export const CAMPAIGN = /^[a-z0-9][a-z0-9-]{0,39}$/;
export const RFC = /^[A-ZÑ&]{3,4}\d{6}[A-Z0-9]{3}$/;
export const CURP = /^[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d$/;
export const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/** One Spanish sentence per problem, or none; shared by the CLI, the portal and the workflow's validators. */
export function personProblems(person: Partial<Person> | undefined, who: string): string[] {
  const problems: string[] = [];
  if (!person?.name?.trim()) problems.push(`falta el nombre de ${who}`);
  if (!person?.email || !EMAIL.test(person.email)) problems.push(`el correo de ${who} no es válido`);
  if (person?.rfc && !RFC.test(person.rfc.toUpperCase())) problems.push(`el RFC de ${who} no es válido`);
  if (person?.curp && !CURP.test(person.curp.toUpperCase())) problems.push(`la CURP de ${who} no es válida`);
  return problems;
}
