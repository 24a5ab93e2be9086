/**
 * The adhesion process (DESIGN §2): one durable execution per municipality and campaign.
 *
 * Deterministic code only: time is the workflow's clock, I/O happens in activities, and every
 * change arrives as a validated update. The whole state travels through continue-as-new, so
 * months of waiting keep history bounded.
 *
 * Read in this order: this file (start and the main loop), context.ts (what every part shares:
 * audit, mail, stage changes), signer-updates.ts and coordinator-updates.ts (the handlers),
 * validators.ts (their synchronous checks), due.ts (reminders, escalation, expiry, the timer),
 * deadlines.ts (the dates), activities.ts (which activities, local or not), publisher.ts (search
 * attributes and Web UI details), state.ts (a new state, the Web UI details' text).
 */
import * as wf from '@temporalio/workflow';
import { statusQuery } from '../../domain/messages';
import { isTerminal, Stage, type ProcessInput, type ProcessState } from '../../domain/process';
import { activitiesUntilV4, activitiesV5, activitiesFromV6, archive } from './activities';
import { ProcessContext } from './context';
import { registerCoordinatorUpdates } from './coordinator-updates';
import { identityAttributes } from './publisher';
import { nextDueAt } from './deadlines';
import { ARCHIVE_RECORD, DIAS_HABILES, LEAN_HISTORY, LINK_BOUNDS, QUICK_ANSWERS } from './patches';
import { DueTimer, handleDue } from './due';
import { registerSignerUpdates } from './signer-updates';
import { initialState } from './state';

/**
 * The version of this workflow code (docs/versioning.md). A process records the
 * version it started with; every version has recorded histories in test/histories/, named after
 * it, that the replay test replays. A change to what running processes execute goes behind
 * `wf.patched()` and raises this number.
 */
export const WORKFLOW_CODE_VERSION = 10;

export async function adhesionProcess(input: ProcessInput, carried?: ProcessState): Promise<ProcessState> {
  // Each patch is asked once, at the start: its answer holds for the whole run. Processes started
  // before días hábiles keep their policy in ms and their dates (see deadlines.ts); those started
  // before version 5 keep the history shape they began with.
  const quick = wf.patched(QUICK_ANSWERS);
  const lean = quick || wf.patched(LEAN_HISTORY);
  const diasHabiles = lean || wf.patched(DIAS_HABILES);
  const state: ProcessState = carried ?? initialState(input, !diasHabiles, WORKFLOW_CODE_VERSION);

  const activities = quick ? activitiesFromV6 : lean ? activitiesV5 : activitiesUntilV4;
  const ctx = new ProcessContext(state, input, activities, lean);
  const institution = ctx.institution;

  // Updates. Validators hold the synchronous checks, so refused input never enters history.
  wf.setHandler(statusQuery, () => state);
  registerSignerUpdates(ctx);
  registerCoordinatorUpdates(ctx);

  // Lean processes write these with their first flush, and only if the start did not set them.
  if (!lean) wf.upsertSearchAttributes(identityAttributes(input));
  if (carried) {
    ctx.publish();
  } else {
    ctx.audit(
      'coordinator',
      'started',
      `proceso iniciado para ${input.municipality} (clave INEGI ${input.inegiCode}), campaña ${input.campaign}`,
    );
    state.document = await ctx.acts.work.renderLetter({
      workflowId: state.workflowId,
      municipality: input.municipality,
      inegiCode: input.inegiCode,
      president: input.president,
      commissioner: input.commissioner,
      letterDate: input.letterDate ?? ctx.now().toISOString().slice(0, 10),
      place: input.place ?? `${input.municipality}, ${institution.state}`,
      institution,
    });
    ctx.audit(
      'system',
      'letter-rendered',
      `carta de intención ${state.document.fileName}, SHA-256 ${state.document.sha256}`,
    );
    // A withdrawal can be accepted while the letter is rendered; the process then stays withdrawn.
    if (!isTerminal(state.stage)) {
      ctx.enterStage(
        Stage.AwaitingMunicipalSignature,
        'system',
        'la carta de intención está lista para firmarse',
      );
      ctx.sendSigningLink('municipal', 'signature-request', 'system');
    }
  }

  const timer = new DueTimer();
  while (!isTerminal(state.stage)) {
    ctx.flush();
    if (wf.workflowInfo().continueAsNewSuggested) {
      // Carry the whole state into a fresh history once every handler and message is done.
      await wf.condition(wf.allHandlersFinished);
      await ctx.drainOutbox();
      if (!isTerminal(state.stage)) {
        return wf.continueAsNew<typeof adhesionProcess>(input, {
          ...state,
          generation: state.generation + 1,
        });
      }
      break;
    }
    const seen = ctx.changes;
    const due = nextDueAt(state);
    // Version 7: wake up for Temporal's suggestion too, not only at the next change. Requests that
    // change nothing the loop waits on still count towards the run's update limit; continuing as
    // new before it is reached keeps every coordinator action possible.
    const suggested = wf.patched(LINK_BOUNDS) ? () => wf.workflowInfo().continueAsNewSuggested : () => false;
    if (lean) {
      timer.aim(due);
      await wf.condition(() => ctx.changes !== seen || timer.fired || suggested());
      if (timer.take()) handleDue(ctx);
      continue;
    }
    const wait = due === null ? undefined : Math.max(0, due - Date.now());
    if (wait === undefined) await wf.condition(() => ctx.changes !== seen || suggested());
    else if (await wf.condition(() => ctx.changes !== seen || suggested(), wait)) continue;
    if (ctx.changes === seen) handleDue(ctx);
  }
  ctx.flush();
  await wf.condition(wf.allHandlersFinished);
  await ctx.drainOutbox();
  ctx.flush();
  // Version 10: the record of the ended process, in the archive before the execution closes
  // (Temporal deletes closed executions after the namespace's retention).
  if (wf.patched(ARCHIVE_RECORD)) await archive.archiveProcess({ state });
  return state;
}
