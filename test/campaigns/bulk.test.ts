/**
 * A campaign of the State of Mexico's 125 municipalities: bulk-start from CSV, idempotent re-runs,
 * bad rows refused by line, list filters that return exactly the right sets, and the report.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { withdrawUpdate } from '../../src/domain/messages';
import { runCliAsync, type CliResult } from '../support/cli';
import { processEnv, type ProcessEnv } from '../support/process-env';
import { testInput } from '../support/process-helpers';

const MUNICIPALITIES = join(__dirname, '..', '..', '..', 'shared', 'data', 'municipios-estado-de-mexico.csv');

describe('a campaign of all 125 municipalities', function () {
  this.timeout(300_000);
  let env: ProcessEnv;
  const campaign = `c${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'manifiesta-campaign-'));
  const csv = join(dir, 'municipios.csv');
  const cli = (args: string[]): Promise<CliResult> => runCliAsync(args, env.childEnv);
  const commissioner = [
    '--commissioner-name',
    'José Martínez Vilchis',
    '--commissioner-email',
    'presidencia@infoem.example',
    '--commissioner-rfc',
    'MAVJ650101CD2',
  ];
  const rows = parse(readFileSync(MUNICIPALITIES), { columns: true, bom: true }) as {
    clave_inegi: string;
    municipio: string;
    entidad: string;
  }[];

  async function listed(
    args: string[],
    expected: number,
  ): Promise<{ workflowId: string; stage: string; inegiCode: string }[]> {
    let result: { workflowId: string; stage: string; inegiCode: string }[] = [];
    for (let i = 0; i < 100; i++) {
      const r = await cli(['list', '--campaign', campaign, '--json', ...args]);
      assert.equal(r.status, 0, r.stderr);
      result = JSON.parse(r.stdout);
      if (result.length === expected) return result;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return result;
  }

  before(async function () {
    env = await processEnv();
    assert.equal(rows.length, 125);
    const lines = ['clave_inegi,municipio,entidad,presidente_nombre,presidente_email,presidente_rfc'];
    for (const row of rows) {
      lines.push(
        [
          row.clave_inegi,
          `"${row.municipio}"`,
          row.entidad,
          `Presidencia de ${row.municipio.replace(/"/g, '')}`,
          `presidencia.${row.clave_inegi}@example.mx`,
          '',
        ].join(','),
      );
    }
    writeFileSync(csv, `${lines.join('\n')}\n`);
  });

  it('refuses bad rows by line number and starts nothing', async function () {
    const bad = join(dir, 'con-errores.csv');
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
    lines[3] = lines[3]!.replace(/^\d{5}/, '1500'); // line 4: a 4-digit clave
    lines[6] = lines[6]!.replace(/presidencia\.\d+@example\.mx/, 'sin-arroba'); // line 7: a bad e-mail
    lines[9] = lines[9]!.replace(/,$/, ',XXXX'); // line 10: a bad RFC
    writeFileSync(bad, `${lines.join('\n')}\n`);
    const r = await cli(['bulk-start', bad, '--campaign', campaign, ...commissioner]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /con-errores\.csv:4: la clave INEGI debe tener 5 dígitos/);
    assert.match(r.stderr, /con-errores\.csv:7: el correo de la presidencia municipal no es válido/);
    assert.match(r.stderr, /con-errores\.csv:10: el RFC de la presidencia municipal no es válido/);
    assert.match(r.stderr, /MALFORMED_INPUT: 3 fila\(s\) no válida\(s\); no se inició ningún proceso/);
    const missingColumn = join(dir, 'sin-columna.csv');
    writeFileSync(missingColumn, 'clave_inegi,municipio\n15001,Acambay\n');
    const m = await cli(['bulk-start', missingColumn, '--campaign', campaign, ...commissioner]);
    assert.equal(m.status, 1);
    assert.match(m.stderr, /faltan las columnas presidente_nombre, presidente_email/);
    assert.equal((await listed([], 0)).length, 0, 'nothing started');
  });

  it('--dry-run says what would start and starts nothing', async function () {
    const r = await cli(['bulk-start', csv, '--campaign', campaign, '--dry-run', '--json', ...commissioner]);
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.wouldStart.length, 125);
    assert.equal(summary.alreadyRunning.length, 0);
    assert.equal((await listed([], 0)).length, 0);
  });

  it('starts all 125; a re-run starts none; list and report see exactly them', async function () {
    const first = await cli(['bulk-start', csv, '--campaign', campaign, '--json', ...commissioner]);
    assert.equal(first.status, 0, first.stderr);
    const summary = JSON.parse(first.stdout);
    assert.equal(summary.started.length, 125);
    assert.deepEqual(summary.failed, []);

    const again = await cli(['bulk-start', csv, '--campaign', campaign, ...commissioner]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /iniciados: +0\nya en curso: 125\nfallidos: +0/);

    const all = await listed([], 125);
    assert.deepEqual(all.map((r) => r.inegiCode).sort(), rows.map((r) => r.clave_inegi).sort());

    // Move two along, then the filters must return exactly the right sets.
    const withdrawn = ['15037', '15058'];
    for (const code of withdrawn) {
      await env.processes.update(`adhesion-${campaign}-${code}`, withdrawUpdate, {
        reason: 'prueba de filtros',
      });
    }
    const byStage = await listed(['--stage', 'Withdrawn'], 2);
    assert.deepEqual(byStage.map((r) => r.inegiCode).sort(), withdrawn);
    const waiting = await listed(['--stage', 'AwaitingMunicipalSignature'], 123);
    assert.equal(waiting.length, 123);
    assert.ok(!waiting.some((r) => withdrawn.includes(r.inegiCode)));
    assert.equal((await listed(['--overdue'], 0)).length, 0);

    const report = await cli(['report', '--campaign', campaign, '--format', 'csv']);
    assert.equal(report.status, 0, report.stderr);
    const records = parse(report.stdout, { columns: true }) as Record<string, string>[];
    assert.equal(records.length, 125);
    const huixquilucan = records.find((r) => r.clave_inegi === '15037')!;
    assert.equal(huixquilucan.municipio, 'Huixquilucan');
    assert.equal(huixquilucan.etapa, 'Withdrawn');
    assert.match(huixquilucan.motivo!, /prueba de filtros/);
    const acambay = records.find((r) => r.clave_inegi === '15001')!;
    assert.equal(acambay.etapa, 'AwaitingMunicipalSignature');
    assert.ok(acambay.fecha_limite, 'the current deadline');
    assert.equal(acambay.firma_municipal, '');
    const json = JSON.parse((await cli(['report', '--campaign', campaign, '--format', 'json'])).stdout);
    assert.equal(json.length, 125);
  });

  it('--overdue lists exactly the processes past their deadline', async function () {
    const own = `o${randomBytes(3).toString('hex')}`;
    const late = testInput({
      campaign: own,
      policy: { municipalSignature: { deadline: '1s', remindBefore: [], grace: '1 hour' } },
    });
    const onTime = testInput({ campaign: own });
    await env.processes.start(late);
    await env.processes.start(onTime);
    // Polled until the late one's deadline has passed and visibility shows it.
    let result: { inegiCode: string }[] = [];
    for (let i = 0; i < 50 && result.length !== 1; i++) {
      result = JSON.parse((await cli(['list', '--campaign', own, '--overdue', '--json'])).stdout);
      if (result.length !== 1) await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.deepEqual(
      result.map((r) => r.inegiCode),
      [late.inegiCode],
    );
  });
});
