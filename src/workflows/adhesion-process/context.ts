/**
 * What every part of the process shares: its state, the audit trail, the search attributes and
 * Web UI details that follow each change, the outgoing mail, and stage changes with their dates.
 */
import * as wf from '@temporalio/workflow';
import { EMAIL_KIND_LABEL, type SendEmailInput } from '../../domain/activities';
import { refusal } from '../../domain/failures';
import type { FileReference } from '../../domain/messages';
import {
  institutionOf,
  isTerminal,
  roleAwaited,
  type Stage,
  STAGE_LABEL,
  type AuditEvent,
  type DocumentRecord,
  type Institution,
  type LinkUse,
  type ProcessInput,
  type ProcessState,
  type Role,
} from '../../domain/process';
import { timestamps, type ProcessActivities } from './activities';
import { scheduleStage } from './deadlines';
import { Publisher } from './publisher';
import { linkReference } from './state';
import { ROLE_IN_TEXT } from '../../domain/wording';
import { mexicoCityText } from '../../domain/schedule';
import { MAX_REFUSALS_PER_LINK } from '../../domain/limits';
import type { VerificationReport } from '../../domain/verification-report';

/** A message to send, without what the process adds to every one. */
export type Message = Omit<
  SendEmailInput,
  'workflowId' | 'run' | 'municipality' | 'inegiCode' | 'institution'
>;

/** Who sends a message: the process itself, or an update's handler (answered before it goes out). */
export type MailOrigin = 'process' | 'update';

/** How long the process waits for a signature's time-stamp before it goes on without one. */
export const STAMP_WAIT = '30 minutes';
const STAMP_WAIT_TEXT = '30 minutos';

/** The dossiers, as the audit trail names them. */
const DOSSIER_LABEL = { signed: 'expediente con las firmas', completed: 'expediente final' } as const;

export class ProcessContext {
  /** Bumped by every change, so the main loop wakes up and re-plans its timers. */
  changes = 0;
  /** Mail and dossiers on their way; awaited before the process completes or continues as new. */
  private readonly outbox: Promise<void>[] = [];
  /** Roles whose signature is being verified right now (see submitSignature). */
  readonly verifying = new Set<Role>();
  /** Roles whose signature is being time-stamped (version 8): the next signer waits for it. */
  readonly stamping = new Set<Role>();

  /** The search attributes and Web UI details that follow the state. */
  private readonly publisher: Publisher;

  /**
   * @param lean version 5 and later: local activities, and search attributes written once per
   *   workflow task by `flush` (not at each change); see activities.ts and publisher.ts.
   */
  constructor(
    readonly state: ProcessState,
    readonly input: ProcessInput,
    readonly acts: ProcessActivities,
    readonly lean: boolean,
  ) {
    this.publisher = new Publisher(lean);
  }

  /** The institution countersigning now: the input's, until a transfer (version 10) changed it. */
  get institution(): Institution {
    return institutionOf(this.state);
  }

  now(): Date {
    return new Date(Date.now());
  }

  audit(actor: string, type: string, detail: string): void {
    const event: AuditEvent = { at: this.now().toISOString(), actor, type, detail };
    this.state.audit.push(event);
  }

  /** Search attributes and Web UI details follow every change. */
  publish(): void {
    this.changes++;
    this.publisher.changed(this.state);
  }

  /** Lean processes: what changed since the last flush, written once (the main loop calls it). */
  flush(): void {
    this.publisher.flush(this.state, this.input);
  }

  /**
   * Sends `message` without waiting for it. `from: 'update'` for mail an update handler sends: it
   * goes out after the update is answered (see `activitiesFromV6`).
   */
  sendEmail(message: Message, from: MailOrigin = 'process'): void {
    const { state, input } = this;
    const full: SendEmailInput = {
      ...message,
      workflowId: state.workflowId,
      run: state.runId,
      municipality: input.municipality,
      inegiCode: input.inegiCode,
      institution: this.institution,
      ...(message.deadline && state.plan?.businessDays ? { businessDays: true } : {}),
    };
    // Not awaited by the caller: a slow or unreachable relay must not hold the process. Pending
    // mail is awaited before the workflow completes or continues as new.
    this.outbox.push(
      (from === 'update' ? this.acts.updateMail : this.acts.mail).sendEmail(full).then(
        (sent) =>
          this.audit(
            'system',
            'email-sent',
            `${EMAIL_KIND_LABEL[message.kind]} enviado a ${sent.accepted.join(', ')} (${sent.messageId})`,
          ),
        (error: unknown) =>
          this.audit(
            'system',
            'email-failed',
            `${EMAIL_KIND_LABEL[message.kind]} no enviado: ${wf.isCancellation(error) ? 'cancelado' : String(error)}`,
          ),
      ),
    );
  }

  /**
   * The confirmations (both signatures in; completion): the evidence dossier is assembled first,
   * and the email carries the constancia and the signed letter.
   */
  sendConfirmation(label: 'signed' | 'completed', message: Message): void {
    const snapshot = JSON.parse(JSON.stringify(this.state)) as ProcessState;
    this.outbox.push(
      this.acts.dossier.assembleDossier({ state: snapshot, label }).then(
        (dossier) => {
          this.state.dossiers = [...(this.state.dossiers ?? []), dossier];
          this.audit(
            'system',
            'dossier-assembled',
            `${DOSSIER_LABEL[label]}: ${dossier.files} archivos, manifiesto SHA-256 ${dossier.manifestSha256}`,
          );
          // The letter with both signatures embedded when they were signed in the PDF.
          const letter = this.state.signedDocument ?? this.state.document!;
          this.sendEmail({
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
          this.audit('system', 'dossier-failed', `${DOSSIER_LABEL[label]}: ${String(error)}`);
          this.sendEmail(message);
        },
      ),
    );
  }

  /** Waits for every pending message, including those queued while waiting. */
  async drainOutbox(): Promise<void> {
    while (this.outbox.length > 0) await Promise.all(this.outbox.splice(0));
  }

  enterStage(stage: Stage, actor: string, detail: string): void {
    const previous = this.state.stage;
    this.state.stage = stage;
    this.state.stageEnteredAt = this.now().toISOString();
    scheduleStage(this.state, this.now().getTime());
    // The start is recorded once, as `started`, not as a change from a stage to itself.
    if (previous !== stage)
      this.audit(actor, 'stage-changed', `«${STAGE_LABEL[previous]}» → «${STAGE_LABEL[stage]}»: ${detail}`);
    this.publish();
  }

  finish(stage: Stage, actor: string, outcome: string): void {
    this.state.outcome = outcome;
    this.enterStage(stage, actor, outcome);
  }

  /** A new link for `role` (superseding any earlier one) and the email that carries it. */
  sendSigningLink(
    role: Role,
    kind: 'signature-request' | 'deadline-extended',
    actor: string,
    from: MailOrigin = 'process',
  ): number {
    const { state } = this;
    const version = (state.links[role]?.version ?? 0) + 1;
    const signer = state.signers[role];
    state.links[role] = {
      role,
      version,
      issuedAt: this.now().toISOString(),
      expiresAt: state.expiresAt ?? this.now().toISOString(),
      sentTo: signer.email,
    };
    this.audit(
      actor,
      'link-issued',
      `enlace v${version} de ${ROLE_IN_TEXT[role]} para ${signer.email}, vigente hasta ${state.expiresAt ? mexicoCityText(state.expiresAt) : '—'}`,
    );
    this.sendEmail(
      {
        messageKey: `${kind}-${role}-v${version}`,
        kind,
        to: [signer],
        stage: state.stage,
        deadline: state.deadline,
        role,
        link: linkReference(state, role),
        documentSha256: state.document?.sha256,
      },
      from,
    );
    this.publish();
    return version;
  }

  /** Whether a signer's link may act now; throws the refusal when it may not. */
  checkLink(role: Role, linkVersion: number, run: string | undefined): void {
    const { state } = this;
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
    if (this.now().getTime() > new Date(link.expiresAt).getTime()) throw refusal('LINK_EXPIRED');
  }

  /** How many of `kind` the link `linkVersion` of `role` has had (version 7; a new link: none). */
  linkUsed(role: Role, linkVersion: number, kind: 'preparations' | 'refusals'): number {
    const use = this.state.linkUse?.[role];
    return use?.linkVersion === linkVersion ? use[kind] : 0;
  }

  /** Counts one more of `kind` against the link (version 7); returns the new count. */
  useLink(role: Role, linkVersion: number, kind: 'preparations' | 'refusals'): number {
    const current = this.state.linkUse?.[role];
    const use: LinkUse =
      current?.linkVersion === linkVersion ? current : { linkVersion, preparations: 0, refusals: 0 };
    const next: LinkUse = { ...use, [kind]: use[kind] + 1 };
    this.state.linkUse = { ...this.state.linkUse, [role]: next };
    return next[kind];
  }

  /**
   * A signature, preparation or decline the process verified and refused (version 7): counted
   * against the link and written to the audit trail with the whole report's reasons, which the
   * signer's answer leaves out. When the certificate's revocation could not be checked, the
   * coordinator is told once per link: the signer cannot sign until it can be.
   */
  recordRefusal(role: Role, linkVersion: number, what: string, report: VerificationReport): void {
    const failed = report.checks.filter((c) => c.outcome === 'failed').map((c) => `${c.check}: ${c.detail}`);
    // Not a verdict on the signature, and only the certificate's holder can make one that gets
    // this far: it does not count against the link, or the signer who tries again later, as told,
    // would be locked out.
    const unavailable = report.code === 'REVOCATION_UNAVAILABLE';
    const count = unavailable ? null : this.useLink(role, linkVersion, 'refusals');
    this.audit(
      role,
      'signature-refused',
      `${what} rechazada (${report.code ?? 'SIGNATURE_INVALID'}; ${count === null ? 'no cuenta contra el enlace' : `${count} de ${MAX_REFUSALS_PER_LINK} con el enlace v${linkVersion}`})${failed.length > 0 ? `: ${failed.join('; ')}` : unavailable ? ': no hay una CRL vigente del emisor que cubra el momento de la firma' : ''}`,
    );
    if (unavailable) {
      const current = this.state.linkUse?.[role];
      const use: LinkUse =
        current?.linkVersion === linkVersion ? current : { linkVersion, preparations: 0, refusals: 0 };
      if (use.revocationNoticeSent) return;
      this.state.linkUse = { ...this.state.linkUse, [role]: { ...use, revocationNoticeSent: true } };
      this.sendEmail(
        {
          messageKey: `revocation-unavailable-${role}-v${linkVersion}`,
          kind: 'revocation-unavailable',
          to: [this.input.coordinator],
          stage: this.state.stage,
          deadline: this.state.deadline,
          role,
        },
        'update',
      );
    }
  }

  /**
   * Version 8: adds a TSA's token to `role`'s signature in the letter (PAdES B-T), then runs `then`
   * (the next signer's link). The signature is recorded already and the signer answered: this runs
   * after, as its own activity, retried while the TSAs are down, for at most STAMP_WAIT. Past that
   * the coordinator is told, the process goes on with the signature unstamped (the letter's archive
   * time-stamp will cover it), and the attempt is cancelled: a token that came later would rewrite a
   * /Contents the next signature covers.
   */
  stampSignature(role: Role, field: string, then: () => void): void {
    const documentSha256 = this.state.signedDocument!.sha256;
    this.stamping.add(role);
    this.untilStamped(
      () => timestamps.timestampSignature({ documentSha256, field }),
      {
        done: (result) => {
          if (!result.stamped || this.state.signedDocument?.sha256 !== documentSha256) return;
          const signature = this.state.signatures[role]!;
          this.state.signedDocument = result.signedDocument;
          this.state.signatures[role] = { ...signature, timestamp: result.timestamp };
          this.audit(
            'system',
            'signature-timestamped',
            `sello de tiempo de la firma de ${ROLE_IN_TEXT[role]}: ${mexicoCityText(result.timestamp.genTime)}, por ${result.timestamp.tsa}`,
          );
        },
        late: () => {
          this.audit(
            'system',
            'signature-timestamp-late',
            `ninguna autoridad de sellado de tiempo respondió en ${STAMP_WAIT_TEXT}: la firma de ${ROLE_IN_TEXT[role]} queda sin sello de tiempo`,
          );
          this.sendEmail(
            {
              messageKey: `timestamp-unavailable-${role}`,
              kind: 'timestamp-unavailable',
              to: [this.input.coordinator],
              stage: this.state.stage,
              deadline: this.state.deadline,
              role,
            },
            'process',
          );
        },
        failed: (error) =>
          this.audit(
            'system',
            'signature-timestamp-failed',
            `la firma de ${ROLE_IN_TEXT[role]} no pudo sellarse: ${error.message}`,
          ),
      },
      () => {
        this.stamping.delete(role);
        then();
      },
    );
  }

  /**
   * Version 9: PAdES B-LTA for the letter once both signatures are in: the validation data every
   * signature needs (/DSS) and a document time-stamp over the whole file, by its own activity, for
   * at most STAMP_WAIT; then `then` (the confirmation with the letter). Without a TSA's answer the
   * letter stays B-T and the audit trail says so.
   */
  archiveLetter(then: () => void): void {
    const documentSha256 = this.state.signedDocument!.sha256;
    this.untilStamped(
      () => timestamps.archiveLetter({ documentSha256 }),
      {
        done: (result) => {
          if (!result.archived || this.state.signedDocument?.sha256 !== documentSha256) return;
          this.state.signedDocument = result.signedDocument;
          this.state.archive = [...(this.state.archive ?? []), result.archive];
          this.audit(
            'system',
            'letter-archived',
            `datos de validación y sello de archivo de la carta firmada (PAdES B-LTA): ${mexicoCityText(result.archive.genTime)}, por ${result.archive.tsa}; renovarlo antes del ${mexicoCityText(result.archive.renewBy)}`,
          );
        },
        late: () =>
          this.audit(
            'system',
            'letter-archive-late',
            `ninguna autoridad de sellado de tiempo respondió en ${STAMP_WAIT_TEXT}: la carta firmada queda sin sello de archivo`,
          ),
        failed: (error) =>
          this.audit(
            'system',
            'letter-archive-failed',
            `la carta firmada no pudo archivarse: ${error.message}`,
          ),
      },
      then,
    );
  }

  /**
   * Runs `call` (a time-stamping activity, retried while the TSAs are down) for at most STAMP_WAIT,
   * says how it went, then runs `then`. A process that ends meanwhile (withdrawn, expired) cancels
   * it and nothing follows: no notice, no link, no mail.
   */
  private untilStamped<T>(
    call: () => Promise<T>,
    outcome: { done(result: T): void; late(): void; failed(error: Error): void },
    then: () => void,
  ): void {
    const attempt = new wf.CancellationScope();
    const timer = new wf.CancellationScope();
    const stamped = attempt.run(call);
    const late = timer.run(() => wf.sleep(STAMP_WAIT));
    const ended = wf.condition(() => isTerminal(this.state.stage));
    const task = Promise.race([
      stamped.then(
        (result) => ({ result }) as const,
        (error: unknown) => ({ error: error as Error }) as const,
      ),
      late.then(
        () => ({ late: true }) as const,
        () => ({ late: true }) as const,
      ),
      ended.then(() => ({ ended: true }) as const),
    ]).then((settled) => {
      if (!('result' in settled) && !('error' in settled)) {
        attempt.cancel();
        stamped.catch(() => undefined);
      }
      if (!('late' in settled)) {
        timer.cancel();
        late.catch(() => undefined);
      }
      if ('ended' in settled || isTerminal(this.state.stage)) return;
      if ('late' in settled) outcome.late();
      else if ('error' in settled) outcome.failed(settled.error);
      else outcome.done(settled.result);
      this.publish();
      then();
    });
    this.outbox.push(task);
  }

  /**
   * Discards a used preparation from the preparation store (version 7): a normal activity,
   * scheduled with this workflow task's completion, so it runs only after the signature that used
   * the preparation is recorded (a repeated embedding would need it). Awaited, like mail, before
   * the process ends or continues as new; a failure only leaves an object behind.
   */
  discardPreparation(sha256: string): void {
    this.outbox.push(
      this.acts.dossier.discardPreparation({ sha256 }).then(
        () => undefined,
        () => this.audit('system', 'preparation-kept', `preparación ${sha256} no se pudo borrar del almacén`),
      ),
    );
  }

  /**
   * Runs a verification activity for `role`, one at a time per role. A verification the pool
   * could not make (VERIFICATION_TIMEOUT, retried by the activity) ends as that refusal.
   */
  async verifyingFor<T>(role: Role, run: () => Promise<T>): Promise<T> {
    this.verifying.add(role);
    try {
      return await run();
    } catch (error) {
      const cause = error instanceof wf.ActivityFailure ? error.cause : undefined;
      if (cause instanceof wf.ApplicationFailure && cause.type === 'VERIFICATION_TIMEOUT')
        throw refusal('VERIFICATION_TIMEOUT');
      throw error;
    } finally {
      this.verifying.delete(role);
    }
  }

  /** The stored file a reference names, or a refusal when the store does not hold it. */
  async confirmStored(reference: FileReference): Promise<DocumentRecord> {
    try {
      return await this.acts.work.checkEvidence(reference);
    } catch (error) {
      const cause = error instanceof wf.ActivityFailure ? error.cause : undefined;
      if (cause instanceof wf.ApplicationFailure && cause.type === 'EVIDENCE_MISSING')
        throw refusal('EVIDENCE_MISSING', `${reference.fileName} (SHA-256 ${reference.sha256})`);
      throw error;
    }
  }
}
