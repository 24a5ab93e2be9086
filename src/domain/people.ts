/** The people of a process: who they are, how their identity is checked, and their sectors. */

export interface Person {
  readonly name: string;
  readonly email: string;
  readonly rfc?: string | null;
  readonly curp?: string | null;
  /**
   * For a signer without RFC or CURP: accept a signature from anyone the CAs certify, rather than
   * requiring the certificate to bear this name. The coordinator's explicit choice; reports say so.
   */
  readonly acceptAnySigner?: boolean;
}

/** Whom a signature must come from, as the verifier takes it (see src/signatures ExpectedSigner). */
export function expectedSignerOf(person: Person): {
  rfc: string | null;
  curp: string | null;
  name: string;
  acceptAnySigner: boolean;
} {
  return {
    rfc: person.rfc ?? null,
    curp: person.curp ?? null,
    name: person.name,
    acceptAnySigner: person.acceptAnySigner === true,
  };
}

export type Sector = 'gobierno' | 'sociedad-civil' | 'organo-garante';

export const SECTORS: readonly Sector[] = ['gobierno', 'sociedad-civil', 'organo-garante'];

export const RFC = /^[A-ZÑ&]{3,4}\d{6}[A-Z0-9]{3}$/;

export const CURP = /^[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d$/;

export const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/** One Spanish sentence per problem, or none; shared by the CLI, the portal and the workflow's validators. */
export function personProblems(person: Partial<Person> | undefined, who: string): string[] {
  const problems: string[] = [];
  if (!person?.name?.trim()) problems.push(`falta el nombre de ${who}`);
  if (!person?.email || !EMAIL.test(person.email)) problems.push(`el correo de ${who} no es válido`);
  if (person?.rfc && !RFC.test(person.rfc.toUpperCase())) problems.push(`el RFC de ${who} no es válido`);
  if (person?.curp && !CURP.test(person.curp.toUpperCase())) problems.push(`la CURP de ${who} no es válida`);
  return problems;
}
