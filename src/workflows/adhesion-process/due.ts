/**
 * What the passing of time does: reminders to whoever is awaited, the escalation to the
 * coordinator when the deadline passes, and expiry after the grace period.
 */
import { roleAwaited, Stage, STAGE_LABEL } from '../../domain/process';
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
      `deadline ${state.deadline} passed in ${state.stage}; coordinator alerted`,
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
    ctx.audit('system', 'reminder', `reminder ${number} for ${state.stage} to ${to.email}`);
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
