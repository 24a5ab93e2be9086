/**
 * `manifiesta renewal run|schedule`: renewing the archive time-stamps of signed letters (PAdES
 * B-LTA) before their TSA's certificate expires. `schedule` creates (or updates) the Temporal
 * Schedule that runs the renewal every day; `run` runs it now and prints what it did.
 */
import type { ScheduleOptionsAction } from '@temporalio/client';
import { type Command } from 'commander';
import { mexicoCityText } from '../../domain/schedule';
import type { RenewalInput, RenewalSummary } from '../../workflows/letter-renewal';
import { UsageError } from '../errors';
import { withProcesses } from '../context';
import { upsertSchedule } from '../schedules';

export const RENEWAL_SCHEDULE_ID = 'archive-renewal';

function renewalInput(options: { horizonDays: string }): RenewalInput {
  const horizonDays = Number(options.horizonDays);
  if (!Number.isInteger(horizonDays) || horizonDays < 1 || horizonDays > 3650)
    throw new UsageError('--horizon-days debe ser un entero de 1 a 3650');
  return { horizonDays };
}

export function registerRenewal(program: Command): void {
  const renewal = program
    .command('renewal')
    .description('Renovación de los sellos de archivo de las cartas firmadas (PAdES B-LTA).');

  renewal
    .command('run')
    .description('Renueva ahora los sellos de archivo que vencen dentro del horizonte.')
    .option('--horizon-days <días>', 'renueva lo que vence dentro de estos días', '90')
    .option('--json', 'imprime el resumen en JSON')
    .action(async (options: { horizonDays: string; json?: boolean }) => {
      const input = renewalInput(options);
      await withProcesses(async ({ processes, config }) => {
        const summary = (await processes.client.workflow.execute('renewArchiveTimestamps', {
          taskQueue: config.taskQueue,
          workflowId: `${RENEWAL_SCHEDULE_ID}-${new Date().toISOString()}`,
          args: [input],
        })) as RenewalSummary;
        // Not everything due was renewed: a script or a monitor notices.
        if (summary.failed.length > 0 || summary.tsaNotLater.length > 0) process.exitCode = 1;
        if (options.json) {
          process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          [
            `Sellos de archivo que vencen antes del ${mexicoCityText(summary.before)}: ${summary.due}; renovados ${summary.renewed.length}${summary.failed.length > 0 ? `; no renovados ${summary.failed.length} (se reintentan en la próxima ejecución)` : ''}`,
            ...summary.renewed.map(
              (r) => `  ${r.workflowId}: renovado, vigente hasta el ${mexicoCityText(r.renewBy)}`,
            ),
            ...summary.failed.map((id) => `  ${id}: NO renovado (la causa está en la Web UI de Temporal)`),
            ...summary.tsaNotLater.map(
              (n) =>
                `  ${n.workflowId}: NO renovado: el certificado de la TSA vence el ${mexicoCityText(n.tsaValidUntil)}, no después del sello actual; la TSA debe renovar su certificado (o TSA_URL nombrar otra) antes de esa fecha`,
            ),
          ].join('\n') + '\n',
        );
      });
    });

  renewal
    .command('schedule')
    .description('Crea o actualiza la renovación diaria (un Schedule de Temporal).')
    .option('--horizon-days <días>', 'renueva lo que vence dentro de estos días', '90')
    .option('--hour <h>', 'hora (0–23, hora del centro de México)', '3')
    .action(async (options: { horizonDays: string; hour: string }) => {
      const input = renewalInput(options);
      const hour = Number(options.hour);
      if (!Number.isInteger(hour) || hour < 0 || hour > 23)
        throw new UsageError('--hour debe ser un entero de 0 a 23');
      await withProcesses(async ({ processes, config }) => {
        const spec = { calendars: [{ hour, minute: 0 }], timezone: 'America/Mexico_City' };
        const action: ScheduleOptionsAction = {
          type: 'startWorkflow',
          workflowType: 'renewArchiveTimestamps',
          taskQueue: config.taskQueue,
          args: [input],
          workflowId: RENEWAL_SCHEDULE_ID,
        };
        const { created, next } = await upsertSchedule(processes.client, RENEWAL_SCHEDULE_ID, spec, action);
        process.stdout.write(
          `${RENEWAL_SCHEDULE_ID}: renovación diaria ${created ? 'creada' : 'actualizada'}; próxima ejecución ${next ? mexicoCityText(next.toISOString()) : '—'}\n`,
        );
      });
    });
}
