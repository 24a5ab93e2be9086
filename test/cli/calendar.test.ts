import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';

describe('manifiesta calendar', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'calendar-cli-'));
  const vacation = join(dir, 'inhabiles.csv');
  writeFileSync(
    vacation,
    [
      'fecha,motivo,acuerdo',
      ...['2026-12-21', '2026-12-22', '2026-12-23', '2026-12-24'].map(
        (d) => `${d},Segundo periodo vacacional,INFOEM/CP/2026/12`,
      ),
      ...['2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31'].map(
        (d) => `${d},Segundo periodo vacacional,INFOEM/CP/2026/12`,
      ),
    ].join('\n'),
  );

  it('deadline counts días hábiles from the day after, to 23:59:59 in Mexico City', function () {
    const text = runCli(['calendar', 'deadline', '--from', '2026-11-24', '--business-days', '10']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /Último día: +martes 8 de diciembre de 2026/);
    assert.match(text.stdout, /2026-12-08 23:59 \(hora del centro de México\) = 2026-12-09T05:59:59\.000Z/);

    const json = runCli(['calendar', 'deadline', '--from', '2026-11-24', '--business-days', '10', '--json']);
    assert.equal(json.status, 0, json.stderr);
    const result = JSON.parse(json.stdout) as { deadline: string; endsAt: string; skipped: unknown[] };
    assert.equal(result.deadline, '2026-12-08');
    assert.equal(result.endsAt, '2026-12-09T05:59:59.000Z');
    assert.equal(result.skipped.length, 4, 'two weekends');
  });

  it('deadline skips the holidays and the declared days of --inhabiles, and names them', function () {
    const plain = runCli(['calendar', 'deadline', '--from', '2026-12-14', '--business-days', '10', '--json']);
    assert.equal((JSON.parse(plain.stdout) as { deadline: string }).deadline, '2026-12-29');
    const declared = runCli([
      'calendar',
      'deadline',
      '--from',
      '2026-12-14',
      '--business-days',
      '10',
      '--inhabiles',
      vacation,
    ]);
    assert.equal(declared.status, 0, declared.stderr);
    // 15–18 December, then 4, 5, 6, 7, 8 and 11 January (1 January is Año Nuevo).
    assert.match(declared.stdout, /Último día: +lunes 11 de enero de 2027/);
    assert.match(declared.stdout, /2026-12-25 +viernes +Navidad/);
    assert.match(declared.stdout, /2026-12-21 +lunes +Segundo periodo vacacional/);
    assert.match(declared.stdout, /2027-01-01 +viernes +Año Nuevo/);
  });

  it('deadline reads INHABILES_FILE when --inhabiles is not given', function () {
    const result = runCli(
      ['calendar', 'deadline', '--from', '2026-12-14', '--business-days', '10', '--json'],
      {
        INHABILES_FILE: vacation,
      },
    );
    assert.equal((JSON.parse(result.stdout) as { deadline: string }).deadline, '2027-01-11');
  });

  it('show lists the year’s non-working days with their reason, weekends left out', function () {
    const result = runCli(['calendar', 'show', '2030', '--inhabiles', vacation]);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0]!, /Días inhábiles de 2030/);
    assert.deepEqual(
      lines.slice(1).map((l) => l.slice(0, 10)),
      [
        '2030-01-01',
        '2030-02-04',
        '2030-03-18',
        '2030-05-01',
        '2030-09-16',
        '2030-10-01',
        '2030-11-18',
        '2030-12-25',
      ],
    );
    assert.match(result.stdout, /2030-10-01 +martes +Transmisión del Poder Ejecutivo Federal +LFT art\. 74/);

    const declared = runCli(['calendar', 'show', '2026', '--inhabiles', vacation, '--json']);
    const days = (
      JSON.parse(declared.stdout) as { days: { date: string; source: string; acuerdo?: string }[] }
    ).days;
    assert.equal(days.filter((d) => d.source === 'declarado').length, 8);
    assert.equal(days.find((d) => d.date === '2026-12-21')?.acuerdo, 'INFOEM/CP/2026/12');
  });

  it('a malformed INHABILES file exits 1 with MALFORMED_INPUT naming the line', function () {
    const bad = join(dir, 'malo.csv');
    writeFileSync(bad, 'fecha,motivo\n2026-12-21,Vacaciones\n2026-12-32,Vacaciones\n');
    for (const args of [
      ['calendar', 'show', '2026', '--inhabiles', bad],
      ['calendar', 'deadline', '--from', '2026-12-14', '--business-days', '10', '--inhabiles', bad],
    ]) {
      const result = runCli(args);
      assert.equal(result.status, 1);
      assert.match(
        result.stderr,
        /^MALFORMED_INPUT: .*malo\.csv, línea 3: «2026-12-32» no es una fecha válida/m,
      );
      assert.equal(result.stdout, '');
    }
  });

  it('bad arguments are usage errors (exit 2)', function () {
    for (const args of [
      ['calendar', 'deadline', '--from', '24/11/2026', '--business-days', '10'],
      ['calendar', 'deadline', '--from', '2026-11-24', '--business-days', 'diez'],
      ['calendar', 'deadline', '--from', '2026-11-24', '--business-days', '0'],
      ['calendar', 'deadline', '--from', '2026-11-24'],
      ['calendar', 'show', '26'],
    ]) {
      assert.equal(runCli(args).status, 2, args.join(' '));
    }
  });
});
