import { ERROR_CODES, type ErrorCode } from './errors';
import type { VerificationReport } from './verification-report';

/**
 * A refusal with its public code: the one error class that crosses layers. The verifier throws it
 * for input it cannot use, the client for what the process refused, the portal and the CLI for
 * their own refusals; each transport says it in its own way (src/portal/http-status.ts gives the
 * HTTP status, src/cli/errors.ts the exit code), and nobody re-wraps it on the way.
 *
 * `message` is the code's Spanish message unless a more precise one is given; `report` is the
 * verification that refused, when one did.
 */
export class CodedError<C extends ErrorCode = ErrorCode> extends Error {
  override readonly name = 'CodedError';

  constructor(
    readonly code: C,
    message?: string,
    readonly report?: VerificationReport,
  ) {
    super(message ?? ERROR_CODES[code].message);
  }

  /** Whether the message says more than the code's own (a sentence worth passing on). */
  get detailed(): boolean {
    return this.message !== ERROR_CODES[this.code].message;
  }
}
