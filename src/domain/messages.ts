/**
 * The process's messages (DESIGN §3), defined once and imported by the workflow, the CLI and the
 * portal. Every change goes through an update rather than a signal: the caller learns at once
 * whether it was accepted, and a validator refuses bad input before it enters history.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Person, ProcessState, Role, Sector, Stage } from './process';
import type { CalendarData } from './calendar';
import type { Institution } from './institution';
import type { VerificationReport } from './verification-report';

/** Which privacy notice a signer was shown (src/config/privacy-notice.ts): its version and SHA-256. */
export interface PrivacyNoticeShown {
  readonly version: string;
  readonly sha256: string;
}

export interface SubmitSignatureInput {
  readonly role: Role;
  /** The link version the signer's token carries; only the newest link works. */
  readonly linkVersion: number;
  /** The run the signer's link was issued by (LINK_SUPERSEDED when it is not this process's). */
  readonly run: string;
  /**
   * Detected when absent (`cms` or `pkcs1-sha256`). `pades`: the PKCS #1 v1.5 RSA-SHA256
   * signature over the `toBeSigned` bytes `prepareSignature` answered, with the same certificate.
   */
  readonly format?: 'cms' | 'pkcs1-sha256' | 'pades';
  /** Base64 of the signature bytes. */
  readonly signature: string;
  /** Base64 of the signer's certificate (required for PKCS#1 and PAdES). */
  readonly certificate?: string;
  /** The privacy notice the signing page showed (the portal fills it in): recorded with the signature. */
  readonly privacyNotice?: PrivacyNoticeShown;
}

/**
 * The first step of a PAdES signature: the signer's certificate. The process judges it (the same
 * refusals as a signature), prepares that signer's revision of the PDF, and answers the bytes to
 * sign; the private key never leaves the browser.
 */
export interface PrepareSignatureInput {
  readonly role: Role;
  readonly linkVersion: number;
  readonly run: string;
  /** Base64 of the signer's certificate (DER). */
  readonly certificate: string;
}

export interface PrepareSignatureResult {
  /** Base64 of the DER of the CMS signed attributes: sign them with RSA PKCS #1 v1.5 and SHA-256. */
  readonly toBeSigned: string;
  readonly digestAlgorithm: 'SHA-256';
}

export interface SubmitSignatureResult {
  readonly status: 'accepted';
  readonly stage: Stage;
  readonly report: VerificationReport;
}

/**
 * A decline, signed with the signer's e.firma (version 7): `signature` is over the declination
 * text (`declinationText` in src/domain/declination.ts) of this reason and process, as a detached
 * CMS or a PKCS #1 v1.5 SHA-256 signature with the certificate. Unsigned declines, which processes
 * before version 7 took, are refused (SIGNATURE_REQUIRED).
 */
export interface DeclineInput {
  readonly role: Role;
  readonly linkVersion: number;
  /** As in {@link SubmitSignatureInput.run}. */
  readonly run: string;
  readonly reason: string;
  readonly format?: 'cms' | 'pkcs1-sha256';
  /** Base64 of the signature over the declination text. */
  readonly signature?: string;
  /** Base64 of the signer's certificate (required with `pkcs1-sha256`). */
  readonly certificate?: string;
  /** As in {@link SubmitSignatureInput.privacyNotice}. */
  readonly privacyNotice?: PrivacyNoticeShown;
}

export interface InstallationMemberInput {
  readonly name: string;
  readonly sector: Sector;
  readonly position: string;
}

/**
 * A file put into the evidence store first (claim check): updates carry this reference, never the
 * bytes, so no file travels through Temporal, encrypted or not.
 */
export interface FileReference {
  /** SHA-256 (hex) of the bytes, as the evidence store names them. */
  readonly sha256: string;
  readonly fileName: string;
  readonly mediaType: string;
  readonly size: number;
}

/** How version-1 clients sent the minutes, inline; refused today, met only when replaying v1 histories. */
export interface InlineMinutes {
  readonly fileName: string;
  readonly contentBase64: string;
}

export interface RecordInstallationInput {
  /** `YYYY-MM-DD`, not in the future. */
  readonly date: string;
  readonly members: readonly InstallationMemberInput[];
  /** The signed minutes (acta de instalación), stored in the evidence store beforehand. */
  readonly minutes: FileReference | InlineMinutes;
  readonly actor?: string;
}

export interface CoordinatorAction {
  readonly reason: string;
  /** Who acted, for the audit trail (e.g. the coordinator's e-mail). */
  readonly actor?: string;
}

/** One of `days` and `businessDays`. */
export interface ExtendDeadlineInput extends CoordinatorAction {
  /** Calendar days added to the current stage's deadline (fractions allowed). */
  readonly days?: number;
  /** Días hábiles added: the deadline becomes the end of the N-th working day after its day. */
  readonly businessDays?: number;
}

/** New días inhábiles published by the institution: the current stage is planned again. */
export interface ReplanCalendarInput {
  readonly calendar: CalendarData;
  readonly actor?: string;
}

export interface ReplanCalendarResult extends StageResult {
  readonly deadline: string;
  readonly calendarVersion: string;
}

export interface ReplaceSignerInput extends CoordinatorAction {
  readonly role: Role;
  readonly person: Person;
}

/**
 * The countersigning authority changes (version 10): its names and titles, and its countersigner.
 * A process awaiting the municipal signature gets a new letter naming it (and a new link); one
 * awaiting the countersignature gets the new countersigner (the president's signed letter stands).
 */
export interface TransferInstitutionInput extends CoordinatorAction {
  readonly institution: Institution;
  readonly countersigner: Person;
}

export interface TransferInstitutionResult {
  readonly stage: Stage;
  /** False when the process already had this institution and countersigner (a re-run). */
  readonly transferred: boolean;
}

export interface ResendLinkInput {
  readonly role: Role;
  readonly actor?: string;
}

export interface StageResult {
  readonly stage: Stage;
}

export const statusQuery = defineQuery<ProcessState>('status');
export const submitSignatureUpdate = defineUpdate<SubmitSignatureResult, [SubmitSignatureInput]>(
  'submitSignature',
);
export const prepareSignatureUpdate = defineUpdate<PrepareSignatureResult, [PrepareSignatureInput]>(
  'prepareSignature',
);
export const declineUpdate = defineUpdate<StageResult, [DeclineInput]>('decline');
export const recordInstallationUpdate = defineUpdate<StageResult, [RecordInstallationInput]>(
  'recordInstallation',
);
export const withdrawUpdate = defineUpdate<StageResult, [CoordinatorAction]>('withdraw');
export const extendDeadlineUpdate = defineUpdate<StageResult & { deadline: string }, [ExtendDeadlineInput]>(
  'extendDeadline',
);
export const replanCalendarUpdate = defineUpdate<ReplanCalendarResult, [ReplanCalendarInput]>(
  'replanCalendar',
);
export const replaceSignerUpdate = defineUpdate<StageResult, [ReplaceSignerInput]>('replaceSigner');
export const transferInstitutionUpdate = defineUpdate<TransferInstitutionResult, [TransferInstitutionInput]>(
  'transferInstitution',
);
export const resendLinkUpdate = defineUpdate<StageResult & { linkVersion: number }, [ResendLinkInput]>(
  'resendLink',
);

export { MAX_CERTIFICATE_BYTES, MAX_MINUTES_BYTES, MAX_SIGNATURE_BYTES } from './limits';
