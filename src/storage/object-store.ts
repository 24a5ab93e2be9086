/**
 * Where evidence (letters, signatures, minutes, dossiers) and the mail ledger are kept: a folder
 * (`EVIDENCE_DIR`, for one machine) or an S3-compatible object store (`EVIDENCE_URL=s3://bucket/
 * prefix`, shared by every worker and portal). Objects are written once: a second write of a key
 * is reported, never applied, and the store itself guarantees it (a hard link in the folder,
 * `If-None-Match: *` in S3), so two workers racing cannot overwrite each other.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, link, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

export interface ObjectStore {
  /** Writes `bytes` under `key` unless something is there: `written`, or `exists` (left as it was). */
  putOnce(key: string, bytes: Uint8Array): Promise<'written' | 'exists'>;
  /** The bytes under `key`, or null when there is none. Throws {@link StoreUnavailableError}. */
  get(key: string): Promise<Buffer | null>;
  /**
   * Removes `key` (nothing when absent). Only for what is not evidence: a PAdES preparation that
   * was superseded or used. Evidence is never deleted.
   */
  delete(key: string): Promise<void>;
  /**
   * Writes `bytes` over what `key` holds. Only `manifiesta reseal` does this, re-encrypting an
   * object under the current key after checking that it reads back the same.
   */
  replace(key: string, bytes: Uint8Array): Promise<void>;
  /** Every key under `prefix` (`''` for all), in no particular order. */
  list(prefix: string): AsyncIterable<string>;
  /** Resolves when the store answers (readiness); rejects with the reason otherwise. */
  ready(): Promise<void>;
  /** Where it is, for messages (never with credentials). */
  readonly location: string;
}

/** The store could not be reached or answered with an error: worth retrying later. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

const KEY = /^[a-z0-9][a-z0-9/._-]{0,200}$/;

export function checkKey(key: string): string {
  if (!KEY.test(key) || key.includes('..')) throw new Error(`not a store key: ${key}`);
  return key;
}

export class FolderObjectStore implements ObjectStore {
  constructor(readonly dir: string) {}

  get location(): string {
    return this.dir;
  }

  async putOnce(key: string, bytes: Uint8Array): Promise<'written' | 'exists'> {
    const path = join(this.dir, checkKey(key));
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // Written whole under a temporary name, then linked into place: link() refuses an existing
    // name, so the object appears complete and at most once.
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temporary, bytes, { mode: 0o600 });
    try {
      await link(temporary, path);
      return 'written';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw error;
    } finally {
      await unlink(temporary).catch(() => {});
    }
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(join(this.dir, checkKey(key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new StoreUnavailableError(`the evidence folder cannot be read: ${(error as Error).message}`);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(join(this.dir, checkKey(key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  async replace(key: string, bytes: Uint8Array): Promise<void> {
    const path = join(this.dir, checkKey(key));
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temporary, bytes, { mode: 0o600 });
    await rename(temporary, path); // atomic: a reader sees the old object or the new, whole
  }

  async *list(prefix: string): AsyncIterable<string> {
    let entries;
    try {
      entries = await readdir(join(this.dir, prefix), { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.endsWith('.tmp')) continue;
      const key = relative(this.dir, join(entry.parentPath, entry.name)).split(sep).join('/');
      if (KEY.test(key)) yield key;
    }
  }

  /** A store not created yet is created; the portal only needs to read it (it may be mounted read-only). */
  async ready(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await access(this.dir, constants.R_OK | constants.X_OK);
  }
}
