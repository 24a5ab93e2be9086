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
import { mexicoCityText } from '../../domain/schedule';
import { LetterRegister } from '../../evidence/letter-register';

/** The current letter, after a renewal of its archive time-stamp, and the register's editions. */
const CURRENT_LETTER = 'carta-firmada-vigente.pdf';
const RENEWALS = 'renovaciones.json';
const times = (n: number): string => (n === 1 ? 'una vez' : `${n} veces`);

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
        // The letter as its archive time-stamp was last renewed (PAdES B-LTA), when it was: the
        // current file, beside the dossier (whose SHA256SUMS lists the letter as it was assembled).
        const editions = await new LetterRegister(evidence.objects, config.keyring).editions(
          state.workflowId,
        );
        const current = editions.at(-1);
        const renewed = current?.reason === 'renewed' ? current : null;
        const extra = renewed
          ? [
              { name: CURRENT_LETTER, bytes: await evidence.get(renewed.letterSha256) },
              { name: RENEWALS, bytes: Buffer.from(`${JSON.stringify(editions, null, 2)}\n`) },
            ]
          : [];
        if (extra.some((file) => file.bytes === null))
          throw new CodedError(
            'EVIDENCE_MISSING',
            `${ERROR_CODES.EVIDENCE_MISSING.message} la carta renovada (SHA-256 ${renewed!.letterSha256}) no está en el almacén de evidencia`,
          );
        mkdirSync(options.out, { recursive: true });
        for (const file of [...files, ...extra]) writeFileSync(join(options.out, file.name), file.bytes!);
        process.stdout.write(
          [
            `${files.length} archivos en ${options.out}:`,
            ...files.map((f) => `  ${f.name}`),
            ...(renewed
              ? [
                  '',
                  `${CURRENT_LETTER}: la carta firmada con su sello de archivo renovado ${times(editions.filter((e) => e.reason === 'renewed').length)}, el último el ${mexicoCityText(renewed.archive.genTime)} por ${renewed.archive.tsa}, vigente hasta el ${mexicoCityText(renewed.archive.renewBy)} (SHA-256 ${renewed.letterSha256}); ${RENEWALS} lista cada edición. SHA256SUMS es del expediente como se armó.`,
                ]
              : []),
            '',
            'Para comprobarlo:',
            ...verificationCommands(state).map((c) => `  ${c}`),
            ...(renewed
              ? [`  manifiesta verify --document ${CURRENT_LETTER} --tsa-trust-anchors tsa-confianza.pem`]
              : []),
          ].join('\n') + '\n',
        );
      });
    });
}
