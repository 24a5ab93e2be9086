/**
 * The CLI's exit codes (DESIGN §3): 0 ok, 1 the action was refused (a typed error is printed),
 * 2 usage error (bad flags, unreadable files, invalid configuration). A refusal is a
 * CodedError (src/domain/coded-error.ts) (exit 1, `CODE: message` printed); anything else is unexpected (exit 1, whole).
 */
export const ExitCode = { ok: 0, refused: 1, usage: 2 } as const;

/** Bad flags, unreadable files or invalid configuration: exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
