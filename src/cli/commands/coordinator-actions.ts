/**
 * The coordinator's updates: `resend`, `extend`, `withdraw`, `replace-signer`. Each is a validated
 * update: a refusal prints its code and changes nothing.
 */
import { type Command, Option } from 'commander';
import {
  extendDeadlineUpdate,
  replaceSignerUpdate,
  resendLinkUpdate,
  withdrawUpdate,
} from '../../domain/messages';
import { personProblems, STAGE_LABEL, type Role } from '../../domain/process';
import { resolveWorkflowId } from '../../domain/start-input';
import { UsageError } from '../errors';
import {
  actor,
  requirePositiveInteger,
  requirePositiveNumber,
  ROLE_CHOICES,
  withProcesses,
} from '../context';
import { mexicoCityDateTime } from '../format';

const campaignOption = () =>
  new Option('--campaign <campaña>', 'campaña, cuando <id> es una clave INEGI').default('cga');
const roleOption = () =>
  new Option('--role <rol>', 'municipal (presidencia municipal) o institute (Instituto)')
    .choices(ROLE_CHOICES)
    .makeOptionMandatory();

export function registerCoordinatorActions(program: Command): void {
  program
    .command('resend <id>')
    .description('Envía un enlace nuevo a quien debe firmar; el anterior deja de funcionar.')
    .addOption(roleOption())
    .addOption(campaignOption())
    .action(async (id: string, options: { role: Role; campaign: string }) => {
      await withProcesses(async ({ processes }) => {
        const workflowId = resolveWorkflowId(id, options.campaign);
        const result = await processes.update(workflowId, resendLinkUpdate, {
          role: options.role,
          actor: actor(),
        });
        process.stdout.write(
          `${workflowId}: enlace v${result.linkVersion} enviado (${STAGE_LABEL[result.stage]})\n`,
        );
      });
    });

  program
    .command('extend <id>')
    .description(
      'Amplía el plazo de la etapa actual, en días naturales o en días hábiles; se registra el motivo.',
    )
    .option('--days <n>', 'días naturales a añadir')
    .option(
      '--business-days <n>',
      'días hábiles a añadir: el plazo termina al final del n-ésimo día hábil después del actual',
    )
    .requiredOption('--reason <motivo>', 'por qué se amplía')
    .addOption(campaignOption())
    .action(
      async (
        id: string,
        options: { days?: string; businessDays?: string; reason: string; campaign: string },
      ) => {
        if ((options.days === undefined) === (options.businessDays === undefined))
          throw new UsageError(
            'indique --days N (días naturales) o --business-days N (días hábiles), uno de los dos',
          );
        const by =
          options.businessDays !== undefined
            ? { businessDays: requirePositiveInteger(options.businessDays, '--business-days') }
            : { days: requirePositiveNumber(options.days!, '--days') };
        await withProcesses(async ({ processes }) => {
          const workflowId = resolveWorkflowId(id, options.campaign);
          const result = await processes.update(workflowId, extendDeadlineUpdate, {
            ...by,
            reason: options.reason,
            actor: actor(),
          });
          process.stdout.write(`${workflowId}: nueva fecha límite ${mexicoCityDateTime(result.deadline)}\n`);
        });
      },
    );

  program
    .command('withdraw <id>')
    .description('Retira el proceso; los enlaces dejan de funcionar.')
    .requiredOption('--reason <motivo>', 'por qué se retira')
    .addOption(campaignOption())
    .action(async (id: string, options: { reason: string; campaign: string }) => {
      await withProcesses(async ({ processes }) => {
        const workflowId = resolveWorkflowId(id, options.campaign);
        const result = await processes.update(workflowId, withdrawUpdate, {
          reason: options.reason,
          actor: actor(),
        });
        process.stdout.write(`${workflowId}: ${result.stage}\n`);
      });
    });

  program
    .command('replace-signer <id>')
    .description('Sustituye a la persona firmante de un rol que aún no firma.')
    .addOption(roleOption())
    .requiredOption('--name <nombre>', 'nombre de la nueva persona firmante')
    .requiredOption('--email <correo>', 'su correo')
    .option('--rfc <rfc>', 'RFC que debe llevar su e.firma')
    .option('--curp <curp>', 'CURP que debe llevar su e.firma')
    .option(
      '--any-signer',
      'sin RFC ni CURP, acepta la e.firma de cualquier persona (por omisión, el certificado debe llevar su nombre)',
    )
    .requiredOption('--reason <motivo>', 'por qué se sustituye')
    .addOption(campaignOption())
    .action(
      async (
        id: string,
        options: {
          role: Role;
          name: string;
          email: string;
          rfc?: string;
          curp?: string;
          anySigner?: boolean;
          reason: string;
          campaign: string;
        },
      ) => {
        const person = {
          name: options.name,
          email: options.email,
          rfc: options.rfc?.toUpperCase() ?? null,
          curp: options.curp?.toUpperCase() ?? null,
          ...(options.anySigner ? { acceptAnySigner: true } : {}),
        };
        const problems = personProblems(person, 'la persona firmante');
        if (problems.length > 0) throw new UsageError(problems.join('; '));
        await withProcesses(async ({ processes }) => {
          const workflowId = resolveWorkflowId(id, options.campaign);
          await processes.update(workflowId, replaceSignerUpdate, {
            role: options.role,
            person,
            reason: options.reason,
            actor: actor(),
          });
          process.stdout.write(`${workflowId}: ${options.role} ahora es ${person.name} <${person.email}>\n`);
        });
      },
    );
}
