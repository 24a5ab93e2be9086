/**
 * `INHABILES_FILE`: the días inhábiles the institution declares (its vacation periods and other
 * days, published by acuerdo), as CSV in UTF-8:
 *
 *     fecha,motivo,acuerdo
 *     2026-12-21,Primer periodo vacacional,ACUERDO INFOEM/CP/2026/01
 *     2026-12-24,Primer periodo vacacional
 *
 * One day per line (`acuerdo` optional; the header optional; `#` starts a comment line). Checked
 * line by line: a date that does not exist, a day given twice or a missing reason is refused,
 * naming the line.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { isIsoDate, MAX_DECLARED_DAYS, type CalendarData, type DeclaredDay } from '../domain/calendar';

/** A declared-days file that cannot be used; the message names the file and the line. */
export class CalendarFileError extends Error {
  override readonly name = 'CalendarFileError';
}

/** The declared days of CSV `text`; `source` names it in errors. @throws CalendarFileError */
export function parseInhabiles(text: string, source = 'INHABILES_FILE'): DeclaredDay[] {
  let rows: { record: string[]; line: number }[];
  try {
    rows = (
      parse(text.replace(/^\uFEFF/, ''), {
        bom: true,
        comment: '#',
        skip_empty_lines: true,
        relax_column_count: true,
        trim: true,
        info: true,
      }) as unknown as { record: string[]; info: { lines: number } }[]
    ).map(({ record, info }) => ({ record, line: info.lines }));
  } catch (error) {
    throw new CalendarFileError(`${source}: no es un CSV válido (${(error as Error).message})`);
  }
  if (rows[0] && rows[0].record[0]?.toLowerCase() === 'fecha') rows.shift();
  const days: DeclaredDay[] = [];
  const lineOf = new Map<string, number>();
  for (const { record, line } of rows) {
    const where = `${source}, línea ${line}`;
    const [date = '', reason = '', acuerdo = '', ...rest] = record;
    if (rest.some((cell) => cell !== ''))
      throw new CalendarFileError(`${where}: sobran columnas (se esperan fecha,motivo[,acuerdo])`);
    if (!isIsoDate(date))
      throw new CalendarFileError(`${where}: «${date}» no es una fecha válida (AAAA-MM-DD)`);
    if (!reason) throw new CalendarFileError(`${where}: falta el motivo del ${date}`);
    const earlier = lineOf.get(date);
    if (earlier !== undefined)
      throw new CalendarFileError(`${where}: el ${date} ya se declaró en la línea ${earlier}`);
    lineOf.set(date, line);
    days.push({ date, reason, ...(acuerdo ? { acuerdo } : {}) });
  }
  if (days.length > MAX_DECLARED_DAYS)
    throw new CalendarFileError(`${source}: más de ${MAX_DECLARED_DAYS} días declarados`);
  return days;
}

/** The file at `path`, read and checked. @throws CalendarFileError */
export function readInhabiles(path: string): DeclaredDay[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new CalendarFileError(
      `no se pudo leer el archivo de días inhábiles ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CalendarFileError(`${path}: no está en UTF-8 (guárdelo como CSV UTF-8)`);
  }
  return parseInhabiles(text, path);
}

/** The calendar new processes start with: `INHABILES_FILE`, or none declared. */
export function calendarFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  path = env.INHABILES_FILE,
): CalendarData {
  return { declared: path ? readInhabiles(path) : [] };
}
