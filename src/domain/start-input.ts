/**
 * A start request judged before anything starts: the CLI (`start`, `bulk-start`), the campaign CSV
 * and the process client all ask here, so a request is refused for the same reasons everywhere.
 */
import { calendarProblem } from './calendar';
import {
  CAMPAIGN,
  INEGI_CODE,
  personProblems,
  PolicyError,
  resolvePolicy,
  workflowIdFor,
  type ProcessInput,
} from './process';

/** Spanish sentences, one per problem in a start request; empty when it can start. */
export function inputProblems(input: ProcessInput): string[] {
  const problems: string[] = [];
  if (!INEGI_CODE.test(input.inegiCode ?? '')) problems.push('la clave INEGI debe tener 5 dígitos');
  if (!CAMPAIGN.test(input.campaign ?? ''))
    problems.push('la campaña debe ser minúsculas, dígitos o guiones (p. ej. cga)');
  if (!input.municipality?.trim()) problems.push('falta el nombre del municipio');
  problems.push(...personProblems(input.president, 'la presidencia municipal'));
  problems.push(...personProblems(input.commissioner, 'la comisionada o el comisionado'));
  problems.push(...personProblems(input.coordinator, 'la coordinación'));
  if (input.letterDate !== undefined) {
    const date = new Date(`${input.letterDate}T00:00:00Z`);
    if (
      !/^\d{4}-\d\d-\d\d$/.test(input.letterDate) ||
      Number.isNaN(date.getTime()) ||
      date.toISOString().slice(0, 10) !== input.letterDate
    ) {
      problems.push('la fecha de la carta debe ser AAAA-MM-DD');
    }
  }
  if (input.calendar !== undefined) {
    const problem = calendarProblem(input.calendar);
    if (problem !== null) problems.push(problem);
  }
  try {
    resolvePolicy(input.policy);
  } catch (error) {
    if (error instanceof PolicyError) problems.push(`política: ${error.message}`);
    else throw error;
  }
  return problems;
}

/** `<id>` of the CLI: a clave INEGI (5 digits, with the campaign) or a workflow ID. */
export function resolveWorkflowId(id: string, campaign = 'cga'): string {
  return INEGI_CODE.test(id) ? workflowIdFor(campaign, id) : id;
}
