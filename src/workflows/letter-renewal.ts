/**
 * Renewing the archive time-stamps of signed letters (PAdES B-LTA), run by a Temporal Schedule
 * every day (`manifiesta renewal schedule`) or on demand (`manifiesta renewal run`): the letters
 * whose newest archive time-stamp's TSA certificate expires within the horizon get a new one
 * (src/activities/renewal.ts), one activity each, the most urgent first. A letter that cannot be
 * renewed now (its TSA down past the retries) does not hold up the others; the next run tries it
 * again, and the summary names it.
 */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';

export interface RenewalInput {
  /** Renew what expires within this many days. Default 90. */
  readonly horizonDays?: number;
  /** At most this many letters in one run. Default 500. */
  readonly limit?: number;
}

export interface RenewalSummary {
  /** Letters whose archive time-stamp had to be renewed before this time. */
  readonly before: string;
  readonly due: number;
  readonly renewed: readonly { readonly workflowId: string; readonly renewBy: string }[];
  /** Due, but not renewed in this run (the reason is in the activity's failure, in the Web UI). */
  readonly failed: readonly string[];
  /**
   * Due, but the TSA's certificate expires no later than the current time-stamp's: a renewal would
   * extend nothing. The TSA must renew its certificate (or TSA_URL name another) before `renewBy`.
   */
  readonly tsaNotLater: readonly { readonly workflowId: string; readonly tsaValidUntil: string }[];
}

export const DEFAULT_RENEWAL_HORIZON_DAYS = 90;
const DAY_MS = 86_400_000;

const { listDueLetters } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
});
const { renewLetterArchive } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  // A TSA down is retried for about half an hour, then the letter waits for the next run.
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 8 },
});

export async function renewArchiveTimestamps(input: RenewalInput = {}): Promise<RenewalSummary> {
  const horizonDays = input.horizonDays ?? DEFAULT_RENEWAL_HORIZON_DAYS;
  const before = new Date(Date.now() + horizonDays * DAY_MS).toISOString();
  const { workflowIds } = await listDueLetters({ before, limit: input.limit ?? 500 });
  const renewed: { workflowId: string; renewBy: string }[] = [];
  const failed: string[] = [];
  const tsaNotLater: { workflowId: string; tsaValidUntil: string }[] = [];
  for (const workflowId of workflowIds) {
    try {
      const result = await renewLetterArchive({ workflowId, before });
      if (result.renewed) renewed.push({ workflowId, renewBy: result.archive.renewBy });
      else if (result.why === 'tsa-not-later')
        tsaNotLater.push({ workflowId, tsaValidUntil: result.renewBy! });
    } catch (error) {
      if (!(error instanceof wf.ActivityFailure)) throw error;
      failed.push(workflowId);
    }
  }
  return { before, due: workflowIds.length, renewed, failed, tsaNotLater };
}
