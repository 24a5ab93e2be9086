/**
 * Failures the process raises. Workflows throw only ApplicationFailure; its `type` is one of the
 * public error codes, so the portal and the CLI map it in one place (HTTP status, exit code).
 * None of these is retryable: the same input would be refused again.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ERROR_CODES, type ErrorCode } from './errors';

export function refusal(code: ErrorCode, detail?: string, details: unknown[] = []): ApplicationFailure {
  const message = detail ? `${ERROR_CODES[code].message} (${detail})` : ERROR_CODES[code].message;
  return ApplicationFailure.create({ type: code, message, nonRetryable: true, details });
}

/** Activity failure types (see src/activities): whether a retry can help is in the type. */
export const ActivityFailure = {
  /** SMTP said no for good (5xx, authentication, a refused envelope): retrying will not help. */
  EmailRejected: 'EMAIL_REJECTED',
  /** A stored document or piece of evidence is missing or altered. */
  EvidenceMissing: 'EVIDENCE_MISSING',
  /** Configuration that stops an activity from ever succeeding. */
  Misconfigured: 'MISCONFIGURED',
} as const;
