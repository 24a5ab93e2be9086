/** Inputs and results of the activities (src/activities): one input object each. */
import type {
  DocumentRecord,
  expectedSignerOf,
  Institution,
  Person,
  ProcessState,
  Role,
  ArchiveTimestampRecord,
  SignatureTimestampRecord,
  Stage,
} from './process';
import type { VerificationReport } from './verification-report';
import type { DeclinationFacts } from './declination';

export interface RenderLetterInput {
  readonly workflowId: string;
  readonly municipality: string;
  readonly inegiCode: string;
  readonly president: Person;
  readonly commissioner: Person;
  /** `YYYY-MM-DD`. */
  readonly letterDate: string;
  readonly place: string;
  readonly institution: Institution;
}

export type EmailKind =
  | 'signature-request'
  | 'reminder'
  | 'escalation'
  | 'signatures-complete'
  | 'completion'
  | 'expiry'
  | 'withdrawal'
  | 'declined'
  | 'deadline-extended'
  | 'revocation-unavailable'
  | 'timestamp-unavailable';

/** Each message as the audit trail names it, in Spanish. */
export const EMAIL_KIND_LABEL: Readonly<Record<EmailKind, string>> = {
  'signature-request': 'solicitud de firma',
  reminder: 'recordatorio',
  escalation: 'aviso de plazo vencido',
  'signatures-complete': 'aviso de firmas completas',
  completion: 'aviso de conclusión',
  expiry: 'aviso de vencimiento',
  withdrawal: 'aviso de retiro',
  declined: 'aviso de declinación',
  'deadline-extended': 'aviso de plazo ampliado',
  'revocation-unavailable': 'aviso de revocación no verificable',
  'timestamp-unavailable': 'aviso de firma sin sello de tiempo',
};

export interface Recipient {
  readonly name: string;
  readonly email: string;
}

/** A link to mint inside the email activity: neither LINK_SECRET nor the token enters history. */
export interface LinkReference {
  /** The process's run (its first run ID): a link acts on this run only. */
  readonly run: string;
  readonly role: Role;
  readonly version: number;
  readonly expiresAt: string;
}

export interface SendEmailInput {
  readonly workflowId: string;
  /**
   * The process run (its first run ID), so that a process started again with the same workflow ID
   * sends messages of its own Message-IDs. Absent in mail of processes started before it existed.
   */
  readonly run?: string;
  /** Unique per message of the process: the Message-ID derives from it, so a retry that sends twice is recognisable. */
  readonly messageKey: string;
  readonly kind: EmailKind;
  readonly to: readonly Recipient[];
  readonly cc?: readonly Recipient[];
  readonly municipality: string;
  readonly inegiCode: string;
  readonly stage: Stage;
  readonly deadline: string | null;
  /** The deadline is counted in días hábiles (the message says so). */
  readonly businessDays?: boolean;
  /** The role the message is about (who signs, who is awaited). */
  readonly role?: Role;
  readonly link?: LinkReference;
  readonly reason?: string;
  /** Who signed a decline with their e.firma: name and RFC as their certificate says (version 7). */
  readonly signedBy?: string;
  readonly institution: Institution;
  readonly documentSha256?: string;
  readonly attachments?: readonly EmailAttachment[];
}

/** A stored document attached to an email (read from EVIDENCE_DIR by its SHA-256). */
export interface EmailAttachment {
  readonly fileName: string;
  readonly sha256: string;
  readonly mediaType: string;
}

export interface SendEmailResult {
  readonly messageId: string;
  readonly accepted: readonly string[];
}

/** A signature as a signer submitted it, and whose it must be. */
export interface SubmittedSignature {
  readonly signatureBase64: string;
  readonly certificateBase64?: string;
  readonly format?: 'cms' | 'pkcs1-sha256';
  readonly expectedSigner: ReturnType<typeof expectedSignerOf>;
  /** When the signature arrived (validity is judged then). */
  readonly at: string;
}

export interface VerifySignatureInput extends SubmittedSignature {
  readonly documentSha256: string;
}

export interface VerifySignatureResult {
  readonly report: VerificationReport;
  readonly signatureSha256: string;
  readonly certificateSha256: string | null;
}

/** Version-1 processes stored inline minutes through this activity (see InlineMinutes). */
export interface StoreEvidenceInput {
  readonly contentBase64: string;
  readonly fileName: string;
  readonly mediaType: string;
}

export type StoreEvidenceResult = DocumentRecord;

export interface AssembleDossierInput {
  readonly state: ProcessState;
  /** `signed` when both signatures are in, `completed` at completion. */
  readonly label: 'signed' | 'completed';
}

/** Judges the certificate, prepares the signer's revision of the PDF, and stores it. */
export interface PreparePadesInput {
  /** The PDF to extend: the letter, or the letter with the signatures embedded so far. */
  readonly baseSha256: string;
  readonly field: string;
  readonly certificateBase64: string;
  /** As the appearance shows it: name, RFC and role in Spanish. */
  readonly signer: { readonly name: string; readonly rfc: string | null; readonly role: string };
  readonly expectedSigner: ReturnType<typeof expectedSignerOf>;
  /** The signing time, written to /M and judged at. */
  readonly at: string;
  /** The original letter's SHA-256, for the report. */
  readonly documentSha256: string;
  /**
   * Version 7: the preparation (in the preparation store) this one replaces, discarded once the
   * new one is stored; null when there is none. Absent: kept as version 6 kept them.
   */
  readonly supersedes?: string | null;
}

export interface PreparePadesResult {
  /** The certificate's verification report; when invalid, nothing was prepared. */
  readonly report: VerificationReport;
  readonly preparation: {
    readonly sha256: string;
    readonly toBeSignedBase64: string;
    readonly certificateSha256: string;
  } | null;
}

/** Embeds the signer's PKCS #1 signature in the prepared revision, and verifies the result. */
export interface EmbedPadesInput {
  readonly preparationSha256: string;
  /** Where the preparation is kept: the preparation store (version 7), else the evidence store. */
  readonly preparationStore?: 'preparations';
  readonly signatureBase64: string;
  readonly certificateBase64: string;
  readonly expectedSigner: ReturnType<typeof expectedSignerOf>;
  readonly at: string;
}

export interface EmbedPadesResult {
  readonly report: VerificationReport;
  /** The letter with this signature embedded; null when refused (nothing stored). */
  readonly signedDocument: DocumentRecord | null;
  /** SHA-256 of the embedded CMS (stored) and of the certificate. */
  readonly signatureSha256: string;
  readonly certificateSha256: string;
}

/** Verifies a signed decline (version 7): the signature over the declination text of these facts. */
export interface VerifyDeclinationInput extends SubmittedSignature {
  readonly facts: DeclinationFacts;
}

export interface VerifyDeclinationResult {
  readonly report: VerificationReport;
  /** SHA-256 of the declination text, of the signature and of the certificate (stored when valid). */
  readonly documentSha256: string;
  readonly signatureSha256: string;
  readonly certificateSha256: string | null;
}

/** What is kept between the two steps, as JSON in the evidence store (by digest). */
export interface StoredPreparation {
  readonly pdfSha256: string;
  readonly field: string;
  readonly byteRange: readonly [number, number, number, number];
  readonly toBeSignedBase64: string;
  readonly certificateSha256: string;
}

/** A stored preparation's JSON, read back. */
export function parsePreparation(bytes: Uint8Array): StoredPreparation {
  return JSON.parse(new TextDecoder().decode(bytes)) as StoredPreparation;
}

/** Adds a TSA's token to a signature in the letter (PAdES B-T), while it is the letter's last revision. */
export interface TimestampSignatureInput {
  /** The signed letter as recorded (its last revision is the signature to stamp). */
  readonly documentSha256: string;
  readonly field: string;
}

export type TimestampSignatureResult =
  /** No TSA is configured: the signature stays baseline B. */
  | { readonly stamped: false }
  | {
      readonly stamped: true;
      /** The letter with the token in the signature's /Contents: the same signed bytes otherwise. */
      readonly signedDocument: DocumentRecord;
      readonly timestamp: SignatureTimestampRecord;
    };

/** Adds the validation data (/DSS) and a document time-stamp to the signed letter (PAdES B-LTA). */
export interface ArchiveLetterInput {
  readonly documentSha256: string;
}

export type ArchiveLetterResult =
  /** No TSA is configured: the letter stays as it is. */
  | { readonly archived: false }
  | {
      readonly archived: true;
      readonly signedDocument: DocumentRecord;
      readonly archive: ArchiveTimestampRecord;
    };

/** The letters whose archive time-stamp must be renewed before `before` (ISO 8601). */
export interface ListDueLettersInput {
  readonly before: string;
  readonly limit: number;
}

export interface ListDueLettersResult {
  readonly workflowIds: readonly string[];
}

/** Renews one letter's archive time-stamp when it is due before `before` (ISO 8601). */
export interface RenewLetterInput {
  readonly workflowId: string;
  readonly before: string;
}

export type RenewLetterResult =
  | {
      readonly renewed: false;
      /**
       * Never archived (nothing in the letter register), renewed already, or the TSA's certificate
       * expires no later than the current time-stamp's (`renewBy`: until when it is valid).
       */
      readonly why: 'not-registered' | 'not-due' | 'tsa-not-later';
      readonly renewBy?: string;
    }
  | { readonly renewed: true; readonly letterSha256: string; readonly archive: ArchiveTimestampRecord };

/** The record of an ended process for the archive (version 10): its final state. */
export interface ArchiveProcessInput {
  readonly state: ProcessState;
}
