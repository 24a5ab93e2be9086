/** `manifiesta record-installation`: the installed secretariat and its minutes; completes the process. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type Command } from 'commander';
import {
  MAX_MINUTES_BYTES,
  recordInstallationUpdate,
  type InstallationMemberInput,
} from '../../domain/messages';
import { SECTORS, type Sector } from '../../domain/process';
import { resolveWorkflowId } from '../../process-client';
import { UsageError } from '../errors';
import { actor, withProcesses } from '../context';

/** "Nombre|Sector|Cargo" */
export function parseMember(
  value: string,
  previous: InstallationMemberInput[] = [],
): InstallationMemberInput[] {
  const parts = value.split('|').map((p) => p.trim());
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) {
    throw new UsageError(`--member debe ser "Nombre|Sector|Cargo" (recibido: ${value})`);
  }
  const [name, sector, position] = parts as [string, string, string];
  if (!SECTORS.includes(sector as Sector))
    throw new UsageError(`sector «${sector}» desconocido; use ${SECTORS.join(', ')}`);
  return [...previous, { name, sector: sector as Sector, position }];
}

export function registerRecordInstallation(program: Command): void {
  program
    .command('record-installation <id>')
    .description('Registra la instalación del Secretariado Técnico Municipal y concluye el proceso.')
    .requiredOption('--date <AAAA-MM-DD>', 'fecha de instalación')
    .requiredOption('--minutes <acta.pdf>', 'el acta de instalación firmada')
    .option(
      '--member <"Nombre|Sector|Cargo">',
      `integrante (repetible); sectores: ${SECTORS.join(', ')}`,
      parseMember,
      [],
    )
    .option('--campaign <campaña>', 'campaña, cuando <id> es una clave INEGI', 'cga')
    .action(
      async (
        id: string,
        options: { date: string; minutes: string; member: InstallationMemberInput[]; campaign: string },
      ) => {
        let minutes: Buffer;
        try {
          minutes = readFileSync(options.minutes);
        } catch (error) {
          throw new UsageError(
            `no se pudo leer el acta ${options.minutes}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
          );
        }
        if (minutes.length > MAX_MINUTES_BYTES)
          throw new UsageError(`el acta excede ${MAX_MINUTES_BYTES} bytes`);
        if (options.member.length === 0)
          throw new UsageError('indique al menos un --member "Nombre|Sector|Cargo"');
        await withProcesses(async ({ processes }) => {
          const workflowId = resolveWorkflowId(id, options.campaign);
          const result = await processes.update(workflowId, recordInstallationUpdate, {
            date: options.date,
            members: options.member,
            minutes: { fileName: basename(options.minutes), contentBase64: minutes.toString('base64') },
            actor: actor(),
          });
          process.stdout.write(`${workflowId}: ${result.stage}\n`);
        });
      },
    );
}
