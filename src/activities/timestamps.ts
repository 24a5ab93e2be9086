/**
 * Time-stamping a signature in the letter (PAdES B-T): ask the TSAs for a token over the
 * signature's value, write it into the signature's /Contents, keep the token and the letter as
 * evidence. A TSA that does not answer is retried by Temporal (TIMESTAMP_UNAVAILABLE, retryable);
 * the process bounds the wait. A letter whose signature can no longer be stamped (something follows
 * it) fails for good.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ArchiveTimestampRecord, DocumentRecord } from '../domain/process';
import type {
  ArchiveLetterInput,
  ArchiveLetterResult,
  TimestampSignatureInput,
  TimestampSignatureResult,
} from '../domain/activities';
import { SIGNATURE_TIME_STAMP } from '../pdf/cms';
import {
  embedDocumentTimestamp,
  prepareDocumentTimestamp,
  type PreparedDocumentTimestamp,
} from '../pdf/document-timestamp';
import { addValidationData } from '../pdf/dss';
import { readEmbeddedSignatures } from '../pdf/embedded';
import { parseCertificate } from '../signatures/certificate';
import { parseCms } from '../signatures/cms';
import { CodedError } from '../domain/coded-error';
import { ActivityFailure } from '../domain/failures';
import { PdfSigningError } from '../pdf/pades';
import { addSignatureTimestamp, signatureValue } from '../pdf/signature-timestamp';
import type { EvidenceStore } from '../storage';
import type { Stamp, TsaClient } from '../timestamps/client';

export interface TimestampDeps {
  readonly evidence: EvidenceStore;
  /** Null when no TSA is configured (TSA_URL). */
  readonly tsa: TsaClient | null;
  /** The CRLs held for a signer's certificate path (the verifier's trust). */
  readonly signerRevocation: (certificate: Uint8Array) => Uint8Array[];
  /** Current OCSP answers about a signer's certificate (OCSP_URL); none without responders. */
  readonly signerOcsp: (certificate: Uint8Array) => Promise<Uint8Array[]>;
  /** The CRLs held for a TSA's certificate path (TSA_TRUST_ANCHORS with TSA_CRLS). */
  readonly tsaRevocation: (certificate: Uint8Array) => Uint8Array[];
  readonly stored: (sha256: string, what: string) => Promise<Buffer>;
}

export function timestampActivities(deps: TimestampDeps) {
  return {
    /** PAdES B-LTA: the letter's validation data and an archive time-stamp (version 9). */
    archiveLetter: (input: ArchiveLetterInput): Promise<ArchiveLetterResult> => archive(deps, input),

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

/**
 * PAdES B-LTA for the signed letter: one revision with the validation data every signature needs to
 * be judged offline (each signer's and each TSA's certificates, the CRLs the trust holds for them,
 * an OCSP answer about each signer's certificate when `OCSP_URL` is set, a /VRI entry per
 * signature), then a document time-stamp over the whole file.
 */
async function archive(deps: TimestampDeps, input: ArchiveLetterInput): Promise<ArchiveLetterResult> {
  if (deps.tsa === null) return { archived: false };
  const pdf = await deps.stored(input.documentSha256, 'the signed letter');
  let withData: Buffer;
  try {
    const vri = [];
    for (const signature of readEmbeddedSignatures(pdf)) {
      if (signature.kind !== 'signature') continue;
      const cms = parseCms(signature.cms);
      const certificates = [...cms.certificates];
      const crls = certificates.flatMap((certificate) => deps.signerRevocation(certificate));
      // OCSP for the end-entity certificates (the signer's), asked now: after the signature's
      // time-stamp, as validators want revocation data to be (issued after the best signature time).
      const ocsps: Uint8Array[] = [];
      for (const certificate of certificates) {
        if (parseCertificate(certificate).basicConstraints?.ca !== true)
          ocsps.push(...(await deps.signerOcsp(certificate)));
      }
      const token = cms.signer.unsignedAttributes.get(SIGNATURE_TIME_STAMP)?.[0];
      if (token !== undefined) {
        const tsaCertificates = parseCms(token, { lenientSigningTime: true }).certificates;
        certificates.push(...tsaCertificates);
        crls.push(...tsaCertificates.flatMap((certificate) => deps.tsaRevocation(certificate)));
      }
      vri.push({
        signatureCms: signature.cms,
        certificates: unique(certificates),
        crls: unique(crls),
        ocsps: unique(ocsps),
      });
    }
    withData = addValidationData(pdf, { certificates: [], crls: [], ocsps: [], vri });
  } catch (error) {
    throw cannotStamp(error);
  }
  const { letter, archive } = await timestampDocument(deps, withData);
  return { archived: true, signedDocument: letter, archive };
}

/**
 * A document time-stamp over the whole of `pdf` (its validation data already in): the file and the
 * token stored as evidence, and the time-stamp's record, with the date to renew it by (its TSA
 * certificate's notAfter). A TSA that does not answer is retryable (TIMESTAMP_UNAVAILABLE).
 */
export async function timestampDocument(
  deps: Pick<TimestampDeps, 'tsa' | 'evidence'>,
  pdf: Buffer,
): Promise<{ readonly letter: DocumentRecord; readonly archive: ArchiveTimestampRecord }> {
  let prepared: PreparedDocumentTimestamp;
  try {
    prepared = prepareDocumentTimestamp(pdf);
  } catch (error) {
    throw cannotStamp(error);
  }
  let stamp;
  try {
    stamp = await deps.tsa!.stamp({ algorithm: 'sha256', digest: prepared.digest });
  } catch (error) {
    if (error instanceof CodedError)
      throw ApplicationFailure.create({ type: error.code, message: error.message, nonRetryable: false });
    throw error;
  }
  let archived: Buffer;
  try {
    archived = embedDocumentTimestamp(prepared, stamp.token);
  } catch (error) {
    throw cannotStamp(error);
  }
  return {
    letter: {
      sha256: await deps.evidence.put(archived),
      size: archived.length,
      mediaType: 'application/pdf',
      fileName: 'carta-firmada.pdf',
    },
    archive: {
      genTime: stamp.verdict.genTime!.toISOString(),
      tsa: stamp.verdict.tsa!.subject,
      tokenSha256: await deps.evidence.put(stamp.token),
      renewBy: renewBy(stamp).toISOString(),
    },
  };
}

/**
 * When a time-stamp must be renewed by: its TSA certificate's notAfter (after it, the token's
 * signature proves nothing new), or its genTime when the token does not carry that certificate.
 */
export function renewBy(stamp: Stamp): Date {
  const tsaCertificate = parseCms(stamp.token)
    .certificates.map((der) => parseCertificate(der))
    .find((certificate) => certificate.subjectText === stamp.verdict.tsa!.subject);
  return tsaCertificate?.notAfter ?? stamp.verdict.genTime!;
}

function unique(items: readonly Uint8Array[]): Uint8Array[] {
  return [...new Map(items.map((item) => [Buffer.from(item).toString('base64'), item])).values()];
}

function cannotStamp(error: unknown): unknown {
  if (!(error instanceof PdfSigningError)) return error;
  return ApplicationFailure.create({
    type: ActivityFailure.Misconfigured,
    message: `the signature cannot be time-stamped: ${error.message}`,
    nonRetryable: true,
  });
}
