/**
 * The two server-side steps of a PAdES signature (src/pdf does the PDF and CMS work):
 *
 * 1. prepare: judge the signer's certificate (the refusals of a signature, before anyone signs),
 *    append that signer's revision to the letter as signed so far, and store it with the bytes
 *    to sign, by digest;
 * 2. embed: check the signer's PKCS #1 signature over those bytes, write the CMS into the stored
 *    revision, verify the embedded signature with the same rules as any other, and store the
 *    signed letter. A refused signature leaves nothing behind.
 *
 * Preparations are not evidence: they live in the preparation store (version 7) and are discarded
 * when a newer one supersedes them and when a signature has used them, so at most one per signer
 * is kept, however often a link holder prepares.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type {
  EmbedPadesInput,
  EmbedPadesResult,
  PreparePadesInput,
  PreparePadesResult,
} from '../domain/activities';
import { parsePreparation, type StoredPreparation } from '../domain/activities';
import { ERROR_CODES, type VerificationErrorCode } from '../domain/errors';
import { PdfFile } from '../pdf/document';
import { PdfLimitError, PdfStructureError } from '../pdf/errors';
import { readEmbeddedSignatures, type EmbeddedSignature } from '../pdf/embedded';
import { judgeDocument } from '../pdf/verify-pdf';
import { embedSignature, PdfSigningError, prepareSignature, type PreparedSignature } from '../pdf/pades';
import type { VerificationReport, Verifier } from '../signatures';
import { unfinishedReport } from '../signatures/report-builder';
import type { ContentAddressedStore, EvidenceStore, PreparationStore } from '../storage';

export interface PadesDeps {
  readonly evidence: EvidenceStore;
  readonly preparations: PreparationStore;
  readonly verifier: Verifier;
  /**
   * Stored bytes, verified, from the evidence store or (`from: preparations`) the preparation
   * store; EVIDENCE_MISSING when absent or altered.
   */
  readonly stored: (sha256: string, what: string, from?: ContentAddressedStore) => Promise<Buffer>;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export function padesActivities(deps: PadesDeps) {
  return {
    async preparePadesSignature(input: PreparePadesInput): Promise<PreparePadesResult> {
      const certificate = Buffer.from(input.certificateBase64, 'base64');
      const report = await deps.verifier.verifyCertificate({
        certificate,
        expectedSigner: input.expectedSigner,
        at: new Date(input.at),
        format: 'pades',
        documentSha256: input.documentSha256,
      });
      if (report.code === 'VERIFICATION_TIMEOUT') throw retryLater(report);
      // A revocation answer missing now does not stop the preparation: the signature is judged
      // again when it arrives, and refused then if it still cannot be established.
      if (!report.valid && report.code !== 'REVOCATION_UNAVAILABLE') return { report, preparation: null };
      const base = await deps.stored(input.baseSha256, 'the letter to sign');
      let prepared: PreparedSignature;
      try {
        prepared = await prepareSignature(base, {
          field: input.field,
          certificate,
          signer: input.signer,
          signingTime: new Date(input.at),
        });
      } catch (error) {
        if (error instanceof PdfSigningError) return { report: refused(report, error), preparation: null };
        throw error;
      }
      // Version 6 processes (no `supersedes` in their input) kept preparations as evidence.
      const store = input.supersedes === undefined ? deps.evidence : deps.preparations;
      const stored: StoredPreparation = {
        pdfSha256: await store.put(prepared.pdf),
        field: prepared.field,
        byteRange: prepared.byteRange,
        toBeSignedBase64: prepared.toBeSigned.toString('base64'),
        certificateSha256: prepared.certificateSha256,
      };
      const sha256 = await store.put(Buffer.from(JSON.stringify(stored)));
      if (input.supersedes) await discardPreparation(deps, input.supersedes, [sha256, stored.pdfSha256]);
      return {
        report,
        preparation: {
          sha256,
          toBeSignedBase64: stored.toBeSignedBase64,
          certificateSha256: stored.certificateSha256,
        },
      };
    },

    async embedPadesSignature(input: EmbedPadesInput): Promise<EmbedPadesResult> {
      const from = input.preparationStore === 'preparations' ? deps.preparations : deps.evidence;
      const stored = parsePreparation(
        await deps.stored(input.preparationSha256, 'the prepared signature', from),
      );
      const prepared: PreparedSignature = {
        pdf: await deps.stored(stored.pdfSha256, 'the prepared letter', from),
        field: stored.field,
        byteRange: stored.byteRange,
        toBeSigned: Buffer.from(stored.toBeSignedBase64, 'base64'),
        certificateSha256: stored.certificateSha256,
      };
      const certificate = Buffer.from(input.certificateBase64, 'base64');
      const signature = Buffer.from(input.signatureBase64, 'base64');
      const at = new Date(input.at);
      const base = { signatureSha256: sha256(signature), certificateSha256: sha256(certificate) };
      let signed: Buffer;
      try {
        signed = embedSignature(prepared, {
          signature,
          certificate,
          chain: deps.verifier.chainOf(certificate),
        });
      } catch (error) {
        if (!(error instanceof PdfSigningError)) throw error;
        const report = unfinishedReport(
          { document: new Uint8Array(0), signature, certificate, at, format: 'pades' },
          verdictOf(error),
          error.message,
        );
        return { report, signedDocument: null, ...base };
      }
      // The signed letter as any validator will meet it, judged as `manifiesta verify` judges it:
      // every signature bound to its revision and nothing but allowed changes after each.
      const judged = judgeSignedLetter(signed, stored.field);
      if (typeof judged === 'string') {
        const report = unfinishedReport(
          { document: new Uint8Array(0), signature, certificate, at, format: 'pades' },
          'DOCUMENT_MODIFIED_AFTER_SIGNING',
          judged,
        );
        return { report, signedDocument: null, ...base };
      }
      const embedded = judged;
      const verified = await deps.verifier.verify({
        document: embedded.signedBytes(),
        signature: embedded.cms,
        format: 'cms',
        expectedSigner: input.expectedSigner,
        at,
      });
      if (verified.code === 'VERIFICATION_TIMEOUT') throw retryLater(verified);
      const report: VerificationReport = { ...verified, format: 'pades' };
      if (!report.valid) return { report, signedDocument: null, ...base };
      return {
        report,
        signedDocument: {
          sha256: await deps.evidence.put(signed),
          size: signed.length,
          mediaType: 'application/pdf',
          fileName: 'carta-firmada.pdf',
        },
        signatureSha256: await deps.evidence.put(embedded.cms),
        certificateSha256: await deps.evidence.put(certificate),
      };
    },

    /**
     * Discards a preparation a signature has used (version 7). A normal activity, scheduled once
     * the signature is recorded: inside the embedding's own activity, a retry of it after a crash
     * would find its preparation gone.
     */
    async discardPreparation(input: { readonly sha256: string }): Promise<void> {
      await discardPreparation(deps, input.sha256, []);
    },
  };
}

/**
 * Removes a preparation (its JSON and its prepared PDF) from the preparation store, but none of
 * `keep` (a newer preparation identical in part to it). A preparation already gone is no error:
 * the activity may be repeated.
 */
async function discardPreparation(deps: PadesDeps, sha256: string, keep: readonly string[]): Promise<void> {
  let pdfSha256: string | null = null;
  try {
    pdfSha256 =
      parsePreparation((await deps.preparations.get(sha256)) ?? Buffer.from('{}')).pdfSha256 ?? null;
  } catch {
    // unreadable: its JSON goes, and its PDF (unknown) stays until the store is cleaned
  }
  for (const digest of [pdfSha256, sha256]) {
    if (digest !== null && !keep.includes(digest)) await deps.preparations.discard(digest);
  }
}

/**
 * The embedded signature of `field` in the signed letter, after the judge has found every signature
 * bound to its revision and every revision after each allowed; or why not. Our own writer makes
 * only allowed changes: a refusal here means the stored letter was not what it should be.
 */
function judgeSignedLetter(signed: Buffer, field: string): EmbeddedSignature | string {
  try {
    const file = PdfFile.read(signed);
    const judged = judgeDocument(file);
    const signatures = readEmbeddedSignatures(file);
    for (const signature of signatures) {
      if (signature.problems.length > 0) return `${signature.field}: ${signature.problems.join('; ')}`;
      const after = judged.after(signature);
      if (!after.allowed)
        return `${signature.field}: ${after.details.filter((d) => d.includes('not allowed')).join('; ')}`;
    }
    return signatures.find((s) => s.field === field) ?? `the signed letter has no signature in ${field}`;
  } catch (error) {
    if (error instanceof PdfStructureError || error instanceof PdfLimitError) return error.message;
    throw error;
  }
}

/** A certificate that passed but a revision that could not be prepared: the report says why. */
function refused(report: VerificationReport, error: PdfSigningError): VerificationReport {
  const code = verdictOf(error);
  return { ...report, valid: false, code, message: ERROR_CODES[code].message };
}

/** Not a verdict (see the pool): Temporal retries the activity. */
export function retryLater(report: VerificationReport): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'VERIFICATION_TIMEOUT',
    message: report.checks[0]?.detail ?? 'verification not completed',
    nonRetryable: false,
  });
}

/**
 * The refusal a PDF signing error stands for. ALREADY_SIGNED (a preparation embedded before) can
 * only come from a replayed submission, which the process refuses earlier: here it is a signature
 * that cannot be accepted.
 */
function verdictOf(error: PdfSigningError): VerificationErrorCode {
  return error.code === 'ALREADY_SIGNED' ? 'SIGNATURE_INVALID' : error.code;
}
