/**
 * `manifiesta reseal [--dry-run] [--json]`: seal every object of the evidence store again with the
 * keyring's current key (src/storage/reseal.ts), so that older keys are no longer needed for it.
 */
import type { Command } from 'commander';
import { ConfigError, payloadKeyring, storeLocation } from '../../config';
import { openObjectStore, StoreUnavailableError } from '../../storage';
import { resealStore } from '../../storage/reseal';
import { UsageError } from '../errors';
import { CodedError } from '../../domain/coded-error';

export function registerReseal(program: Command): void {
  program
    .command('reseal')
    .description(
      'Vuelve a sellar cada objeto del almacén de evidencias con la llave vigente (PAYLOAD_KEY_ID), para retirar llaves anteriores.',
    )
    .option('--dry-run', 'sólo dice qué se volvería a sellar')
    .option('--json', 'el resumen en JSON')
    .action(async (options: { dryRun?: boolean; json?: boolean }) => {
      let keyring;
      let location;
      try {
        keyring = payloadKeyring(process.env, 'cli');
        location = storeLocation(process.env);
      } catch (error) {
        if (error instanceof ConfigError) throw new UsageError(error.message);
        throw error;
      }
      let summary;
      try {
        summary = await resealStore(openObjectStore(location), keyring, { dryRun: options.dryRun === true });
      } catch (error) {
        if (error instanceof StoreUnavailableError)
          throw new CodedError('EVIDENCE_UNAVAILABLE', (error as Error).message);
        throw error;
      }
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify({ currentKeyId: keyring.currentKeyId, ...summary }, null, 2)}\n`,
        );
      } else {
        const verb = summary.dryRun ? 'se volverían a sellar' : 'se volvieron a sellar';
        process.stdout.write(
          [
            `${summary.examined} objetos revisados: ${summary.current} ya estaban sellados con la llave vigente (${keyring.currentKeyId}); ${summary.resealed} ${verb}.`,
            'Antes:',
            ...Object.entries(summary.before).map(([how, count]) => `  ${how}: ${count}`),
            ...summary.failures.map((f) => `  NO se pudo con ${f.key}: ${f.reason}`),
            summary.failures.length === 0 && !summary.dryRun
              ? 'El almacén ya sólo necesita la llave vigente. Las historias de Temporal necesitan las llaves con que se escribieron mientras Temporal las conserve.'
              : '',
          ]
            .filter(Boolean)
            .join('\n') + '\n',
        );
      }
      if (summary.failures.length > 0) process.exitCode = 1;
    });
}
