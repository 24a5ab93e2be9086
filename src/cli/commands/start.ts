/** `manifiesta start`: start one process; prints its workflow ID and Web UI link. */
import { type Command } from 'commander';
import { type PolicyOverride, type ProcessInput } from '../../domain/process';
import { inputProblems } from '../../domain/start-input';
import { UsageError } from '../errors';
import { declaredCalendar, webUiLink, withProcesses } from '../context';

interface StartOptions {
  inegi: string;
  municipality: string;
  presidentName: string;
  presidentEmail: string;
  presidentRfc?: string;
  presidentCurp?: string;
  presidentAnySigner?: boolean;
  commissionerName: string;
  commissionerEmail: string;
  commissionerRfc?: string;
  commissionerCurp?: string;
  commissionerAnySigner?: boolean;
  coordinatorName?: string;
  coordinatorEmail?: string;
  campaign: string;
  letterDate?: string;
  place?: string;
  policy?: string;
  json?: boolean;
}

/** Escalations go to COORDINATOR_EMAIL, else to the MAIL_FROM address. */
export function defaultCoordinator(options: { coordinatorName?: string; coordinatorEmail?: string }): {
  name: string;
  email: string;
} {
  const fromAddress = /<([^>]+)>/.exec(process.env.MAIL_FROM ?? '')?.[1] ?? process.env.MAIL_FROM;
  return {
    name:
      options.coordinatorName ||
      process.env.COORDINATOR_NAME ||
      'Coordinación del Secretariado Técnico Local',
    email:
      options.coordinatorEmail ||
      process.env.COORDINATOR_EMAIL ||
      fromAddress ||
      'no-responder@manifiesta.local',
  };
}

export function parsePolicy(json: string | undefined): PolicyOverride | undefined {
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json) as PolicyOverride;
  } catch {
    throw new UsageError('--policy debe ser JSON, p. ej. \'{"municipalSignature":{"deadline":"20 days"}}\'');
  }
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('Inicia el proceso de adhesión de un municipio.')
    .requiredOption('--inegi <clave>', 'clave INEGI del municipio (5 dígitos)')
    .requiredOption('--municipality <nombre>', 'nombre del municipio')
    .requiredOption('--president-name <nombre>', 'nombre de la presidenta o el presidente municipal')
    .requiredOption('--president-email <correo>', 'correo de la presidencia municipal')
    .option('--president-rfc <rfc>', 'RFC que debe llevar su e.firma')
    .option('--president-curp <curp>', 'CURP que debe llevar su e.firma')
    .option(
      '--president-any-signer',
      'sin RFC ni CURP, acepta la e.firma de cualquier persona (por omisión, el certificado debe llevar su nombre)',
    )
    .requiredOption('--commissioner-name <nombre>', 'nombre de la comisionada o el comisionado presidente')
    .requiredOption('--commissioner-email <correo>', 'correo de la presidencia del Instituto')
    .option('--commissioner-rfc <rfc>', 'RFC que debe llevar su e.firma')
    .option('--commissioner-curp <curp>', 'CURP que debe llevar su e.firma')
    .option(
      '--commissioner-any-signer',
      'sin RFC ni CURP, acepta la e.firma de cualquier persona (por omisión, el certificado debe llevar su nombre)',
    )
    .option('--coordinator-name <nombre>', 'quién recibe las escalaciones (por omisión COORDINATOR_NAME)')
    .option(
      '--coordinator-email <correo>',
      'correo para las escalaciones (por omisión COORDINATOR_EMAIL, o MAIL_FROM)',
    )
    .option('--campaign <campaña>', 'campaña', 'cga')
    .option('--letter-date <AAAA-MM-DD>', 'fecha de la carta (por omisión, hoy)')
    .option('--place <lugar>', 'lugar de la carta (por omisión, "<municipio>, Estado de México")')
    .option('--policy <json>', 'plazos, recordatorios y gracia de este proceso (ver docs/process.md#policy)')
    .option('--json', 'imprime el resultado en JSON')
    .action(async (options: StartOptions) => {
      const coordinator = defaultCoordinator(options);
      const input: ProcessInput = {
        campaign: options.campaign,
        inegiCode: options.inegi,
        municipality: options.municipality.trim(),
        president: {
          name: options.presidentName.trim(),
          email: options.presidentEmail.trim(),
          rfc: options.presidentRfc?.toUpperCase() ?? null,
          curp: options.presidentCurp?.toUpperCase() ?? null,
          ...(options.presidentAnySigner ? { acceptAnySigner: true } : {}),
        },
        commissioner: {
          name: options.commissionerName.trim(),
          email: options.commissionerEmail.trim(),
          rfc: options.commissionerRfc?.toUpperCase() ?? null,
          curp: options.commissionerCurp?.toUpperCase() ?? null,
          ...(options.commissionerAnySigner ? { acceptAnySigner: true } : {}),
        },
        coordinator,
        ...(options.letterDate ? { letterDate: options.letterDate } : {}),
        ...(options.place ? { place: options.place } : {}),
        ...(options.policy ? { policy: parsePolicy(options.policy) } : {}),
        calendar: declaredCalendar(),
      };
      const problems = inputProblems(input);
      if (problems.length > 0) throw new UsageError(problems.join('; '));
      await withProcesses(async ({ processes, config }) => {
        const { workflowId } = await processes.start(input);
        const link = webUiLink(config, workflowId);
        process.stdout.write(
          options.json ? `${JSON.stringify({ workflowId, webUi: link })}\n` : `${workflowId}\n${link}\n`,
        );
      });
    });
}
