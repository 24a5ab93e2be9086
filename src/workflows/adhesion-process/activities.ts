/**
 * The activities the process calls, with their timeouts and retries. Each proxy is a policy: how
 * long an attempt may take and how often it is tried again.
 */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../../activities';

/** Rendering and evidence: quick, retried a few times on infrastructure errors. */
export const work = wf.proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 },
});

/**
 * Verification: a pool answers VERIFICATION_TIMEOUT (a retryable failure) when it could not judge
 * in time; a few attempts, then the signer is told to try again, rather than an update that waits
 * for minutes.
 */
export const verification = wf.proxyActivities<Activities>({
  // The pool's own budget is 10 s: an attempt lost with a crashed worker is retried soon.
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1s', maximumInterval: '5s', maximumAttempts: 3 },
});

/**
 * Mail is retried until it goes through (a relay down for hours must not lose a reminder); only
 * a permanent SMTP refusal (EMAIL_REJECTED) stops the retries.
 */
export const mail = wf.proxyActivities<Activities>({
  // A delivery takes seconds; one lost with a crashed worker is retried after this (the mail
  // ledger keeps the retry from sending what the relay already accepted).
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
