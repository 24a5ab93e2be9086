/**
 * The signers' updates: a signature (verified by an activity before it is accepted), the PAdES
 * preparation that precedes a signature made in the PDF, and a decline.
 */
import * as wf from '@temporalio/workflow';
import type { EmbedPadesResult, VerifySignatureResult } from '../../domain/activities';
import { refusal } from '../../domain/failures';
import {
  declineUpdate,
  prepareSignatureUpdate,
  submitSignatureUpdate,
  type DeclineInput,
  type PrepareSignatureInput,
  type SubmitSignatureInput,
} from '../../domain/messages';
import { expectedSignerOf, ROLES, SIGNATURE_FIELD, Stage } from '../../domain/process';
import type { ProcessContext } from './context';
import { ROLE_LABEL } from './state';
import { checkBase64, requireRun, requireText, validateSignature } from './validators';

/** What a signature's verification may add: the letter with the signature embedded (PAdES). */
type EmbeddedResult = Partial<Pick<EmbedPadesResult, 'signedDocument'>>;

export function registerSignerUpdates(ctx: ProcessContext): void {
  const { state, input } = ctx;

  wf.setHandler(
    submitSignatureUpdate,
    async (request) => {
      const role = request.role;
      const receivedAt = ctx.now().toISOString();
      // One signature at a time per role: concurrent submissions are refused by the validator, so
      // they cost neither a verification nor a stored signature nor history.
      const expectedSigner = expectedSignerOf(state.signers[role]);
      const result = await ctx.verifyingFor(role, (): Promise<VerifySignatureResult & EmbeddedResult> =>
        request.format === 'pades'
          ? ctx.acts.verification.embedPadesSignature({
              preparationSha256: state.preparations![role]!.sha256,
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
        const code = result.report.code ?? 'SIGNATURE_INVALID';
        throw refusal(code, undefined, [result.report]);
      }
      if (result.signedDocument) {
        // The letter now carries this signature: the next signer signs on top of it.
        state.signedDocument = result.signedDocument;
        delete state.preparations![role];
      }
      state.signatures[role] = {
        role,
        format: result.report.format ?? request.format ?? 'cms',
        receivedAt,
        signatureSha256: result.signatureSha256,
        certificateSha256: result.certificateSha256,
        linkVersion: request.linkVersion,
        report: result.report,
      };
      const signer = result.report.signer;
      ctx.audit(
        role,
        'signature-accepted',
        `${signer?.name ?? '?'} (RFC ${signer?.rfc ?? '—'}) firmó como ${ROLE_LABEL[role]}; ${result.report.format}, ${result.report.algorithm}, certificado con número de serie ${result.report.certificate?.serial}`,
      );
      if (role === 'municipal') {
        ctx.enterStage(Stage.AwaitingInstituteCountersignature, role, 'firmó la presidencia municipal');
        ctx.sendSigningLink('institute', 'signature-request', 'system', 'update');
      } else {
        ctx.enterStage(Stage.AwaitingSecretariatInstallation, role, 'contrafirmó el Instituto');
        ctx.sendConfirmation('signed', {
          messageKey: 'signatures-complete',
          kind: 'signatures-complete',
          to: [state.signers.municipal, state.signers.institute],
          cc: [input.coordinator],
          stage: state.stage,
          deadline: state.deadline,
          documentSha256: state.document?.sha256,
        });
      }
      return { status: 'accepted' as const, stage: state.stage, report: result.report };
    },
    {
      validator: (request: SubmitSignatureInput) => {
        validateSignature(request, (role, version, run) => ctx.checkLink(role, version, run));
        if (ctx.verifying.has(request.role)) throw refusal('SIGNATURE_IN_PROGRESS');
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
      const result = await ctx.verifyingFor(role, () =>
        ctx.acts.verification.preparePadesSignature({
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
      ctx.checkLink(role, request.linkVersion, request.run);
      if (!result.report.valid || !result.preparation) {
        throw refusal(result.report.code ?? 'SIGNATURE_INVALID', undefined, [result.report]);
      }
      state.preparations = {
        ...state.preparations,
        [role]: {
          sha256: result.preparation.sha256,
          certificateSha256: result.preparation.certificateSha256,
          linkVersion: request.linkVersion,
          preparedAt: ctx.now().toISOString(),
        },
      };
      return { toBeSigned: result.preparation.toBeSignedBase64, digestAlgorithm: 'SHA-256' as const };
    },
    {
      validator: (request: PrepareSignatureInput) => {
        if (!request || !ROLES.includes(request.role)) throw refusal('MALFORMED_INPUT', 'rol desconocido');
        requireRun(request.run);
        ctx.checkLink(request.role, request.linkVersion, request.run);
        if (ctx.verifying.has(request.role)) throw refusal('SIGNATURE_IN_PROGRESS');
        checkBase64(request.certificate, 'el certificado', 64 * 1024);
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
    (request) => {
      ctx.audit(request.role, 'declined', `${state.signers[request.role].name}: ${request.reason.trim()}`);
      ctx.finish(
        Stage.Declined,
        request.role,
        `declinado por ${ROLE_LABEL[request.role]}: ${request.reason.trim()}`,
      );
      ctx.sendEmail(
        {
          messageKey: 'declined',
          kind: 'declined',
          to: [input.coordinator],
          cc: [state.signers[request.role]],
          stage: state.stage,
          deadline: null,
          role: request.role,
          reason: request.reason.trim(),
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
      },
    },
  );
}
