/**
 * Every side effect of the process, behind `createActivities(deps)`: the worker, the plugin and the
 * tests inject the real parts (SMTP, the evidence folder, the trust store).
 */
import { ApplicationFailure } from '@temporalio/common';
import { createHash } from 'node:crypto';
import type {
  ArchiveProcessInput,
  AssembleDossierInput,
  RenderLetterInput,
  SendEmailInput,
  SendEmailResult,
  StoreEvidenceInput,
  StoreEvidenceResult,
  SubmittedSignature,
  VerifyDeclinationInput,
  VerifyDeclinationResult,
  VerifySignatureInput,
  VerifySignatureResult,
} from '../domain/activities';
import type { DossierRecord } from '../domain/process';
import { declinationText } from '../domain/declination';
import { ActivityFailure } from '../domain/failures';
import type { FileReference } from '../domain/messages';
import { SIGNATURE_FIELD, type DocumentRecord } from '../domain/process';
import type { SigningLinks } from '../links/tokens';
import type { TrustStore, Verifier } from '../signatures';
import { buildDigest, renderDigest, type Digest, type DigestInput } from '../campaigns/digest';
import { campaignStates } from '../campaigns/states';
import { buildDossier } from '../evidence/dossier';
import type { ProcessReader } from '../campaigns/states';
import { deliver, messageIdFor, sendEmail, type Mailer } from './email';
import {
  EvidenceAlteredError,
  type ContentAddressedStore,
  type EvidenceStore,
  type PreparationStore,
} from '../storage';
import { inlineRenderer, type Renderer } from './render-pool';
import { padesActivities, retryLater } from './pades';
import { timestampActivities } from './timestamps';
import { renewalActivities } from './renewal';
import { LetterRegister } from '../evidence/letter-register';
import { ProcessArchive } from '../evidence/process-archive';
import type { TsaClient } from '../timestamps/client';
import type { Nom151Client } from '../timestamps/nom151';
import { NOM151_MANIFEST_FILE, type ConstanciaSource } from '../evidence/dossier';
import { Context } from '@temporalio/activity';

export interface ActivityDeps {
  readonly evidence: EvidenceStore;
  /** PAdES preparations between a signer's two steps (not evidence: discarded when done with). */
  readonly preparations: PreparationStore;
  readonly mailer: Mailer;
  readonly links: SigningLinks;
  /** Verification off the event loop (a {@link VerificationPool} in the worker). */
  readonly verifier: Verifier;
  /** Reads campaigns for the digest (visibility and the `status` query). */
  readonly processes?: ProcessReader;
  /** Draws the letter and the constancia (a {@link RenderPool} in the worker; inline otherwise). */
  readonly renderer?: Renderer;
  /** The time-stamping authorities (TSA_URL); none: signatures stay PAdES baseline B. */
  readonly tsa?: TsaClient | null;
  /** The TSAs' roots and CRLs (TSA_TRUST_ANCHORS, TSA_CRLS): what the letter's /DSS keeps for them. */
  readonly tsaTrust?: TrustStore | null;
  /** The PSC of NOM-151 constancias (NOM151_URL); none: dossiers carry no constancia. */
  readonly nom151?: Nom151Client | null;
  /**
   * A current OCSP answer about a certificate from `OCSP_URL` (none when it is not set or nobody
   * answers): what the letter's /DSS keeps beside the CRLs.
   */
  readonly ocspOf?: ((certificate: Uint8Array) => Promise<Uint8Array[]>) | null;
  /**
   * Every edition of each archived letter (src/evidence/letter-register.ts). Default: beside the
   * evidence, in its object store.
   */
  readonly register?: LetterRegister;
  /**
   * The archive of ended processes (src/evidence/process-archive.ts). Default: beside the evidence,
   * in its object store.
   */
  readonly archive?: ProcessArchive;
}

export function createActivities(deps: ActivityDeps) {
  const renderer = deps.renderer ?? inlineRenderer;
  const register = deps.register ?? new LetterRegister(deps.evidence.objects, deps.evidence.keyring);
  const archive = deps.archive ?? new ProcessArchive(deps.evidence.objects, deps.evidence.keyring);
  /**
   * A submitted signature judged over `document`. A verification that could not be made (time
   * budget, full queue) is no verdict: it throws, and Temporal retries the activity with backoff
   * rather than refuse a signature nobody judged.
   */
  const judge = async (document: Buffer, input: SubmittedSignature, documentSha256?: string) => {
    const signature = Buffer.from(input.signatureBase64, 'base64');
    const certificate =
      input.certificateBase64 === undefined ? undefined : Buffer.from(input.certificateBase64, 'base64');
    const report = await deps.verifier.verify({
      document,
      signature,
      certificate,
      format: input.format,
      expectedSigner: input.expectedSigner,
      at: new Date(input.at),
      documentSha256,
    });
    if (report.code === 'VERIFICATION_TIMEOUT') throw retryLater(report);
    return { report, signature, certificate };
  };
  /** Evidence is kept only for what will be recorded: a refusal leaves nothing behind, only digests. */
  const keep = async (bytes: Buffer, valid: boolean): Promise<string> =>
    valid ? await deps.evidence.put(bytes) : sha256(bytes);
  /**
   * Stored bytes, verified. Missing or altered is for good (EVIDENCE_MISSING); a store that does
   * not answer throws a plain error, and Temporal retries the activity until it is back.
   */
  const stored = async (
    sha256: string,
    what: string,
    from: ContentAddressedStore = deps.evidence,
  ): Promise<Buffer> => {
    let bytes: Buffer | null;
    try {
      bytes = await from.get(sha256);
    } catch (error) {
      if (error instanceof EvidenceAlteredError) throw evidenceMissing(`${what}: ${error.message}`);
      throw error;
    }
    if (bytes === null) throw evidenceMissing(`${what} (SHA-256 ${sha256}) is not in the evidence store`);
    return bytes;
  };

  return {
    ...timestampActivities({
      evidence: deps.evidence,
      tsa: deps.tsa ?? null,
      signerRevocation: (certificate) => deps.verifier.revocationDataOf(certificate),
      signerOcsp: async (certificate) => (deps.ocspOf ? deps.ocspOf(certificate) : []),
      tsaRevocation: (certificate) => deps.tsaTrust?.revocationDataOf(certificate) ?? [],
      stored,
    }),
    ...padesActivities({
      evidence: deps.evidence,
      preparations: deps.preparations,
      verifier: deps.verifier,
      stored,
    }),
    ...renewalActivities({
      evidence: deps.evidence,
      tsa: deps.tsa ?? null,
      register,
      tsaRevocation: (certificate) => deps.tsaTrust?.revocationDataOf(certificate) ?? [],
      stored,
    }),

    /**
     * Renders the letter with its empty signature fields (it can be signed in the PDF), stores it
     * under its SHA-256, and returns only the digest and metadata.
     */
    async renderLetter(input: RenderLetterInput): Promise<DocumentRecord> {
      const pdf = await renderer.letter(input);
      const sha256 = await deps.evidence.put(pdf);
      return {
        sha256,
        size: pdf.length,
        mediaType: 'application/pdf',
        fileName: `manifestacion-${input.inegiCode}.pdf`,
        signatureFields: [SIGNATURE_FIELD.municipal, SIGNATURE_FIELD.institute],
      };
    },

    /** Sends one message; a signing link is minted here, so neither LINK_SECRET nor the token enters history. */
    async sendEmail(input: SendEmailInput): Promise<SendEmailResult> {
      const url = input.link ? deps.links.url({ workflowId: input.workflowId, ...input.link }) : null;
      const attachments = [];
      for (const attachment of input.attachments ?? []) {
        // Named by digest in failures: a file name may be personal data, and failures are logged.
        const content = await stored(attachment.sha256, 'an attachment');
        attachments.push({ filename: attachment.fileName, content, contentType: attachment.mediaType });
      }
      return sendEmail(deps.mailer, input, url, attachments);
    },

    /** Builds the evidence dossier from the state, stores its files by digest, and records the manifest. */
    async assembleDossier(input: AssembleDossierInput): Promise<DossierRecord> {
      const files = await buildDossier(
        input.state,
        deps.evidence,
        renderer,
        constancias(deps.nom151 ?? null),
      );
      const digests = new Map<string, string>();
      for (const file of files) digests.set(file.name, await deps.evidence.put(file.bytes));
      // The letter as the process adopted it, archived (PAdES B-LTA): the first edition in the
      // register, which the renewal keeps current after the process has ended.
      const { signedDocument, archive, workflowId } = input.state;
      const newest = archive?.at(-1);
      if (signedDocument && newest) {
        await register.record({
          workflowId,
          letterSha256: signedDocument.sha256,
          size: signedDocument.size,
          archive: newest,
          reason: 'archived',
          previousSha256: null,
          recordedAt: new Date().toISOString(),
        });
      }
      return {
        label: input.label,
        at: new Date().toISOString(),
        files: files.length,
        manifestSha256: digests.get('SHA256SUMS')!,
        constanciaSha256: digests.get('constancia.pdf')!,
        ...(digests.has(NOM151_MANIFEST_FILE) ? { nom151Sha256: digests.get(NOM151_MANIFEST_FILE)! } : {}),
      };
    },

    /**
     * The record of an ended process, in the archive (version 10). A store that cannot be reached
     * fails it, and the process retries until it is written.
     */
    async archiveProcess(input: ArchiveProcessInput): Promise<void> {
      await archive.put(input.state, new Date());
    },

    /** Verifies against the stored document and the expected signer; keeps the signature as evidence. */
    async verifySignature(input: VerifySignatureInput): Promise<VerifySignatureResult> {
      const document = await stored(input.documentSha256, 'the letter');
      const { report, signature, certificate } = await judge(document, input, input.documentSha256);
      return {
        report,
        signatureSha256: await keep(signature, report.valid),
        certificateSha256: certificate === undefined ? null : await keep(certificate, report.valid),
      };
    },

    /**
     * Verifies a signed decline (version 7): the signature over the declination text of the
     * process's facts and the signer's reason, built here again (never taken from the request),
     * with every check of a signature and the expected signer's identity. Keeps the text, the
     * signature and the certificate as evidence when valid; a refused decline leaves nothing.
     */
    async verifyDeclination(input: VerifyDeclinationInput): Promise<VerifyDeclinationResult> {
      const document = Buffer.from(declinationText(input.facts), 'utf8');
      const { report, signature, certificate } = await judge(document, input);
      return {
        report,
        documentSha256: await keep(document, report.valid),
        signatureSha256: await keep(signature, report.valid),
        certificateSha256: certificate === undefined ? null : await keep(certificate, report.valid),
      };
    },

    /** Builds the campaign digest from the processes' states and emails it to the coordinator. */
    async sendCampaignDigest(input: DigestInput & { readonly now: string }): Promise<Digest> {
      if (!deps.processes) {
        throw ApplicationFailure.create({
          type: ActivityFailure.Misconfigured,
          message: 'the worker has no Temporal client for the digest',
          nonRetryable: true,
        });
      }
      const states = await campaignStates(deps.processes, input.campaign);
      const digest = buildDigest(input.campaign, states, new Date(input.now), input.sinceDays);
      const rendered = renderDigest(digest);
      await deliver(
        deps.mailer,
        {
          to: input.to.map((r) => ({ name: r.name, address: r.email })),
          subject: rendered.subject,
          text: rendered.text,
          html: rendered.html,
          messageId: messageIdFor(deps.mailer, `digest-${input.campaign}-${input.now}`),
        },
        `the ${input.campaign} digest`,
      );
      return digest;
    },

    /**
     * The stored file a reference names (claim check): the evidence store must hold bytes with
     * that SHA-256 and size. Read whole, so the digest is verified, not just the name looked up.
     */
    async checkEvidence(input: FileReference): Promise<DocumentRecord> {
      const bytes = await stored(input.sha256, 'the file');
      if (bytes.length !== input.size)
        throw evidenceMissing(`the file with SHA-256 ${input.sha256} is not ${input.size} bytes`);
      return { sha256: input.sha256, size: input.size, mediaType: input.mediaType, fileName: input.fileName };
    },

    /** Version-1 processes: stores inline minutes under their SHA-256 (see InlineMinutes). */
    async storeEvidence(input: StoreEvidenceInput): Promise<StoreEvidenceResult> {
      const bytes = Buffer.from(input.contentBase64, 'base64');
      const digest = await deps.evidence.put(bytes);
      return { sha256: digest, size: bytes.length, mediaType: input.mediaType, fileName: input.fileName };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

function evidenceMissing(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ActivityFailure.EvidenceMissing, message, nonRetryable: true });
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The dossier's NOM-151 constancias from `psc`. A PSC that does not answer fails the attempt
 * (Temporal retries it, with backoff); on the last attempt the dossier is assembled without one,
 * so that a PSC down does not hold the evidence back for good: the wait is bounded by the retry
 * policy (about five minutes), and the audit trail's dossier entry tells which.
 */
function constancias(psc: Nom151Client | null): ConstanciaSource {
  return async (data) => {
    if (psc === null) return null;
    try {
      const constancia = await psc.constancia(data);
      return {
        response: constancia.response,
        genTime: constancia.verdict.genTime!.toISOString(),
        psc: constancia.verdict.tsa!.subject,
      };
    } catch (error) {
      if (Context.current().info.attempt >= LAST_DOSSIER_ATTEMPT) return null;
      throw error;
    }
  };
}

/** The `work` proxy's maximumAttempts (src/workflows/adhesion-process/activities.ts). */
const LAST_DOSSIER_ATTEMPT = 10;
