/** `manifiesta evidence <id> --out DIR`: export the evidence dossier of a process. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command } from 'commander';
import { storeLocation } from '../../config';
import { openStores } from '../../storage';
import { buildDossier, storedDossier, verificationCommands } from '../../evidence/dossier';
import { resolveWorkflowId } from '../../domain/start-input';
import { ERROR_CODES } from '../../domain/errors';
import { withProcesses } from '../context';
import { CodedError } from '../../domain/coded-error';

export function registerEvidence(program: Command): void {
  program
    .command('evidence <id>')
    .description(
      'Exporta el expediente de evidencia: carta, firmas, reportes, bitácora, constancia y manifiesto SHA-256.',
    )
    .requiredOption('--out <carpeta>', 'carpeta de destino')
    .option('--campaign <campaña>', 'campaña, cuando <id> es una clave INEGI', 'cga')
    .action(async (id: string, options: { out: string; campaign: string }) => {
      await withProcesses(async ({ processes, config }) => {
        const { evidence } = openStores(storeLocation(process.env), config.keyring);
        const state = await processes.status(resolveWorkflowId(id, options.campaign));
        let files;
        try {
          // A completed process's dossier as the process assembled it (with its NOM-151
          // constancias); otherwise assembled now from the state.
          const completed = state.dossiers?.filter((d) => d.label === 'completed').at(-1);
          files = completed ? await storedDossier(completed, evidence) : await buildDossier(state, evidence);
        } catch (error) {
          // Run this command where EVIDENCE_DIR (the worker's evidence folder) is reachable.
          throw new CodedError(
            'EVIDENCE_MISSING',
            `${ERROR_CODES.EVIDENCE_MISSING.message} ${(error as Error).message}`,
          );
        }
        mkdirSync(options.out, { recursive: true });
        for (const file of files) writeFileSync(join(options.out, file.name), file.bytes);
        process.stdout.write(
          [
            `${files.length} archivos en ${options.out}:`,
            ...files.map((f) => `  ${f.name}`),
            '',
            'Para comprobarlo:',
            ...verificationCommands(state).map((c) => `  ${c}`),
          ].join('\n') + '\n',
        );
      });
    });
}
