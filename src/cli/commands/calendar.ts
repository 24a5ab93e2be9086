/**
 * `manifiesta calendar`: días hábiles for coordinators. `deadline` counts a deadline as the
 * process does, `show` lists a year's non-working days, and `replan` has a campaign's running
 * processes plan their current stage again when the institute publishes new días inhábiles.
 */
import type { Command } from 'commander';
import {
  addDays,
  END_OF_DAY,
  isIsoDate,
  mexicoCityTime,
  WorkingCalendar,
  type NonWorkingDay,
} from '../../domain/calendar';
import { replanCalendarUpdate } from '../../domain/messages';
import { SearchAttributes } from '../../domain/search-attributes';
import { WORKFLOW_TYPE } from '../../domain/process';
import { ExitCode, UsageError } from '../errors';
import { actor, declaredCalendar, requirePositiveInteger, withProcesses } from '../context';
import { mexicoCityDateTime } from '../format';
import { CodedError } from '../../domain/coded-error';

/** "martes 8 de diciembre de 2026" */
export function spanishDay(date: string): string {
  return new Intl.DateTimeFormat('es-MX', {
    timeZone: 'UTC',
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  })
    .format(new Date(`${date}T12:00:00Z`))
    .replace(',', '');
}

const weekdayOf = (date: string): string =>
  new Intl.DateTimeFormat('es-MX', { timeZone: 'UTC', weekday: 'long' }).format(
    new Date(`${date}T12:00:00Z`),
  );

const inhabilesOption = [
  '--inhabiles <archivo>',
  'días inhábiles declarados por la institución, CSV fecha,motivo[,acuerdo] (por omisión INHABILES_FILE)',
] as const;

export function registerCalendar(program: Command): void {
  const calendar = program
    .command('calendar')
    .description('Días hábiles: cuenta plazos, muestra los días inhábiles y vuelve a planear procesos.');

  calendar
    .command('deadline')
    .description('El último día de un plazo en días hábiles, contado desde el día hábil siguiente a --from.')
    .requiredOption('--from <AAAA-MM-DD>', 'el día del inicio (de la notificación)')
    .requiredOption('--business-days <n>', 'días hábiles del plazo')
    .option(...inhabilesOption)
    .option('--json', 'imprime el resultado en JSON')
    .action((options: { from: string; businessDays: string; inhabiles?: string; json?: boolean }) => {
      if (!isIsoDate(options.from))
        throw new UsageError(`--from debe ser una fecha AAAA-MM-DD (recibido: ${options.from})`);
      const n = requirePositiveInteger(options.businessDays, '--business-days');
      if (n > 2000) throw new UsageError('--business-days: a lo más 2000');
      const working = new WorkingCalendar(declaredCalendar(options.inhabiles).declared);
      const deadline = working.addWorkingDays(options.from, n);
      const endsAt = new Date(mexicoCityTime(deadline, END_OF_DAY)).toISOString();
      const skipped: { date: string; reason: string }[] = [];
      for (let day = addDays(options.from, 1); day <= deadline; day = addDays(day, 1)) {
        const reason = working.nonWorkingReason(day);
        if (reason !== null) skipped.push({ date: day, reason });
      }
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify({ from: options.from, businessDays: n, deadline, endsAt, calendarVersion: working.version, skipped }, null, 2)}\n`,
        );
        return;
      }
      const holidays = skipped.filter((s) => s.reason !== 'sábado' && s.reason !== 'domingo');
      const weekends = skipped.length - holidays.length;
      const lines = [
        `Plazo de ${n} ${n === 1 ? 'día hábil' : 'días hábiles'} desde el ${spanishDay(options.from)}:`,
        `  Último día:  ${spanishDay(deadline)}`,
        `  Termina:     ${mexicoCityDateTime(endsAt)} = ${endsAt}`,
        `  No se cuentan: ${weekends} días de fin de semana${holidays.length ? ` y ${holidays.length} inhábiles:` : ''}`,
        ...holidays.map((h) => `    ${h.date}  ${weekdayOf(h.date).padEnd(9)}  ${h.reason}`),
        `  Calendario:  ${working.version}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  calendar
    .command('show <año>')
    .description('Los días inhábiles de un año y su motivo (sin los sábados y domingos).')
    .option(...inhabilesOption)
    .option('--json', 'imprime la lista en JSON')
    .action((yearText: string, options: { inhabiles?: string; json?: boolean }) => {
      const year = Number(yearText);
      if (!/^\d{4}$/.test(yearText) || year < 1970 || year > 2200)
        throw new UsageError(`el año debe tener cuatro cifras (recibido: ${yearText})`);
      const working = new WorkingCalendar(declaredCalendar(options.inhabiles).declared);
      const days = working.nonWorkingDays(year);
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify({ year, calendarVersion: working.version, days: days.map((d) => ({ ...d, weekday: weekdayOf(d.date) })) }, null, 2)}\n`,
        );
        return;
      }
      const width = Math.max(...days.map((d) => d.reason.length), 6);
      const source = (d: NonWorkingDay): string =>
        d.source === 'ley' ? 'LFT art. 74' : (d.acuerdo ?? 'declarado');
      const lines = [
        `Días inhábiles de ${year} (además de sábados y domingos) — calendario ${working.version}`,
        ...days.map(
          (d) => `${d.date}  ${weekdayOf(d.date).padEnd(9)}  ${d.reason.padEnd(width)}  ${source(d)}`,
        ),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  calendar
    .command('replan')
    .description(
      'Con días inhábiles nuevos, vuelve a planear la etapa actual (fecha límite, recordatorios, vencimiento) de los procesos en curso de una campaña.',
    )
    .option('--campaign <campaña>', 'campaña', 'cga')
    .option(...inhabilesOption)
    .option('--json', 'imprime el resultado en JSON')
    .action(async (options: { campaign: string; inhabiles?: string; json?: boolean }) => {
      const calendarData = declaredCalendar(options.inhabiles);
      const version = new WorkingCalendar(calendarData.declared).version;
      await withProcesses(async ({ processes }) => {
        const query = `WorkflowType = '${WORKFLOW_TYPE}' AND ${SearchAttributes.campaign.name} = '${options.campaign}' AND ExecutionStatus = 'Running'`;
        const ids: string[] = [];
        for await (const execution of processes.client.workflow.list({ query }))
          ids.push(execution.workflowId);
        ids.sort();
        const results: { workflowId: string; deadline?: string; code?: string; message?: string }[] = [];
        for (const workflowId of ids) {
          try {
            const result = await processes.update(workflowId, replanCalendarUpdate, {
              calendar: calendarData,
              actor: actor(),
            });
            results.push({ workflowId, deadline: result.deadline });
          } catch (error) {
            if (!(error instanceof CodedError)) throw error;
            results.push({ workflowId, code: error.code, message: error.message });
          }
        }
        const failed = results.filter((r) => r.code !== undefined && r.code !== 'WRONG_STAGE');
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ calendarVersion: version, results }, null, 2)}\n`);
        } else {
          for (const r of results)
            process.stdout.write(
              r.deadline
                ? `${r.workflowId}: fecha límite ${mexicoCityDateTime(r.deadline)}\n`
                : `${r.workflowId}: sin cambios — ${r.code}: ${r.message}\n`,
            );
          process.stdout.write(
            `${results.filter((r) => r.deadline).length} de ${results.length} procesos en curso planeados con el calendario ${version}\n`,
          );
        }
        if (failed.length > 0) process.exitCode = ExitCode.refused;
      });
    });
}
