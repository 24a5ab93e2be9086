/** `manifiesta <command>`: the coordinator CLI (DESIGN §3). One file per command under ./commands. */
import { Command, CommanderError } from 'commander';
import { registerBulkStart } from './commands/bulk-start';
import { registerCalendar } from './commands/calendar';
import { registerCoordinatorActions } from './commands/coordinator-actions';
import { registerDigest } from './commands/digest';
import { registerRenewal } from './commands/renewal';
import { registerArchive } from './commands/archive';
import { registerPersonalData } from './commands/personal-data';
import { registerTransferInstitution } from './commands/transfer-institution';
import { registerEvidence } from './commands/evidence';
import { registerList } from './commands/list';
import { registerRecordInstallation } from './commands/record-installation';
import { registerReport } from './commands/report';
import { registerReseal } from './commands/reseal';
import { registerStart } from './commands/start';
import { registerStatus } from './commands/status';
import { registerVerify } from './commands/verify';
import { DEFAULT_TIMEOUT_SECONDS, setTimeoutSeconds } from './context';
import { ENV_FILE_VARIABLE, loadEnvFile } from './env-file';
import { ExitCode, UsageError } from './errors';
import { packageVersion } from './version';
import { CodedError } from '../domain/coded-error';

export function buildProgram(): Command {
  const program = new Command('manifiesta')
    .description('Seguimiento durable de firmas para la adhesión municipal a Gobierno Abierto.')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(use --help para ver las opciones)')
    .option(
      '--timeout <segundos>',
      `cuánto esperar a un Temporal que no responde antes de rendirse con TEMPORAL_UNAVAILABLE (por omisión ${DEFAULT_TIMEOUT_SECONDS})`,
    )
    .option(
      '--env-file <archivo>',
      `lee la configuración (TEMPORAL_*, PAYLOAD_KEYS, EVIDENCE_URL, S3_*, AWS_*…) de un archivo .env, p. ej. el cli.env que escribe el stack de producción; también ${ENV_FILE_VARIABLE}. Una variable ya definida en el entorno prevalece sobre la del archivo`,
    )
    .hook('preAction', (_program, command) => {
      const options = command.optsWithGlobals<{ timeout?: string; envFile?: string }>();
      // Before any command reads its configuration.
      loadEnvFile(options.envFile);
      setTimeoutSeconds(options.timeout);
    })
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerStart(program);
  registerBulkStart(program);
  registerStatus(program);
  registerList(program);
  registerCoordinatorActions(program);
  registerRecordInstallation(program);
  registerReport(program);
  registerDigest(program);
  registerRenewal(program);
  registerArchive(program);
  registerPersonalData(program);
  registerTransferInstitution(program);
  registerEvidence(program);
  registerVerify(program);
  registerCalendar(program);
  registerReseal(program);
  return program;
}

/** Runs the CLI and exits with the documented code, once what it printed has been written. */
export function run(argv: readonly string[]): void {
  buildProgram()
    .parseAsync([...argv])
    .then(
      () => exit(Number(process.exitCode ?? ExitCode.ok)),
      (error: unknown) => exit(report(error)),
    );
}

/**
 * Exits (connections and timers may still be open) after stdout and stderr are flushed: into a
 * pipe, Node writes asynchronously, and `process.exit()` at once would cut the output at the
 * pipe's buffer (64 KiB), halfway through a JSON report.
 */
function exit(code: number): void {
  const flushed = (stream: NodeJS.WriteStream): Promise<void> =>
    new Promise((resolve) => stream.write('', () => resolve()));
  process.exitCode = code;
  void Promise.all([flushed(process.stdout), flushed(process.stderr)]).then(() => process.exit(code));
}

function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version end through here too, with exit code 0.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n`);
    return ExitCode.usage;
  }
  if (error instanceof CodedError) {
    process.stderr.write(`${error.code}: ${error.message}\n`);
    return ExitCode.refused;
  }
  const cause = (error as { cause?: { message?: string } })?.cause;
  process.stderr.write(
    `error inesperado: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n` +
      (cause ? `causa: ${cause.message ?? String(cause)}\n` : ''),
  );
  return ExitCode.refused;
}
