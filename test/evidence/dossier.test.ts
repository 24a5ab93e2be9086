/**
 * The evidence dossier checked the way a third party would: the commands it prints (sha256sum,
 * openssl cms, openssl dgst, openssl verify) pass on the export and fail once any file is altered.
 */
import assert from 'node:assert/strict';
import { execSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliAsync } from '../support/cli';
import { signingFixtures } from '../support/fixtures';
import { processEnv, type ProcessEnv } from '../support/process-env';
import { completeProcess, testInput } from '../support/process-helpers';

describe('the evidence dossier, checked without trusting us', function () {
  this.timeout(180_000);
  let env: ProcessEnv;
  let dir: string;
  let commands: string[];
  let workflowId: string;
  const f = signingFixtures();

  const run = (command: string, cwd: string): number =>
    spawnSync('bash', ['-c', command], { cwd, stdio: 'ignore' }).status ?? -1;

  before(async function () {
    env = await processEnv();
    workflowId = await completeProcess(env, testInput());

    dir = mkdtempSync(join(tmpdir(), 'expediente-'));
    const exported = await runCliAsync(['evidence', workflowId, '--out', dir], env.childEnv);
    assert.equal(exported.status, 0, exported.stderr);
    // What a third party obtains from SAT: the CA certificates (here, the test PKI's).
    writeFileSync(join(dir, 'ac-confianza.pem'), f.root.certPem + f.intermediate.certPem);
    commands = readFileSync(join(dir, 'LEEME.txt'), 'utf8')
      .split('\n')
      .filter((l) => /^ {2}(sha256sum|openssl) /.test(l))
      .map((l) => l.trim());
  });

  it('holds the letter, each signature as it arrived, the reports, the audit trail, the installation and a manifest', function () {
    const names = readFileSync(join(dir, 'SHA256SUMS'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('  ')[1]);
    for (const name of [
      'carta.pdf',
      'firma-municipal.p7s',
      'firma-institucional.sig',
      'certificado-institucional.cer',
      'clave-publica-institucional.pem',
      'reporte-verificacion-municipal.json',
      'reporte-verificacion-institucional.json',
      'ocsp-municipal.der',
      'ocsp-institucional.der',
      'bitacora.json',
      'instalacion.json',
      'acta-instalacion.pdf',
      'constancia.pdf',
      'LEEME.txt',
    ]) {
      assert.ok(names.includes(name), `${name} in the manifest`);
    }
    assert.equal(
      JSON.parse(readFileSync(join(dir, 'reporte-verificacion-municipal.json'), 'utf8')).valid,
      true,
    );
    assert.ok(
      JSON.parse(readFileSync(join(dir, 'bitacora.json'), 'utf8')).some(
        (e: { type: string }) => e.type === 'installation-recorded',
      ),
    );
    // The OCSP answer that said each certificate was good, as the responder signed it, and the report
    // naming it by its SHA-256.
    for (const role of ['municipal', 'institucional']) {
      const answer = readFileSync(join(dir, `ocsp-${role}.der`));
      const report = JSON.parse(readFileSync(join(dir, `reporte-verificacion-${role}.json`), 'utf8'));
      assert.equal(report.ocsp[0].sha256, createHash('sha256').update(answer).digest('hex'));
      const text = execSync(`openssl ocsp -respin ocsp-${role}.der -resp_text -noverify`, {
        cwd: dir,
      }).toString();
      assert.match(text, /Cert Status: good/);
    }
  });

  it('every printed command passes on the export', function () {
    assert.ok(commands.length >= 4, commands.join('\n'));
    assert.ok(commands.some((c) => c.startsWith('openssl cms -verify')));
    assert.ok(commands.some((c) => c.startsWith('openssl dgst -sha256 -verify')));
    for (const command of commands) assert.equal(run(command, dir), 0, command);
  });

  it('judges the certificates at the signing time (-attime), so the commands still pass after they expire', async function () {
    const state = await env.processes.status(workflowId);
    const epoch = (role: 'municipal' | 'institute') =>
      Math.floor(Date.parse(state.signatures[role]!.receivedAt) / 1000);
    const leeme = readFileSync(join(dir, 'LEEME.txt'), 'utf8');
    // Each signature's commands, at that signature's own time.
    const cms = commands.find((c) => c.startsWith('openssl cms -verify') && c.includes('firma-municipal'))!;
    const chain = commands.find(
      (c) => c.startsWith('openssl verify') && c.includes('certificado-institucional'),
    )!;
    assert.ok(cms.includes(`-attime ${epoch('municipal')} `), cms);
    assert.ok(chain.includes(`-attime ${epoch('institute')} `), chain);
    assert.match(
      leeme,
      new RegExp(`firma-municipal: ${epoch('municipal')} = ${state.signatures.municipal!.receivedAt}`),
    );
    assert.match(
      leeme,
      new RegExp(`firma-institucional: ${epoch('institute')} = ${state.signatures.institute!.receivedAt}`),
    );
    // Years later, with the certificates expired: the same commands, judged then, fail. That is
    // what -attime guards against.
    for (const [command, party] of [
      [cms, f.president],
      [chain, f.commissioner],
    ] as const) {
      const afterExpiry = Math.floor(party.notAfter.getTime() / 1000) + 86_400;
      assert.notEqual(run(command.replace(/-attime \d+/, `-attime ${afterExpiry}`), dir), 0, command);
    }
  });

  it('altering any file makes the checks fail', function () {
    // Any altered byte fails the manifest; the signature checks fail when what they cover changes
    // (a byte of a carried CA certificate the verifier already trusts would not matter to them).
    for (const [file, at, failing] of [
      ['carta.pdf', 0.5, ['sha256sum', 'openssl cms', 'openssl dgst']],
      ['firma-municipal.p7s', -10, ['sha256sum', 'openssl cms']],
      ['firma-institucional.sig', 0.5, ['sha256sum', 'openssl dgst']],
      ['bitacora.json', 0.5, ['sha256sum']],
    ] as const) {
      const copy = mkdtempSync(join(tmpdir(), 'alterado-'));
      cpSync(dir, copy, { recursive: true });
      const bytes = readFileSync(join(copy, file));
      const index = at < 0 ? bytes.length + at : Math.floor(bytes.length * at);
      bytes[index] = bytes[index]! ^ 0x01;
      writeFileSync(join(copy, file), bytes);
      for (const prefix of failing) {
        const command = commands.find((c) => c.startsWith(prefix))!;
        assert.notEqual(run(command, copy), 0, `${command} must fail after altering ${file}`);
      }
    }
  });

  it('the constancia carries the right values', async function () {
    const state = await env.processes.status(workflowId);
    const text = execSync(`pdftotext -enc UTF-8 -layout ${join(dir, 'constancia.pdf')} -`, {
      encoding: 'utf8',
    }).replace(/\s+/g, ' ');
    for (const value of [
      'Constancia de firmas electrónicas',
      workflowId,
      state.document!.sha256,
      'COCR800101AB1',
      'MAVJ650101CD2',
      state.signatures.municipal!.report.certificate!.serial,
      state.signatures.institute!.report.certificate!.serial,
      'VÁLIDA',
      'openssl cms -verify',
      'sha256sum -c SHA256SUMS',
    ]) {
      assert.ok(text.includes(value), `constancia has ${value}`);
    }
  });
});
