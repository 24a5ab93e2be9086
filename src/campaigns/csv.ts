/**
 * The campaign CSV of `bulk-start` (DESIGN §3): `clave_inegi`, `municipio`, `presidente_nombre`,
 * `presidente_email`, optional `presidente_rfc`, `presidente_curp`, `presidente_cualquier_firmante`
 * (`si` to accept any e.firma when neither RFC nor CURP is given), and optional `comisionado_*`
 * columns that override the command's flags. Every row is validated before anything starts.
 */
import { parse } from 'csv-parse/sync';
import type { Person, ProcessInput } from '../domain/process';
import { inputProblems } from '../domain/start-input';

export const REQUIRED_COLUMNS = [
  'clave_inegi',
  'municipio',
  'presidente_nombre',
  'presidente_email',
] as const;

export interface CampaignDefaults {
  readonly campaign: string;
  readonly commissioner: Partial<Person>;
  readonly coordinator: Person;
  readonly letterDate?: string;
  readonly policy?: ProcessInput['policy'];
}

export interface RowProblem {
  /** The line of the file where the row starts (the header is line 1). */
  readonly line: number;
  readonly message: string;
}

export interface ParsedCampaign {
  readonly inputs: readonly (ProcessInput & { readonly line: number })[];
  readonly problems: readonly RowProblem[];
}

const optional = (value: string | undefined): string | null => (value && value.trim() ? value.trim() : null);

/** `si`/`sí`/`true`/`1` → true; empty → absent; anything else is a problem named by its line. */
function yesNo(value: string | undefined): boolean | null | 'invalid' {
  const v = optional(value)?.toLowerCase();
  if (v === undefined || v === null) return null;
  if (['si', 'sí', 'true', '1'].includes(v)) return true;
  if (['no', 'false', '0'].includes(v)) return false;
  return 'invalid';
}

/** Rows whose signers will be identified by the certificate's name alone: worth a warning. */
export function identifiedByName(input: ProcessInput): ('presidencia' | 'comisionado')[] {
  const byName = (p: Person) => !p.rfc && !p.curp && !p.acceptAnySigner;
  return [
    ...(byName(input.president) ? (['presidencia'] as const) : []),
    ...(byName(input.commissioner) ? (['comisionado'] as const) : []),
  ];
}

export function parseCampaignCsv(text: string, defaults: CampaignDefaults): ParsedCampaign {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
      relax_column_count: false,
    }) as typeof records;
  } catch (error) {
    const e = error as { lines?: number; message: string };
    return {
      inputs: [],
      problems: [{ line: e.lines ?? 1, message: `el CSV no se pudo leer: ${e.message}` }],
    };
  }
  const problems: RowProblem[] = [];
  const header = records[0] ? Object.keys(records[0].record) : [];
  const missing = REQUIRED_COLUMNS.filter((column) => records.length > 0 && !header.includes(column));
  if (records.length === 0) return { inputs: [], problems: [{ line: 1, message: 'el CSV no tiene filas' }] };
  if (missing.length > 0)
    return { inputs: [], problems: [{ line: 1, message: `faltan las columnas ${missing.join(', ')}` }] };

  const seen = new Map<string, number>();
  const inputs: (ProcessInput & { line: number })[] = [];
  for (const { record, info } of records) {
    // csv-parse counts the lines read so far; a record without embedded line breaks starts there.
    const line = info.lines;
    const commissioner: Person = {
      name: optional(record.comisionado_nombre) ?? defaults.commissioner.name ?? '',
      email: optional(record.comisionado_email) ?? defaults.commissioner.email ?? '',
      rfc: (optional(record.comisionado_rfc) ?? defaults.commissioner.rfc ?? null)?.toUpperCase() ?? null,
      curp: (optional(record.comisionado_curp) ?? defaults.commissioner.curp ?? null)?.toUpperCase() ?? null,
      ...((yesNo(record.comisionado_cualquier_firmante) ?? defaults.commissioner.acceptAnySigner) === true
        ? { acceptAnySigner: true }
        : {}),
    };
    const presidentAny = yesNo(record.presidente_cualquier_firmante);
    const input: ProcessInput & { line: number } = {
      line,
      campaign: defaults.campaign,
      inegiCode: record.clave_inegi ?? '',
      municipality: record.municipio ?? '',
      president: {
        name: record.presidente_nombre ?? '',
        email: record.presidente_email ?? '',
        rfc: optional(record.presidente_rfc)?.toUpperCase() ?? null,
        curp: optional(record.presidente_curp)?.toUpperCase() ?? null,
        ...(presidentAny === true ? { acceptAnySigner: true } : {}),
      },
      commissioner,
      coordinator: defaults.coordinator,
      ...(defaults.letterDate ? { letterDate: defaults.letterDate } : {}),
      ...(defaults.policy ? { policy: defaults.policy } : {}),
    };
    const rowProblems = inputProblems(input);
    for (const [column, value] of [
      ['presidente_cualquier_firmante', presidentAny],
      ['comisionado_cualquier_firmante', yesNo(record.comisionado_cualquier_firmante)],
    ] as const) {
      if (value === 'invalid') rowProblems.push(`${column} debe ser «si» o «no»`);
    }
    const earlier = seen.get(input.inegiCode);
    if (earlier !== undefined)
      rowProblems.push(`la clave INEGI ${input.inegiCode} ya aparece en la línea ${earlier}`);
    seen.set(input.inegiCode, line);
    for (const message of rowProblems) problems.push({ line, message });
    inputs.push(input);
  }
  return { inputs, problems };
}
