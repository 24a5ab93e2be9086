/** Every process of a campaign, by visibility query, with its state from the `status` query. */
import type { ProcessState } from '../domain/process';
import { SearchAttributes } from '../domain/search-attributes';
import { forEachConcurrently } from '../lib/concurrency';
import { WORKFLOW_TYPE } from '../domain/process';

/** What reading a campaign needs of the process client (src/client/process-client.ts is one). */
export interface ProcessReader {
  readonly client: {
    readonly workflow: { list(options: { query: string }): AsyncIterable<{ readonly workflowId: string }> };
  };
  status(workflowId: string): Promise<ProcessState>;
}

export async function campaignStates(processes: ProcessReader, campaign: string): Promise<ProcessState[]> {
  const ids = new Set<string>();
  const query = `WorkflowType = '${WORKFLOW_TYPE}' AND ${SearchAttributes.campaign.name} = '${campaign}'`;
  for await (const execution of processes.client.workflow.list({ query })) ids.add(execution.workflowId);
  const states: ProcessState[] = [];
  await forEachConcurrently([...ids], 16, async (id) => {
    states.push(await processes.status(id));
  });
  return states.sort((a, b) => a.input.inegiCode.localeCompare(b.input.inegiCode));
}
