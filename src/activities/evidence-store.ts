/**
 * Documents and evidence in a folder (`EVIDENCE_DIR`), content-addressed by SHA-256: a file's name
 * is its digest, so storing twice is harmless (activity retries) and a read proves integrity.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class EvidenceStore {
  constructor(readonly dir: string) {}

  private pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a SHA-256 digest: ${sha256}`);
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  /** Stores bytes; returns their SHA-256 (hex). Written to a temporary name, then renamed: never half a file. */
  async put(bytes: Uint8Array): Promise<string> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const path = this.pathOf(sha256);
    try {
      await stat(path);
      return sha256; // already stored: same digest, same bytes
    } catch {
      // not yet stored
    }
    await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true });
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temporary, bytes);
    await rename(temporary, path);
    return sha256;
  }

  /**
   * Resolves when the store can be read (readiness; the portal only reads, and may have it
   * mounted read-only); rejects with the reason otherwise. A store not created yet is created.
   */
  async ready(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await access(this.dir, constants.R_OK | constants.X_OK);
  }

  /** The bytes stored under `sha256`, or null when absent; throws when the file no longer matches it. */
  async get(sha256: string): Promise<Buffer | null> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.pathOf(sha256));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) throw new Error(`evidence ${sha256} was altered on disk (now ${actual})`);
    return bytes;
  }
}
