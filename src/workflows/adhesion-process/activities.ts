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

/**
 * Version 8: time-stamping a signature. A TSA down is retried, with backoff, for as long as the
 * process waits for it (see ProcessContext.stampSignature), which then gives up and cancels.
 */
export const timestamps = wf.proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * Version 10: the record of an ended process, written to the archive before the workflow returns.
 * Retried until it succeeds (a store down for hours keeps the process open, never loses the record).
 */
export const archive = wf.proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * The activities a process calls, by kind (see `activitiesUntilV4`, `activitiesV5` and
 * `activitiesFromV6`).
 */
export interface ProcessActivities {
  /** Rendering the letter and checking stored evidence. */
  readonly work: wf.ActivityInterfaceFor<Activities>;
  readonly verification: wf.ActivityInterfaceFor<Activities>;
  /** Mail the process sends by itself: the first link, reminders, confirmations. */
  readonly mail: wf.ActivityInterfaceFor<Activities>;
  /** Mail an update sends (the next signer's link, a resent link, a withdrawal, a decline). */
  readonly updateMail: wf.ActivityInterfaceFor<Activities>;
  /** Assembling the evidence dossier (seconds of PDF and hashing: never inside an update). */
  readonly dossier: wf.ActivityInterfaceFor<Activities>;
}

/** Processes started before version 5: every call a normal activity, as their histories hold. */
export const activitiesUntilV4: ProcessActivities = {
  work,
  verification,
  mail,
  updateMail: mail,
  dossier: work,
};

const localMail = wf.proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // After a few seconds of failures (a relay down) the retries wait on durable timers outside
  // the workflow task, so an outage neither holds the process nor loses the message.
  localRetryThreshold: '5 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * Version 5: rendering, verification, evidence checks and mail run as local activities, in the
 * workflow task that asks for them. A signer's update is then answered in one workflow task (not
 * three), and each call leaves one marker in history instead of three activity events and a
 * workflow task. Their results are recorded before the task completes, so a crash repeats the
 * call, never loses it: verification and rendering are pure, the evidence store is written once by
 * digest, and the mail ledger keeps a repeated send from reaching the relay twice.
 */
export const activitiesV5: ProcessActivities = {
  work: wf.proxyLocalActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 },
  }),
  verification: wf.proxyLocalActivities<Activities>({
    startToCloseTimeout: '20 seconds',
    retry: { initialInterval: '1s', maximumInterval: '5s', maximumAttempts: 3 },
  }),
  mail: localMail,
  updateMail: localMail,
  dossier: work,
};

/**
 * Version 6: as version 5, except the mail an update sends. A local activity started by an update
 * holds the update's answer until the relay has taken the message (the workflow task completes
 * only when its local activities have); a normal activity is scheduled with the answer and sent
 * after it. The municipal president's signature is then answered without waiting for the
 * commissioner's invitation to be delivered, for five more events in history.
 */
export const activitiesFromV6: ProcessActivities = { ...activitiesV5, updateMail: mail };
