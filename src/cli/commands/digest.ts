/**
 * `manifiesta digest schedule|send`: the coordinator's campaign digest. `schedule` creates (or
 * updates) a Temporal Schedule that sends it weekly; `send` sends it now.
 */
import type { ScheduleOptionsAction } from '@temporalio/client';
import { type Command, Option } from 'commander';
import type { Digest, DigestInput } from '../../campaigns/digest';
import { CAMPAIGN, EMAIL, STAGE_LABEL } from '../../domain/process';
import { UsageError } from '../errors';
import { withProcesses } from '../context';
import { upsertSchedule } from '../schedules';
import { defaultCoordinator } from './start';

const DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;

interface DigestOptions {
  campaign: string;
  to?: string;
  json?: boolean;
}

function digestInput(options: DigestOptions): DigestInput {
  if (!CAMPAIGN.test(options.campaign)) throw new UsageError('--campaign no es válida');
  const to = options.to ? { name: 'Coordinación', email: options.to } : defaultCoordinator({});
  if (!EMAIL.test(to.email)) throw new UsageError(`--to no es un correo válido (${to.email})`);
  return { campaign: options.campaign, to: [to], sinceDays: 7 };
}

export const scheduleId = (campaign: string): string => `digest-${campaign}`;

export function registerDigest(program: Command): void {
  const digest = program.command('digest').description('Resumen de una campaña para la coordinación.');

  digest
    .command('send')
    .description('Envía ahora el resumen: procesos por etapa, vencidos y cambios de la última semana.')
    .option('--campaign <campaña>', 'campaña', 'cga')
    .option('--to <correo>', 'destinatario (por omisión COORDINATOR_EMAIL)')
    .option('--json', 'imprime el resumen en JSON')
    .action(async (options: DigestOptions) => {
      const input = digestInput(options);
      await withProcesses(async ({ processes, config }) => {
        const result = (await processes.client.workflow.execute('campaignDigest', {
          taskQueue: config.taskQueue,
          workflowId: `${scheduleId(input.campaign)}-${new Date().toISOString()}`,
          args: [input],
        })) as Digest;
        if (options.json) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        const stages = Object.entries(result.byStage).filter(([, n]) => n > 0);
        process.stdout.write(
          [
            `Resumen de ${result.campaign} enviado a ${input.to.map((t) => t.email).join(', ')}: ${result.total} procesos`,
            ...stages.map(([stage, n]) => `  ${STAGE_LABEL[stage as keyof typeof STAGE_LABEL]}: ${n}`),
            `  con plazo vencido: ${result.overdue.length}; cambios en 7 días: ${result.changes.length}`,
          ].join('\n') + '\n',
        );
      });
    });

  digest
    .command('schedule')
    .description('Crea o actualiza el envío semanal del resumen (un Schedule de Temporal).')
    .option('--campaign <campaña>', 'campaña', 'cga')
    .option('--to <correo>', 'destinatario (por omisión COORDINATOR_EMAIL)')
    .addOption(
      new Option('--day <día>', 'día de la semana')
        .choices(DAYS.map((d) => d.toLowerCase()))
        .default('monday'),
    )
    .option('--hour <h>', 'hora (0–23, hora del centro de México)', '8')
    .action(async (options: DigestOptions & { day: string; hour: string }) => {
      const input = digestInput(options);
      const hour = Number(options.hour);
      if (!Number.isInteger(hour) || hour < 0 || hour > 23)
        throw new UsageError('--hour debe ser un entero de 0 a 23');
      await withProcesses(async ({ processes, config }) => {
        const id = scheduleId(input.campaign);
        const spec = {
          calendars: [{ dayOfWeek: options.day.toUpperCase() as (typeof DAYS)[number], hour, minute: 0 }],
          timezone: 'America/Mexico_City',
        };
        const action: ScheduleOptionsAction = {
          type: 'startWorkflow',
          workflowType: 'campaignDigest',
          taskQueue: config.taskQueue,
          args: [input],
          workflowId: id,
        };
        const { created, next: nextTime } = await upsertSchedule(processes.client, id, spec, action);
        const verb = created ? 'creado' : 'actualizado';
        const next = nextTime?.toISOString() ?? '—';
        process.stdout.write(
          `${id}: ${verb}; próximo envío ${next} a ${input.to.map((t) => t.email).join(', ')}\n`,
        );
      });
    });
}
