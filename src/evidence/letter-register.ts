/**
 * The register of signed letters kept for the long term (PAdES B-LTA): for each process whose
 * letter got an archive time-stamp, every edition of that letter, in the object store beside the
 * evidence, so that it outlives the process's history in Temporal.
 *
 * An edition is an index record, sealed like all evidence and written once, under
 * `letters/<workflow id>/<genTime of its archive time-stamp>`; the letter and the token are in the
 * evidence store by their SHA-256. The first edition is the letter as the process adopted it
 * (written when its dossier is assembled); each renewal adds one (a /DSS revision with the archive
 * TSA's validation data, then a new document time-stamp). The newest is the current letter: the
 * one `manifiesta evidence` exports and the renewal judges due. The editions of a process are its
 * renewal audit trail: what was renewed, when, by which TSA, and until when it holds.
 */
import type { Keyring } from '../codec/keyring';
import type { ArchiveTimestampRecord } from '../domain/process';
import type { ObjectStore } from '../storage';
import { seal, unseal } from '../storage/sealed';

export interface LetterEdition {
  readonly workflowId: string;
  /** SHA-256 of the letter (carta-firmada.pdf) in this edition, in the evidence store. */
  readonly letterSha256: string;
  readonly size: number;
  /** Its newest archive time-stamp (the one that covers the whole file). */
  readonly archive: ArchiveTimestampRecord;
  /** `archived`: as the process adopted it; `renewed`: a renewal of the edition before. */
  readonly reason: 'archived' | 'renewed';
  /** The letter this edition renews (null for the first). */
  readonly previousSha256: string | null;
  /** When the edition was recorded. */
  readonly recordedAt: string;
}

const PREFIX = 'letters/';
/** Workflow ids as the store keys them (they are `adhesion-<campaign>-<INEGI code>`: no personal data). */
const WORKFLOW_ID = /^[a-z0-9][a-z0-9._-]{0,150}$/;

export class LetterRegister {
  constructor(
    private readonly objects: ObjectStore,
    private readonly keyring: Keyring,
  ) {}

  /** Records an edition (once: the same archive time-stamp again changes nothing). */
  async record(edition: LetterEdition): Promise<'written' | 'exists'> {
    const key = keyOf(edition.workflowId, edition.archive.genTime);
    return this.objects.putOnce(
      key,
      seal(this.keyring, 'evidence', key, Buffer.from(JSON.stringify(edition))),
    );
  }

  /** Every edition of the process's letter, oldest first (none when it was never archived). */
  async editions(workflowId: string): Promise<LetterEdition[]> {
    const keys: string[] = [];
    for await (const key of this.objects.list(`${PREFIX}${checkedId(workflowId)}/`)) keys.push(key);
    const editions: LetterEdition[] = [];
    for (const key of keys.sort()) {
      const edition = await this.read(key);
      if (edition !== null) editions.push(edition);
    }
    return editions;
  }

  /** The current edition of the process's letter, or null. */
  async current(workflowId: string): Promise<LetterEdition | null> {
    return (await this.editions(workflowId)).at(-1) ?? null;
  }

  /**
   * The current edition of each letter whose archive time-stamp must be renewed before `before`
   * (its renewBy is earlier), at most `limit`, the most urgent first.
   */
  async due(before: Date, limit: number): Promise<LetterEdition[]> {
    const newest = new Map<string, string>();
    for await (const key of this.objects.list(PREFIX)) {
      const [, id, name] = key.split('/');
      if (!id || !name) continue;
      if ((newest.get(id) ?? '') < name) newest.set(id, name);
    }
    const due: LetterEdition[] = [];
    for (const [id, name] of newest) {
      const edition = await this.read(`${PREFIX}${id}/${name}`);
      if (edition !== null && Date.parse(edition.archive.renewBy) < before.getTime()) due.push(edition);
    }
    return due.sort((a, b) => Date.parse(a.archive.renewBy) - Date.parse(b.archive.renewBy)).slice(0, limit);
  }

  private async read(key: string): Promise<LetterEdition | null> {
    const stored = await this.objects.get(key);
    if (stored === null) return null;
    return JSON.parse(
      unseal(this.keyring, 'evidence', key, stored, { legacyPlaintext: false }).toString('utf8'),
    ) as LetterEdition;
  }
}

function checkedId(workflowId: string): string {
  if (!WORKFLOW_ID.test(workflowId)) throw new Error(`not a workflow id the register keeps: ${workflowId}`);
  return workflowId;
}

/** Fixed width, so that the names sort as the times do. */
function keyOf(workflowId: string, genTime: string): string {
  return `${PREFIX}${checkedId(workflowId)}/${String(Date.parse(genTime)).padStart(15, '0')}`;
}
