/** What every process command shares: configuration, one Temporal connection, and error mapping. */
import { calendarFromEnv, CalendarFileError } from '../config/calendar-file';
import { ConfigError, storeLocation, temporalConfig, type TemporalConfig } from '../config';
import { ProcessArchive } from '../evidence/process-archive';
import { openObjectStore } from '../storage';
import type { CalendarData } from '../domain/calendar';
import { ProcessClient } from '../client/process-client';
import { connectClient } from '../client/connection';
import { UsageError } from './errors';
import { CodedError } from '../domain/coded-error';

export interface CommandContext {
  readonly processes: ProcessClient;
  readonly config: TemporalConfig;
  /** How long a call may wait for Temporal (`--timeout`), in milliseconds. */
  readonly timeoutMs: number;
  /** The archive of ended processes (EVIDENCE_DIR or EVIDENCE_URL). */
  readonly archive: ProcessArchive;
}

/** `--timeout` (seconds), default 60: how long any call waits for an unavailable Temporal. */
export const DEFAULT_TIMEOUT_SECONDS = 60;
let timeoutMs = DEFAULT_TIMEOUT_SECONDS * 1000;

/** Set by the program from the global `--timeout` option before a command runs. */
export function setTimeoutSeconds(value: string | undefined): void {
  if (value === undefined) return;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600)
    throw new UsageError(`--timeout debe ser un número de segundos entre 1 y 3600 (recibido: ${value})`);
  timeoutMs = seconds * 1000;
}

export async function withProcesses<T>(fn: (context: CommandContext) => Promise<T>): Promise<T> {
  let config: TemporalConfig;
  let archive: ProcessArchive;
  try {
    config = temporalConfig(process.env, 'cli');
    // Ended processes are read from the archive in the object store once Temporal has let them go.
    archive = new ProcessArchive(openObjectStore(storeLocation(process.env)), config.keyring);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  let client;
  try {
    client = await connectClient(config, timeoutMs);
  } catch (error) {
    throw new CodedError(
      'TEMPORAL_UNAVAILABLE',
      `no se pudo conectar con Temporal en ${config.address} en ${timeoutMs / 1000} s: ${(error as Error).message}`,
    );
  }
  try {
    const processes = new ProcessClient(client, config.taskQueue, timeoutMs).withArchive(archive);
    return await fn({ processes, config, timeoutMs, archive });
  } finally {
    await client.connection.close();
  }
}

/** Who acts, for the audit trail: COORDINATOR_EMAIL, else the login name. */
export function actor(): string {
  return process.env.COORDINATOR_EMAIL || process.env.USER || 'coordinator';
}

/** The Web UI page of a process; of several TEMPORAL_UI_URL origins (comma-separated), the first. */
export function webUiLink(config: TemporalConfig, workflowId: string): string {
  const base =
    process.env.TEMPORAL_UI_URL?.split(',')[0]?.trim() ||
    `http://localhost:${process.env.TEMPORAL_UI_PORT || 8233}`;
  return `${base.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export function requirePositiveNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${flag} debe ser un número mayor que 0 (recibido: ${value})`);
  return n;
}

export function requirePositiveInteger(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n <= 0)
    throw new UsageError(`${flag} debe ser un número entero mayor que 0 (recibido: ${value})`);
  return n;
}

export const ROLE_CHOICES = ['municipal', 'institute'] as const;

/**
 * The días inhábiles to count with: `path` (`--inhabiles`), else `INHABILES_FILE`, else none. A
 * file with a bad line is refused (exit 1, MALFORMED_INPUT) naming the line.
 */
export function declaredCalendar(path?: string): CalendarData {
  try {
    return calendarFromEnv(process.env, path ?? process.env.INHABILES_FILE);
  } catch (error) {
    if (error instanceof CalendarFileError) throw new CodedError('MALFORMED_INPUT', error.message);
    throw error;
  }
}
