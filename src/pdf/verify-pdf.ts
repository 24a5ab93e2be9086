/**
 * Verifying a signed PDF: every embedded signature with the project's SignatureVerifier (the CMS
 * over its byte ranges: signature, document, key usage, chain, validity, revocation, identity),
 * its binding to the revision it covers (embedded.ts), and what every later revision changed,
 * judged by the whitelist (judge.ts).
 *
 * A PDF signature proves the bytes of one revision. Someone could append a revision that draws on
 * the page and every signature would still verify cryptographically (poppler's pdfsig says
 * "Signature is Valid."); only the judge tells that the document shown is not the document signed.
 */
import { createHash } from 'node:crypto';
import { ERROR_CODES, type VerificationErrorCode } from '../domain/errors';
import type { ExpectedSigner, SignatureVerifier, VerificationReport } from '../signatures';
import { looksLikeCms, parseCms } from '../signatures/cms';
import { PdfFile } from './document';
import { originalRevision, readEmbeddedSignatures, type EmbeddedSignature } from './embedded';
import { DEFAULT_JUDGE_POLICY, judgeRevision, type JudgePolicy, type RevisionJudgement } from './judge';
import type { ReadLimits } from './syntax';
import { SIGNATURE_TIME_STAMP } from './cms';
import { parseTstInfo } from '../timestamps/token';
import { verifyTimestampToken, type TimestampTrust } from '../timestamps/verify';

export interface PdfVerifyOptions {
  /** When validity and revocation are judged; now when absent. */
  readonly at?: Date;
  /** Who must have signed each field, by field name (e.g. `SIGNATURE_FIELD.municipal`). */
  readonly expectedSigners?: Readonly<Record<string, ExpectedSigner>>;
  /** What later revisions may add (see judge.ts). @default DEFAULT_JUDGE_POLICY */
  readonly policy?: JudgePolicy;
  /** The reading budget (see syntax.ts). @default DEFAULT_READ_LIMITS */
  readonly limits?: Partial<ReadLimits>;
  /**
   * Whom time-stamps are trusted from (TSA_TRUST_ANCHORS). Without it a signature's time-stamp is
   * read but not judged, and the signature is judged at `at` (or now).
   */
  readonly timestampTrust?: TimestampTrust;
}

/** PAdES baseline levels (ETSI EN 319 142-1 §6): what the file itself proves about a signature. */
export type PadesLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';

/** A signature's time-stamp (signature-time-stamp attribute), as judged. */
export interface SignatureTimestamp {
  /** Null when no TSA anchors were given: the token was read, not judged. */
  readonly valid: boolean | null;
  readonly genTime: string | null;
  readonly tsa: string | null;
  readonly problem: string | null;
}

/** What the revisions after a signature changed. */
export interface Modifications {
  /** False when any later revision made a change that is not allowed. */
  readonly allowed: boolean;
  /** One line per change, in English, e.g. `revision 4: not allowed: page 2 changed Contents`. */
  readonly details: readonly string[];
}

export interface PdfSignatureVerification {
  readonly field: string;
  /** The verifier's report valid, the signature bound to its revision, nothing but allowed changes after it. */
  readonly valid: boolean;
  /**
   * When invalid: MALFORMED_INPUT for a broken or unbound signature dictionary, else the report's
   * code, else DOCUMENT_MODIFIED_AFTER_SIGNING.
   */
  readonly code?: VerificationErrorCode;
  /** The Spanish message for `code`. */
  readonly message?: string;
  /** The CMS verified over the signed byte ranges. */
  readonly report: VerificationReport;
  /** /M: the time the signer's software claims; nothing proves it. */
  readonly signingTime: string | null;
  readonly byteRange: readonly [number, number, number, number];
  /** The revision the signature covers (1-based), or null when it is bound to none. */
  readonly revision: number | null;
  readonly revisionEnd: number;
  readonly coversWholeFile: boolean;
  /** Problems of the signature dictionary itself or its binding, English. */
  readonly problems: readonly string[];
  readonly modifications: Modifications;
  /** B-B, or B-T with a valid signature time-stamp (the time of record is then its genTime). */
  readonly level: PadesLevel;
  readonly timestamp: SignatureTimestamp | null;
}

/** A document time-stamp: judged for its place and what came after it (its token is not verified here). */
export interface PdfTimestamp {
  readonly field: string;
  readonly revision: number | null;
  readonly problems: readonly string[];
  readonly modifications: Modifications;
}

export interface PdfVerification {
  /** At least one signature, and every signature valid. */
  readonly valid: boolean;
  /** SHA-256 (hex) of revision 1, the original letter: the document's identity. */
  readonly originalSha256: string;
  readonly signatures: readonly PdfSignatureVerification[];
  readonly timestamps: readonly PdfTimestamp[];
}

/**
 * Verifies every signature embedded in `pdf`. Bad signatures give invalid results, never
 * exceptions.
 * @throws PdfStructureError (MALFORMED_INPUT) when the PDF itself cannot be read unambiguously;
 *   PdfLimitError (VERIFICATION_LIMIT_EXCEEDED) when reading it would exceed its budget
 */
export function verifyPdfSignatures(
  pdf: Uint8Array,
  verifier: SignatureVerifier,
  options: PdfVerifyOptions = {},
): PdfVerification {
  const file = PdfFile.read(pdf, options.limits);
  const embedded = readEmbeddedSignatures(file);
  const judged = judgeDocument(file, options.policy, embedded);
  const originalSha256 = createHash('sha256').update(originalRevision(file)).digest('hex');
  const signatures = embedded
    .filter((s) => s.kind === 'signature')
    .map((signature): PdfSignatureVerification => {
      const problems = [...signature.problems, ...cmsProblems(signature)];
      const timestamp = signatureTimestamp(signature, options.timestampTrust);
      // The time of record: a trusted time-stamp's genTime, unless the caller asks for another.
      const at = options.at ?? (timestamp?.valid ? new Date(timestamp.genTime!) : undefined);
      const report = verifier.verify({
        format: 'cms',
        document: signature.signedBytes(),
        signature: signature.cms,
        expectedSigner: options.expectedSigners?.[signature.field],
        at,
      });
      const modifications = judged.after(signature);
      const code: VerificationErrorCode | undefined =
        problems.length > 0
          ? 'MALFORMED_INPUT'
          : (report.code ??
            (timestamp?.valid === false
              ? 'TIMESTAMP_INVALID'
              : modifications.allowed
                ? undefined
                : 'DOCUMENT_MODIFIED_AFTER_SIGNING'));
      return {
        field: signature.field,
        valid: code === undefined,
        ...(code === undefined ? {} : { code, message: ERROR_CODES[code].message }),
        report,
        signingTime: signature.signingTime?.toISOString() ?? null,
        byteRange: signature.byteRange,
        revision: signature.revision,
        revisionEnd: signature.revisionEnd,
        coversWholeFile: signature.coversWholeFile,
        problems,
        modifications,
        level: timestamp?.valid ? 'B-T' : 'B-B',
        timestamp,
      };
    });
  const timestamps = embedded
    .filter((s) => s.kind === 'timestamp')
    .map((t) => ({
      field: t.field,
      revision: t.revision,
      problems: t.problems,
      modifications: judged.after(t),
    }));
  return {
    valid: signatures.length > 0 && signatures.every((s) => s.valid),
    originalSha256,
    signatures,
    timestamps,
  };
}

/**
 * Judges every revision after the first once, shared by every signature, and checks that each
 * revision that signed a field is the one that field's signature covers: a field filled with a
 * signature (or a document time-stamp) that is not bound to the revision that filled it is a
 * change like any other, and every signature before it says so.
 */
export function judgeDocument(
  file: PdfFile,
  policy: JudgePolicy = DEFAULT_JUDGE_POLICY,
  embedded: readonly EmbeddedSignature[] = readEmbeddedSignatures(file),
): { readonly revisions: readonly RevisionJudgement[]; after(signature: EmbeddedSignature): Modifications } {
  const revisions: RevisionJudgement[] = [];
  for (let i = 1; i < file.revisions.length; i++) {
    const judged = judgeRevision(file, i, policy);
    const unbound = judged.signed.flatMap(({ field }) => {
      const found = embedded.find((s) => s.field === field);
      if (found === undefined) return [`field ${field} was signed, but its signature cannot be found`];
      if (found.problems.length > 0)
        return [`field ${field} was filled with a broken ${found.kind}: ${found.problems[0]}`];
      if (found.revision !== i + 1)
        return [`field ${field} was filled with a ${found.kind} that does not cover revision ${i + 1}`];
      return [];
    });
    revisions.push(
      unbound.length === 0
        ? judged
        : {
            ...judged,
            allowed: false,
            changes: [...judged.changes, ...unbound.map((detail) => ({ allowed: false, detail }))],
          },
    );
  }
  return {
    revisions,
    after(signature) {
      if (signature.revision === null)
        return { allowed: false, details: ['the signature is not bound to a revision of the file'] };
      const later = revisions.filter((r) => r.revision > signature.revision!);
      return {
        allowed: later.every((r) => r.allowed),
        details: later.flatMap((r) =>
          r.changes.map((c) => `revision ${r.revision}: ${c.allowed ? '' : 'not allowed: '}${c.detail}`),
        ),
      };
    },
  };
}

/** The signature-time-stamp a signature carries, judged against `trust` (read only without it). */
function signatureTimestamp(signature: EmbeddedSignature, trust?: TimestampTrust): SignatureTimestamp | null {
  let token: Uint8Array | undefined;
  let signatureValue: Uint8Array;
  try {
    const cms = parseCms(signature.cms);
    token = cms.signer.unsignedAttributes.get(SIGNATURE_TIME_STAMP)?.[0];
    signatureValue = cms.signer.signature;
  } catch {
    return null; // the verifier reports what is wrong with the CMS
  }
  if (token === undefined) return null;
  if (trust === undefined) {
    let genTime: string | null = null;
    try {
      genTime = parseTstInfo(
        parseCms(token, { lenientSigningTime: true }).content ?? new Uint8Array(),
      ).genTime.toISOString();
    } catch {
      // unreadable: said as not judged
    }
    return { valid: null, genTime, tsa: null, problem: 'not judged: no TSA trust anchors given' };
  }
  const verdict = verifyTimestampToken(token, { imprint: { data: signatureValue } }, trust);
  return {
    valid: verdict.valid,
    genTime: verdict.genTime?.toISOString() ?? null,
    tsa: verdict.tsa?.subject ?? null,
    problem: verdict.problem,
  };
}

/** A PDF signature's CMS is detached (§12.8.3.3.1): content carried inside it is not the document. */
function cmsProblems(signature: EmbeddedSignature): string[] {
  if (!looksLikeCms(signature.cms)) return [];
  try {
    return parseCms(signature.cms).content === null
      ? []
      : ['the CMS carries content of its own; a PDF signature is detached'];
  } catch {
    return []; // the verifier reports what is wrong with it
  }
}
