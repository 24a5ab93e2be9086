/** Readable Spanish output for coordinators. */
import { deadlineCounting, mexicoCityText } from '../domain/schedule';
import { MEXICO_CITY_TIME } from '../domain/wording';
import { isTerminal, roleAwaited, STAGE_LABEL, type ProcessState } from '../domain/process';

export const dateTime = (iso: string | null | undefined): string =>
  iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '—';

/** "2026-12-08 23:59 (hora del centro de México)": how deadlines are read. */
export const mexicoCityDateTime = (iso: string | null | undefined): string =>
  iso ? `${mexicoCityText(iso)} ${MEXICO_CITY_TIME}` : '—';

export function describeProcess(state: ProcessState): string {
  const lines: string[] = [];
  const input = state.input;
  lines.push(`${input.municipality} (clave INEGI ${input.inegiCode}) — campaña ${input.campaign}`);
  lines.push(`Proceso:        ${state.workflowId}`);
  lines.push(`Etapa:          ${state.stage} — ${STAGE_LABEL[state.stage]}`);
  const awaited = roleAwaited(state.stage);
  if (awaited)
    lines.push(
      `Se espera a:    ${state.signers[awaited].name} <${state.signers[awaited].email}> (enlace v${state.links[awaited]?.version ?? 0})`,
    );
  if (!isTerminal(state.stage)) {
    lines.push(
      `Fecha límite:   ${mexicoCityDateTime(state.deadline)}, plazo en ${deadlineCounting(state.plan)}${state.escalatedAt ? '  ¡VENCIDA! (coordinación avisada)' : ''}`,
    );
    lines.push(`Vence el:       ${mexicoCityDateTime(state.expiresAt)}`);
    if (state.calendar) lines.push(`Calendario:     ${state.calendar.version}`);
  }
  if (state.outcome) lines.push(`Motivo:         ${state.outcome}`);
  lines.push(`Recordatorios:  ${state.remindersSent.length}`);
  if (state.document)
    lines.push(`Carta:          ${state.document.fileName}, SHA-256 ${state.document.sha256}`);
  for (const role of ['municipal', 'institute'] as const) {
    const signature = state.signatures[role];
    const who = role === 'municipal' ? 'Firma municipal' : 'Contrafirma   ';
    lines.push(
      signature
        ? `${who}:  ${signature.report.signer?.name} (RFC ${signature.report.signer?.rfc ?? '—'}), ${dateTime(signature.receivedAt)}, ${signature.format}, verificada`
        : `${who}:  pendiente (${state.signers[role].name})`,
    );
  }
  if (state.installation) {
    lines.push(
      `Instalación:    ${state.installation.date}, ${state.installation.members.length} integrantes, acta ${state.installation.minutes.sha256}`,
    );
  }
  lines.push('Bitácora:');
  for (const event of state.audit)
    lines.push(`  ${dateTime(event.at)}  ${event.actor.padEnd(12)} ${event.type.padEnd(20)} ${event.detail}`);
  return `${lines.join('\n')}\n`;
}
