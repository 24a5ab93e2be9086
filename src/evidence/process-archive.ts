/**
 * The archive of ended processes: the record of each process that ended (Completed, Declined,
 * Expired, Withdrawn), written by the process itself before it returns (version 10), so that it
 * outlives Temporal's retention of closed executions (30 days in the production stack, at most 90
 * on Temporal Cloud) while a campaign lasts months and its records years.
 *
 * A record is the process's final state (its input, stages, signatures with their verification
 * reports, evidence references, dossiers, audit trail), sealed like all evidence (it holds personal
 * data: AES-256-GCM under the payload keyring, never plaintext in the store) and written once under
 * `archive/<campaign>/<workflow id>/<first run id>`: the campaign is the index, and a workflow ID
 * that names a later process (a municipality started again after a withdrawal) keeps each run's
 * record apart. `status`, `report`, `list --ended`, `evidence` and the digest read ended processes
 * from here when Temporal no longer has them.
 */
import type { Keyring } from '../codec/keyring';
import { CAMPAIGN, type ProcessState } from '../domain/process';
import type { ObjectStore } from '../storage';
import { seal, unseal } from '../storage/sealed';

export interface ArchivedProcess {
  /** When the record was written. */
  readonly archivedAt: string;
  /** The process's final state. */
  readonly state: ProcessState;
}

const PREFIX = 'archive/';
const WORKFLOW_ID = /^adhesion-([a-z0-9][a-z0-9-]{0,39})-\d{5}$/;

/** The campaign a workflow ID names (`adhesion-<campaign>-<clave INEGI>`), or null for another ID. */
export function campaignOf(workflowId: string): string | null {
  const campaign = WORKFLOW_ID.exec(workflowId)?.[1];
  return campaign !== undefined && CAMPAIGN.test(campaign) ? campaign : null;
}

export class ProcessArchive {
  constructor(
    /** The object store it is in (records of other kinds, such as access records, go beside it). */
    readonly objects: ObjectStore,
    readonly keyring: Keyring,
  ) {}

  /** Where the archive is, for messages. */
  get location(): string {
    return this.objects.location;
  }

  /** Writes the record of an ended process (once: the same run again changes nothing). */
  async put(state: ProcessState, archivedAt: Date): Promise<'written' | 'exists'> {
    const key = `${PREFIX}${state.input.campaign}/${state.workflowId}/${state.runId}`;
    const record: ArchivedProcess = { archivedAt: archivedAt.toISOString(), state };
    return this.objects.putOnce(
      key,
      seal(this.keyring, 'evidence', key, Buffer.from(JSON.stringify(record))),
    );
  }

  /** The newest archived process under `workflowId`, or null. */
  async get(workflowId: string): Promise<ArchivedProcess | null> {
    const campaign = campaignOf(workflowId);
    if (campaign === null) return null;
    return newest(await this.read(`${PREFIX}${campaign}/${workflowId}/`)).at(0) ?? null;
  }

  /** The newest archived process under each workflow ID of the campaign. */
  async campaign(campaign: string): Promise<ArchivedProcess[]> {
    if (!CAMPAIGN.test(campaign)) return [];
    return newest(await this.read(`${PREFIX}${campaign}/`));
  }

  /** The newest archived process under each workflow ID, every campaign. */
  async all(): Promise<ArchivedProcess[]> {
    return newest(await this.read(PREFIX));
  }

  private async read(prefix: string): Promise<ArchivedProcess[]> {
    const keys: string[] = [];
    for await (const key of this.objects.list(prefix)) keys.push(key);
    const records: ArchivedProcess[] = [];
    // A few at a time: a campaign is thousands of records, each one read from the store.
    for (let i = 0; i < keys.length; i += 32) {
      const batch = await Promise.all(keys.slice(i, i + 32).map((key) => this.readOne(key)));
      for (const record of batch) if (record !== null) records.push(record);
    }
    return records;
  }

  private async readOne(key: string): Promise<ArchivedProcess | null> {
    const stored = await this.objects.get(key);
    if (stored === null) return null;
    return JSON.parse(
      unseal(this.keyring, 'evidence', key, stored, { legacyPlaintext: false }).toString('utf8'),
    ) as ArchivedProcess;
  }
}

/** The newest record of each workflow ID (a later run of the same ID wins), by clave INEGI. */
function newest(records: readonly ArchivedProcess[]): ArchivedProcess[] {
  const byId = new Map<string, ArchivedProcess>();
  for (const record of records) {
    const known = byId.get(record.state.workflowId);
    if (known === undefined || known.archivedAt < record.archivedAt)
      byId.set(record.state.workflowId, record);
  }
  return [...byId.values()].sort((a, b) => a.state.input.inegiCode.localeCompare(b.state.input.inegiCode));
}
