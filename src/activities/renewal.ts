/**
 * Renewing the archive time-stamp of signed letters (PAdES B-LTA, ETSI EN 319 142-1 §5.5): before
 * the certificate of the TSA that made a letter's newest archive time-stamp expires, the letter
 * gets a revision with that TSA's validation data (its certificates and the CRLs TSA_CRLS holds for
 * them) and a new document time-stamp over the whole file, so that the chain of time-stamps keeps
 * proving the letter existed, unaltered, since it was signed. Each renewal is a new edition in the
 * letter register (src/evidence/letter-register.ts), the renewal's audit trail; run by the
 * `renewArchiveTimestamps` workflow, which a Temporal Schedule starts every day.
 */
import { ApplicationFailure } from '@temporalio/common';
import type {
  ListDueLettersInput,
  ListDueLettersResult,
  RenewLetterInput,
  RenewLetterResult,
} from '../domain/activities';
import { ActivityFailure } from '../domain/failures';
import type { LetterRegister } from '../evidence/letter-register';
import { addValidationData } from '../pdf/dss';
import { PdfSigningError } from '../pdf/pades';
import { parseCms } from '../signatures/cms';
import type { EvidenceStore } from '../storage';
import type { TsaClient } from '../timestamps/client';
import { renewBy, timestampDocument } from './timestamps';
import { randomBytes } from 'node:crypto';
import { CodedError } from '../domain/coded-error';

export interface RenewalDeps {
  readonly evidence: EvidenceStore;
  readonly tsa: TsaClient | null;
  readonly register: LetterRegister | null;
  /** The CRLs held for a TSA's certificate path (TSA_TRUST_ANCHORS with TSA_CRLS). */
  readonly tsaRevocation: (certificate: Uint8Array) => Uint8Array[];
  readonly stored: (sha256: string, what: string) => Promise<Buffer>;
}

/** How many letters one run renews at most (the rest wait for the next day's run). */
export const RENEWALS_PER_RUN = 500;
/** How long what the TSA's certificate is (asked with a probe) is believed. */
const PROBE_MS = 10 * 60_000;

export function renewalActivities(deps: RenewalDeps) {
  const misconfigured = (message: string): ApplicationFailure =>
    ApplicationFailure.create({ type: ActivityFailure.Misconfigured, message, nonRetryable: true });

  /**
   * Until when the TSA's certificate is valid, from a token over a random digest (kept nowhere):
   * a renewal by a TSA whose certificate expires no later than the one it replaces extends
   * nothing, and would only grow the letter every day until the TSA renews its certificate.
   */
  let probed: { readonly at: number; readonly notAfter: Date } | null = null;
  const tsaValidUntil = async (tsa: TsaClient): Promise<Date> => {
    if (probed !== null && Date.now() - probed.at < PROBE_MS) return probed.notAfter;
    let stamp;
    try {
      stamp = await tsa.stamp({ algorithm: 'sha256', digest: randomBytes(32) });
    } catch (error) {
      if (error instanceof CodedError)
        throw ApplicationFailure.create({ type: error.code, message: error.message, nonRetryable: false });
      throw error;
    }
    probed = { at: Date.now(), notAfter: renewBy(stamp) };
    return probed.notAfter;
  };

  return {
    /** The processes whose letter's archive time-stamp must be renewed before `before`, most urgent first. */
    async listDueLetters(input: ListDueLettersInput): Promise<ListDueLettersResult> {
      if (deps.register === null) return { workflowIds: [] };
      const due = await deps.register.due(new Date(input.before), Math.min(input.limit, RENEWALS_PER_RUN));
      return { workflowIds: due.map((edition) => edition.workflowId) };
    },

    /**
     * Renews one letter's archive time-stamp when it is due before `before`; a letter renewed since
     * (a retry after the edition was recorded) is left as it is, and so is one the TSA cannot carry
     * further (its certificate expires no later than the one of the time-stamp it would replace).
     */
    async renewLetterArchive(input: RenewLetterInput): Promise<RenewLetterResult> {
      if (deps.register === null || deps.tsa === null)
        throw misconfigured('renewing archive time-stamps needs TSA_URL and the evidence store');
      const current = await deps.register.current(input.workflowId);
      if (current === null) return { renewed: false, why: 'not-registered' };
      if (Date.parse(current.archive.renewBy) >= Date.parse(input.before))
        return { renewed: false, why: 'not-due', renewBy: current.archive.renewBy };
      const until = await tsaValidUntil(deps.tsa);
      if (until.getTime() <= Date.parse(current.archive.renewBy))
        return { renewed: false, why: 'tsa-not-later', renewBy: until.toISOString() };
      const letter = await deps.stored(current.letterSha256, 'the current signed letter');
      const token = await deps.stored(current.archive.tokenSha256, 'its archive time-stamp');
      // What proves the newest time-stamp later: its TSA's certificates and their revocation data.
      const certificates = parseCms(token, { lenientSigningTime: true }).certificates;
      const crls = certificates.flatMap((certificate) => deps.tsaRevocation(certificate));
      let withData: Buffer;
      try {
        withData = addValidationData(letter, { certificates, crls, ocsps: [] });
      } catch (error) {
        if (error instanceof PdfSigningError)
          throw misconfigured(`the letter cannot take its validation data: ${error.message}`);
        throw error;
      }
      const { letter: renewed, archive } = await timestampDocument(deps, withData);
      await deps.register.record({
        workflowId: input.workflowId,
        letterSha256: renewed.sha256,
        size: renewed.size,
        archive,
        reason: 'renewed',
        previousSha256: current.letterSha256,
        recordedAt: new Date().toISOString(),
      });
      return { renewed: true, letterSha256: renewed.sha256, archive };
    },
  };
}
