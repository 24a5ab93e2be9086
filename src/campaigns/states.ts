/**
 * Every process of a campaign: the ended ones whose record is in the archive, and the rest by
 * visibility query, with its state from the `status` query (a process ended but still in Temporal
 * is read from its record, which is the same final state, without replaying it).
 */
import type { ProcessState } from '../domain/process';
import { SearchAttributes } from '../domain/search-attributes';
import { forEachConcurrently } from '../lib/concurrency';
import { WORKFLOW_TYPE } from '../domain/process';

/** What reading a campaign needs of the process client (src/client/process-client.ts is one). */
export interface ProcessReader {
  readonly client: {
    readonly workflow: {
      list(options: {
        query: string;
      }): AsyncIterable<{ readonly workflowId: string; readonly status: { readonly name: string } }>;
    };
  };
  status(workflowId: string): Promise<ProcessState>;
  /** The ended processes of the campaign kept in the archive (src/evidence/process-archive.ts). */
  archived?(campaign: string): Promise<ProcessState[]>;
}

export async function campaignStates(processes: ProcessReader, campaign: string): Promise<ProcessState[]> {
  const archived = new Map(
    (processes.archived ? await processes.archived(campaign) : []).map((state) => [state.workflowId, state]),
  );
  // A running execution is read live even when its workflow ID has a record: a municipality
  // started again after its first process ended.
  const ids = new Set<string>();
  const query = `WorkflowType = '${WORKFLOW_TYPE}' AND ${SearchAttributes.campaign.name} = '${campaign}'`;
  for await (const execution of processes.client.workflow.list({ query })) {
    if (execution.status.name === 'RUNNING' || !archived.has(execution.workflowId)) {
      ids.add(execution.workflowId);
      archived.delete(execution.workflowId);
    }
  }
  const states: ProcessState[] = [...archived.values()];
  const live = [...ids];
  await forEachConcurrently(live, 16, async (id) => {
    states.push(await processes.status(id));
  });
  return states.sort((a, b) => a.input.inegiCode.localeCompare(b.input.inegiCode));
}
