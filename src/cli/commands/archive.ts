/**
 * `manifiesta archive backfill --campaign C`: the record of each process of the campaign that
 * ended before processes wrote their own (version 10), read from Temporal while it still keeps
 * them (the namespace's retention) and written to the archive. Re-running it writes nothing twice.
 */
import { type Command } from 'commander';
import { CAMPAIGN, WORKFLOW_TYPE } from '../../domain/process';
import { isTerminal } from '../../domain/stages';
import { statusQuery } from '../../domain/messages';
import { SearchAttributes } from '../../domain/search-attributes';
import { UsageError } from '../errors';
import { withProcesses } from '../context';

interface BackfillSummary {
  readonly campaign: string;
  /** Records written now. */
  readonly written: readonly string[];
  /** Already in the archive. */
  readonly present: readonly string[];
  /** Closed executions whose state is not that of an ended process (terminated, failed). */
  readonly skipped: readonly { readonly workflowId: string; readonly why: string }[];
}

export function registerArchive(program: Command): void {
  const archive = program.command('archive').description('El archivo de los procesos terminados.');
  archive
    .command('backfill')
    .description(
      'Archiva los procesos terminados de una campaña que Temporal aún guarda y el archivo no tiene.',
    )
    .requiredOption('--campaign <campaña>', 'campaña')
    .option('--json', 'imprime el resumen en JSON')
    .action(async (options: { campaign: string; json?: boolean }) => {
      if (!CAMPAIGN.test(options.campaign)) throw new UsageError('--campaign no es válida');
      await withProcesses(async ({ processes, archive: records }) => {
        const query = `WorkflowType = '${WORKFLOW_TYPE}' AND ${SearchAttributes.campaign.name} = '${options.campaign}' AND ExecutionStatus != 'Running'`;
        const written: string[] = [];
        const present: string[] = [];
        const skipped: { workflowId: string; why: string }[] = [];
        for await (const execution of processes.client.workflow.list({ query })) {
          const { workflowId } = execution;
          let state;
          try {
            state = await processes.client.workflow.getHandle(workflowId, execution.runId).query(statusQuery);
          } catch (error) {
            skipped.push({
              workflowId,
              why: `su estado no se pudo leer (${(error as Error).message.slice(0, 120)})`,
            });
            continue;
          }
          if (!isTerminal(state.stage)) {
            skipped.push({
              workflowId,
              why: `${execution.status.name}: el proceso no terminó (${state.stage})`,
            });
            continue;
          }
          const result = await records.put(state, execution.closeTime ?? new Date());
          (result === 'written' ? written : present).push(workflowId);
        }
        const summary: BackfillSummary = { campaign: options.campaign, written, present, skipped };
        if (options.json) {
          process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          [
            `Archivo de ${options.campaign} (${records.location}): ${written.length} registro(s) escrito(s), ${present.length} ya estaba(n)`,
            ...written.map((id) => `  ${id}: archivado`),
            ...skipped.map((s) => `  ${s.workflowId}: no archivado: ${s.why}`),
          ].join('\n') + '\n',
        );
        if (skipped.length > 0) process.exitCode = 1;
      });
    });
}
