/**
 * The adhesion process (DESIGN §2): one durable execution per municipality and campaign.
 *
 * Deterministic code only: time is the workflow's clock, I/O happens in activities, and every
 * change arrives as a validated update. The whole state travels through continue-as-new, so
 * months of waiting keep history bounded.
 */
import * as wf from '@temporalio/workflow';
import type { EmbedPadesResult, SendEmailInput, VerifySignatureResult } from '../domain/activities';
import { calendarProblem, calendarVersion, WorkingCalendar, type CalendarData } from '../domain/calendar';
import { refusal } from '../domain/failures';
import { deadlineCounting, mexicoCityText, spanText, type Span } from '../domain/schedule';
import { dueAt, extendStage, nextDueAt, replanStage, scheduleStage } from './deadlines';
import {
  declineUpdate,
  extendDeadlineUpdate,
  MAX_MINUTES_BYTES,
  MAX_SIGNATURE_BYTES,
  recordInstallationUpdate,
  prepareSignatureUpdate,
  replanCalendarUpdate,
  replaceSignerUpdate,
  resendLinkUpdate,
  statusQuery,
  submitSignatureUpdate,
  withdrawUpdate,
  type CoordinatorAction,
  type DeclineInput,
  type ExtendDeadlineInput,
  type FileReference,
  type PrepareSignatureInput,
  type ReplanCalendarInput,
  type RecordInstallationInput,
  type ReplaceSignerInput,
  type ResendLinkInput,
  type SubmitSignatureInput,
} from '../domain/messages';
import {
  DEFAULT_INSTITUTION,
  expectedSignerOf,
  isTerminal,
  personProblems,
  isLegacyPolicy,
  resolveLegacyPolicy,
  resolvePolicy,
  roleAwaited,
  ROLES,
  SECTORS,
  SIGNATURE_FIELD,
  Stage,
  STAGE_LABEL,
  type AuditEvent,
  type DocumentRecord,
  type Institution,
  type ProcessInput,
  type ProcessState,
  type Role,
} from '../domain/process';
import { SearchAttributes } from '../domain/search-attributes';
import type { Activities } from '../activities';

/** Rendering and verification: quick, retried a few times on infrastructure errors. */
const work = wf.proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 },
});

/**
 * Verification: a pool answers VERIFICATION_TIMEOUT (a retryable failure) when it could not judge
 * in time; a few attempts, then the signer is told to try again, rather than an update that waits
 * for minutes.
 */
const verification = wf.proxyActivities<Activities>({
  // The pool's own budget is 10 s: an attempt lost with a crashed worker is retried soon.
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1s', maximumInterval: '5s', maximumAttempts: 3 },
});

/** What a signature's verification may add: the letter with the signature embedded (PAdES). */
type EmbeddedResult = Partial<Pick<EmbedPadesResult, 'signedDocument'>>;

/**
 * Mail is retried until it goes through (a relay down for hours must not lose a reminder); only
 * a permanent SMTP refusal (EMAIL_REJECTED) stops the retries.
 */
const mail = wf.proxyActivities<Activities>({
  // A delivery takes seconds; one lost with a crashed worker is retried after this (the mail
  // ledger keeps the retry from sending what the relay already accepted).
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * The version of this workflow code (README "Changing workflow code"). A process records the
 * version it started with; every version has recorded histories in test/histories/, named after
 * it, that the replay test replays. A change to what running processes execute goes behind
 * `wf.patched()` and raises this number.
 */
export const WORKFLOW_CODE_VERSION = 4;

/** Version 4: policies in días hábiles, planned on the working-day calendar. */
const DIAS_HABILES = 'dias-habiles';

const ROLE_LABEL: Record<Role, string> = {
  municipal: 'presidencia municipal',
  institute: 'comisionado(a) presidente',
};

export async function adhesionProcess(input: ProcessInput, carried?: ProcessState): Promise<ProcessState> {
  // Processes started before días hábiles keep their policy in ms and their dates (see deadlines.ts).
  const state: ProcessState = carried ?? initialState(input, !wf.patched(DIAS_HABILES));
  const institution: Institution = { ...DEFAULT_INSTITUTION, ...input.institution };
  /** Bumped by every change, so the main loop wakes up and re-plans its timers. */
  let changes = 0;
  const outbox: Promise<void>[] = [];

  const now = (): Date => new Date(Date.now());
  const audit = (actor: string, type: string, detail: string): void => {
    const event: AuditEvent = { at: now().toISOString(), actor, type, detail };
    state.audit.push(event);
  };

  /** Search attributes and Web UI details follow every change. */
  const publish = (): void => {
    changes++;
    wf.upsertSearchAttributes([
      { key: SearchAttributes.stage, value: state.stage },
      { key: SearchAttributes.deadline, value: state.deadline ? new Date(state.deadline) : null },
    ]);
    wf.setCurrentDetails(currentDetails(state));
  };

  const sendEmail = (
    message: Omit<SendEmailInput, 'workflowId' | 'run' | 'municipality' | 'inegiCode' | 'institution'>,
  ): void => {
    const full: SendEmailInput = {
      ...message,
      workflowId: state.workflowId,
      run: state.runId,
      municipality: input.municipality,
      inegiCode: input.inegiCode,
      institution,
      ...(message.deadline && state.plan?.businessDays ? { businessDays: true } : {}),
    };
    // Not awaited by the caller: a slow or unreachable relay must not hold the process. Pending
    // mail is awaited before the workflow completes or continues as new.
    outbox.push(
      mail.sendEmail(full).then(
        (sent) =>
          audit('system', 'email-sent', `${message.kind} to ${sent.accepted.join(', ')} (${sent.messageId})`),
        (error: unknown) =>
          audit(
            'system',
            'email-failed',
            `${message.kind}: ${wf.isCancellation(error) ? 'cancelled' : String(error)}`,
          ),
      ),
    );
  };

  /**
   * The confirmations (both signatures in; completion): the evidence dossier is assembled first,
   * and the email carries the constancia and the signed letter.
   */
  const sendConfirmation = (
    label: 'signed' | 'completed',
    message: Omit<SendEmailInput, 'workflowId' | 'run' | 'municipality' | 'inegiCode' | 'institution'>,
  ): void => {
    const snapshot = JSON.parse(JSON.stringify(state)) as ProcessState;
    outbox.push(
      work.assembleDossier({ state: snapshot, label }).then(
        (dossier) => {
          state.dossiers = [...(state.dossiers ?? []), dossier];
          audit(
            'system',
            'dossier-assembled',
            `${label}: ${dossier.files} files, manifest SHA-256 ${dossier.manifestSha256}`,
          );
          // The letter with both signatures embedded when they were signed in the PDF.
          const letter = state.signedDocument ?? state.document!;
          sendEmail({
            ...message,
            attachments: [
              {
                fileName: 'constancia-de-firmas.pdf',
                sha256: dossier.constanciaSha256,
                mediaType: 'application/pdf',
              },
              { fileName: letter.fileName, sha256: letter.sha256, mediaType: letter.mediaType },
            ],
          });
        },
        (error: unknown) => {
          audit('system', 'dossier-failed', `${label}: ${String(error)}`);
          sendEmail(message);
        },
      ),
    );
  };

  /** Waits for every pending message, including those queued while waiting. */
  const drainOutbox = async (): Promise<void> => {
    while (outbox.length > 0) await Promise.all(outbox.splice(0));
  };

  const enterStage = (stage: Stage, actor: string, detail: string): void => {
    const previous = state.stage;
    state.stage = stage;
    state.stageEnteredAt = now().toISOString();
    scheduleStage(state, now().getTime());
    audit(actor, 'stage-changed', `${previous} → ${stage}: ${detail}`);
    publish();
  };

  /** A new link for `role` (superseding any earlier one) and the email that carries it. */
  const sendSigningLink = (
    role: Role,
    kind: 'signature-request' | 'deadline-extended',
    actor: string,
  ): number => {
    const version = (state.links[role]?.version ?? 0) + 1;
    const signer = state.signers[role];
    state.links[role] = {
      role,
      version,
      issuedAt: now().toISOString(),
      expiresAt: state.expiresAt ?? now().toISOString(),
      sentTo: signer.email,
    };
    audit(
      actor,
      'link-issued',
      `${role} link v${version} to ${signer.email}, valid until ${state.expiresAt}`,
    );
    sendEmail({
      messageKey: `${kind}-${role}-v${version}`,
      kind,
      to: [signer],
      stage: state.stage,
      deadline: state.deadline,
      role,
      link: linkReference(state, role),
      documentSha256: state.document?.sha256,
    });
    publish();
    return version;
  };

  const finish = (stage: Stage, actor: string, outcome: string): void => {
    state.outcome = outcome;
    enterStage(stage, actor, outcome);
  };

  // ---- Updates. Validators hold the synchronous checks, so refused input never enters history. ----

  /** Roles whose signature is being verified right now (see submitSignature). */
  const verifying = new Set<Role>();

  /**
   * Runs a verification activity for `role`, one at a time per role. A verification the pool
   * could not make (VERIFICATION_TIMEOUT, retried by the activity) ends as that refusal.
   */
  const verifyingFor = async <T>(role: Role, run: () => Promise<T>): Promise<T> => {
    verifying.add(role);
    try {
      return await run();
    } catch (error) {
      const cause = error instanceof wf.ActivityFailure ? error.cause : undefined;
      if (cause instanceof wf.ApplicationFailure && cause.type === 'VERIFICATION_TIMEOUT')
        throw refusal('VERIFICATION_TIMEOUT');
      throw error;
    } finally {
      verifying.delete(role);
    }
  };

  const checkLink = (role: Role, linkVersion: number, run: string | undefined): void => {
    // A link issued by an earlier process with this workflow ID (withdrawn, then started again).
    if (run !== undefined && run !== state.runId) throw refusal('LINK_SUPERSEDED');
    if (state.signatures[role]) throw refusal('ALREADY_SIGNED');
    if (roleAwaited(state.stage) !== role)
      throw refusal('WRONG_STAGE', `etapa actual: ${STAGE_LABEL[state.stage]}`);
    const link = state.links[role];
    if (!link || !Number.isInteger(linkVersion) || linkVersion > link.version || linkVersion < 1) {
      throw refusal('LINK_INVALID');
    }
    if (linkVersion < link.version) throw refusal('LINK_SUPERSEDED');
    if (now().getTime() > new Date(link.expiresAt).getTime()) throw refusal('LINK_EXPIRED');
  };

  wf.setHandler(statusQuery, () => state);

  wf.setHandler(
    submitSignatureUpdate,
    async (request) => {
      const role = request.role;
      const receivedAt = now().toISOString();
      // One signature at a time per role: concurrent submissions are refused by the validator, so
      // they cost neither a verification nor a stored signature nor history.
      const expectedSigner = expectedSignerOf(state.signers[role]);
      const result = await verifyingFor(role, (): Promise<VerifySignatureResult & EmbeddedResult> =>
        request.format === 'pades'
          ? verification.embedPadesSignature({
              preparationSha256: state.preparations![role]!.sha256,
              signatureBase64: request.signature,
              certificateBase64: request.certificate!,
              expectedSigner,
              at: receivedAt,
            })
          : verification.verifySignature({
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
      checkLink(role, request.linkVersion, request.run);
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
      audit(
        role,
        'signature-accepted',
        `${signer?.name ?? '?'} (RFC ${signer?.rfc ?? '—'}) signed as ${ROLE_LABEL[role]}; ${result.report.format}, ${result.report.algorithm}, certificate ${result.report.certificate?.serial}`,
      );
      if (role === 'municipal') {
        enterStage(Stage.AwaitingInstituteCountersignature, role, 'the municipal president signed');
        sendSigningLink('institute', 'signature-request', 'system');
      } else {
        enterStage(Stage.AwaitingSecretariatInstallation, role, 'the institute countersigned');
        sendConfirmation('signed', {
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
        validateSignature(request, checkLink);
        if (verifying.has(request.role)) throw refusal('SIGNATURE_IN_PROGRESS');
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
      const result = await verifyingFor(role, () =>
        verification.preparePadesSignature({
          baseSha256: (state.signedDocument ?? state.document)!.sha256,
          field: SIGNATURE_FIELD[role],
          certificateBase64: request.certificate,
          signer: {
            name: signer.name,
            rfc: signer.rfc ?? null,
            role:
              role === 'municipal'
                ? `${institution.presidentTitle} de ${input.municipality}`
                : institution.commissionerTitle,
          },
          expectedSigner: expectedSignerOf(signer),
          at: now().toISOString(),
          documentSha256: state.document!.sha256,
        }),
      );
      checkLink(role, request.linkVersion, request.run);
      if (!result.report.valid || !result.preparation) {
        throw refusal(result.report.code ?? 'SIGNATURE_INVALID', undefined, [result.report]);
      }
      state.preparations = {
        ...state.preparations,
        [role]: {
          sha256: result.preparation.sha256,
          certificateSha256: result.preparation.certificateSha256,
          linkVersion: request.linkVersion,
          preparedAt: now().toISOString(),
        },
      };
      return { toBeSigned: result.preparation.toBeSignedBase64, digestAlgorithm: 'SHA-256' as const };
    },
    {
      validator: (request: PrepareSignatureInput) => {
        if (!request || !ROLES.includes(request.role)) throw refusal('MALFORMED_INPUT', 'rol desconocido');
        requireRun(request.run);
        checkLink(request.role, request.linkVersion, request.run);
        if (verifying.has(request.role)) throw refusal('SIGNATURE_IN_PROGRESS');
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
      audit(request.role, 'declined', `${state.signers[request.role].name}: ${request.reason.trim()}`);
      finish(
        Stage.Declined,
        request.role,
        `declinado por ${ROLE_LABEL[request.role]}: ${request.reason.trim()}`,
      );
      sendEmail({
        messageKey: 'declined',
        kind: 'declined',
        to: [input.coordinator],
        cc: [state.signers[request.role]],
        stage: state.stage,
        deadline: null,
        role: request.role,
        reason: request.reason.trim(),
      });
      return { stage: state.stage };
    },
    {
      validator: (request: DeclineInput) => {
        if (!ROLES.includes(request?.role)) throw refusal('MALFORMED_INPUT', 'rol desconocido');
        requireRun(request.run);
        requireText(request.reason, 'el motivo');
        checkLink(request.role, request.linkVersion, request.run);
      },
    },
  );

  wf.setHandler(
    recordInstallationUpdate,
    async (request) => {
      // Version 2: the minutes arrive by reference to the evidence store, which must hold them.
      // Version 1 sent them inline (its validator no longer accepts that form; only replays of
      // version-1 histories reach this branch, and they must schedule what they scheduled then).
      const minutes =
        'contentBase64' in request.minutes
          ? await work.storeEvidence({
              contentBase64: request.minutes.contentBase64,
              fileName: request.minutes.fileName,
              mediaType: 'application/pdf',
            })
          : await confirmStored(request.minutes);
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
        recordedAt: now().toISOString(),
        recordedBy: actor,
      };
      audit(
        actor,
        'installation-recorded',
        `installed on ${request.date}, ${request.members.length} members, minutes ${minutes.sha256}`,
      );
      state.outcome = null;
      enterStage(Stage.Completed, actor, 'the municipal technical secretariat was installed');
      sendConfirmation('completed', {
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
    { validator: (request) => validateInstallation(request, state.stage, now()) },
  );

  /** The stored file a reference names, or a refusal when the store does not hold it. */
  const confirmStored = async (reference: FileReference): Promise<DocumentRecord> => {
    try {
      return await work.checkEvidence(reference);
    } catch (error) {
      const cause = error instanceof wf.ActivityFailure ? error.cause : undefined;
      if (cause instanceof wf.ApplicationFailure && cause.type === 'EVIDENCE_MISSING')
        throw refusal('EVIDENCE_MISSING', `${reference.fileName} (SHA-256 ${reference.sha256})`);
      throw error;
    }
  };

  wf.setHandler(
    withdrawUpdate,
    (request) => {
      const actor = request.actor ?? 'coordinator';
      const pending = ROLES.filter((role) => !state.signatures[role] && state.links[role]);
      finish(Stage.Withdrawn, actor, `retirado por la coordinación: ${request.reason.trim()}`);
      sendEmail({
        messageKey: 'withdrawal',
        kind: 'withdrawal',
        to: pending.length > 0 ? pending.map((role) => state.signers[role]) : [input.coordinator],
        cc: pending.length > 0 ? [input.coordinator] : [],
        stage: state.stage,
        deadline: null,
        reason: request.reason.trim(),
      });
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
      extendStage(state, by, now().getTime());
      audit(
        actor,
        'deadline-extended',
        request.businessDays !== undefined
          ? `+${spanText(by)} to ${state.deadline}: ${request.reason.trim()}`
          : `+${request.days} days to ${state.deadline}: ${request.reason.trim()}`,
      );
      publish();
      const role = roleAwaited(state.stage);
      // The awaited signer's link expired with the old deadline: a new one carries the new date.
      if (role) sendSigningLink(role, 'deadline-extended', actor);
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
      replanStage(state, calendar, now().getTime());
      audit(
        request.actor ?? 'coordinator',
        'calendar-replanned',
        `calendar ${calendar.version}: deadline ${before} → ${state.deadline}`,
      );
      publish();
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
      audit(
        actor,
        'signer-replaced',
        `${request.role}: ${previous.name} → ${request.person.name}: ${request.reason.trim()}`,
      );
      publish();
      if (roleAwaited(state.stage) === request.role)
        sendSigningLink(request.role, 'signature-request', actor);
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

  wf.setHandler(
    resendLinkUpdate,
    (request) => {
      const linkVersion = sendSigningLink(request.role, 'signature-request', request.actor ?? 'coordinator');
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

  // ---- The process itself. ----

  wf.upsertSearchAttributes([
    { key: SearchAttributes.municipality, value: input.municipality },
    { key: SearchAttributes.inegiCode, value: input.inegiCode },
    { key: SearchAttributes.campaign, value: input.campaign },
  ]);
  if (carried) {
    publish();
  } else {
    audit(
      'coordinator',
      'started',
      `process started for ${input.municipality} (${input.inegiCode}), campaign ${input.campaign}`,
    );
    state.document = await work.renderLetter({
      workflowId: state.workflowId,
      municipality: input.municipality,
      inegiCode: input.inegiCode,
      president: input.president,
      commissioner: input.commissioner,
      letterDate: input.letterDate ?? now().toISOString().slice(0, 10),
      place: input.place ?? `${input.municipality}, ${institution.state}`,
      institution,
    });
    audit(
      'system',
      'letter-rendered',
      `letter of intent ${state.document.fileName}, SHA-256 ${state.document.sha256}`,
    );
    // A withdrawal can be accepted while the letter is rendered; the process then stays withdrawn.
    if (!isTerminal(state.stage)) {
      enterStage(Stage.AwaitingMunicipalSignature, 'system', 'the letter of intent is ready to sign');
      sendSigningLink('municipal', 'signature-request', 'system');
    }
  }

  while (!isTerminal(state.stage)) {
    if (wf.workflowInfo().continueAsNewSuggested) {
      // Carry the whole state into a fresh history once every handler and message is done.
      await wf.condition(wf.allHandlersFinished);
      await drainOutbox();
      if (!isTerminal(state.stage)) {
        return wf.continueAsNew<typeof adhesionProcess>(input, {
          ...state,
          generation: state.generation + 1,
        });
      }
      break;
    }
    const seen = changes;
    const due = nextDueAt(state);
    const wait = due === null ? undefined : Math.max(0, due - Date.now());
    if (wait === undefined) await wf.condition(() => changes !== seen);
    else await wf.condition(() => changes !== seen, wait);
    if (changes === seen) handleDue();
  }
  await wf.condition(wf.allHandlersFinished);
  await drainOutbox();
  return state;

  /** Reminders, escalation and expiry whose time has come. */
  function handleDue(): void {
    const due = dueAt(state, now().getTime());
    const awaited = roleAwaited(state.stage);
    if (due.expire) {
      const to = awaited ? [state.signers[awaited]] : [state.signers.municipal];
      finish(Stage.Expired, 'system', `venció el plazo de la etapa «${STAGE_LABEL[state.stage]}»`);
      sendEmail({
        messageKey: 'expiry',
        kind: 'expiry',
        to,
        cc: [input.coordinator],
        stage: state.stage,
        deadline: null,
        role: awaited ?? undefined,
      });
      return;
    }
    if (due.escalate) {
      state.escalatedAt = now().toISOString();
      audit(
        'system',
        'escalated',
        `deadline ${state.deadline} passed in ${state.stage}; coordinator alerted`,
      );
      sendEmail({
        messageKey: `escalation-${state.stage}-${state.deadline}`,
        kind: 'escalation',
        to: [input.coordinator],
        stage: state.stage,
        deadline: state.expiresAt,
        role: awaited ?? undefined,
      });
      publish();
    }
    for (const key of due.reminders) {
      state.remindersDone.push(key);
      const to = awaited ? state.signers[awaited] : state.signers.municipal;
      const number = state.remindersSent.filter((r) => r.stage === state.stage).length + 1;
      state.remindersSent.push({ stage: state.stage, at: now().toISOString(), to: to.email });
      audit('system', 'reminder', `reminder ${number} for ${state.stage} to ${to.email}`);
      sendEmail({
        messageKey: `reminder-${state.stage}-${state.deadline}-${key}`,
        kind: 'reminder',
        to: [to],
        cc: awaited ? [] : [input.coordinator],
        stage: state.stage,
        deadline: state.deadline,
        role: awaited ?? undefined,
        link: awaited && state.links[awaited] ? linkReference(state, awaited) : undefined,
      });
      publish();
    }
  }
}

function linkReference(state: ProcessState, role: Role): SendEmailInput['link'] {
  const link = state.links[role]!;
  return { run: state.runId, role, version: link.version, expiresAt: link.expiresAt };
}

function initialState(input: ProcessInput, legacy: boolean): ProcessState {
  const info = wf.workflowInfo();
  const startedAt = new Date(Date.now()).toISOString();
  return {
    workflowId: info.workflowId,
    runId: info.firstExecutionRunId,
    codeVersion: WORKFLOW_CODE_VERSION,
    input,
    policy: legacy ? resolveLegacyPolicy(input.policy) : resolvePolicy(input.policy),
    ...(legacy
      ? {}
      : {
          calendar: {
            declared: input.calendar?.declared ?? [],
            version: calendarVersion(input.calendar?.declared ?? []),
          },
          plan: null,
        }),
    stage: Stage.AwaitingMunicipalSignature,
    stageEnteredAt: startedAt,
    deadline: null,
    expiresAt: null,
    escalatedAt: null,
    remindersDone: [],
    remindersSent: [],
    signers: { municipal: input.president, institute: input.commissioner },
    links: {},
    document: null,
    signatures: {},
    installation: null,
    outcome: null,
    audit: [],
    generation: 0,
  };
}

/** Spanish details for the Web UI: who is awaited, until when, reminders sent. */
function currentDetails(state: ProcessState): string {
  const lines = [`**${state.input.municipality}** (${state.input.inegiCode}) — ${STAGE_LABEL[state.stage]}`];
  const awaited = roleAwaited(state.stage);
  if (awaited)
    lines.push(`Se espera la firma de: ${state.signers[awaited].name} (${state.signers[awaited].email})`);
  if (state.stage === Stage.AwaitingSecretariatInstallation)
    lines.push('Se espera: el registro de la instalación del Secretariado Técnico Municipal');
  if (state.deadline)
    lines.push(
      `Fecha límite: ${mexicoCityText(state.deadline)} (hora del centro de México), plazo en ${deadlineCounting(state.plan)}`,
    );
  if (state.escalatedAt)
    lines.push(`Plazo vencido; la coordinación fue avisada el ${state.escalatedAt.slice(0, 10)}`);
  const reminders = state.remindersSent.filter((r) => r.stage === state.stage).length;
  if (!isTerminal(state.stage)) lines.push(`Recordatorios enviados en esta etapa: ${reminders}`);
  if (state.outcome) lines.push(`Motivo: ${state.outcome}`);
  return lines.join('\n\n');
}

function requireText(value: unknown, what: string, max = 2000): void {
  if (typeof value !== 'string' || value.trim().length === 0)
    throw refusal('MALFORMED_INPUT', `falta ${what}`);
  if (value.length > max) throw refusal('MALFORMED_INPUT', `${what} excede ${max} caracteres`);
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function checkBase64(value: unknown, what: string, maxBytes: number): void {
  if (typeof value !== 'string' || value.length === 0 || value.length % 4 !== 0 || !BASE64.test(value)) {
    throw refusal('MALFORMED_INPUT', `${what} no es base64 válido`);
  }
  if ((value.length / 4) * 3 > maxBytes + 2)
    throw refusal('PAYLOAD_TOO_LARGE', `${what} excede ${maxBytes} bytes`);
}

function validateSignature(
  request: SubmitSignatureInput,
  checkLink: (role: Role, version: number, run: string | undefined) => void,
): void {
  if (!request || !ROLES.includes(request.role)) throw refusal('MALFORMED_INPUT', 'rol desconocido');
  requireRun(request.run);
  checkLink(request.role, request.linkVersion, request.run);
  if (request.format !== undefined && !['cms', 'pkcs1-sha256', 'pades'].includes(request.format)) {
    throw refusal('MALFORMED_INPUT', 'formato desconocido');
  }
  checkBase64(request.signature, 'la firma', MAX_SIGNATURE_BYTES);
  if (request.certificate !== undefined) checkBase64(request.certificate, 'el certificado', 64 * 1024);
  if (
    (request.format === 'pkcs1-sha256' || request.format === 'pades') &&
    request.certificate === undefined
  ) {
    throw refusal('MALFORMED_INPUT', 'una firma PKCS#1 o PAdES necesita el certificado');
  }
}

/**
 * A signer's update names the run its link was issued by (version 2). Version-1 updates did not;
 * handlers tolerate that for their replays, validators refuse it for new requests.
 */
function requireRun(run: unknown): void {
  if (typeof run !== 'string' || run.length === 0 || run.length > 100)
    throw refusal('MALFORMED_INPUT', 'falta la ejecución del proceso a la que pertenece el enlace');
}

function validateExtension(request: ExtendDeadlineInput, legacy: boolean): void {
  const { days, businessDays } = request;
  if ((days === undefined) === (businessDays === undefined))
    throw refusal('MALFORMED_INPUT', 'indique días naturales o días hábiles, uno de los dos');
  if (days !== undefined && (typeof days !== 'number' || !(days > 0) || days > 365))
    throw refusal('MALFORMED_INPUT', 'los días deben ser un número mayor que 0 y hasta 365');
  if (businessDays !== undefined) {
    if (!Number.isInteger(businessDays) || businessDays < 1 || businessDays > 250)
      throw refusal('MALFORMED_INPUT', 'los días hábiles deben ser un número entero de 1 a 250');
    if (legacy)
      throw refusal(
        'MALFORMED_INPUT',
        'este proceso se inició con plazos en días naturales: extiéndalo en días naturales',
      );
  }
}

/** The días inhábiles of a re-plan: real dates, each once, with a reason. */
function validateCalendar(calendar: CalendarData | undefined): void {
  const problem = calendarProblem(calendar);
  if (problem !== null) throw refusal('MALFORMED_INPUT', problem);
}

function validateCoordinatorAction(request: CoordinatorAction, stage: Stage): void {
  if (isTerminal(stage)) throw refusal('WRONG_STAGE', `el proceso ya terminó (${STAGE_LABEL[stage]})`);
  requireText(request?.reason, 'el motivo');
}

function validateInstallation(request: RecordInstallationInput, stage: Stage, now: Date): void {
  if (stage !== Stage.AwaitingSecretariatInstallation) {
    throw refusal('WRONG_STAGE', `etapa actual: ${STAGE_LABEL[stage]}`);
  }
  if (!request || typeof request.date !== 'string' || !/^\d{4}-\d\d-\d\d$/.test(request.date)) {
    throw refusal('MALFORMED_INPUT', 'la fecha debe ser AAAA-MM-DD');
  }
  const date = new Date(`${request.date}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== request.date) {
    throw refusal('MALFORMED_INPUT', 'la fecha no existe');
  }
  if (date.getTime() > now.getTime())
    throw refusal('MALFORMED_INPUT', 'la fecha de instalación está en el futuro');
  if (!Array.isArray(request.members) || request.members.length === 0) {
    throw refusal('MALFORMED_INPUT', 'indique al menos un integrante');
  }
  for (const member of request.members) {
    requireText(member?.name, 'el nombre del integrante', 200);
    requireText(member?.position, 'el cargo del integrante', 200);
    if (!SECTORS.includes(member.sector)) {
      throw refusal(
        'MALFORMED_INPUT',
        `sector «${String(member.sector)}» desconocido (${SECTORS.join(', ')})`,
      );
    }
  }
  const minutes = request.minutes as Partial<FileReference> & { contentBase64?: unknown };
  if (minutes?.contentBase64 !== undefined)
    throw refusal(
      'MALFORMED_INPUT',
      'el acta se envía por referencia al almacén de evidencias, no dentro del mensaje',
    );
  requireText(minutes?.fileName, 'el nombre del acta', 255);
  if (typeof minutes.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(minutes.sha256))
    throw refusal('MALFORMED_INPUT', 'la huella SHA-256 del acta no es válida');
  if (minutes.mediaType !== 'application/pdf') throw refusal('MALFORMED_INPUT', 'el acta debe ser un PDF');
  if (typeof minutes.size !== 'number' || !Number.isInteger(minutes.size) || minutes.size < 1)
    throw refusal('MALFORMED_INPUT', 'el tamaño del acta no es válido');
  if (minutes.size > MAX_MINUTES_BYTES)
    throw refusal('PAYLOAD_TOO_LARGE', `el acta excede ${MAX_MINUTES_BYTES / 1024 / 1024} MiB`);
}
