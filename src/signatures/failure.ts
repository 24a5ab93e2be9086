import type { VerificationErrorCode } from '../domain/errors';

/**
 * Thrown inside the verifier when an input cannot be used at all (it cannot be parsed, or uses an
 * algorithm we do not accept). {@link SignatureVerifier.verify} turns it into a report; it never
 * escapes the library.
 */
export class InputRejected extends Error {
  override readonly name = 'InputRejected';
  constructor(
    readonly code: Extract<
      VerificationErrorCode,
      'MALFORMED_INPUT' | 'UNSUPPORTED_ALGORITHM' | 'PAYLOAD_TOO_LARGE' | 'VERIFICATION_LIMIT_EXCEEDED'
    >,
    message: string,
  ) {
    super(message);
  }
}

export const malformed = (message: string): InputRejected => new InputRejected('MALFORMED_INPUT', message);
export const unsupported = (message: string): InputRejected =>
  new InputRejected('UNSUPPORTED_ALGORITHM', message);
