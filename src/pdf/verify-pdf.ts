/**
 * Verifying a signed PDF: every embedded signature with the project's SignatureVerifier (the CMS
 * over its byte ranges: signature, document, key usage, chain, validity, revocation, identity),
 * its binding to the revision it covers (embedded.ts), and what every later revision changed,
 * judged by the whitelist (judge.ts).
 *
 * A PDF signature proves the bytes of one revision. Someone could append a revision that draws on
 * the page and every signature would still verify cryptographically (poppler's pdfsig says
 * "Signature is Valid."); only the judge tells that the document shown is not the document signed.
 *
 * Time-stamps are verified here too, with the TSA anchors given: each signature's own
 * (signature-time-stamp, PAdES B-T) and each document time-stamp (/DocTimeStamp, over its byte
 * ranges). Which PAdES level a signature reaches from them and from the /DSS is levels.ts's
 * question, kept apart: it reads the validation data, not the signature.
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
import { LevelJudge, type PadesLevel, type VerifiedSignatureTimestamp } from './levels';
import { readValidationData } from './dss';
import { parseTstInfo } from '../timestamps/token';
import { verifyTimestampToken, type TimestampTrust } from '../timestamps/verify';

export type { PadesLevel } from './levels';

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
  /**
   * B-B; B-T with a valid signature time-stamp (the time of record is then its genTime); B-LT when
   * the /DSS also holds revocation data for its paths; B-LTA when a valid document time-stamp
   * covers that /DSS (the rule in levels.ts). Judged only with `timestampTrust`.
   */
  readonly level: PadesLevel;
  /** Why the level is not higher (English), e.g. `the /DSS holds no CRL or OCSP response for …`; null at B-LTA. */
  readonly levelLimit: string | null;
  readonly timestamp: SignatureTimestamp | null;
}

/**
 * A document time-stamp (PAdES B-LTA): judged for its place and what came after it, and, with
 * `timestampTrust`, its token verified over its byte ranges.
 */
export interface PdfTimestamp {
  readonly field: string;
  readonly revision: number | null;
  readonly problems: readonly string[];
  readonly modifications: Modifications;
  /** The token valid over the signed bytes; null when no TSA anchors were given (read, not judged). */
  readonly valid: boolean | null;
  readonly genTime: string | null;
  readonly tsa: string | null;
  /** Why not valid, or why not judged; null when valid. */
  readonly problem: string | null;
}

export interface PdfVerification {
  /** At least one signature, and every signature valid. */
  readonly valid: boolean;
  /** SHA-256 (hex) of revision 1, the original letter: the document's identity. */
  readonly originalSha256: string;
  readonly signatures: readonly PdfSignatureVerification[];
  readonly timestamps: readonly PdfTimestamp[];
}

/** The /DSS OCSP answers read for judging revocation; more are ignored. */
const MAX_DSS_OCSP_RESPONSES = 16;

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
  const timestamps = embedded
    .filter((s) => s.kind === 'timestamp')
    .map((t): PdfTimestamp => ({
      field: t.field,
      revision: t.revision,
      problems: t.problems,
      modifications: judged.after(t),
      ...documentTimestamp(t, options.timestampTrust),
    }));
  const levels = new LevelJudge(file, timestamps);
  // The OCSP answers the file keeps (/DSS /OCSPs): judged like those the verifier would fetch, so a
  // letter validates offline with the answers captured when it was signed. Bounded: a real /DSS
  // holds one or two per signature.
  const ocspResponses = readValidationData(file).ocsps.slice(0, MAX_DSS_OCSP_RESPONSES);
  const signatures = embedded
    .filter((s) => s.kind === 'signature')
    .map((signature): PdfSignatureVerification => {
      const problems = [...signature.problems, ...cmsProblems(signature)];
      const { timestamp, verified } = signatureTimestamp(signature, options.timestampTrust);
      // The time of record: a trusted time-stamp's genTime, unless the caller asks for another.
      const at = options.at ?? (timestamp?.valid ? new Date(timestamp.genTime!) : undefined);
      const report = verifier.verify({
        format: 'cms',
        document: signature.signedBytes(),
        signature: signature.cms,
        expectedSigner: options.expectedSigners?.[signature.field],
        at,
        ocspResponses,
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
      const { level, limit } = levels.decide({
        cms: signature.cms,
        revision: signature.revision,
        report,
        timestamp: verified,
        timestampProblem:
          timestamp === null ? 'no signature time-stamp' : `its signature time-stamp: ${timestamp.problem}`,
      });
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
        level,
        levelLimit: limit,
        timestamp,
      };
    });
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

const NOT_JUDGED = 'not judged: no TSA trust anchors given';

/** A token's genTime as read, unverified; null when unreadable. */
function readGenTime(token: Uint8Array): string | null {
  try {
    return parseTstInfo(
      parseCms(token, { lenientSigningTime: true }).content ?? new Uint8Array(),
    ).genTime.toISOString();
  } catch {
    return null;
  }
}

/**
 * The signature-time-stamp a signature carries, judged against `trust` (read only without it), and
 * when it verified, what levels.ts needs of it.
 */
function signatureTimestamp(
  signature: EmbeddedSignature,
  trust?: TimestampTrust,
): { timestamp: SignatureTimestamp | null; verified?: VerifiedSignatureTimestamp } {
  let token: Uint8Array | undefined;
  let signatureValue: Uint8Array;
  try {
    const cms = parseCms(signature.cms);
    token = cms.signer.unsignedAttributes.get(SIGNATURE_TIME_STAMP)?.[0];
    signatureValue = cms.signer.signature;
  } catch {
    return { timestamp: null }; // the verifier reports what is wrong with the CMS
  }
  if (token === undefined) return { timestamp: null };
  if (trust === undefined)
    return { timestamp: { valid: null, genTime: readGenTime(token), tsa: null, problem: NOT_JUDGED } };
  const verdict = verifyTimestampToken(token, { imprint: { data: signatureValue } }, trust);
  return {
    timestamp: {
      valid: verdict.valid,
      genTime: verdict.genTime?.toISOString() ?? null,
      tsa: verdict.tsa?.subject ?? null,
      problem: verdict.problem,
    },
    ...(verdict.valid ? { verified: { token, chain: verdict.chain } } : {}),
  };
}

/**
 * A document time-stamp's token over its byte ranges (ETSI EN 319 142-1 §5.4.3: the imprint is
 * the digest of the bytes the ranges cover), judged against `trust`; read only without it. A
 * time-stamp dictionary that is broken or not bound to its revision is not valid, whatever its token.
 */
function documentTimestamp(
  timestamp: EmbeddedSignature,
  trust?: TimestampTrust,
): Pick<PdfTimestamp, 'valid' | 'genTime' | 'tsa' | 'problem'> {
  if (timestamp.problems.length > 0)
    return { valid: false, genTime: null, tsa: null, problem: timestamp.problems[0]! };
  if (trust === undefined)
    return { valid: null, genTime: readGenTime(timestamp.cms), tsa: null, problem: NOT_JUDGED };
  const verdict = verifyTimestampToken(timestamp.cms, { imprint: { data: timestamp.signedBytes() } }, trust);
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
