/**
 * What the passing of time does: reminders to whoever is awaited, the escalation to the
 * coordinator when the deadline passes, and expiry after the grace period.
 */
import * as wf from '@temporalio/workflow';
import { roleAwaited, Stage, STAGE_LABEL } from '../../domain/process';
import { mexicoCityText } from '../../domain/schedule';
import type { ProcessContext } from './context';
import { dueAt } from './deadlines';
import { linkReference } from './state';

/** Reminders, escalation and expiry whose time has come. */
export function handleDue(ctx: ProcessContext): void {
  const { state, input } = ctx;
  const due = dueAt(state, ctx.now().getTime());
  const awaited = roleAwaited(state.stage);
  if (due.expire) {
    const to = awaited ? [state.signers[awaited]] : [state.signers.municipal];
    ctx.finish(Stage.Expired, 'system', `venció el plazo de la etapa «${STAGE_LABEL[state.stage]}»`);
    ctx.sendEmail({
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
    state.escalatedAt = ctx.now().toISOString();
    ctx.audit(
      'system',
      'escalated',
      `venció la fecha límite (${mexicoCityText(state.deadline!)}) de «${STAGE_LABEL[state.stage]}»; se avisó a la coordinación`,
    );
    ctx.sendEmail({
      messageKey: `escalation-${state.stage}-${state.deadline}`,
      kind: 'escalation',
      to: [input.coordinator],
      stage: state.stage,
      deadline: state.expiresAt,
      role: awaited ?? undefined,
    });
    ctx.publish();
  }
  for (const key of due.reminders) {
    state.remindersDone.push(key);
    const to = awaited ? state.signers[awaited] : state.signers.municipal;
    const number = state.remindersSent.filter((r) => r.stage === state.stage).length + 1;
    state.remindersSent.push({ stage: state.stage, at: ctx.now().toISOString(), to: to.email });
    ctx.audit('system', 'reminder', `recordatorio ${number} de «${STAGE_LABEL[state.stage]}» a ${to.email}`);
    ctx.sendEmail({
      messageKey: `reminder-${state.stage}-${state.deadline}-${key}`,
      kind: 'reminder',
      to: [to],
      cc: awaited ? [] : [input.coordinator],
      stage: state.stage,
      deadline: state.deadline,
      role: awaited ?? undefined,
      link: awaited && state.links[awaited] ? linkReference(state, awaited) : undefined,
    });
    ctx.publish();
  }
}

/**
 * One durable timer for the next thing due (lean processes). It is replaced only when that time
 * changes, and left to lapse when the process ends, so history holds no timer started and
 * cancelled at every change.
 */
export class DueTimer {
  private due: number | null = null;
  private scope: wf.CancellationScope | null = null;
  /** Whether the timer has fired since `take` was last called. */
  fired = false;

  /** Aims the timer at `due` (ms since 1970), or at nothing; a running timer for it is kept. */
  aim(due: number | null): void {
    if (due === this.due && this.scope !== null) return;
    this.scope?.cancel();
    this.scope = null;
    this.due = due;
    this.fired = false;
    if (due === null) return;
    const scope = new wf.CancellationScope();
    this.scope = scope;
    scope
      .run(() => wf.sleep(Math.max(1, due - Date.now())))
      .then(
        () => {
          if (this.scope === scope) {
            this.scope = null;
            this.fired = true;
          }
        },
        (error: unknown) => {
          if (!wf.isCancellation(error)) throw error;
        },
      );
  }

  /** Whether it fired; resets it. */
  take(): boolean {
    const fired = this.fired;
    this.fired = false;
    return fired;
  }
}
