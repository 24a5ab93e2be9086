/**
 * The process state: how a new process begins, and how it reads for staff in the Web UI.
 */
import * as wf from '@temporalio/workflow';
import type { SendEmailInput } from '../../domain/activities';
import { calendarVersion } from '../../domain/calendar';
import {
  isTerminal,
  resolveLegacyPolicy,
  resolvePolicy,
  roleAwaited,
  Stage,
  STAGE_LABEL,
  type ProcessInput,
  type ProcessState,
  type Role,
} from '../../domain/process';
import { deadlineCounting, mexicoCityText } from '../../domain/schedule';
import { MEXICO_CITY_TIME } from '../../domain/wording';

export function linkReference(state: ProcessState, role: Role): SendEmailInput['link'] {
  const link = state.links[role]!;
  return { run: state.runId, role, version: link.version, expiresAt: link.expiresAt };
}

export function initialState(input: ProcessInput, legacy: boolean, codeVersion: number): ProcessState {
  const info = wf.workflowInfo();
  const startedAt = new Date(Date.now()).toISOString();
  return {
    workflowId: info.workflowId,
    runId: info.firstExecutionRunId,
    codeVersion,
    input,
    policy: legacy ? resolveLegacyPolicy(input.policy) : resolvePolicy(input.policy),
    ...(legacy
      ? {}
      : {
          calendar: {
            declared: input.calendar?.declared ?? [],
            version: calendarVersion(input.calendar?.declared ?? []),
          },
          plan: null,
        }),
    stage: Stage.AwaitingMunicipalSignature,
    stageEnteredAt: startedAt,
    deadline: null,
    expiresAt: null,
    escalatedAt: null,
    remindersDone: [],
    remindersSent: [],
    signers: { municipal: input.president, institute: input.commissioner },
    links: {},
    document: null,
    signatures: {},
    installation: null,
    outcome: null,
    audit: [],
    generation: 0,
  };
}

/** Spanish details for the Web UI: who is awaited, until when, reminders sent. */
export function currentDetails(state: ProcessState): string {
  const lines = [`**${state.input.municipality}** (${state.input.inegiCode}) — ${STAGE_LABEL[state.stage]}`];
  const awaited = roleAwaited(state.stage);
  if (awaited)
    lines.push(`Se espera la firma de: ${state.signers[awaited].name} (${state.signers[awaited].email})`);
  if (state.stage === Stage.AwaitingSecretariatInstallation)
    lines.push('Se espera: el registro de la instalación del Secretariado Técnico Municipal');
  if (state.deadline)
    lines.push(
      `Fecha límite: ${mexicoCityText(state.deadline)} ${MEXICO_CITY_TIME}, plazo en ${deadlineCounting(state.plan)}`,
    );
  if (state.escalatedAt)
    lines.push(`Plazo vencido; la coordinación fue avisada el ${state.escalatedAt.slice(0, 10)}`);
  const reminders = state.remindersSent.filter((r) => r.stage === state.stage).length;
  if (!isTerminal(state.stage)) lines.push(`Recordatorios enviados en esta etapa: ${reminders}`);
  if (state.outcome) lines.push(`Motivo: ${state.outcome}`);
  return lines.join('\n\n');
}
