/**
 * Días hábiles: the working days on which Mexican administrative deadlines are counted. Pure and
 * deterministic (no clock, no time-zone database), so that the workflow itself counts with it.
 *
 * A day is not a working day when it is a Saturday or a Sunday, a holiday of the Ley Federal del
 * Trabajo art. 74 (below), or a day the institution declared inhábil (its vacation periods and
 * other days, published by acuerdo: `INHABILES_FILE`). Days are civil dates in Mexico City.
 */

/** A day the institution declared inhábil. */
export interface DeclaredDay {
  /** `YYYY-MM-DD`. */
  readonly date: string;
  readonly reason: string;
  /** The acuerdo that declared it, when given. */
  readonly acuerdo?: string;
}

/** The declared days a process counts with, as it keeps them (its input, then its state). */
export interface CalendarData {
  readonly declared: readonly DeclaredDay[];
}

export interface NonWorkingDay {
  readonly date: string;
  readonly reason: string;
  readonly acuerdo?: string;
  /** `ley` for LFT art. 74, `declarado` for the institution's own. */
  readonly source: 'ley' | 'declarado';
}

/**
 * The statutory rules this code implements; part of every calendar version, so that a change of
 * the rules (a reform) gives every calendar a new version.
 */
export const STATUTORY_RULES = 'lft74-2024';

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `value` is a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE.test(value)) return false;
  const time = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
}

/** `date` plus `days` (negative to go back). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** 0 Sunday … 6 Saturday. */
function weekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** The `n`-th Monday of `month` (1-12) of `year`. */
function nthMonday(year: number, month: number, n: number): string {
  const first = `${year}-${pad(month)}-01`;
  const offset = (8 - weekday(first)) % 7; // days to the first Monday
  return addDays(first, offset + 7 * (n - 1));
}

/**
 * The mandatory rest days of LFT art. 74 in `year`, as in force since the 2024 reform: 1 January;
 * the first Monday of February (5 February); the third Monday of March (21 March); 1 May;
 * 16 September; 1 October every six years from 2024 (the transmission of the federal executive,
 * which was 1 December until 2018); the third Monday of November (20 November); 25 December.
 * The day of a federal or local election (art. 74 IX) is declared by the institution when it
 * applies.
 */
export function statutoryHolidays(year: number): NonWorkingDay[] {
  const day = (month: number, d: number): string => `${year}-${pad(month)}-${pad(d)}`;
  const law = (date: string, reason: string): NonWorkingDay => ({ date, reason, source: 'ley' });
  const days = [
    law(day(1, 1), 'Año Nuevo'),
    law(nthMonday(year, 2, 1), 'Día de la Constitución (5 de febrero)'),
    law(nthMonday(year, 3, 3), 'Natalicio de Benito Juárez (21 de marzo)'),
    law(day(5, 1), 'Día del Trabajo'),
    law(day(9, 16), 'Día de la Independencia'),
  ];
  if (year >= 2024 && (year - 2024) % 6 === 0)
    days.push(law(day(10, 1), 'Transmisión del Poder Ejecutivo Federal'));
  days.push(law(nthMonday(year, 11, 3), 'Día de la Revolución (20 de noviembre)'));
  if (year <= 2018 && (year - 2000) % 6 === 0)
    days.push(law(day(12, 1), 'Transmisión del Poder Ejecutivo Federal'));
  days.push(law(day(12, 25), 'Navidad'));
  return days;
}

/** FNV-1a, 64 bits, over the UTF-16 code units of `text`: an identity, not a security measure. */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/** Declared days in one order, one form: what the version is computed over. */
function canonical(declared: readonly DeclaredDay[]): DeclaredDay[] {
  return [...declared]
    .map((d) => ({ date: d.date, reason: d.reason, ...(d.acuerdo ? { acuerdo: d.acuerdo } : {}) }))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/**
 * The calendar's version: the statutory rules and a hash of the declared days (dates, reasons and
 * acuerdos), e.g. `lft74-2024+3f1c…`. The same days give the same version, in any order.
 */
export function calendarVersion(declared: readonly DeclaredDay[]): string {
  return `${STATUTORY_RULES}+${fnv1a64(JSON.stringify(canonical(declared)))}`;
}

/** The most declared days a calendar may carry (ten years of them, every day). */
export const MAX_DECLARED_DAYS = 3660;

/**
 * The first thing wrong with `calendar` as a process's declared days, in Spanish, or null when it
 * is well formed: a list of real dates, each once, each with its reason.
 */
export function calendarProblem(calendar: unknown): string | null {
  const declared: unknown = (calendar as Partial<CalendarData> | null | undefined)?.declared;
  if (!Array.isArray(declared) || declared.length > MAX_DECLARED_DAYS)
    return `el calendario debe traer la lista de días inhábiles (a lo más ${MAX_DECLARED_DAYS})`;
  const seen = new Set<string>();
  for (const day of declared as (Partial<DeclaredDay> | null)[]) {
    if (!isIsoDate(day?.date)) return `fecha inválida en el calendario: ${String(day?.date)}`;
    if (seen.has(day.date)) return `fecha repetida en el calendario: ${day.date}`;
    seen.add(day.date);
    if (typeof day.reason !== 'string' || day.reason.trim() === '')
      return `falta el motivo del día inhábil ${day.date}`;
    if (day.acuerdo !== undefined && typeof day.acuerdo !== 'string')
      return `el acuerdo del día inhábil ${day.date} debe ser texto`;
  }
  return null;
}

export class CalendarError extends Error {
  override readonly name = 'CalendarError';
}

/** The working days of a calendar: weekends, LFT art. 74 and the declared days. */
export class WorkingCalendar {
  readonly version: string;
  private readonly declared: ReadonlyMap<string, DeclaredDay>;
  private readonly holidays = new Map<number, ReadonlyMap<string, NonWorkingDay>>();

  constructor(declared: readonly DeclaredDay[] = []) {
    const days = new Map<string, DeclaredDay>();
    for (const day of declared) {
      if (!isIsoDate(day.date)) throw new CalendarError(`"${day.date}" is not a date (YYYY-MM-DD)`);
      days.set(day.date, day);
    }
    this.declared = days;
    this.version = calendarVersion(declared);
  }

  static of(data: CalendarData | undefined | null): WorkingCalendar {
    return new WorkingCalendar(data?.declared ?? []);
  }

  private holidaysOf(year: number): ReadonlyMap<string, NonWorkingDay> {
    let days = this.holidays.get(year);
    if (!days) {
      days = new Map(statutoryHolidays(year).map((d) => [d.date, d]));
      this.holidays.set(year, days);
    }
    return days;
  }

  /** Why `date` is not a working day (a weekend gives `sábado`/`domingo`), or null. */
  nonWorkingReason(date: string): string | null {
    const day = weekday(date);
    if (day === 6) return 'sábado';
    if (day === 0) return 'domingo';
    return (
      this.holidaysOf(Number(date.slice(0, 4))).get(date)?.reason ?? this.declared.get(date)?.reason ?? null
    );
  }

  isWorkingDay(date: string): boolean {
    return this.nonWorkingReason(date) === null;
  }

  /**
   * The `n`-th working day after `date` (n ≥ 1), counting from the next day as administrative
   * law counts from the day after notice; `date` itself for n = 0.
   */
  addWorkingDays(date: string, n: number): string {
    let day = date;
    for (let counted = 0; counted < n;) {
      day = addDays(day, 1);
      if (this.isWorkingDay(day)) counted++;
    }
    return day;
  }

  /** The `n`-th working day before `date` (n ≥ 1); `date` itself for n = 0. */
  subtractWorkingDays(date: string, n: number): string {
    let day = date;
    for (let counted = 0; counted < n;) {
      day = addDays(day, -1);
      if (this.isWorkingDay(day)) counted++;
    }
    return day;
  }

  /** `date` when it is a working day, else the working day before it. */
  workingDayOnOrBefore(date: string): string {
    return this.isWorkingDay(date) ? date : this.subtractWorkingDays(date, 1);
  }

  /** `date` when it is a working day, else the working day after it. */
  workingDayOnOrAfter(date: string): string {
    return this.isWorkingDay(date) ? date : this.addWorkingDays(date, 1);
  }

  /** The year's non-working days other than weekends, in date order. */
  nonWorkingDays(year: number): NonWorkingDay[] {
    const days = new Map<string, NonWorkingDay>(this.holidaysOf(year));
    for (const day of this.declared.values()) {
      if (!day.date.startsWith(`${year}-`) || days.has(day.date)) continue;
      days.set(day.date, { ...day, source: 'declarado' });
    }
    return [...days.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
  }
}

// Mexico City time. Since 30 October 2022 it is UTC−6 all year (the Ley de los Husos Horarios
// abolished daylight saving time); from 2002 to 2022 it was UTC−5 from the first Sunday of April
// to the last Sunday of October, at 02:00 local time. Written out here rather than read from the
// time-zone database, so that a workflow replays the same on any Node version.

const HOUR_MS = 3_600_000;
const NO_MORE_DST = Date.UTC(2022, 9, 30, 7); // 2022-10-30 02:00 UTC−5

function sundayOf(year: number, month: number, which: 'first' | 'last'): number {
  if (which === 'first') {
    const first = Date.UTC(year, month - 1, 1);
    return first + ((7 - new Date(first).getUTCDay()) % 7) * DAY_MS;
  }
  const last = Date.UTC(year, month, 0);
  return last - new Date(last).getUTCDay() * DAY_MS;
}

/** Mexico City's offset from UTC at `instant`, in ms (−6 h, or −5 h in old summers). */
export function mexicoCityOffset(instant: number): number {
  if (instant >= NO_MORE_DST) return -6 * HOUR_MS;
  const year = new Date(instant).getUTCFullYear();
  const start = sundayOf(year, 4, 'first') + 8 * HOUR_MS; // 02:00 UTC−6
  const end = sundayOf(year, 10, 'last') + 7 * HOUR_MS; // 02:00 UTC−5
  return instant >= start && instant < end ? -5 * HOUR_MS : -6 * HOUR_MS;
}

/** The civil date in Mexico City at `instant` (ms since 1970). */
export function mexicoCityDate(instant: number): string {
  return new Date(instant + mexicoCityOffset(instant)).toISOString().slice(0, 10);
}

/** The instant of `date` at `hh:mm:ss` in Mexico City. */
export function mexicoCityTime(date: string, time: string): number {
  const local = Date.parse(`${date}T${time}Z`);
  const standard = local + 6 * HOUR_MS;
  return mexicoCityOffset(standard) === -6 * HOUR_MS ? standard : local + 5 * HOUR_MS;
}

/** When a deadline counted in días hábiles ends: 23:59:59 of its last day, in Mexico City. */
export const END_OF_DAY = '23:59:59';
/** When a reminder planned on a working day goes out, in Mexico City. */
export const REMINDER_TIME = '09:00:00';

/**
 * A deadline of `n` días hábiles from `start`: the `n`-th working day after start's date in
 * Mexico City, at its end.
 */
export function businessDeadline(start: number, n: number, calendar: WorkingCalendar): number {
  return mexicoCityTime(calendar.addWorkingDays(mexicoCityDate(start), n), END_OF_DAY);
}
