import type { ErrorCode } from '../domain/errors';

/**
 * The CLI's exit codes (DESIGN §3): 0 ok, 1 the action was refused (a typed error is printed),
 * 2 usage error (bad flags, unreadable files, invalid configuration).
 */
export const ExitCode = { ok: 0, refused: 1, usage: 2 } as const;

/** Bad flags, unreadable files or invalid configuration: exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The action was refused with a typed error: exit 1, `CODE: message` printed. */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
