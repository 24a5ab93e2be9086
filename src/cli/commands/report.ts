/** `manifiesta report`: one row per municipality of a campaign, as CSV or JSON. */
import { type Command, Option } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { deadlineCounting } from '../../domain/schedule';
import { institutionOf, STAGE_LABEL, type ProcessState } from '../../domain/process';
import { campaignStates } from '../../campaigns/states';
import { withProcesses } from '../context';

export interface ReportRow {
  readonly clave_inegi: string;
  readonly municipio: string;
  readonly campana: string;
  readonly etapa: string;
  readonly etapa_descripcion: string;
  readonly fecha_limite: string;
  /** How the deadline is counted: "días hábiles" or "días naturales" (empty without one). */
  readonly plazo_en: string;
  readonly firma_municipal: string;
  readonly firmante_municipal: string;
  readonly contrafirma: string;
  readonly firmante_instituto: string;
  readonly instalacion: string;
  readonly recordatorios: number;
  readonly motivo: string;
  readonly workflow_id: string;
  /** The countersigning institution now (its short name): a transfer may have changed it. */
  readonly institucion: string;
}

/** The report's columns, in order (the CSV header even when the campaign is empty). */
export const REPORT_COLUMNS: readonly (keyof ReportRow)[] = [
  'clave_inegi',
  'municipio',
  'campana',
  'etapa',
  'etapa_descripcion',
  'fecha_limite',
  'firma_municipal',
  'firmante_municipal',
  'contrafirma',
  'firmante_instituto',
  'instalacion',
  'recordatorios',
  'motivo',
  'workflow_id',
  'plazo_en',
  'institucion',
];

export function reportRow(state: ProcessState): ReportRow {
  return {
    clave_inegi: state.input.inegiCode,
    municipio: state.input.municipality,
    campana: state.input.campaign,
    etapa: state.stage,
    etapa_descripcion: STAGE_LABEL[state.stage],
    fecha_limite: state.deadline ?? '',
    plazo_en: state.deadline ? deadlineCounting(state.plan) : '',
    firma_municipal: state.signatures.municipal?.receivedAt ?? '',
    firmante_municipal: state.signers.municipal.name,
    contrafirma: state.signatures.institute?.receivedAt ?? '',
    firmante_instituto: state.signers.institute.name,
    instalacion: state.installation?.date ?? '',
    recordatorios: state.remindersSent.length,
    motivo: state.outcome ?? '',
    workflow_id: state.workflowId,
    institucion: institutionOf(state).shortName,
  };
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Una fila por municipio de la campaña: etapa, fechas de firma, fecha límite, recordatorios.')
    .option('--campaign <campaña>', 'campaña', 'cga')
    .addOption(new Option('--format <formato>', 'csv o json').choices(['csv', 'json']).default('csv'))
    .action(async (options: { campaign: string; format: 'csv' | 'json' }) => {
      await withProcesses(async ({ processes }) => {
        const rows = (await campaignStates(processes, options.campaign)).map(reportRow);
        process.stdout.write(
          options.format === 'json'
            ? `${JSON.stringify(rows, null, 2)}\n`
            : stringify(rows, { header: true, columns: [...REPORT_COLUMNS] }),
        );
      });
    });
}
