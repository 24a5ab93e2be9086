/**
 * The production stack's `cli.env` (src/stack/cli-env.ts): what the stack writes for its CLI, and
 * the proof that it is enough. A coordinator with nothing configured but `--env-file` (or
 * `MANIFIESTA_ENV_FILE`) walks a process to Completed against the stack: Temporal over mutual TLS
 * with the CLI's certificate, the payload keyring, and the minutes uploaded into the stack's
 * bucket, where its workers read them, not into a local folder.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import forge from 'node-forge';
import { parseKeyring } from '../../src/codec/keyring';
import { storeLocation } from '../../src/config';
import type { OutboxMessage } from '../../src/stack/outbox';
import type { ProcessState } from '../../src/domain/process';
import {
  CLI_ENV_FILE,
  CLI_ENV_SECTIONS,
  cliEnvironment,
  cliEnvUsage,
  formatCliEnv,
  writeCliEnvFile,
} from '../../src/stack/cli-env';
import { openStores } from '../../src/storage';
import { onlyConfiguration, runCliAsync, type CliResult } from '../support/cli';
import { signingFixtures } from '../support/fixtures';
import type { Party } from '../support/pki';
import { TEST_KEYRING_FILE } from '../support/process-env';
import { linkIn } from '../support/process-helpers';
import { productionStack, type TestStack } from '../support/production-stack';

describe('cli.env, the CLI’s environment the stack writes (pure)', function () {
  const stackEnv: NodeJS.ProcessEnv = {
    TEMPORAL_ADDRESS: 'localhost:7233',
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TLS_CERT: 'tls/cli.pem',
    TEMPORAL_TLS_KEY: '/datos/tls/cli.key',
    TEMPORAL_TLS_CA: '/datos/tls/ca.pem',
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
    PAYLOAD_KEYS: '{"k2026": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}',
    PAYLOAD_KEY_ID: 'k2026',
    EVIDENCE_URL: 's3://manifiesta/evidencia',
    S3_ENDPOINT: 'http://127.0.0.1:7070',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'mfw0123',
    AWS_SECRET_ACCESS_KEY: 'se#cre t',
    TRUST_ANCHORS: 'anclas/raiz.cer, /anclas/intermedia.cer',
    CRLS: '',
    TEMPORAL_UI_URL: 'http://localhost:8233,http://127.0.0.1:8233',
    MAIL_FROM: 'Coordinación <stl@example.mx>',
    // What the CLI does not read stays out.
    LINK_SECRET: 'x'.repeat(64),
    SMTP_URL: 'smtp://usuario:clave@relay:25',
    PORTAL_BASE_URL: 'https://firma.example.mx',
    DATA_DIR: '/datos',
    REVOCATION_POLICY: 'required',
  };

  it('takes what the CLI reads, paths made absolute and the Web UI’s first origin; Node’s parser reads back every value', function () {
    const vars = cliEnvironment(stackEnv);
    assert.deepEqual(Object.keys(vars), [
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'TEMPORAL_TLS_CERT',
      'TEMPORAL_TLS_KEY',
      'TEMPORAL_TLS_CA',
      'TEMPORAL_TLS_SERVER_NAME',
      'PAYLOAD_KEYS',
      'PAYLOAD_KEY_ID',
      'EVIDENCE_URL',
      'S3_ENDPOINT',
      'AWS_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'TRUST_ANCHORS',
      'TEMPORAL_UI_URL',
      'MAIL_FROM',
    ]);
    assert.equal(vars.TEMPORAL_TLS_CERT, join(process.cwd(), 'tls/cli.pem'));
    assert.equal(vars.TRUST_ANCHORS, `${join(process.cwd(), 'anclas/raiz.cer')},/anclas/intermedia.cer`);
    assert.equal(vars.PAYLOAD_KEYS, stackEnv.PAYLOAD_KEYS, 'inline JSON kept as it is');
    assert.equal(
      cliEnvironment({ PAYLOAD_KEYS: 'llaves.json' }).PAYLOAD_KEYS,
      join(process.cwd(), 'llaves.json'),
    );
    assert.equal(vars.TEMPORAL_UI_URL, 'http://localhost:8233');
    const text = formatCliEnv(vars, ['cabecera # con = signos']);
    assert.deepEqual(parseEnv(text), vars);
    // Every name it may write is one the CLI reads (none of the parts' own secrets).
    for (const name of CLI_ENV_SECTIONS.flatMap((section) => section.names))
      assert.doesNotMatch(name, /LINK_SECRET|SMTP|PORTAL|CODEC|REVOCATION|DATA_DIR/);
  });

  it('refuses a value it could not write so that it reads back, rather than write another', function () {
    assert.throws(() => formatCliEnv({ MAIL_FROM: `a'b"c\`d\ne` }), /MAIL_FROM cannot be written/);
  });

  it('is written whole, the owner’s alone, and replaced at the next start', function () {
    const dir = mkdtempSync(join(tmpdir(), 'cli-env-'));
    const path = writeCliEnvFile(dir, stackEnv);
    assert.equal(path, join(dir, CLI_ENV_FILE));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    writeCliEnvFile(dir, { ...stackEnv, TEMPORAL_ADDRESS: 'localhost:17233' });
    assert.equal(parseEnv(readFileSync(path, 'utf8')).TEMPORAL_ADDRESS, 'localhost:17233');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.match(
      cliEnvUsage(path).join('\n'),
      new RegExp(`--env-file ${path} .*\\n.*MANIFIESTA_ENV_FILE=${path}`),
    );
  });
});

describe('the production stack’s cli.env: the CLI reaches the stack with it alone', function () {
  this.timeout(300_000);
  const f = signingFixtures();
  let t: TestStack;
  let file: string;
  /** A folder of the coordinator's own: no `.data` there for the CLI to fall back on. */
  let cwd: string;
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
    runCliAsync(args, onlyConfiguration(extra), cwd);

  before(async function () {
    t = await productionStack();
    file = t.stack.cliEnvFile;
    cwd = mkdtempSync(join(tmpdir(), 'coordinacion-'));
  });

  it('is in the stack’s data folder, 0600, with the stack’s Temporal, the CLI’s certificate, the keyring and the writers’ store account', function () {
    assert.equal(file, join(t.stack.urls.data!, CLI_ENV_FILE));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const vars = parseEnv(readFileSync(file, 'utf8'));
    assert.deepEqual(Object.keys(vars).sort(), [
      'AWS_ACCESS_KEY_ID',
      'AWS_REGION',
      'AWS_SECRET_ACCESS_KEY',
      'CRLS',
      'EVIDENCE_URL',
      'PAYLOAD_KEYS',
      'S3_ENDPOINT',
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'TEMPORAL_TLS_CA',
      'TEMPORAL_TLS_CERT',
      'TEMPORAL_TLS_KEY',
      'TEMPORAL_TLS_SERVER_NAME',
      'TEMPORAL_UI_URL',
      'TRUST_ANCHORS',
    ]);
    const { certificates, objectStore, temporal } = t.stack;
    assert.equal(vars.TEMPORAL_ADDRESS, temporal.address);
    assert.equal(vars.TEMPORAL_TLS_CERT, certificates.clients.cli.cert, 'the CLI’s own certificate');
    assert.equal(vars.TEMPORAL_TLS_KEY, certificates.clients.cli.key);
    assert.equal(vars.TEMPORAL_TLS_CA, certificates.ca);
    assert.equal(vars.PAYLOAD_KEYS, TEST_KEYRING_FILE);
    assert.equal(vars.EVIDENCE_URL, objectStore.env.EVIDENCE_URL);
    assert.equal(vars.S3_ENDPOINT, objectStore.endpoint);
    assert.equal(vars.AWS_ACCESS_KEY_ID, objectStore.env.AWS_ACCESS_KEY_ID, 'the writers’ account');
    assert.notEqual(vars.AWS_ACCESS_KEY_ID, objectStore.readOnlyEnv.AWS_ACCESS_KEY_ID);
    assert.equal(vars.AWS_SECRET_ACCESS_KEY, objectStore.env.AWS_SECRET_ACCESS_KEY);
    assert.equal(vars.TEMPORAL_UI_URL, t.stack.env.TEMPORAL_UI_URL!.split(',')[0]);
  });

  it('a coordinator walks a process to Completed with only the file: start, two signatures at the portals, record-installation into the stack’s bucket, status, list, report, evidence', async function () {
    const campaign = `e${Date.now().toString(36)}`;
    const inegi = '15037';
    const workflowId = `adhesion-${campaign}-${inegi}`;
    const president = `presidencia@${campaign}.test`;
    const commissioner = `comisionado@${campaign}.test`;
    const started = await cli([
      '--env-file',
      file,
      'start',
      '--inegi',
      inegi,
      '--municipality',
      'Huixquilucan',
      '--president-name',
      f.president.identity.name,
      '--president-email',
      president,
      '--president-rfc',
      f.president.identity.rfc!,
      '--commissioner-name',
      f.commissioner.identity.name,
      '--commissioner-email',
      commissioner,
      '--commissioner-rfc',
      f.commissioner.identity.rfc!,
      '--campaign',
      campaign,
      '--coordinator-email',
      `coordinacion@${campaign}.test`,
    ]);
    assert.equal(started.status, 0, started.stderr);
    assert.equal(started.stdout.split('\n')[0], workflowId);

    // The signers, each at a portal, from the links the stack mailed them.
    assert.equal(await sign(t.portalUrls[0]!, await tokenFor(president), f.president, '10.61.0.1'), 200);
    assert.equal(
      await sign(t.portalUrls[1]!, await tokenFor(commissioner), f.commissioner, '10.61.0.2'),
      200,
    );

    // From here on, MANIFIESTA_ENV_FILE instead of the option.
    const viaVariable = { MANIFIESTA_ENV_FILE: file };
    const state = async (): Promise<ProcessState> => {
      const status = await cli(['status', workflowId, '--json'], viaVariable);
      assert.equal(status.status, 0, status.stderr);
      return JSON.parse(status.stdout) as ProcessState;
    };
    for (let i = 0; i < 150 && (await state()).stage !== 'AwaitingSecretariatInstallation'; i++)
      await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await state()).stage, 'AwaitingSecretariatInstallation');

    const minutes = Buffer.from(`%PDF-1.4\nActa de instalación del Secretariado Técnico de ${campaign}\n`);
    const acta = join(cwd, 'acta-instalacion.pdf');
    writeFileSync(acta, minutes);
    const recorded = await cli(
      [
        'record-installation',
        workflowId,
        '--date',
        '2026-11-20',
        '--minutes',
        acta,
        '--member',
        'Romina Contreras|gobierno|Presidenta Municipal',
      ],
      viaVariable,
    );
    assert.equal(recorded.status, 0, recorded.stderr);
    assert.equal(recorded.stdout.trim(), `${workflowId}: Completed`);
    const completed = await state();
    assert.equal(completed.stage, 'Completed');

    // The minutes are in the stack's bucket, under the evidence prefix, and nowhere local.
    const vars = parseEnv(readFileSync(file, 'utf8'));
    const location = storeLocation(vars);
    if (location.kind !== 's3') throw new Error(`the stack keeps evidence in S3, not ${location.kind}`);
    const { evidence } = openStores(
      {
        ...location,
        credentials: { accessKeyId: vars.AWS_ACCESS_KEY_ID!, secretAccessKey: vars.AWS_SECRET_ACCESS_KEY! },
      },
      parseKeyring(TEST_KEYRING_FILE),
    );
    assert.deepEqual(await evidence.get(completed.installation!.minutes.sha256), minutes);
    assert.equal(existsSync(join(cwd, '.data')), false, 'no local evidence folder');

    let listed: { workflowId: string; stage: string }[] = [];
    for (let i = 0; i < 50 && !listed.some((r) => r.stage === 'Completed'); i++) {
      const list = await cli(['list', '--campaign', campaign, '--json'], viaVariable);
      assert.equal(list.status, 0, list.stderr);
      listed = JSON.parse(list.stdout) as typeof listed;
      if (!listed.some((r) => r.stage === 'Completed'))
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.deepEqual(
      listed.map((r) => [r.workflowId, r.stage]),
      [[workflowId, 'Completed']],
    );
    const report = await cli(['report', '--campaign', campaign, '--format', 'json'], viaVariable);
    assert.equal(report.status, 0, report.stderr);
    assert.deepEqual(
      (JSON.parse(report.stdout) as { workflow_id: string; etapa: string }[]).map((r) => [
        r.workflow_id,
        r.etapa,
      ]),
      [[workflowId, 'Completed']],
    );
    const out = join(cwd, 'expediente');
    const dossier = await cli(['--env-file', file, 'evidence', workflowId, '--out', out]);
    assert.equal(dossier.status, 0, dossier.stderr);
    assert.deepEqual(readFileSync(join(out, 'acta-instalacion.pdf')), minutes, 'read back from the bucket');
  });

  /** The token of the signing request mailed to `email`. */
  async function tokenFor(email: string): Promise<string> {
    const message: OutboxMessage = await t.outbox.waitFor(
      (m) => m.envelopeTo.includes(email) && /\/firmar\//.test(m.mail.text ?? ''),
      60_000,
      `the signing request to ${email}`,
    );
    return linkIn(message);
  }

  /** A signer at a portal: reads the letter, signs it (PKCS#1 with the certificate), sends it. */
  async function sign(portal: string, token: string, party: Party, client: string): Promise<number> {
    const headers = { 'X-Forwarded-For': client };
    const document = await fetch(`${portal}/api/v1/signing/${token}/document`, { headers });
    if (!document.ok) assert.fail(`the letter: HTTP ${document.status} ${await document.text()}`);
    const md = forge.md.sha256.create();
    md.update(Buffer.from(await document.arrayBuffer()).toString('binary'));
    const response = await fetch(`${portal}/api/v1/signing/${token}/signature`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({
        format: 'pkcs1-sha256',
        signature: Buffer.from(party.forgeKey.sign(md), 'binary').toString('base64'),
        certificate: party.certDer.toString('base64'),
      }),
    });
    if (!response.ok) assert.fail(`the signature: HTTP ${response.status} ${await response.text()}`);
    return response.status;
  }
});
