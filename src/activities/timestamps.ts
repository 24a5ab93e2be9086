/**
 * Time-stamping a signature in the letter (PAdES B-T): ask the TSAs for a token over the
 * signature's value, write it into the signature's /Contents, keep the token and the letter as
 * evidence. A TSA that does not answer is retried by Temporal (TIMESTAMP_UNAVAILABLE, retryable);
 * the process bounds the wait. A letter whose signature can no longer be stamped (something follows
 * it) fails for good.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { TimestampSignatureInput, TimestampSignatureResult } from '../domain/activities';
import { CodedError } from '../domain/coded-error';
import { ActivityFailure } from '../domain/failures';
import { PdfSigningError } from '../pdf/pades';
import { addSignatureTimestamp, signatureValue } from '../pdf/signature-timestamp';
import type { EvidenceStore } from '../storage';
import type { TsaClient } from '../timestamps/client';

export interface TimestampDeps {
  readonly evidence: EvidenceStore;
  /** Null when no TSA is configured (TSA_URL). */
  readonly tsa: TsaClient | null;
  readonly stored: (sha256: string, what: string) => Promise<Buffer>;
}

export function timestampActivities(deps: TimestampDeps) {
  return {
    async timestampSignature(input: TimestampSignatureInput): Promise<TimestampSignatureResult> {
      if (deps.tsa === null) return { stamped: false };
      const pdf = await deps.stored(input.documentSha256, 'the signed letter');
      let value: Buffer;
      try {
        value = signatureValue(pdf, input.field);
      } catch (error) {
        throw cannotStamp(error);
      }
      let stamp;
      try {
        stamp = await deps.tsa.stamp({ data: value });
      } catch (error) {
        if (error instanceof CodedError)
          throw ApplicationFailure.create({ type: error.code, message: error.message, nonRetryable: false });
        throw error;
      }
      let stamped: Buffer;
      try {
        stamped = addSignatureTimestamp(pdf, input.field, stamp.token);
      } catch (error) {
        throw cannotStamp(error);
      }
      return {
        stamped: true,
        signedDocument: {
          sha256: await deps.evidence.put(stamped),
          size: stamped.length,
          mediaType: 'application/pdf',
          fileName: 'carta-firmada.pdf',
        },
        timestamp: {
          genTime: stamp.verdict.genTime!.toISOString(),
          tsa: stamp.verdict.tsa!.subject,
          policy: stamp.verdict.policy!,
          tokenSha256: await deps.evidence.put(stamp.token),
        },
      };
    },
  };
}

function cannotStamp(error: unknown): unknown {
  if (!(error instanceof PdfSigningError)) return error;
  return ApplicationFailure.create({
    type: ActivityFailure.Misconfigured,
    message: `the signature cannot be time-stamped: ${error.message}`,
    nonRetryable: true,
  });
}
