/**
 * The adhesion process (DESIGN §2): its input, its state and its identifiers, and (re-exported, one
 * import for the workflow, activities, portal and CLI) its stages, people, policy and institution,
 * each in a module of its own. Pure and sandbox-safe.
 */
import type { SignatureFormat, VerificationReport } from './verification-report';
import type { CalendarData } from './calendar';
import { type StagePlan } from './schedule';
import { DEFAULT_INSTITUTION, type Institution } from './institution';
import { type Person, type Sector } from './people';
import { type LegacyPolicy, type PolicyOverride, type ResolvedPolicy } from './policy';
import { type Role, type Stage } from './stages';

export * from './stages';
export * from './policy';
export * from './people';
export * from './institution';

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
  /** The privacy notice the signing page showed (version and SHA-256), when the portal said. */
  readonly privacyNotice?: { readonly version: string; readonly sha256: string };
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
  /**
   * Version 8: the TSA's token over the signature (PAdES B-T), once added. From then on the time of
   * record for this signature is the token's genTime, not receivedAt.
   */
  readonly timestamp?: SignatureTimestampRecord;
  /** The privacy notice the signing page showed (version and SHA-256), when the portal said. */
  readonly privacyNotice?: { readonly version: string; readonly sha256: string };
}

/** An archive time-stamp of the letter (PAdES B-LTA). */
export interface ArchiveTimestampRecord {
  readonly genTime: string;
  readonly tsa: string;
  /** SHA-256 of the token, kept in the evidence store. */
  readonly tokenSha256: string;
  /** When the TSA's certificate expires: a new archive time-stamp is due before then. */
  readonly renewBy: string;
}

/** A signature's time-stamp: when a TSA says the signature existed, and who says so. */
export interface SignatureTimestampRecord {
  readonly genTime: string;
  /** The TSA's certificate subject. */
  readonly tsa: string;
  readonly policy: string;
  /** SHA-256 of the token (a CMS), kept in the evidence store. */
  readonly tokenSha256: string;
}

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
  /** The NOM-151 constancia over the manifest (assembled after it, so not listed in it), when any. */
  readonly nom151Sha256?: string;
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
  /**
   * Version 9: the letter's archive time-stamps (PAdES B-LTA), oldest first: each a document
   * time-stamp over the whole letter and the validation data (/DSS) it carried.
   */
  archive?: ArchiveTimestampRecord[];
  /** PAdES revisions prepared and not yet signed, by role. */
  preparations?: Partial<Record<Role, PreparationRecord>>;
  /** What each role's current link has been used for (version 7). */
  linkUse?: Partial<Record<Role, LinkUse>>;
  /** The signed decline that ended the process, when it was declined (version 7). */
  declination?: DeclinationRecord | null;
  /**
   * Version 10: the institution now countersigning, once it changed (`transferInstitution`); the
   * one of the input (with the defaults) until then.
   */
  institution?: Institution;
  /** The letter as rendered when a transfer rendered it again: its institution and countersigner. */
  letterParties?: {
    readonly institution: Institution;
    readonly commissioner: Person;
    readonly letterDate: string;
  };
  /** Each transfer of the countersigning authority (version 10). */
  transfers?: TransferRecord[];
}

/** A transfer of the countersigning authority, as the process recorded it. */
export interface TransferRecord {
  readonly at: string;
  readonly actor: string;
  readonly reason: string;
  /** The institutions' names, before and after. */
  readonly from: string;
  readonly to: string;
  /** The stage the process was in: what the transfer changed depends on it. */
  readonly stage: Stage;
  readonly countersigner: { readonly before: string; readonly after: string };
}

/** Workflow ID scheme (DESIGN §2): `adhesion-<campaign>-<clave_inegi>`. */
/** The workflow type of every adhesion process (DESIGN §3). */
export const WORKFLOW_TYPE = 'adhesionProcess';

export function workflowIdFor(campaign: string, inegiCode: string): string {
  return `adhesion-${campaign}-${inegiCode}`;
}

export const INEGI_CODE = /^\d{5}$/;

export const CAMPAIGN = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** The institution countersigning a process now: the one a transfer named, else the input's (with the defaults). */
export function institutionOf(state: ProcessState): Institution {
  return state.institution ?? { ...DEFAULT_INSTITUTION, ...state.input.institution };
}

/**
 * Whether a process already has this institution and countersigner: a transfer run again changes
 * nothing (the `transferInstitution` update and `manifiesta transfer-institution` ask the same).
 */
export function alreadyTransferred(
  state: ProcessState,
  to: { readonly institution: Institution; readonly countersigner: Person },
): boolean {
  const countersigner = state.signers.institute;
  return (
    institutionOf(state).name === to.institution.name &&
    countersigner.email === to.countersigner.email.trim() &&
    countersigner.name === to.countersigner.name.trim()
  );
}
