/**
 * `manifiesta personal-data (--rfc R | --curp C | --email E) --out DIR`: everything held about one
 * person (src/evidence/personal-data.ts), live processes from Temporal and ended ones from the
 * archive, as `datos-personales.json` and `datos-personales.pdf`; the export itself is recorded.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command } from 'commander';
import { CAMPAIGN, EMAIL, WORKFLOW_TYPE, type ProcessState } from '../../domain/process';
import { SearchAttributes } from '../../domain/search-attributes';
import { forEachConcurrently } from '../../lib/concurrency';
import {
  personalDataExport,
  personalDataPdf,
  recordExport,
  type PersonKey,
} from '../../evidence/personal-data';
import { UsageError } from '../errors';
import { actor, withProcesses } from '../context';

interface PersonalDataOptions {
  campaign?: string;
  rfc?: string;
  curp?: string;
  email?: string;
  out?: string;
  json?: boolean;
}

function personKey(options: PersonalDataOptions): PersonKey {
  const given = [options.rfc, options.curp, options.email].filter((v) => v !== undefined);
  if (given.length !== 1) throw new UsageError('indique una sola de --rfc, --curp o --email');
  if (options.rfc !== undefined) {
    if (!/^[A-ZÑ&]{3,4}\d{6}[A-Z\d]{3}$/i.test(options.rfc.trim()))
      throw new UsageError('--rfc no es un RFC');
    return { rfc: options.rfc.trim().toUpperCase() };
  }
  if (options.curp !== undefined) {
    if (!/^[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z\d]\d$/i.test(options.curp.trim()))
      throw new UsageError('--curp no es una CURP');
    return { curp: options.curp.trim().toUpperCase() };
  }
  if (!EMAIL.test(options.email!.trim())) throw new UsageError('--email no es un correo válido');
  return { email: options.email!.trim().toLowerCase() };
}

export function registerPersonalData(program: Command): void {
  program
    .command('personal-data')
    .description('Exporta todo lo que el sistema guarda de una persona (solicitud de acceso, derechos ARCO).')
    .option('--rfc <rfc>', 'RFC de la persona')
    .option('--curp <curp>', 'CURP de la persona')
    .option('--email <correo>', 'correo electrónico de la persona')
    .option('--campaign <campaña>', 'sólo esta campaña (todas por omisión)')
    .option(
      '--out <carpeta>',
      'carpeta de destino (datos-personales.json y .pdf); sin ella, el JSON en la salida',
    )
    .option('--json', 'imprime también el JSON')
    .action(async (options: PersonalDataOptions) => {
      const key = personKey(options);
      if (options.campaign !== undefined && !CAMPAIGN.test(options.campaign))
        throw new UsageError('--campaign no es válida');
      await withProcesses(async ({ processes, archive }) => {
        const archived = options.campaign ? await archive.campaign(options.campaign) : await archive.all();
        const states = new Map<string, ProcessState>(archived.map((r) => [r.state.workflowId, r.state]));
        const live: string[] = [];
        const campaign = options.campaign
          ? ` AND ${SearchAttributes.campaign.name} = '${options.campaign}'`
          : '';
        for await (const execution of processes.client.workflow.list({
          query: `WorkflowType = '${WORKFLOW_TYPE}'${campaign}`,
        })) {
          if (execution.status.name === 'RUNNING' || !states.has(execution.workflowId))
            live.push(execution.workflowId);
        }
        // A process that cannot be read now makes the answer incomplete: said, never hidden.
        const unreadable: string[] = [];
        await forEachConcurrently([...new Set(live)], 16, async (id) => {
          try {
            states.set(id, await processes.status(id));
          } catch {
            unreadable.push(id);
          }
        });
        const exported = personalDataExport([...states.values()], key, actor());
        const recorded = await recordExport(archive.objects, archive.keyring, exported);
        const json = `${JSON.stringify(exported, null, 2)}\n`;
        if (options.out === undefined) {
          // No folder: the export as JSON on the standard output, for a script; the PDF needs --out.
          process.stdout.write(json);
        } else {
          mkdirSync(options.out, { recursive: true });
          writeFileSync(join(options.out, 'datos-personales.json'), json);
          writeFileSync(join(options.out, 'datos-personales.pdf'), await personalDataPdf(exported));
          process.stdout.write(
            options.json
              ? json
              : [
                  `${exported.processes.length} proceso(s) con datos de esta persona; datos-personales.json y datos-personales.pdf en ${options.out}`,
                  ...exported.processes.map(
                    (p) =>
                      `  ${p.workflowId}: ${p.roles.map((r) => r.title).join(', ') || 'firmó con su certificado'}; ${p.signatures.length} firma(s), ${p.mails.length} correo(s), ${p.audit.length} entrada(s) de bitácora`,
                  ),
                  `La exportación quedó registrada (${recorded}).`,
                ].join('\n') + '\n',
          );
        }
        if (unreadable.length > 0) {
          process.stderr.write(
            `INCOMPLETO: ${unreadable.length} proceso(s) no se pudieron leer ahora y podrían tener datos de esta persona: ${unreadable.sort().join(', ')}. Repita la exportación cuando Temporal y el worker respondan.\n`,
          );
          process.exitCode = 1;
        }
      });
    });
}
