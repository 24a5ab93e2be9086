/**
 * `manifiesta bulk-start <file.csv>`: start many processes. Every row is validated first (nothing
 * starts if any is bad, each named by its line); then starts run with bounded concurrency, a
 * progress bar on a terminal, and a summary: started, already running, failed with reasons. A
 * re-run starts only what is not running.
 */
import { readFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { type Command } from 'commander';
import { identifiedByName, parseCampaignCsv } from '../../campaigns/csv';
import { forEachConcurrently } from '../../lib/concurrency';
import { UsageError } from '../errors';
import { declaredCalendar, withProcesses } from '../context';
import { defaultCoordinator, parsePolicy } from './start';
import { CodedError } from '../../domain/coded-error';

interface BulkStartOptions {
  campaign: string;
  commissionerName?: string;
  commissionerEmail?: string;
  commissionerRfc?: string;
  commissionerCurp?: string;
  commissionerAnySigner?: boolean;
  coordinatorName?: string;
  coordinatorEmail?: string;
  letterDate?: string;
  policy?: string;
  concurrency: string;
  dryRun?: boolean;
  json?: boolean;
}

export function registerBulkStart(program: Command): void {
  program
    .command('bulk-start <file>')
    .description('Inicia los procesos de muchos municipios desde un CSV; se puede repetir sin duplicar.')
    .option('--campaign <campaña>', 'campaña', 'cga')
    .option('--commissioner-name <nombre>', 'comisionado(a) por omisión (columna comisionado_nombre)')
    .option('--commissioner-email <correo>', 'su correo (columna comisionado_email)')
    .option('--commissioner-rfc <rfc>', 'su RFC (columna comisionado_rfc)')
    .option('--commissioner-curp <curp>', 'su CURP (columna comisionado_curp)')
    .option(
      '--commissioner-any-signer',
      'sin RFC ni CURP, acepta la e.firma de cualquier persona (columna comisionado_cualquier_firmante)',
    )
    .option('--coordinator-name <nombre>', 'quién recibe las escalaciones')
    .option('--coordinator-email <correo>', 'correo para las escalaciones')
    .option('--letter-date <AAAA-MM-DD>', 'fecha de las cartas')
    .option('--policy <json>', 'plazos de la campaña (ver docs/process.md#policy)')
    .option('--concurrency <n>', 'inicios simultáneos', '8')
    .option('--dry-run', 'valida y dice qué se iniciaría, sin iniciar nada')
    .option('--json', 'imprime el resumen en JSON')
    .action(async (file: string, options: BulkStartOptions) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new UsageError(
          `no se pudo leer ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        );
      }
      const concurrency = Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
        throw new UsageError('--concurrency debe ser un entero de 1 a 64');
      const { inputs, problems } = parseCampaignCsv(text, {
        campaign: options.campaign,
        commissioner: {
          name: options.commissionerName,
          email: options.commissionerEmail,
          rfc: options.commissionerRfc ?? null,
          curp: options.commissionerCurp ?? null,
          ...(options.commissionerAnySigner ? { acceptAnySigner: true } : {}),
        },
        coordinator: defaultCoordinator(options),
        letterDate: options.letterDate,
        policy: parsePolicy(options.policy),
      });
      if (problems.length > 0) {
        for (const problem of problems) process.stderr.write(`${file}:${problem.line}: ${problem.message}\n`);
        const lines = new Set(problems.map((p) => p.line)).size;
        throw new CodedError('MALFORMED_INPUT', `${lines} fila(s) no válida(s); no se inició ningún proceso`);
      }

      // Without RFC or CURP the certificate's name must match exactly (accents and case aside): a
      // "Lic." or a missing surname would be refused at signing time, after the mail went out.
      for (const input of inputs) {
        const roles = identifiedByName(input);
        if (roles.length > 0)
          process.stderr.write(
            `${file}:${input.line}: aviso: sin RFC ni CURP (${roles.join(', ')}); se exigirá que el certificado lleve exactamente el nombre indicado\n`,
          );
      }
      const calendar = declaredCalendar();
      await withProcesses(async ({ processes, timeoutMs }) => {
        const started: string[] = [];
        const running: string[] = [];
        const wouldStart: string[] = [];
        const failed: { workflowId: string; line: number; code: string; reason: string }[] = [];
        const notAttempted: string[] = [];
        // Temporal unavailable: each call waits up to --timeout; once it has been unavailable
        // that long, the rows left are not attempted (a re-run starts them), and the coordinator
        // is told at once, not after the wait.
        let unavailableSince: number | null = null;
        const temporalAnswered = (): void => {
          if (unavailableSince !== null) process.stderr.write('Temporal responde de nuevo; se continúa.\n');
          unavailableSince = null;
        };
        const temporalFailed = (): void => {
          if (unavailableSince === null)
            process.stderr.write(
              `Temporal no responde; se reintenta hasta ${timeoutMs / 1000} s antes de dejar de iniciar.\n`,
            );
          unavailableSince ??= Date.now();
        };
        const bar =
          process.stderr.isTTY && !options.json
            ? new SingleBar({ format: 'Iniciando {bar} {value}/{total} procesos', hideCursor: true })
            : null;
        bar?.start(inputs.length, 0);
        await forEachConcurrently(inputs, concurrency, async (input) => {
          const workflowId = `adhesion-${input.campaign}-${input.inegiCode}`;
          if (unavailableSince !== null && Date.now() - unavailableSince > timeoutMs) {
            notAttempted.push(workflowId);
            bar?.increment();
            return;
          }
          try {
            if (options.dryRun) {
              const description = await processes
                .handle(workflowId)
                .describe()
                .catch(() => null);
              (description?.status.name === 'RUNNING' ? running : wouldStart).push(workflowId);
            } else {
              const { line, ...processInput } = input; // the line is for messages only
              await processes.start({ ...processInput, calendar });
              started.push(workflowId);
            }
            temporalAnswered();
          } catch (error) {
            if (error instanceof CodedError && error.code === 'PROCESS_ALREADY_RUNNING') {
              temporalAnswered();
              running.push(workflowId);
            } else {
              if (error instanceof CodedError && error.code === 'TEMPORAL_UNAVAILABLE') temporalFailed();
              failed.push({
                workflowId,
                line: input.line,
                code: error instanceof CodedError ? error.code : 'TEMPORAL_UNAVAILABLE',
                reason: error instanceof Error ? error.message : String(error),
              });
            }
          } finally {
            bar?.increment();
          }
        });
        bar?.stop();
        const summary = options.dryRun
          ? {
              dryRun: true,
              wouldStart: wouldStart.sort(),
              alreadyRunning: running.sort(),
              failed,
              notAttempted,
            }
          : { started: started.sort(), alreadyRunning: running.sort(), failed, notAttempted };
        if (options.json) {
          process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        } else {
          const lines = options.dryRun
            ? [`se iniciarían: ${wouldStart.length}`, `ya en curso:   ${running.length}`]
            : [
                `iniciados:   ${started.length}`,
                `ya en curso: ${running.length}`,
                `fallidos:    ${failed.length}`,
                ...(notAttempted.length > 0
                  ? [`sin intentar: ${notAttempted.length} (Temporal no respondió)`]
                  : []),
              ];
          for (const f of failed) lines.push(`  ${file}:${f.line} ${f.workflowId}: ${f.code}: ${f.reason}`);
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        if (notAttempted.length > 0 || failed.some((f) => f.code === 'TEMPORAL_UNAVAILABLE')) {
          throw new CodedError(
            'TEMPORAL_UNAVAILABLE',
            `Temporal no respondió durante ${timeoutMs / 1000} s; vuelva a ejecutar el mismo comando cuando esté disponible: inicia solo lo que falta`,
          );
        }
        if (failed.length > 0) process.exitCode = 1;
      });
    });
}
