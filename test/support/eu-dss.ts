/**
 * EU DSS (the European Commission's Digital Signature Service, Maven Central group
 * eu.europa.ec.joinup.sd-dss; see eu-dss/pom.xml) as an independent PAdES validator that runs
 * offline: eu-dss/src/main/java/manifiesta/eudss/ValidatePdf.java, compiled once against the class
 * path Maven resolves, run as a plain Java process per file. It trusts only the anchors given and
 * fetches nothing (no AIA, OCSP or CRL source), so revocation data must come from the file's /DSS,
 * and reports per signature the baseline level DSS detects (PAdES-BASELINE-B/-T/-LT/-LTA) and its
 * indication under DSS's default validation policy.
 *
 * The cache (class path and classes) lives in ~/.cache/manifiesta/eu-dss/<hash of pom and source>:
 * `npx tsx test/support/eu-dss.ts` prepares it, as `.ci/run` may ahead of the tests.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const POM = join(__dirname, 'eu-dss', 'pom.xml');
const SOURCE = join(__dirname, 'eu-dss', 'src', 'main', 'java', 'manifiesta', 'eudss', 'ValidatePdf.java');
const MAIN_CLASS = 'manifiesta.eudss.ValidatePdf';

/** How long one validation may take: a JVM's start and DSS's work on a 2-core machine busy with tests. */
export const EU_DSS_TIMEOUT_MS = 120_000;

/**
 * A short start for a short-lived JVM (C1 only, the serial collector: about a second less per
 * file), quiet SLF4J (DSS logs through it and no provider is on the class path).
 */
const JVM_OPTIONS = [
  '-XX:TieredStopAtLevel=1',
  '-XX:+UseSerialGC',
  '-Xmx512m',
  '-Djava.awt.headless=true',
  '-Dslf4j.internal.verbosity=ERROR',
];

/** One time-stamp as DSS judged it. Times are ISO-8601 (UTC); a missing value is null. */
export interface EuDssTimestamp {
  readonly id: string;
  /** DSS's TimestampType, e.g. "SIGNATURE_TIMESTAMP", "DOCUMENT_TIMESTAMP". */
  readonly type: string | null;
  readonly productionTime: string | null;
  /** The TSA certificate's common name. */
  readonly producedBy: string | null;
  /** "PASSED", "INDETERMINATE" or "FAILED". */
  readonly indication: string | null;
  readonly subIndication: string | null;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  readonly infos: readonly string[];
}

/** One signature as DSS judged it. */
export interface EuDssSignature {
  readonly id: string;
  /** The level DSS detects, e.g. "PAdES-BASELINE-LTA" ("PKCS7-B" and so on for adbe.pkcs7.detached). */
  readonly signatureFormat: string;
  /** "TOTAL_PASSED", "INDETERMINATE" or "TOTAL_FAILED". */
  readonly indication: string | null;
  /** e.g. "CERTIFICATE_CHAIN_GENERAL_FAILURE" when revocation data is missing. */
  readonly subIndication: string | null;
  /** The signer's claimed time (the /M entry for PAdES). */
  readonly signingTime: string | null;
  /** The earliest proof of existence DSS accepts: a time-stamp's time, or the validation time. */
  readonly bestSignatureTime: string | null;
  /** The signing certificate's common name. */
  readonly signedBy: string | null;
  readonly timestamps: readonly EuDssTimestamp[];
  /** DSS's AdES validation messages (its own English texts); qualification messages are left out. */
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  readonly infos: readonly string[];
}

/** What ValidatePdf prints for one file. */
export interface EuDssReport {
  readonly dssVersion: string;
  readonly validationTime: string;
  readonly signatures: readonly EuDssSignature[];
  /** Every time-stamp of the file, document time-stamps included. */
  readonly timestamps: readonly EuDssTimestamp[];
}

function cacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'manifiesta', 'eu-dss');
}

/** The cache for this pom and this source: either changed means a new class path and new classes. */
function cacheDir(): string {
  const hash = createHash('sha256').update(readFileSync(POM)).update(readFileSync(SOURCE)).digest('hex');
  return join(cacheRoot(), hash.slice(0, 16));
}

function usable(dir: string): boolean {
  const classPath = join(dir, 'classpath.txt');
  return (
    existsSync(join(dir, 'classes', ...MAIN_CLASS.split('.')) + '.class') &&
    existsSync(classPath) &&
    readFileSync(classPath, 'utf8')
      .trim()
      .split(':')
      .every((jar) => existsSync(jar))
  );
}

/** `command args`, quiet unless it fails (Maven's -q still prints colour resets). */
function run(command: string, args: readonly string[]): void {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`EU DSS: ${command} failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}

let prepared: string | undefined;

/**
 * ValidatePdf's whole class path (its classes, then DSS's jars), resolved by Maven and compiled by
 * javac once (seconds, or a minute with a cold Maven repository), then cached. Concurrent callers
 * each build in a scratch folder and the first rename wins.
 */
export function ensureEuDss(log?: (message: string) => void): string {
  if (prepared !== undefined) return prepared;
  const dir = cacheDir();
  if (!usable(dir)) {
    mkdirSync(cacheRoot(), { recursive: true });
    const scratch = mkdtempSync(join(cacheRoot(), 'building-'));
    try {
      const started = Date.now();
      log?.(`EU DSS: resolving its class path with Maven (${POM})`);
      run('mvn', [
        '-q',
        '-B',
        '-f',
        POM,
        'dependency:build-classpath',
        `-Dmdep.outputFile=${join(scratch, 'classpath.txt')}`,
      ]);
      const jars = readFileSync(join(scratch, 'classpath.txt'), 'utf8').trim();
      log?.(`EU DSS: compiling ValidatePdf.java`);
      run('javac', ['--release', '17', '-nowarn', '-d', join(scratch, 'classes'), '-cp', jars, SOURCE]);
      if (!usable(scratch)) throw new Error(`EU DSS: the build in ${scratch} is incomplete`);
      try {
        renameSync(scratch, dir);
      } catch {
        // Taken: another process's copy (then use it), or a stale one whose jars are gone.
        if (!usable(dir)) {
          rmSync(dir, { recursive: true, force: true });
          renameSync(scratch, dir);
        }
      }
      log?.(`EU DSS: ready in ${dir} after ${Date.now() - started} ms`);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  prepared = [join(dir, 'classes'), readFileSync(join(dir, 'classpath.txt'), 'utf8').trim()].join(':');
  return prepared;
}

/**
 * DSS's report on `pdf`, trusting only the certificates in the PEM files `anchors`, validated at
 * `at` (default now). Rejects when the JVM fails, prints no report, or outlives `timeoutMs`.
 */
export async function euDssValidate(
  pdf: Uint8Array,
  anchors: readonly string[],
  at?: Date,
  timeoutMs = EU_DSS_TIMEOUT_MS,
): Promise<EuDssReport> {
  const classPath = ensureEuDss();
  const dir = mkdtempSync(join(tmpdir(), 'manifiesta-eu-dss-'));
  try {
    const file = join(dir, 'document.pdf');
    writeFileSync(file, pdf);
    const args = [
      ...JVM_OPTIONS,
      '-cp',
      classPath,
      MAIN_CLASS,
      file,
      ...anchors.flatMap((anchor) => ['--trust', anchor]),
      ...(at ? ['--at', at.toISOString()] : []),
    ];
    const { code, signal, stdout, stderr } = await runJava(args, timeoutMs);
    if (code !== 0)
      throw new Error(
        `EU DSS ValidatePdf ${signal ? `was killed (${signal})` : `exited ${code}`}:\n${stderr}`,
      );
    try {
      return JSON.parse(stdout) as EuDssReport;
    } catch (error) {
      throw new Error(`EU DSS ValidatePdf printed no JSON report:\n${stdout}\n${stderr}`, { cause: error });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface JavaRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `java args`, killed after `timeoutMs` or when this process exits (mocha --exit): never a leftover JVM. */
function runJava(args: readonly string[], timeoutMs: number): Promise<JavaRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs} ms)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      process.removeListener('exit', killOnExit);
    };
    child.once('error', (error) => {
      done();
      reject(new Error(`EU DSS: could not start java: ${error.message}`, { cause: error }));
    });
    child.once('close', (code, signal) => {
      done();
      resolve({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr });
    });
  });
}

if (require.main === module) {
  console.log(ensureEuDss((message) => console.error(message)));
}
