/** Every process of a campaign, by visibility query, with its state from the `status` query. */
import type { ProcessState } from '../domain/process';
import { SearchAttributes } from '../domain/search-attributes';
import { pool } from '../pool';
import { WORKFLOW_TYPE, type ProcessClient } from '../process-client';

export async function campaignStates(processes: ProcessClient, campaign: string): Promise<ProcessState[]> {
  const ids = new Set<string>();
  const query = `WorkflowType = '${WORKFLOW_TYPE}' AND ${SearchAttributes.campaign.name} = '${campaign}'`;
  for await (const execution of processes.client.workflow.list({ query })) ids.add(execution.workflowId);
  const states: ProcessState[] = [];
  await pool([...ids], 16, async (id) => {
    states.push(await processes.status(id));
  });
  return states.sort((a, b) => a.input.inegiCode.localeCompare(b.input.inegiCode));
}
