/**
 * The campaign digest, run by a Temporal Schedule (weekly) or on demand. The workflow only asks
 * the activity, which reads the campaign and sends the email: all of it is I/O.
 */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Digest, DigestInput } from '../campaigns/digest';

const { sendCampaignDigest } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 20 },
});

export async function campaignDigest(input: DigestInput): Promise<Digest> {
  return sendCampaignDigest({ ...input, now: new Date(Date.now()).toISOString() });
}
