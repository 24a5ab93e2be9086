import { CodedError } from '../domain/coded-error';
import type { VerificationErrorCode } from '../domain/errors';

/** The codes of an input the verifier cannot use at all (it cannot be parsed, or uses an algorithm we do not accept). */
export type InputRejectionCode = Extract<
  VerificationErrorCode,
  'MALFORMED_INPUT' | 'UNSUPPORTED_ALGORITHM' | 'PAYLOAD_TOO_LARGE' | 'VERIFICATION_LIMIT_EXCEEDED'
>;

/**
 * Thrown inside the verifier for such an input; {@link SignatureVerifier.verify} turns it into a
 * report, so it never escapes the library. Its message is the technical detail the report keeps.
 */
export type InputRejected = CodedError<InputRejectionCode>;

const INPUT_REJECTION_CODES: ReadonlySet<string> = new Set<InputRejectionCode>([
  'MALFORMED_INPUT',
  'UNSUPPORTED_ALGORITHM',
  'PAYLOAD_TOO_LARGE',
  'VERIFICATION_LIMIT_EXCEEDED',
]);

export function isInputRejected(error: unknown): error is InputRejected {
  return error instanceof CodedError && INPUT_REJECTION_CODES.has(error.code);
}

export const rejected = (code: InputRejectionCode, message: string): InputRejected =>
  new CodedError(code, message);
export const malformed = (message: string): InputRejected => rejected('MALFORMED_INPUT', message);
export const unsupported = (message: string): InputRejected => rejected('UNSUPPORTED_ALGORITHM', message);
