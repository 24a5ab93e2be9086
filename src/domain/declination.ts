/**
 * The declination: what a signer signs with their e.firma to decline (version 7). A municipality's
 * refusal to take part is an act of its government, so it is signed like the letter, and what is
 * signed names the process, the letter (by its SHA-256) and the reason; a signature over it cannot
 * be taken for anything else. The portal shows these exact bytes to the signer to sign, and the
 * process builds them again from the request to verify the signature: both use this function.
 *
 * Pure and sandbox-safe.
 */
import type { Role } from './process';
import { signerHeading } from './wording';

export interface DeclinationFacts {
  readonly workflowId: string;
  /** The process run (its first run ID): a signature for one process is no other's. */
  readonly run: string;
  readonly municipality: string;
  readonly inegiCode: string;
  readonly role: Role;
  /** The expected signer's name, as the process names them. */
  readonly signerName: string;
  /** SHA-256 (hex) of the letter of intent the process asked to sign. */
  readonly letterSha256: string;
  readonly reason: string;
}

/** The media type of the declination text, as stored and exported (`declinacion.txt`). */
export const DECLINATION_MEDIA_TYPE = 'text/plain; charset=utf-8';

/**
 * The reason as it is signed and recorded: Unicode NFC, line breaks as LF, no surrounding blanks.
 * Two spellings of one reason (a browser's CRLF, a decomposed accent) are then one text.
 */
export function normalizeReason(reason: string): string {
  return reason.normalize('NFC').replace(/\r\n?/g, '\n').trim();
}

/** The declination text: UTF-8 of these lines is what the signer signs. */
export function declinationText(facts: DeclinationFacts): string {
  return [
    'DECLINACIÓN DE LA MANIFESTACIÓN EXPRESA DE LA INTENCIÓN DE PARTICIPAR',
    'en el ejercicio de Gobierno Abierto en el ámbito municipal',
    '',
    `Proceso: ${facts.workflowId}`,
    `Ejecución del proceso: ${facts.run}`,
    `Municipio: ${facts.municipality} (clave INEGI ${facts.inegiCode})`,
    `Firma como: ${signerHeading(facts.role)}`,
    `Persona firmante: ${facts.signerName}`,
    `Carta de intención (SHA-256): ${facts.letterSha256}`,
    '',
    'Declino firmar la carta de intención por el motivo siguiente:',
    '',
    normalizeReason(facts.reason),
    '',
  ].join('\n');
}
