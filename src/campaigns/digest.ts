/**
 * The coordinator's digest of a campaign: counts by stage, the overdue municipalities, and what
 * changed since the last digest. Pure: built from process states, rendered in Spanish.
 */
import type { Recipient } from '../domain/activities';
import { mexicoCityDate } from '../domain/calendar';
import { deadlineCounting } from '../domain/schedule';
import { isTerminal, Stage, STAGE_LABEL, type ProcessState } from '../domain/process';
import { escapeHtml } from '../lib/html';

export interface DigestInput {
  readonly campaign: string;
  readonly to: readonly Recipient[];
  /** The digest covers changes since this many days ago (7 for the weekly one). */
  readonly sinceDays: number;
}

export interface Digest {
  readonly campaign: string;
  readonly generatedAt: string;
  readonly since: string;
  readonly total: number;
  readonly byStage: Readonly<Record<Stage, number>>;
  readonly overdue: readonly {
    readonly inegiCode: string;
    readonly municipality: string;
    readonly stage: Stage;
    readonly deadline: string;
    readonly counting: 'días hábiles' | 'días naturales';
  }[];
  readonly changes: readonly {
    readonly inegiCode: string;
    readonly municipality: string;
    readonly at: string;
    readonly what: string;
  }[];
}

const CHANGE_TYPES = new Set([
  'stage-changed',
  'signature-accepted',
  'installation-recorded',
  'declined',
  'deadline-extended',
  'signer-replaced',
]);

export function buildDigest(
  campaign: string,
  states: readonly ProcessState[],
  now: Date,
  sinceDays: number,
): Digest {
  const since = new Date(now.getTime() - sinceDays * 86_400_000);
  const byStage = Object.fromEntries(Object.values(Stage).map((stage) => [stage, 0])) as Record<
    Stage,
    number
  >;
  for (const state of states) byStage[state.stage]++;
  const overdue = states
    .filter((s) => !isTerminal(s.stage) && s.deadline !== null && Date.parse(s.deadline) < now.getTime())
    .map((s) => ({
      inegiCode: s.input.inegiCode,
      municipality: s.input.municipality,
      stage: s.stage,
      deadline: s.deadline!,
      counting: deadlineCounting(s.plan),
    }))
    .sort((a, b) => a.deadline.localeCompare(b.deadline));
  const changes = states
    .flatMap((s) =>
      s.audit
        .filter((e) => CHANGE_TYPES.has(e.type) && Date.parse(e.at) >= since.getTime())
        .map((e) => ({
          inegiCode: s.input.inegiCode,
          municipality: s.input.municipality,
          at: e.at,
          what: e.detail,
        })),
    )
    .sort((a, b) => a.at.localeCompare(b.at));
  return {
    campaign,
    generatedAt: now.toISOString(),
    since: since.toISOString(),
    total: states.length,
    byStage,
    overdue,
    changes,
  };
}

export function renderDigest(digest: Digest): { subject: string; text: string; html: string } {
  const completed = digest.byStage.Completed;
  const subject = `Resumen de la campaña ${digest.campaign}: ${completed} de ${digest.total} concluidos, ${digest.overdue.length} con plazo vencido`;
  // Dates as read in Mexico City (a deadline in días hábiles ends at 23:59 there, 05:59 UTC).
  const day = (iso: string): string => mexicoCityDate(Date.parse(iso));
  const stages = Object.values(Stage).filter((stage) => digest.byStage[stage] > 0 || !isTerminal(stage));
  const text = [
    `Campaña ${digest.campaign} — ${digest.total} procesos (al ${day(digest.generatedAt)})`,
    '',
    'Por etapa:',
    ...stages.map((stage) => `  ${STAGE_LABEL[stage]}: ${digest.byStage[stage]}`),
    '',
    `Con plazo vencido (${digest.overdue.length}):`,
    ...(digest.overdue.length
      ? digest.overdue.map(
          (o) =>
            `  ${o.municipality} (${o.inegiCode}) — ${STAGE_LABEL[o.stage]}, venció el ${day(o.deadline)} (plazo en ${o.counting})`,
        )
      : ['  ninguno']),
    '',
    `Cambios desde el ${day(digest.since)} (${digest.changes.length}):`,
    ...(digest.changes.length
      ? digest.changes.map((c) => `  ${day(c.at)} ${c.municipality} (${c.inegiCode}): ${c.what}`)
      : ['  ninguno']),
  ].join('\n');
  const html = `<!doctype html><html lang="es-MX"><body style="font-family: Arial, sans-serif; color: #1a1a1a"><pre style="white-space: pre-wrap; font-family: inherit">${escapeHtml(text)}</pre></body></html>`;
  return { subject, text, html };
}
