/**
 * Local files that may hold personal data or secrets (DATA_DIR: logs, the outbox's messages with
 * their live signing links, keys, the evidence folder) are the owner's alone: folders 0700, files
 * 0600, whatever the umask. Another account on the machine reads none of it.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';

/** Owner only: read, write and enter. */
export const PRIVATE_DIR_MODE = 0o700;
/** Owner only: read and write. */
export const PRIVATE_FILE_MODE = 0o600;
/**
 * Entered, never listed or read, by others: for a folder on the way to one that another account
 * must reach (PostgreSQL's, when the stack runs as root and PostgreSQL as its own account).
 */
export const TRAVERSABLE_DIR_MODE = 0o711;

/**
 * Makes `dir` (and missing parents) and gives it `mode`, also when it already existed with a wider
 * one (a folder made by an earlier version). Returns `dir`.
 */
export function privateDir(dir: string, mode: number = PRIVATE_DIR_MODE): string {
  mkdirSync(dir, { recursive: true, mode });
  if ((statSync(dir).mode & 0o777) !== mode) chmodSync(dir, mode);
  return dir;
}
