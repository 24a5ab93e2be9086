/**
 * Spanish for people: how times are said to signers, coordinators and staff. One home, so that a
 * deadline reads the same in a mail, on the signing page, in the CLI and in the audit trail.
 */
import type { Role } from './process';

/** Who signs, as a title: "Presidencia Municipal", "Presidencia del Instituto". */
export const ROLE_TITLE: Readonly<Record<Role, string>> = {
  municipal: 'Presidencia Municipal',
  institute: 'Presidencia del Instituto',
};

/** What each one's signature is: the letter's signature, or its countersignature. */
export const SIGNATURE_ACT: Readonly<Record<Role, string>> = { municipal: 'firma', institute: 'contrafirma' };

/** A signature block's heading: "Presidencia Municipal", "Presidencia del Instituto (contrafirma)". */
export function signerHeading(role: Role): string {
  return role === 'institute' ? `${ROLE_TITLE.institute} (${SIGNATURE_ACT.institute})` : ROLE_TITLE.municipal;
}

/** Who signs, in running text (the audit trail): "presidencia municipal", "comisionado(a) presidente". */
export const ROLE_IN_TEXT: Readonly<Record<Role, string>> = {
  municipal: 'presidencia municipal',
  institute: 'comisionado(a) presidente',
};

/** What every time shown to people is in: Mexico City's wall clock. */
export const MEXICO_CITY_TIME = '(hora del centro de México)';

/** "08 de diciembre de 2026, 14:30 (hora del centro de México)": a deadline as mails and pages say it. */
export function spanishDeadline(iso: string): string {
  const date = new Date(iso);
  const day = new Intl.DateTimeFormat('es-MX', {
    timeZone: 'America/Mexico_City',
    day: '2-digit',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(date);
  return `${day} ${MEXICO_CITY_TIME}`;
}
