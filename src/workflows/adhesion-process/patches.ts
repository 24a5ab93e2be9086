/**
 * The patches (`wf.patched(id)`) behind which the process's behaviour changed, by the code version
 * that introduced them (docs/versioning.md). A process that began before a patch
 * replays the code it ran; every version has recorded histories in test/histories/.
 */

/** Version 4: policies in días hábiles, planned on the working-day calendar. */
export const DIAS_HABILES = 'dias-habiles';
/** Version 5: local activities, one search-attribute upsert per task, one timer (activities.ts). */
export const LEAN_HISTORY = 'lean-history';
/** Version 6: the mail an update sends goes out after its answer (`activitiesFromV6`). */
export const QUICK_ANSWERS = 'quick-answers';

/**
 * Version 7: what a signing link may cost is bounded. Preparations and refusals are counted per
 * link version (src/domain/limits.ts) and audited; a preparation lives in the preparation store and
 * is discarded once superseded or used; the process continues as new whenever Temporal suggests
 * it, also while it waits (so a run's update limit never blocks the coordinator). Asked where each
 * change takes effect, so a process that began earlier takes it from its next such step.
 */
export const LINK_BOUNDS = 'link-bounds';

/**
 * Version 7: a decline is signed with the signer's e.firma and verified like a signature before
 * it ends the process. Asked in the decline's handler: every process, whenever it began, verifies
 * a decline that arrives from now on (the validators already refuse unsigned ones).
 */
export const SIGNED_DECLINE = 'signed-decline';

/**
 * Version 8: a signature made in the letter gets a TSA's token (PAdES B-T) right after it is
 * recorded, before the next signer's link goes out (or the confirmation, after the second); see
 * ProcessContext.stampSignature. Asked where a signature is accepted.
 */
export const SIGNATURE_TIMESTAMPS = 'signature-timestamps';

/**
 * Version 9: once both signatures are in (and stamped), the letter gets its validation data (/DSS:
 * certificates and CRLs for every signer and TSA, /VRI per signature) and a document time-stamp
 * over the whole file, PAdES B-LTA, before the confirmation goes out; see
 * ProcessContext.archiveLetter. Asked when the countersignature's stamp is settled.
 */
export const ARCHIVE_TIMESTAMP = 'archive-timestamp';

/**
 * Version 10: before it returns, an ended process writes its record (its final state, sealed) to
 * the archive in the object store (src/evidence/process-archive.ts), which outlives Temporal's
 * retention; the activity is retried until it succeeds. Asked once, when the process has ended.
 */
export const ARCHIVE_RECORD = 'archive-record';

/**
 * Version 10: the countersigning authority transferred to a successor (`transferInstitution`, an
 * update older code did not have): a new letter and link before the municipal signature, a new
 * countersigner before the countersignature. Asked in the update, where the change takes effect.
 */
export const INSTITUTION_TRANSFER = 'institution-transfer';
