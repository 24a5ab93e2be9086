/**
 * The coordinator's updates: record the installation (completes the process), withdraw, extend
 * the deadline, re-plan on new días inhábiles, replace a signer, resend a link.
 */
import * as wf from '@temporalio/workflow';
import { WorkingCalendar } from '../../domain/calendar';
import { refusal } from '../../domain/failures';
import {
  extendDeadlineUpdate,
  recordInstallationUpdate,
  replanCalendarUpdate,
  replaceSignerUpdate,
  resendLinkUpdate,
  transferInstitutionUpdate,
  withdrawUpdate,
  type ReplanCalendarInput,
  type ReplaceSignerInput,
  type ResendLinkInput,
  type TransferInstitutionInput,
} from '../../domain/messages';
import {
  alreadyTransferred,
  isLegacyPolicy,
  isTerminal,
  personProblems,
  roleAwaited,
  ROLES,
  Stage,
  STAGE_LABEL,
} from '../../domain/process';
import { mexicoCityText, spanText, type Span } from '../../domain/schedule';
import { ROLE_IN_TEXT } from '../../domain/wording';
import type { ProcessContext } from './context';
import { extendStage, replanStage } from './deadlines';
import {
  validateCalendar,
  validateCoordinatorAction,
  validateExtension,
  validateInstallation,
  validateTransfer,
} from './validators';
import { INSTITUTION_TRANSFER } from './patches';
import { work } from './activities';

export function registerCoordinatorUpdates(ctx: ProcessContext): void {
  const { state, input } = ctx;

  wf.setHandler(
    recordInstallationUpdate,
    async (request) => {
      // Version 2: the minutes arrive by reference to the evidence store, which must hold them.
      // Version 1 sent them inline (its validator no longer accepts that form; only replays of
      // version-1 histories reach this branch, and they must schedule what they scheduled then).
      const minutes =
        'contentBase64' in request.minutes
          ? await ctx.acts.work.storeEvidence({
              contentBase64: request.minutes.contentBase64,
              fileName: request.minutes.fileName,
              mediaType: 'application/pdf',
            })
          : await ctx.confirmStored(request.minutes);
      if (state.stage !== Stage.AwaitingSecretariatInstallation) throw refusal('WRONG_STAGE');
      const actor = request.actor ?? 'coordinator';
      state.installation = {
        date: request.date,
        members: request.members.map((m) => ({
          name: m.name.trim(),
          sector: m.sector,
          position: m.position.trim(),
        })),
        minutes,
        recordedAt: ctx.now().toISOString(),
        recordedBy: actor,
      };
      ctx.audit(
        actor,
        'installation-recorded',
        `instalado el ${request.date}, ${request.members.length} integrantes, acta SHA-256 ${minutes.sha256}`,
      );
      state.outcome = null;
      ctx.enterStage(Stage.Completed, actor, 'se instaló el Secretariado Técnico Municipal');
      ctx.sendConfirmation('completed', {
        messageKey: 'completion',
        kind: 'completion',
        to: [state.signers.municipal, state.signers.institute],
        cc: [input.coordinator],
        stage: state.stage,
        deadline: null,
        documentSha256: state.document?.sha256,
      });
      return { stage: state.stage };
    },
    { validator: (request) => validateInstallation(request, state.stage, ctx.now()) },
  );

  wf.setHandler(
    withdrawUpdate,
    (request) => {
      const actor = request.actor ?? 'coordinator';
      const pending = ROLES.filter((role) => !state.signatures[role] && state.links[role]);
      ctx.finish(Stage.Withdrawn, actor, `retirado por la coordinación: ${request.reason.trim()}`);
      ctx.sendEmail(
        {
          messageKey: 'withdrawal',
          kind: 'withdrawal',
          to: pending.length > 0 ? pending.map((role) => state.signers[role]) : [input.coordinator],
          cc: pending.length > 0 ? [input.coordinator] : [],
          stage: state.stage,
          deadline: null,
          reason: request.reason.trim(),
        },
        'update',
      );
      return { stage: state.stage };
    },
    { validator: (request) => validateCoordinatorAction(request, state.stage) },
  );

  wf.setHandler(
    extendDeadlineUpdate,
    (request) => {
      const actor = request.actor ?? 'coordinator';
      const by: Span =
        request.businessDays !== undefined
          ? { businessDays: request.businessDays }
          : { ms: Math.round(request.days! * 86_400_000) };
      extendStage(state, by, ctx.now().getTime());
      ctx.audit(
        actor,
        'deadline-extended',
        request.businessDays !== undefined
          ? `+${spanText(by)}, nueva fecha límite ${mexicoCityText(state.deadline!)}: ${request.reason.trim()}`
          : `+${request.days} días naturales, nueva fecha límite ${mexicoCityText(state.deadline!)}: ${request.reason.trim()}`,
      );
      ctx.publish();
      const role = roleAwaited(state.stage);
      // The awaited signer's link expired with the old deadline: a new one carries the new date.
      if (role) ctx.sendSigningLink(role, 'deadline-extended', actor, 'update');
      return { stage: state.stage, deadline: state.deadline! };
    },
    {
      validator: (request) => {
        validateCoordinatorAction(request, state.stage);
        validateExtension(request, isLegacyPolicy(state.policy));
      },
    },
  );

  wf.setHandler(
    replanCalendarUpdate,
    (request) => {
      const calendar = new WorkingCalendar(request.calendar.declared);
      const before = state.deadline;
      state.calendar = { declared: request.calendar.declared, version: calendar.version };
      replanStage(state, calendar, ctx.now().getTime());
      ctx.audit(
        request.actor ?? 'coordinator',
        'calendar-replanned',
        `calendario ${calendar.version}: fecha límite ${before ? mexicoCityText(before) : '—'} → ${mexicoCityText(state.deadline!)}`,
      );
      ctx.publish();
      return { stage: state.stage, deadline: state.deadline!, calendarVersion: calendar.version };
    },
    {
      validator: (request: ReplanCalendarInput) => {
        if (isTerminal(state.stage))
          throw refusal('WRONG_STAGE', `el proceso ya terminó (${STAGE_LABEL[state.stage]})`);
        if (isLegacyPolicy(state.policy))
          throw refusal(
            'WRONG_STAGE',
            'este proceso se inició antes de los plazos en días hábiles y conserva sus fechas',
          );
        validateCalendar(request?.calendar);
      },
    },
  );

  wf.setHandler(
    replaceSignerUpdate,
    (request) => {
      const actor = request.actor ?? 'coordinator';
      const previous = state.signers[request.role];
      state.signers[request.role] = {
        name: request.person.name.trim(),
        email: request.person.email.trim(),
        rfc: request.person.rfc?.trim().toUpperCase() || null,
        curp: request.person.curp?.trim().toUpperCase() || null,
        ...(request.person.acceptAnySigner === true ? { acceptAnySigner: true } : {}),
      };
      ctx.audit(
        actor,
        'signer-replaced',
        `${ROLE_IN_TEXT[request.role]}: ${previous.name} → ${request.person.name}: ${request.reason.trim()}`,
      );
      ctx.publish();
      if (roleAwaited(state.stage) === request.role)
        ctx.sendSigningLink(request.role, 'signature-request', actor, 'update');
      return { stage: state.stage };
    },
    {
      validator: (request: ReplaceSignerInput) => {
        validateCoordinatorAction(request, state.stage);
        if (!ROLES.includes(request.role)) throw refusal('MALFORMED_INPUT', 'rol desconocido');
        if (state.signatures[request.role]) throw refusal('ALREADY_SIGNED');
        const problems = personProblems(request.person, 'la persona firmante');
        if (problems.length > 0) throw refusal('MALFORMED_INPUT', problems.join('; '));
      },
    },
  );

  // Version 10: the countersigning authority changes while the process runs (the institute that
  // countersigned was extinguished; its duties pass to a successor).
  wf.setHandler(
    transferInstitutionUpdate,
    async (request) => {
      wf.patched(INSTITUTION_TRANSFER);
      const actor = request.actor ?? 'coordinator';
      const stage = state.stage;
      const institution = { ...request.institution };
      const countersigner = {
        name: request.countersigner.name.trim(),
        email: request.countersigner.email.trim(),
        rfc: request.countersigner.rfc?.trim().toUpperCase() || null,
        curp: request.countersigner.curp?.trim().toUpperCase() || null,
      };
      const before = { institution: ctx.institution, countersigner: state.signers.institute };
      // A re-run of the same transfer changes nothing.
      if (alreadyTransferred(state, request)) return { stage, transferred: false };
      state.institution = institution;
      state.signers.institute = countersigner;
      state.transfers = [
        ...(state.transfers ?? []),
        {
          at: ctx.now().toISOString(),
          actor,
          reason: request.reason.trim(),
          from: before.institution.name,
          to: institution.name,
          stage,
          countersigner: { before: before.countersigner.name, after: countersigner.name },
        },
      ];
      let letter = '; la carta firmada por la presidencia municipal se conserva';
      const letterDate = input.letterDate ?? ctx.now().toISOString().slice(0, 10);
      if (stage === Stage.AwaitingMunicipalSignature) {
        // The letter names the institution: a new one, naming the successor, replaces it, and the
        // president's link goes out again (the old one superseded), before anyone has signed.
        // A normal activity (not a local one, even in lean processes): its scheduling and result are
        // events of their own, whatever else the workflow task holds.
        const rendered = await work.renderLetter({
          workflowId: state.workflowId,
          municipality: input.municipality,
          inegiCode: input.inegiCode,
          president: state.signers.municipal,
          commissioner: countersigner,
          letterDate,
          place: input.place ?? `${input.municipality}, ${institution.state}`,
          institution,
        });
        // A signature of the old letter accepted while this one was drawn stands: the letter too.
        if (state.stage === Stage.AwaitingMunicipalSignature && !state.signatures.municipal) {
          state.document = rendered;
          state.letterParties = { institution, commissioner: countersigner, letterDate };
          if (state.preparations) delete state.preparations.municipal;
          letter = `; nueva carta ${rendered.fileName}, SHA-256 ${rendered.sha256}`;
        }
      }
      ctx.audit(
        actor,
        'institution-transferred',
        `${before.institution.shortName} → ${institution.shortName}; contrafirma ${before.countersigner.name} → ${countersigner.name}${letter}: ${request.reason.trim()}`,
      );
      ctx.publish();
      // The signer awaited now gets a new link: the president (a new letter) or the new countersigner.
      if (!isTerminal(state.stage) && roleAwaited(state.stage) !== null)
        ctx.sendSigningLink(roleAwaited(state.stage)!, 'signature-request', actor, 'update');
      return { stage: state.stage, transferred: true };
    },
    { validator: (request: TransferInstitutionInput) => validateTransfer(request, state.stage) },
  );

  wf.setHandler(
    resendLinkUpdate,
    (request) => {
      const linkVersion = ctx.sendSigningLink(
        request.role,
        'signature-request',
        request.actor ?? 'coordinator',
        'update',
      );
      return { stage: state.stage, linkVersion };
    },
    {
      validator: (request: ResendLinkInput) => {
        if (!ROLES.includes(request?.role)) throw refusal('MALFORMED_INPUT', 'rol desconocido');
        if (state.signatures[request.role]) throw refusal('ALREADY_SIGNED');
        if (roleAwaited(state.stage) !== request.role)
          throw refusal('WRONG_STAGE', `etapa actual: ${STAGE_LABEL[state.stage]}`);
      },
    },
  );
}
