/**
 * Spanish for people: how times are said to signers, coordinators and staff. One home, so that a
 * deadline reads the same in a mail, on the signing page, in the CLI and in the audit trail.
 */

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
