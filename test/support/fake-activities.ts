/**
 * The process's activities as plain fakes, for specifying the workflow on its own: every call
 * recorded in order, the mail kept instead of sent, files in a map instead of the evidence store,
 * and signatures judged by a verdict the test sets rather than by cryptography.
 *
 * They keep the real activities' contract with the workflow (test/workflow/activity-contract.test.ts
 * holds the real ones to it): a missing file is a non-retryable EVIDENCE_MISSING, a refused
 * signature is a report, not an exception, and only what is accepted is kept.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../src/activities';
import {
  parsePreparation,
  type SendEmailInput,
  type StoredPreparation,
  type SubmittedSignature,
  type VerifySignatureResult,
} from '../../src/domain/activities';
import { ERROR_CODES, type VerificationErrorCode } from '../../src/domain/errors';
import { ActivityFailure } from '../../src/domain/failures';
import type { FileReference } from '../../src/domain/messages';
import { SIGNATURE_FIELD, type DocumentRecord, type ProcessState } from '../../src/domain/process';
import { CHECKS, type VerificationReport } from '../../src/domain/verification-report';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export interface ActivityCall {
  readonly activity: keyof Activities;
  readonly input: unknown;
}

function notFaked(activity: string): never {
  throw ApplicationFailure.create({
    type: ActivityFailure.Misconfigured,
    message: `${activity} is not part of the fake activities`,
    nonRetryable: true,
  });
}

function evidenceMissing(what: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ActivityFailure.EvidenceMissing,
    message: `${what} is not in the evidence store`,
    nonRetryable: true,
  });
}

/** A PAdES step's input as the signature it judges (fakeReport's input; the format set after). */
const pades = (input: Omit<SubmittedSignature, 'signatureBase64' | 'format'>): SubmittedSignature => ({
  ...input,
  signatureBase64: '',
});

/** A report as the verifier writes one: every check passed, or `code`'s check failed. */
export function fakeReport(
  input: SubmittedSignature,
  documentSha256: string,
  code: VerificationErrorCode | null,
): VerificationReport {
  const failed = CHECKS.find((c) => c.code === code)?.check;
  return {
    valid: code === null,
    ...(code === null ? {} : { code, message: ERROR_CODES[code].message }),
    format: input.format ?? 'cms',
    checks: CHECKS.map(({ check }) => ({
      check,
      outcome: check === failed ? 'failed' : 'passed',
      detail: check === failed ? 'refused by the fake verifier' : 'fake',
    })),
    signer: {
      name: input.expectedSigner.name,
      rfc: input.expectedSigner.rfc,
      curp: input.expectedSigner.curp,
      representativeRfc: null,
    },
    certificate: {
      serial: '01',
      subject: `CN=${input.expectedSigner.name}`,
      issuer: 'CN=AC de pruebas',
      notBefore: '2020-01-01T00:00:00.000Z',
      notAfter: '2099-01-01T00:00:00.000Z',
      kind: 'fiel',
      keyBits: 2048,
    },
    signingTime: null,
    algorithm: 'RSA-SHA256',
    path: [`CN=${input.expectedSigner.name}`, 'CN=AC de pruebas'],
    documentSha256,
    revocationChecked: true,
    identityBasis: 'rfc-curp',
    verifiedAt: input.at,
  };
}

export class FakeActivities {
  /** Every activity call, in the order the worker ran them. */
  readonly calls: ActivityCall[] = [];
  /** The mail the process asked to send, in order. */
  readonly mails: SendEmailInput[] = [];
  /** The evidence store: bytes by SHA-256. */
  readonly files = new Map<string, Buffer>();
  /** Signatures (base64) the verifier refuses, with the code it refuses them with; any other is valid. */
  readonly refusals = new Map<string, VerificationErrorCode>();
  /**
   * The time-stamping authority the worker has (version 8): `none`, as a worker without TSA_URL
   * (signatures stay baseline B); `up`, every signature gets a token; `down`, every attempt fails
   * with a retryable TIMESTAMP_UNAVAILABLE, as when no TSA answers. It may change mid-test.
   */
  tsa: 'none' | 'up' | 'down' = 'none';
  /** The letter register (src/evidence/letter-register.ts): each archived letter's renewBy, by workflow id. */
  readonly letters = new Map<string, string>();
  /** The archive of ended processes (version 10): each one's final state, by workflow ID. */
  readonly archived = new Map<string, ProcessState>();
  /** Letters whose renewal fails for good (a letter that can no longer take a revision, say). */
  readonly unrenewable = new Set<string>();

  private record(activity: keyof Activities, input: unknown): void {
    this.calls.push({ activity, input });
  }

  /** Puts `bytes` in the evidence store, as the CLI does before it records an installation. */
  store(bytes: Buffer, fileName = 'acta.pdf'): FileReference {
    const digest = sha256(bytes);
    this.files.set(digest, bytes);
    return { sha256: digest, fileName, mediaType: 'application/pdf', size: bytes.length };
  }

  private stored(digest: string, what: string): Buffer {
    const bytes = this.files.get(digest);
    if (bytes === undefined) throw evidenceMissing(`${what} (SHA-256 ${digest})`);
    return bytes;
  }

  private judge(input: SubmittedSignature, document: Buffer): VerifySignatureResult {
    const code = this.refusals.get(input.signatureBase64) ?? null;
    const signature = Buffer.from(input.signatureBase64, 'base64');
    // Only what is accepted is kept; a refusal leaves digests behind, nothing stored.
    const signatureSha256 = code === null ? this.store(signature).sha256 : sha256(signature);
    return { report: fakeReport(input, sha256(document), code), signatureSha256, certificateSha256: null };
  }

  /** The activities, as `Worker.create({ activities })` takes them (own properties, bound). */
  readonly activities: Activities = {
    renderLetter: async (input) => {
      this.record('renderLetter', input);
      const pdf = Buffer.from(`%PDF-1.7\nCarta de intención de ${input.municipality} (${input.inegiCode})\n`);
      const { sha256: digest } = this.store(pdf);
      return {
        sha256: digest,
        size: pdf.length,
        mediaType: 'application/pdf',
        fileName: `manifestacion-${input.inegiCode}.pdf`,
        signatureFields: [SIGNATURE_FIELD.municipal, SIGNATURE_FIELD.institute],
      };
    },

    sendEmail: async (input) => {
      this.record('sendEmail', input);
      for (const attachment of input.attachments ?? []) this.stored(attachment.sha256, 'an attachment');
      this.mails.push(input);
      return { messageId: `<${input.messageKey}@manifiesta.test>`, accepted: input.to.map((r) => r.email) };
    },

    assembleDossier: async (input) => {
      this.record('assembleDossier', input);
      const manifest = this.store(Buffer.from(`SHA256SUMS de ${input.state.workflowId} (${input.label})\n`));
      const constancia = this.store(Buffer.from(`%PDF-1.7\nConstancia (${input.label})\n`));
      return {
        label: input.label,
        at: new Date().toISOString(),
        files: 2,
        manifestSha256: manifest.sha256,
        constanciaSha256: constancia.sha256,
      };
    },

    verifySignature: async (input) => {
      this.record('verifySignature', input);
      return this.judge(input, this.stored(input.documentSha256, 'the letter'));
    },

    verifyDeclination: async (input) => {
      this.record('verifyDeclination', input);
      const text = Buffer.from(`Declinación de ${input.facts.workflowId}: ${input.facts.reason}`);
      const judged = this.judge(input, text);
      return {
        ...judged,
        documentSha256: judged.report.valid ? this.store(text).sha256 : sha256(text),
      };
    },

    checkEvidence: async (input): Promise<DocumentRecord> => {
      this.record('checkEvidence', input);
      const bytes = this.stored(input.sha256, 'the file');
      if (bytes.length !== input.size) throw evidenceMissing(`the file of ${input.size} bytes`);
      return { sha256: input.sha256, size: input.size, mediaType: input.mediaType, fileName: input.fileName };
    },

    storeEvidence: async (input) => {
      this.record('storeEvidence', input);
      const bytes = Buffer.from(input.contentBase64, 'base64');
      return { ...this.store(bytes, input.fileName), mediaType: input.mediaType };
    },

    // A signature made inside the PDF: the certificate is always accepted, the preparation is the
    // letter signed so far plus a marker, and the signature is judged as any other (`refusals`).
    // The PDF and CMS work itself is specified elsewhere (test/portal/pades.test.ts, test/pdf/).
    preparePadesSignature: async (input) => {
      this.record('preparePadesSignature', input);
      const base = this.stored(input.baseSha256, 'the letter to sign');
      const pdf = Buffer.concat([base, Buffer.from(`% firma preparada en ${input.field} (${input.at})\n`)]);
      const certificateSha256 = sha256(Buffer.from(input.certificateBase64, 'base64'));
      const preparation: StoredPreparation = {
        pdfSha256: this.store(pdf).sha256,
        field: input.field,
        byteRange: [0, 0, 0, 0],
        toBeSignedBase64: Buffer.from(`atributos firmados de ${input.field} sobre ${sha256(pdf)}`).toString(
          'base64',
        ),
        certificateSha256,
      };
      if (input.supersedes) this.files.delete(input.supersedes);
      const { sha256: digest } = this.store(Buffer.from(JSON.stringify(preparation)), 'preparacion.json');
      return {
        report: { ...fakeReport(pades(input), input.documentSha256, null), format: 'pades' },
        preparation: { sha256: digest, toBeSignedBase64: preparation.toBeSignedBase64, certificateSha256 },
      };
    },

    embedPadesSignature: async (input) => {
      this.record('embedPadesSignature', input);
      const preparation = parsePreparation(this.stored(input.preparationSha256, 'the prepared signature'));
      const prepared = this.stored(preparation.pdfSha256, 'the prepared letter');
      const code = this.refusals.get(input.signatureBase64) ?? null;
      const signature = Buffer.from(input.signatureBase64, 'base64');
      const certificate = Buffer.from(input.certificateBase64, 'base64');
      const report = { ...fakeReport(pades(input), sha256(prepared), code), format: 'pades' as const };
      // Only what is accepted is kept; a refusal leaves digests behind, nothing stored.
      if (code !== null)
        return {
          report,
          signedDocument: null,
          signatureSha256: sha256(signature),
          certificateSha256: sha256(certificate),
        };
      const signed = Buffer.concat([
        prepared,
        Buffer.from(`% firma ${sha256(signature)} en ${preparation.field}\n`),
      ]);
      return {
        report,
        signedDocument: { ...this.store(signed, 'carta-firmada.pdf'), mediaType: 'application/pdf' },
        signatureSha256: this.store(signature).sha256,
        certificateSha256: this.store(certificate).sha256,
      };
    },

    discardPreparation: async (input) => {
      this.record('discardPreparation', input);
      this.files.delete(input.sha256);
    },
    // The campaign digest is specified elsewhere (test/campaigns/digest.test.ts).
    sendCampaignDigest: async () => notFaked('sendCampaignDigest'),

    timestampSignature: async (input) => {
      this.record('timestampSignature', input);
      // As a worker without TSA_URL: signatures stay baseline B.
      if (this.tsa === 'none') return { stamped: false };
      if (this.tsa === 'down')
        throw ApplicationFailure.create({
          type: 'TIMESTAMP_UNAVAILABLE',
          message: 'no TSA gave a valid token (the fake TSA is down)',
          nonRetryable: false,
        });
      const letter = this.stored(input.documentSha256, 'the signed letter');
      const genTime = new Date().toISOString();
      const token = this.store(
        Buffer.from(`token de sello de tiempo de ${input.field}, ${genTime}\n`),
        'token.tsr',
      );
      const stamped = Buffer.concat([
        letter,
        Buffer.from(`% sello de tiempo ${token.sha256} en ${input.field}\n`),
      ]);
      return {
        stamped: true,
        signedDocument: { ...this.store(stamped, 'carta-firmada.pdf'), mediaType: 'application/pdf' },
        timestamp: { genTime, tsa: 'CN=TSA de prueba', policy: '1.2.3.4.1', tokenSha256: token.sha256 },
      };
    },
    archiveLetter: async (input) => {
      this.record('archiveLetter', input);
      if (this.tsa === 'none') return { archived: false };
      if (this.tsa === 'down')
        throw ApplicationFailure.create({
          type: 'TIMESTAMP_UNAVAILABLE',
          message: 'no TSA gave a valid token (the fake TSA is down)',
          nonRetryable: false,
        });
      const letter = this.stored(input.documentSha256, 'the signed letter');
      const genTime = new Date().toISOString();
      const token = this.store(Buffer.from(`sello de archivo, ${genTime}\n`), 'token.tsr');
      const archived = Buffer.concat([letter, Buffer.from(`% /DSS y sello de archivo ${token.sha256}\n`)]);
      return {
        archived: true,
        signedDocument: { ...this.store(archived, 'carta-firmada.pdf'), mediaType: 'application/pdf' },
        archive: {
          genTime,
          tsa: 'CN=TSA de prueba',
          tokenSha256: token.sha256,
          renewBy: new Date(Date.now() + 5 * 365 * 86_400_000).toISOString(),
        },
      };
    },

    archiveProcess: async (input) => {
      this.record('archiveProcess', input);
      this.archived.set(input.state.workflowId, input.state);
    },

    listDueLetters: async (input) => {
      this.record('listDueLetters', input);
      const due = [...this.letters]
        .filter(([, renewBy]) => renewBy < input.before)
        .sort(([, a], [, b]) => a.localeCompare(b))
        .slice(0, input.limit);
      return { workflowIds: due.map(([id]) => id) };
    },

    renewLetterArchive: async (input) => {
      this.record('renewLetterArchive', input);
      const renewBy = this.letters.get(input.workflowId);
      if (renewBy === undefined) return { renewed: false, why: 'not-registered' };
      if (renewBy >= input.before) return { renewed: false, why: 'not-due', renewBy };
      if (this.unrenewable.has(input.workflowId))
        throw ApplicationFailure.create({
          type: ActivityFailure.Misconfigured,
          message: 'the letter cannot take its validation data (fake)',
          nonRetryable: true,
        });
      if (this.tsa === 'down')
        throw ApplicationFailure.create({
          type: 'TIMESTAMP_UNAVAILABLE',
          message: 'no TSA gave a valid token (the fake TSA is down)',
          nonRetryable: false,
        });
      const genTime = new Date().toISOString();
      const archive = {
        genTime,
        tsa: 'CN=TSA de prueba',
        tokenSha256: this.store(Buffer.from(`sello de archivo renovado, ${genTime}\n`)).sha256,
        // Five years on from the run's own clock (the test server's, which may run ahead).
        renewBy: new Date(Date.parse(input.before) + 5 * 365 * 86_400_000).toISOString(),
      };
      this.letters.set(input.workflowId, archive.renewBy);
      return { renewed: true, letterSha256: archive.tokenSha256, archive };
    },
  };
}
