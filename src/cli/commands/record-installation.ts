/** `manifiesta record-installation`: the installed secretariat and its minutes; completes the process. */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { type Command } from 'commander';
import type { Keyring } from '../../codec/keyring';
import { storeLocation } from '../../config';
import { openStores } from '../../storage';
import { ERROR_CODES } from '../../domain/errors';
import {
  MAX_MINUTES_BYTES,
  recordInstallationUpdate,
  type FileReference,
  type InstallationMemberInput,
} from '../../domain/messages';
import { SECTORS, type Sector } from '../../domain/process';
import { resolveWorkflowId } from '../../domain/start-input';
import { UsageError } from '../errors';
import { actor, withProcesses } from '../context';
import { CodedError } from '../../domain/coded-error';

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
        if (options.member.length === 0)
          throw new UsageError('indique al menos un --member "Nombre|Sector|Cargo"');
        const minutes = readMinutes(options.minutes);
        await withProcesses(async ({ processes, config }) => {
          const workflowId = resolveWorkflowId(id, options.campaign);
          // Claim check: the file goes to the evidence store, the update carries its reference.
          const reference = await storeFile(
            config.keyring,
            minutes,
            basename(options.minutes),
            'application/pdf',
          );
          const result = await processes.update(workflowId, recordInstallationUpdate, {
            date: options.date,
            members: options.member,
            minutes: reference,
            actor: actor(),
          });
          process.stdout.write(`${workflowId}: ${result.stage}\n`);
        });
      },
    );
}

/** The minutes file, refused before anything is stored when it is too large or not a PDF. */
function readMinutes(path: string): Buffer {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    throw new UsageError(
      `no se pudo leer el acta ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  if (size > MAX_MINUTES_BYTES) {
    throw new CodedError(
      'PAYLOAD_TOO_LARGE',
      `${ERROR_CODES.PAYLOAD_TOO_LARGE.message} El acta pesa ${(size / 1024 / 1024).toFixed(1)} MiB; el máximo es ${MAX_MINUTES_BYTES / 1024 / 1024} MiB.`,
    );
  }
  const bytes = readFileSync(path);
  if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-')
    throw new CodedError(
      'MALFORMED_INPUT',
      `${ERROR_CODES.MALFORMED_INPUT.message} El acta debe ser un PDF.`,
    );
  return bytes;
}

/** Puts a file into the evidence store and returns the reference an update carries. */
async function storeFile(
  keyring: Keyring,
  bytes: Buffer,
  fileName: string,
  mediaType: string,
): Promise<FileReference> {
  const { evidence } = openStores(storeLocation(process.env), keyring);
  try {
    return { sha256: await evidence.put(bytes), fileName, mediaType, size: bytes.length };
  } catch (error) {
    throw new CodedError(
      'EVIDENCE_UNAVAILABLE',
      `${ERROR_CODES.EVIDENCE_UNAVAILABLE.message} (${(error as Error).message})`,
    );
  }
}
