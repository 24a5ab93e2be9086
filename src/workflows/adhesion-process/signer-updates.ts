/**
 * The signers' updates: a signature (verified by an activity before it is accepted), the PAdES
 * preparation that precedes a signature made in the PDF, and a decline (signed, from version 7).
 *
 * Anyone holding a link can send these, so each is bounded (version 7): validators refuse what
 * the link has already spent (src/domain/limits.ts) before it enters history, and handlers count
 * and audit what they admit.
 */
import * as wf from '@temporalio/workflow';
import type { EmbedPadesResult, VerifySignatureResult } from '../../domain/activities';
import { normalizeReason } from '../../domain/declination';
import { refusal } from '../../domain/failures';
import { MAX_PREPARATIONS_PER_LINK, MAX_REFUSALS_PER_LINK } from '../../domain/limits';
import {
  declineUpdate,
  prepareSignatureUpdate,
  MAX_CERTIFICATE_BYTES,
  submitSignatureUpdate,
  type DeclineInput,
  type PrepareSignatureInput,
  type SubmitSignatureInput,
} from '../../domain/messages';
import { expectedSignerOf, ROLES, SIGNATURE_FIELD, Stage, type Role } from '../../domain/process';
import type { ProcessContext } from './context';
import { ARCHIVE_TIMESTAMP, LINK_BOUNDS, SIGNATURE_TIMESTAMPS, SIGNED_DECLINE } from './patches';
import { ROLE_IN_TEXT } from '../../domain/wording';
import {
  checkBase64,
  requireRun,
  requireText,
  validateDeclineSignature,
  validateSignature,
} from './validators';

/** What a signature's verification may add: the letter with the signature embedded (PAdES). */
type EmbeddedResult = Partial<Pick<EmbedPadesResult, 'signedDocument'>>;

export function registerSignerUpdates(ctx: ProcessContext): void {
  const { state, input } = ctx;

  /** Refused before history: a link that has had its share of refusals (version 7). */
  const requireRefusalsLeft = (role: Role, linkVersion: number): void => {
    if (ctx.linkUsed(role, linkVersion, 'refusals') >= MAX_REFUSALS_PER_LINK)
      throw refusal(
        'RATE_LIMITED',
        `este enlace ya tuvo ${MAX_REFUSALS_PER_LINK} firmas rechazadas; pida uno nuevo a la coordinación`,
      );
  };

  wf.setHandler(
    submitSignatureUpdate,
    async (request) => {
      const role = request.role;
      const bounded = wf.patched(LINK_BOUNDS);
      const receivedAt = ctx.now().toISOString();
      // One signature at a time per role: concurrent submissions are refused by the validator, so
      // they cost neither a verification nor a stored signature nor history.
      const expectedSigner = expectedSignerOf(state.signers[role]);
      const result = await ctx.verifyingFor(role, (): Promise<VerifySignatureResult & EmbeddedResult> =>
        request.format === 'pades'
          ? ctx.acts.verification.embedPadesSignature({
              preparationSha256: state.preparations![role]!.sha256,
              ...(state.preparations![role]!.store
                ? { preparationStore: state.preparations![role]!.store }
                : {}),
              signatureBase64: request.signature,
              certificateBase64: request.certificate!,
              expectedSigner,
              at: receivedAt,
            })
          : ctx.acts.verification.verifySignature({
              documentSha256: state.document!.sha256,
              signatureBase64: request.signature,
              certificateBase64: request.certificate,
              format: request.format,
              expectedSigner,
              at: receivedAt,
            }),
      );
      // The world may have moved while the signature was verified (another submission, a new
      // link, a withdrawal): judge the request again against the state as it is now.
      ctx.checkLink(role, request.linkVersion, request.run);
      if (!result.report.valid) {
        if (bounded) ctx.recordRefusal(role, request.linkVersion, 'firma', result.report);
        const code = result.report.code ?? 'SIGNATURE_INVALID';
        throw refusal(code, undefined, [result.report]);
      }
      if (result.signedDocument) {
        // The letter now carries this signature: the next signer signs on top of it.
        state.signedDocument = result.signedDocument;
        const used = state.preparations![role]!;
        delete state.preparations![role];
        // Version 7: the preparation it was made from goes, once this is recorded (see ctx.discard).
        if (bounded && used.store === 'preparations') ctx.discardPreparation(used.sha256);
      }
      state.signatures[role] = {
        role,
        format: result.report.format ?? request.format ?? 'cms',
        receivedAt,
        signatureSha256: result.signatureSha256,
        certificateSha256: result.certificateSha256,
        linkVersion: request.linkVersion,
        report: result.report,
        // Data only (no command): the notice the page showed, recorded with what it was shown for.
        ...(request.privacyNotice ? { privacyNotice: request.privacyNotice } : {}),
      };
      const signer = result.report.signer;
      ctx.audit(
        role,
        'signature-accepted',
        `${signer?.name ?? '?'} (RFC ${signer?.rfc ?? '—'}) firmó como ${ROLE_IN_TEXT[role]}; ${result.report.format}, ${result.report.algorithm}, certificado con número de serie ${result.report.certificate?.serial}`,
      );
      // Version 8: a signature in the letter is time-stamped before anything builds on it.
      const stamp =
        result.signedDocument !== undefined &&
        result.signedDocument !== null &&
        wf.patched(SIGNATURE_TIMESTAMPS);
      const next = (then: () => void): void =>
        stamp ? ctx.stampSignature(role, SIGNATURE_FIELD[role], then) : then();
      if (role === 'municipal') {
        ctx.enterStage(Stage.AwaitingInstituteCountersignature, role, 'firmó la presidencia municipal');
        next(() => {
          // Version 8: a link the coordinator resent while the signature was stamped stands.
          if (stamp && state.links.institute) return;
          ctx.sendSigningLink('institute', 'signature-request', 'system', stamp ? 'process' : 'update');
        });
      } else {
        ctx.enterStage(Stage.AwaitingSecretariatInstallation, role, 'contrafirmó el Instituto');
        const confirm = (): void =>
          ctx.sendConfirmation('signed', {
            messageKey: 'signatures-complete',
            kind: 'signatures-complete',
            to: [state.signers.municipal, state.signers.institute],
            cc: [input.coordinator],
            stage: state.stage,
            deadline: state.deadline,
            documentSha256: state.document?.sha256,
          });
        // Version 9: the letter signed by both gets its validation data and an archive time-stamp
        // (PAdES B-LTA) before it goes to them.
        next(() => (stamp && wf.patched(ARCHIVE_TIMESTAMP) ? ctx.archiveLetter(confirm) : confirm()));
      }
      return { status: 'accepted' as const, stage: state.stage, report: result.report };
    },
    {
      validator: (request: SubmitSignatureInput) => {
        validateSignature(request, (role, version, run) => ctx.checkLink(role, version, run));
        if (ctx.verifying.has(request.role)) throw refusal('SIGNATURE_IN_PROGRESS');
        requireRefusalsLeft(request.role, request.linkVersion);
        if (request.format === 'pades') {
          const prepared = state.preparations?.[request.role];
          if (!prepared || prepared.linkVersion !== request.linkVersion)
            throw refusal('MALFORMED_INPUT', 'primero prepare la firma del PDF con su certificado');
        }
      },
    },
  );

  wf.setHandler(
    prepareSignatureUpdate,
    async (request) => {
      const role = request.role;
      const signer = state.signers[role];
      const bounded = wf.patched(LINK_BOUNDS);
      const count = bounded ? ctx.useLink(role, request.linkVersion, 'preparations') : 0;
      // Version 7: the preparation this one replaces (kept in the preparation store) is discarded.
      const previous = state.preparations?.[role];
      const supersedes = bounded && previous?.store === 'preparations' ? previous.sha256 : null;
      const result = await ctx.verifyingFor(role, () =>
        ctx.acts.verification.preparePadesSignature({
          ...(bounded ? { supersedes } : {}),
          baseSha256: (state.signedDocument ?? state.document)!.sha256,
          field: SIGNATURE_FIELD[role],
          certificateBase64: request.certificate,
          signer: {
            name: signer.name,
            rfc: signer.rfc ?? null,
            role:
              role === 'municipal'
                ? `${ctx.institution.presidentTitle} de ${input.municipality}`
                : ctx.institution.commissionerTitle,
          },
          expectedSigner: expectedSignerOf(signer),
          at: ctx.now().toISOString(),
          documentSha256: state.document!.sha256,
        }),
      );
      // A new preparation stored means the one it superseded is gone from the store: never leave the
      // state naming it, even if the link changed meanwhile and this one is refused below.
      if (
        supersedes !== null &&
        result.preparation !== null &&
        state.preparations?.[role]?.sha256 === supersedes
      )
        delete state.preparations[role];
      ctx.checkLink(role, request.linkVersion, request.run);
      if (!result.report.valid || !result.preparation) {
        if (bounded) ctx.recordRefusal(role, request.linkVersion, 'preparación de la firma', result.report);
        throw refusal(result.report.code ?? 'SIGNATURE_INVALID', undefined, [result.report]);
      }
      state.preparations = {
        ...state.preparations,
        [role]: {
          sha256: result.preparation.sha256,
          certificateSha256: result.preparation.certificateSha256,
          linkVersion: request.linkVersion,
          preparedAt: ctx.now().toISOString(),
          ...(bounded ? { store: 'preparations' as const } : {}),
        },
      };
      if (bounded)
        ctx.audit(
          role,
          'signature-prepared',
          `preparó su firma dentro del PDF con el certificado con número de serie ${result.report.certificate?.serial ?? '?'} (preparación ${count} de ${MAX_PREPARATIONS_PER_LINK} del enlace v${request.linkVersion})`,
        );
      return { toBeSigned: result.preparation.toBeSignedBase64, digestAlgorithm: 'SHA-256' as const };
    },
    {
      validator: (request: PrepareSignatureInput) => {
        if (!request || !ROLES.includes(request.role)) throw refusal('MALFORMED_INPUT', 'rol desconocido');
        requireRun(request.run);
        ctx.checkLink(request.role, request.linkVersion, request.run);
        if (ctx.verifying.has(request.role)) throw refusal('SIGNATURE_IN_PROGRESS');
        // Version 8: the letter is signed on top of the previous signature once it is time-stamped.
        if (ctx.stamping.size > 0)
          throw refusal(
            'SIGNATURE_IN_PROGRESS',
            'la firma anterior se está sellando; intente de nuevo en un momento',
          );
        if (ctx.linkUsed(request.role, request.linkVersion, 'preparations') >= MAX_PREPARATIONS_PER_LINK)
          throw refusal(
            'RATE_LIMITED',
            `la firma ya se preparó ${MAX_PREPARATIONS_PER_LINK} veces con este enlace; firme con la última preparación o pida un enlace nuevo a la coordinación`,
          );
        requireRefusalsLeft(request.role, request.linkVersion);
        checkBase64(request.certificate, 'el certificado', MAX_CERTIFICATE_BYTES);
        if (!state.document?.signatureFields?.includes(SIGNATURE_FIELD[request.role]))
          throw refusal(
            'MALFORMED_INPUT',
            'esta carta no admite firma dentro del PDF; firme con cms o pkcs1-sha256',
          );
      },
    },
  );

  wf.setHandler(
    declineUpdate,
    async (request) => {
      const role = request.role;
      let reason = request.reason.trim();
      let signedBy: string | undefined;
      if (wf.patched(SIGNED_DECLINE)) {
        // Version 7: the decline is the signer's act, signed with their e.firma over the
        // declination text; it is verified like a signature before it ends anything.
        reason = normalizeReason(request.reason);
        const receivedAt = ctx.now().toISOString();
        const result = await ctx.verifyingFor(role, () =>
          ctx.acts.verification.verifyDeclination({
            facts: {
              workflowId: state.workflowId,
              run: state.runId,
              municipality: input.municipality,
              inegiCode: input.inegiCode,
              role,
              signerName: state.signers[role].name,
              letterSha256: state.document!.sha256,
              reason,
            },
            signatureBase64: request.signature!,
            ...(request.certificate ? { certificateBase64: request.certificate } : {}),
            ...(request.format ? { format: request.format } : {}),
            expectedSigner: expectedSignerOf(state.signers[role]),
            at: receivedAt,
          }),
        );
        ctx.checkLink(role, request.linkVersion, request.run);
        if (!result.report.valid) {
          ctx.recordRefusal(role, request.linkVersion, 'declinación', result.report);
          throw refusal(result.report.code ?? 'SIGNATURE_INVALID', undefined, [result.report]);
        }
        state.declination = {
          role,
          reason,
          receivedAt,
          format: result.report.format ?? request.format ?? 'cms',
          documentSha256: result.documentSha256,
          signatureSha256: result.signatureSha256,
          certificateSha256: result.certificateSha256,
          linkVersion: request.linkVersion,
          report: result.report,
          ...(request.privacyNotice ? { privacyNotice: request.privacyNotice } : {}),
        };
        const signer = result.report.signer;
        signedBy = `${signer?.name ?? '?'} (RFC ${signer?.rfc ?? '—'})`;
        ctx.audit(
          role,
          'declined',
          `${signedBy} declinó con su e.firma (${result.report.format}, certificado con número de serie ${result.report.certificate?.serial}; declinación SHA-256 ${result.documentSha256}): ${reason}`,
        );
      } else {
        ctx.audit(role, 'declined', `${state.signers[role].name}: ${reason}`);
      }
      ctx.finish(Stage.Declined, role, `declinado por ${ROLE_IN_TEXT[role]}: ${reason}`);
      ctx.sendEmail(
        {
          messageKey: 'declined',
          kind: 'declined',
          to: [input.coordinator],
          cc: [state.signers[role]],
          stage: state.stage,
          deadline: null,
          role,
          reason,
          ...(signedBy ? { signedBy } : {}),
        },
        'update',
      );
      return { stage: state.stage };
    },
    {
      validator: (request: DeclineInput) => {
        if (!ROLES.includes(request?.role)) throw refusal('MALFORMED_INPUT', 'rol desconocido');
        requireRun(request.run);
        requireText(request.reason, 'el motivo');
        ctx.checkLink(request.role, request.linkVersion, request.run);
        validateDeclineSignature(request);
        if (ctx.verifying.has(request.role)) throw refusal('SIGNATURE_IN_PROGRESS');
        requireRefusalsLeft(request.role, request.linkVersion);
      },
    },
  );
}
