/**
 * `manifiesta transfer-institution --campaign C --institution FILE --reason "…" [--dry-run]`: the
 * countersigning authority changes while a campaign runs (Infoem was extinguished by the State of
 * Mexico's 2025 constitutional reform; its duties pass to a successor). Each process still awaiting
 * the municipal signature gets a new letter naming the successor and a new link; each awaiting the
 * countersignature gets the successor's countersigner (the president's signed letter stands); the
 * rest are left as they are. What it would do is printed per stage first; a re-run changes nothing
 * already transferred; each process audits its transfer (the `transferInstitution` update).
 *
 * FILE (JSON): `{"institution": {"name", "shortName", "commissionerTitle", "state"?, "presidentTitle"?,
 * "commitment"?, "article"? ("el" or "la", how the letter names it)}, "countersigner": {"name",
 * "email", "rfc"?, "curp"?}}`.
 */
import { readFileSync } from 'node:fs';
import { type Command } from 'commander';
import { campaignStates } from '../../campaigns/states';
import { CodedError } from '../../domain/coded-error';
import { DEFAULT_INSTITUTION, type Institution } from '../../domain/institution';
import { transferInstitutionUpdate } from '../../domain/messages';
import {
  alreadyTransferred,
  CAMPAIGN,
  personProblems,
  Stage,
  STAGE_LABEL,
  type Person,
  type ProcessState,
} from '../../domain/process';
import { forEachConcurrently } from '../../lib/concurrency';
import { UsageError } from '../errors';
import { actor, withProcesses } from '../context';

interface TransferOptions {
  campaign: string;
  institution: string;
  reason: string;
  dryRun?: boolean;
  json?: boolean;
}

type Plan = 'new-letter' | 'new-countersigner' | 'already' | 'untouched';

const PLAN_TEXT: Readonly<Record<Plan, string>> = {
  'new-letter': 'nueva carta que nombra a la nueva institución y nuevo enlace a la presidencia municipal',
  'new-countersigner': 'nueva persona que contrafirma y nuevo enlace; la carta firmada se conserva',
  already: 'ya transferido: sin cambios',
  untouched: 'sin cambios (las firmas ya están completas o el proceso terminó)',
};

function readSuccessor(path: string): { institution: Institution; countersigner: Person } {
  let parsed: { institution?: Partial<Institution>; countersigner?: Person };
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as typeof parsed;
  } catch (error) {
    throw new UsageError(`--institution: ${path} no es un JSON legible (${(error as Error).message})`);
  }
  const given = parsed.institution ?? {};
  const institution: Institution = {
    state: DEFAULT_INSTITUTION.state,
    presidentTitle: DEFAULT_INSTITUTION.presidentTitle,
    commitment: DEFAULT_INSTITUTION.commitment,
    ...given,
  } as Institution;
  for (const field of ['name', 'shortName', 'commissionerTitle'] as const)
    if (typeof institution[field] !== 'string' || !institution[field].trim())
      throw new UsageError(`--institution: falta institution.${field}`);
  const countersigner = parsed.countersigner;
  const problems = countersigner ? personProblems(countersigner, 'countersigner') : ['falta countersigner'];
  if (problems.length > 0) throw new UsageError(`--institution: ${problems.join('; ')}`);
  return { institution, countersigner: countersigner! };
}

function planFor(state: ProcessState, successor: { institution: Institution; countersigner: Person }): Plan {
  if (alreadyTransferred(state, successor)) return 'already';
  if (state.stage === Stage.AwaitingMunicipalSignature) return 'new-letter';
  if (state.stage === Stage.AwaitingInstituteCountersignature) return 'new-countersigner';
  return 'untouched';
}

export function registerTransferInstitution(program: Command): void {
  program
    .command('transfer-institution')
    .description('Pasa los procesos de una campaña a la institución que sucede a la que contrafirma.')
    .requiredOption('--campaign <campaña>', 'campaña')
    .requiredOption('--institution <archivo>', 'JSON con la nueva institución y quien contrafirma')
    .requiredOption('--reason <motivo>', 'motivo (queda en la bitácora de cada proceso)')
    .option('--dry-run', 'sólo dice qué haría')
    .option('--json', 'imprime el resultado en JSON')
    .action(async (options: TransferOptions) => {
      if (!CAMPAIGN.test(options.campaign)) throw new UsageError('--campaign no es válida');
      if (!options.reason.trim()) throw new UsageError('--reason no puede estar vacío');
      const successor = readSuccessor(options.institution);
      await withProcesses(async ({ processes }) => {
        const states = await campaignStates(processes, options.campaign);
        const plans = states.map((state) => ({ state, plan: planFor(state, successor) }));
        const results: { workflowId: string; plan: Plan; outcome: string }[] = [];
        if (!options.dryRun) {
          await forEachConcurrently(
            plans.filter((p) => p.plan === 'new-letter' || p.plan === 'new-countersigner'),
            8,
            async ({ state, plan }) => {
              try {
                const result = await processes.update(state.workflowId, transferInstitutionUpdate, {
                  institution: successor.institution,
                  countersigner: successor.countersigner,
                  reason: options.reason,
                  actor: actor(),
                });
                results.push({
                  workflowId: state.workflowId,
                  plan,
                  outcome: result.transferred ? 'transferido' : 'ya transferido',
                });
              } catch (error) {
                const code = error instanceof CodedError ? error.code : 'ERROR';
                results.push({
                  workflowId: state.workflowId,
                  plan,
                  outcome: `${code}: ${(error as Error).message}`,
                });
              }
            },
          );
        }
        const failed = results.filter((r) => r.outcome !== 'transferido' && r.outcome !== 'ya transferido');
        if (failed.length > 0) process.exitCode = 1;
        if (options.json) {
          process.stdout.write(
            `${JSON.stringify(
              {
                dryRun: Boolean(options.dryRun),
                to: successor.institution.name,
                processes: plans.map(({ state, plan }) => ({
                  workflowId: state.workflowId,
                  stage: state.stage,
                  plan,
                  outcome: results.find((r) => r.workflowId === state.workflowId)?.outcome ?? null,
                })),
              },
              null,
              2,
            )}\n`,
          );
          return;
        }
        const lines = [
          `${options.dryRun ? 'Haría' : 'Transferencia'} a ${successor.institution.name} (${successor.institution.shortName}), contrafirma ${successor.countersigner.name}, campaña ${options.campaign}:`,
        ];
        for (const stage of Object.values(Stage)) {
          const here = plans.filter((p) => p.state.stage === stage);
          if (here.length === 0) continue;
          lines.push(`  ${STAGE_LABEL[stage]} (${here.length}):`);
          for (const { state, plan } of here) {
            const outcome = results.find((r) => r.workflowId === state.workflowId)?.outcome;
            lines.push(`    ${state.workflowId}: ${PLAN_TEXT[plan]}${outcome ? ` → ${outcome}` : ''}`);
          }
        }
        if (options.dryRun) lines.push('Nada cambió (--dry-run).');
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });
}
