/** `manifiesta list`: processes via visibility queries on the search attributes. */
import { type Command, Option } from 'commander';
import { CAMPAIGN, Stage, STAGE_LABEL, type Stage as StageName } from '../../domain/process';
import { SearchAttributes } from '../../domain/search-attributes';
import { WORKFLOW_TYPE } from '../../domain/process';
import { UsageError } from '../errors';
import { withProcesses } from '../context';
import { dateTime } from '../format';

interface ListOptions {
  stage?: StageName;
  overdue?: boolean;
  ended?: boolean;
  campaign?: string;
  json?: boolean;
}

/** The visibility query for the filters (the same filters staff type in the Web UI). */
export function listQuery(options: ListOptions, now = new Date()): string {
  const clauses = [`WorkflowType = '${WORKFLOW_TYPE}'`];
  if (options.campaign) clauses.push(`${SearchAttributes.campaign.name} = '${options.campaign}'`);
  if (options.stage) clauses.push(`${SearchAttributes.stage.name} = '${options.stage}'`);
  if (options.overdue) {
    clauses.push(`ExecutionStatus = 'Running'`, `${SearchAttributes.deadline.name} < '${now.toISOString()}'`);
  }
  if (options.ended) clauses.push(`ExecutionStatus != 'Running'`);
  return clauses.join(' AND ');
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('Lista procesos, con filtros por etapa, vencimiento y campaña.')
    .addOption(new Option('--stage <etapa>', 'sólo los de esta etapa').choices(Object.values(Stage)))
    .option('--overdue', 'sólo los que pasaron su fecha límite')
    .option('--ended', 'sólo los terminados, también los que Temporal ya no guarda (del archivo)')
    .option('--campaign <campaña>', 'sólo los de esta campaña')
    .option('--json', 'imprime el resultado en JSON')
    .action(async (options: ListOptions) => {
      if (options.campaign !== undefined && !CAMPAIGN.test(options.campaign))
        throw new UsageError('--campaign no es válida');
      if (options.ended && options.overdue) throw new UsageError('--ended y --overdue no van juntas');
      await withProcesses(async ({ processes, archive }) => {
        const rows: {
          workflowId: string;
          inegiCode: string;
          municipality: string;
          campaign: string;
          stage: string;
          deadline: string | null;
          status: string;
        }[] = [];
        for await (const execution of processes.client.workflow.list({ query: listQuery(options) })) {
          const sa = execution.typedSearchAttributes;
          rows.push({
            workflowId: execution.workflowId,
            inegiCode: sa.get(SearchAttributes.inegiCode) ?? '',
            municipality: sa.get(SearchAttributes.municipality) ?? '',
            campaign: sa.get(SearchAttributes.campaign) ?? '',
            stage: sa.get(SearchAttributes.stage) ?? '',
            deadline: sa.get(SearchAttributes.deadline)?.toISOString() ?? null,
            status: execution.status.name,
          });
        }
        // Ended processes Temporal no longer has: from their records in the archive.
        if (options.ended) {
          const listed = new Set(rows.map((r) => r.workflowId));
          const records = options.campaign ? await archive.campaign(options.campaign) : await archive.all();
          for (const { state } of records) {
            if (listed.has(state.workflowId) || (options.stage && state.stage !== options.stage)) continue;
            rows.push({
              workflowId: state.workflowId,
              inegiCode: state.input.inegiCode,
              municipality: state.input.municipality,
              campaign: state.input.campaign,
              stage: state.stage,
              deadline: state.deadline,
              status: 'ARCHIVED',
            });
          }
        }
        rows.sort((a, b) => a.inegiCode.localeCompare(b.inegiCode) || a.campaign.localeCompare(b.campaign));
        if (options.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        const header = ['Clave', 'Municipio', 'Campaña', 'Etapa', 'Fecha límite'];
        const table = rows.map((r) => [
          r.inegiCode,
          r.municipality,
          r.campaign,
          STAGE_LABEL[r.stage as StageName] ?? r.stage,
          dateTime(r.deadline),
        ]);
        const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
        const line = (cells: string[]) =>
          cells
            .map((c, i) => c.padEnd(widths[i]!))
            .join('  ')
            .trimEnd();
        process.stdout.write(
          [line(header), ...table.map(line), `${rows.length} proceso(s)`].join('\n') + '\n',
        );
      });
    });
}
