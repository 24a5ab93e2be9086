/**
 * `--env-file` and `MANIFIESTA_ENV_FILE` (src/cli/env-file.ts): the built CLI, run as coordinators
 * run it, takes its configuration from a dotenv file (Temporal, the keyring, the evidence store,
 * the Web UI), a variable of the real environment wins over the file's, and a file it cannot read
 * is a Spanish usage error (exit 2), also when the CLI is run through its shebang (Node would
 * otherwise take `--env-file` for its own and exit 9).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { ENV_FILE_VARIABLE, loadEnvFile } from '../../src/cli/env-file';
import { UsageError } from '../../src/cli/errors';
import { freePort } from '../../src/dev/temporal';
import { CLI_CONFIGURATION, onlyConfiguration, runCliAsync, type CliResult } from '../support/cli';
import { signingFixtures } from '../support/fixtures';
import { processEnv, TEST_KEYRING_FILE, type ProcessEnv } from '../support/process-env';
import { CAMPAIGN, signBoth, testInput } from '../support/process-helpers';

const BIN = join(__dirname, '..', '..', 'bin', 'manifiesta.js');

describe('the CLI’s configuration from a file (--env-file, MANIFIESTA_ENV_FILE)', function () {
  this.timeout(180_000);
  let env: ProcessEnv;
  let file: string;
  /** A folder of its own to run in: no `.data` there for the CLI to fall back on. */
  let cwd: string;

  /** The CLI with nothing of the run's environment configured but `extra`. */
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
    runCliAsync(args, onlyConfiguration(extra), cwd);

  before(async function () {
    env = await processEnv();
    const dir = mkdtempSync(join(tmpdir(), 'cli-env-'));
    cwd = mkdtempSync(join(tmpdir(), 'cli-cwd-'));
    file = join(dir, 'cli.env');
    writeFileSync(
      file,
      [
        '# the run’s Temporal server, its worker’s task queue, keyring and evidence folder',
        `TEMPORAL_ADDRESS=${env.server.address}`,
        `TEMPORAL_NAMESPACE=${env.server.namespace}`,
        `TEMPORAL_TASK_QUEUE=${env.taskQueue}`,
        `PAYLOAD_KEYS=${TEST_KEYRING_FILE}`,
        `EVIDENCE_DIR='${env.evidenceDir}'`,
        'TEMPORAL_UI_URL=http://ui.prueba.example:8233',
        'COORDINATOR_EMAIL="coordinacion@example.mx"',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
  });

  function startArgs(inegi: string): string[] {
    const f = signingFixtures();
    return [
      'start',
      '--inegi',
      inegi,
      '--municipality',
      'Huixquilucan',
      '--president-name',
      f.president.identity.name,
      '--president-email',
      `presidencia-${inegi}@example.mx`,
      '--commissioner-name',
      f.commissioner.identity.name,
      '--commissioner-email',
      `comisionado-${inegi}@example.mx`,
      '--commissioner-rfc',
      f.commissioner.identity.rfc!,
      '--campaign',
      CAMPAIGN,
      '--letter-date',
      '2022-07-08',
    ];
  }

  it('--env-file: start, status and record-installation reach the file’s Temporal, and the minutes land in its evidence folder', async function () {
    const inegi = testInput().inegiCode;
    const started = await cli(['--env-file', file, ...startArgs(inegi)]);
    assert.equal(started.status, 0, started.stderr);
    const [workflowId, link] = started.stdout.trim().split('\n');
    assert.equal(workflowId, `adhesion-${CAMPAIGN}-${inegi}`);
    assert.equal(
      link,
      `http://ui.prueba.example:8233/namespaces/${env.server.namespace}/workflows/${workflowId}`,
      'the Web UI of the file',
    );
    // The option after the command, as every global option may be.
    const status = await cli(['status', workflowId!, '--json', '--env-file', file]);
    assert.equal(status.status, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).input.coordinator.email, 'coordinacion@example.mx');

    await signBoth(env, workflowId!, {
      municipal: `presidencia-${inegi}@example.mx`,
      institute: `comisionado-${inegi}@example.mx`,
    });
    const acta = join(mkdtempSync(join(tmpdir(), 'acta-')), 'acta-instalacion.pdf');
    const minutes = Buffer.from(`%PDF-1.4\nActa de instalación ${inegi}\n`);
    writeFileSync(acta, minutes);
    const recorded = await cli([
      '--env-file',
      file,
      'record-installation',
      workflowId!,
      '--date',
      '2026-11-20',
      '--minutes',
      acta,
      '--member',
      'Romina Contreras|gobierno|Presidenta Municipal',
    ]);
    assert.equal(recorded.status, 0, recorded.stderr);
    assert.match(recorded.stdout, /Completed/);
    const state = await env.processes.status(workflowId!);
    assert.equal(state.stage, 'Completed');
    // Where the worker reads evidence (the file's EVIDENCE_DIR), not the CLI's default folder.
    assert.deepEqual(await env.evidence.get(state.installation!.minutes.sha256), minutes);
    assert.equal(existsSync(join(cwd, '.data')), false, 'nothing in the default local folder');
  });

  it('MANIFIESTA_ENV_FILE: the same, without the option; --env-file wins over it', async function () {
    const inegi = testInput().inegiCode;
    const started = await cli(startArgs(inegi), { [ENV_FILE_VARIABLE]: file });
    assert.equal(started.status, 0, started.stderr);
    const workflowId = `adhesion-${CAMPAIGN}-${inegi}`;
    const status = await cli(['status', inegi, '--campaign', CAMPAIGN, '--json'], {
      [ENV_FILE_VARIABLE]: file,
    });
    assert.equal(status.status, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).workflowId, workflowId);
    const both = await cli(['--env-file', file, 'status', workflowId, '--json'], {
      [ENV_FILE_VARIABLE]: join(cwd, 'no-existe.env'),
    });
    assert.equal(both.status, 0, both.stderr);
  });

  it('a variable set in the environment wins over the file’s', async function () {
    const closed = `127.0.0.1:${await freePort()}`;
    const overridden = await cli(['--env-file', file, '--timeout', '2', 'list', '--campaign', CAMPAIGN], {
      TEMPORAL_ADDRESS: closed,
    });
    assert.equal(overridden.status, 1);
    assert.match(
      overridden.stderr,
      new RegExp(`^TEMPORAL_UNAVAILABLE: no se pudo conectar con Temporal en ${closed} `),
    );
    const fromFile = await cli(['--env-file', file, 'list', '--campaign', CAMPAIGN, '--json']);
    assert.equal(fromFile.status, 0, fromFile.stderr);

    // In-process: defined (even empty) wins; the rest is taken; nothing else touched.
    const target: NodeJS.ProcessEnv = { TEMPORAL_ADDRESS: 'otro:7233', EVIDENCE_DIR: '' };
    const set = loadEnvFile(file, target);
    assert.deepEqual(set.sort(), [
      'COORDINATOR_EMAIL',
      'PAYLOAD_KEYS',
      'TEMPORAL_NAMESPACE',
      'TEMPORAL_TASK_QUEUE',
      'TEMPORAL_UI_URL',
    ]);
    assert.equal(target.TEMPORAL_ADDRESS, 'otro:7233');
    assert.equal(target.EVIDENCE_DIR, '');
    assert.equal(target.COORDINATOR_EMAIL, 'coordinacion@example.mx', 'quotes removed');
    assert.deepEqual(loadEnvFile(undefined, {}), [], 'no file named: nothing');
  });

  it('a file that cannot be read: a Spanish usage error naming it and who named it, exit 2', async function () {
    const missing = join(cwd, 'no-existe', 'cli.env');
    const byOption = await cli(['--env-file', missing, 'list']);
    assert.equal(byOption.status, 2);
    assert.equal(
      byOption.stderr.split('\n')[0],
      `error: no se pudo leer el archivo de entorno ${missing} (--env-file): no existe (el stack de producción escribe el suyo, cli.env, en su carpeta de datos al arrancar)`,
    );
    const byVariable = await cli(['status', '15037'], { [ENV_FILE_VARIABLE]: missing });
    assert.equal(byVariable.status, 2);
    assert.match(
      byVariable.stderr,
      /^error: no se pudo leer el archivo de entorno .* \(MANIFIESTA_ENV_FILE\): no existe/,
    );
    const folder = await cli(['list', `--env-file=${cwd}`]);
    assert.equal(folder.status, 2);
    assert.match(folder.stderr, /\(--env-file\): es una carpeta, no un archivo/);
    assert.throws(() => loadEnvFile(missing, {}), UsageError);

    // Through its shebang, as `manifiesta` is installed: the CLI's error, not Node's exit 9.
    const direct = spawnSync(BIN, ['--env-file', missing, 'list'], {
      encoding: 'utf8',
      cwd,
      env: {
        ...Object.fromEntries(
          Object.entries(process.env).filter(
            ([name]) => !(CLI_CONFIGURATION as readonly string[]).includes(name),
          ),
        ),
        PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}`,
      },
    });
    assert.equal(direct.status, 2, direct.stderr);
    assert.match(direct.stderr, /^error: no se pudo leer el archivo de entorno/);
  });
});
