import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CalendarFileError, parseInhabiles, readInhabiles } from '../../src/config/calendar-file';
import {
  businessDeadline,
  calendarProblem,
  calendarVersion,
  mexicoCityDate,
  mexicoCityTime,
  statutoryHolidays,
  WorkingCalendar,
  type DeclaredDay,
} from '../../src/domain/calendar';

/**
 * LFT art. 74 as the Diario Oficial gives it, year by year; the Mondays were counted on a printed
 * calendar (Python's datetime agrees), not by the code under test.
 */
const LFT_74: Record<number, readonly string[]> = {
  2024: ['01-01', '02-05', '03-18', '05-01', '09-16', '10-01', '11-18', '12-25'],
  2025: ['01-01', '02-03', '03-17', '05-01', '09-16', '11-17', '12-25'],
  2026: ['01-01', '02-02', '03-16', '05-01', '09-16', '11-16', '12-25'],
  2027: ['01-01', '02-01', '03-15', '05-01', '09-16', '11-15', '12-25'],
  2028: ['01-01', '02-07', '03-20', '05-01', '09-16', '11-20', '12-25'],
  2029: ['01-01', '02-05', '03-19', '05-01', '09-16', '11-19', '12-25'],
  2030: ['01-01', '02-04', '03-18', '05-01', '09-16', '10-01', '11-18', '12-25'],
  2031: ['01-01', '02-03', '03-17', '05-01', '09-16', '11-17', '12-25'],
  2032: ['01-01', '02-02', '03-15', '05-01', '09-16', '11-15', '12-25'],
  2033: ['01-01', '02-07', '03-21', '05-01', '09-16', '11-21', '12-25'],
  2034: ['01-01', '02-06', '03-20', '05-01', '09-16', '11-20', '12-25'],
  2035: ['01-01', '02-05', '03-19', '05-01', '09-16', '11-19', '12-25'],
  2036: ['01-01', '02-04', '03-17', '05-01', '09-16', '10-01', '11-17', '12-25'],
};

/** The acuerdo of a winter vacation, as an institute publishes it. */
const WINTER_VACATION: DeclaredDay[] = [
  '2026-12-21',
  '2026-12-22',
  '2026-12-23',
  '2026-12-24',
  '2026-12-28',
  '2026-12-29',
  '2026-12-30',
  '2026-12-31',
  '2027-01-04',
  '2027-01-05',
  '2027-01-06',
].map((date) => ({ date, reason: 'Segundo periodo vacacional', acuerdo: 'INFOEM/CP/2026/12' }));

describe('the calendar of días hábiles', function () {
  describe('LFT art. 74', function () {
    for (const [year, days] of Object.entries(LFT_74)) {
      it(`has the holidays of ${year}`, function () {
        assert.deepEqual(
          statutoryHolidays(Number(year)).map((d) => d.date),
          days.map((d) => `${year}-${d}`),
        );
      });
    }

    it('rests on 1 October in the years of a federal transmission (2024, 2030, 2036), no longer on 1 December', function () {
      const calendar = new WorkingCalendar();
      assert.equal(calendar.nonWorkingReason('2030-10-01'), 'Transmisión del Poder Ejecutivo Federal');
      assert.equal(calendar.isWorkingDay('2029-10-01'), true, 'a Monday in no transmission year');
      assert.equal(calendar.isWorkingDay('2031-10-01'), true);
      for (const year of [2024, 2030, 2036]) {
        assert.equal(
          calendar.nonWorkingDays(year).some((d) => d.date === `${year}-12-01`),
          false,
        );
      }
      assert.equal(calendar.isWorkingDay('2036-12-01'), true, 'a Monday');
      assert.ok(
        statutoryHolidays(2018).some((d) => d.date === '2018-12-01'),
        'before the reform: 1 December',
      );
    });

    it('keeps 1 May on the Saturday it falls on and does not move it to Monday (2027)', function () {
      const calendar = new WorkingCalendar();
      assert.equal(calendar.nonWorkingReason('2027-05-01'), 'sábado');
      assert.equal(calendar.isWorkingDay('2027-05-03'), true);
      assert.equal(calendar.addWorkingDays('2027-04-29', 2), '2027-05-03');
      assert.ok(calendar.nonWorkingDays(2027).some((d) => d.date === '2027-05-01' && d.source === 'ley'));
    });
  });

  describe('counting', function () {
    const calendar = new WorkingCalendar();

    it('counts from the working day after the start, skipping weekends and holidays', function () {
      assert.equal(calendar.addWorkingDays('2026-11-24', 10), '2026-12-08');
      assert.equal(calendar.addWorkingDays('2026-11-27', 1), '2026-11-30', 'Friday + 1 = Monday');
      assert.equal(calendar.addWorkingDays('2026-11-13', 1), '2026-11-17', 'over the Revolución Monday');
      assert.equal(calendar.addWorkingDays('2026-11-28', 1), '2026-11-30', 'started on a Saturday');
      assert.equal(calendar.addWorkingDays('2026-12-24', 1), '2026-12-28', 'over Christmas');
      assert.equal(calendar.subtractWorkingDays('2026-12-28', 1), '2026-12-24');
      assert.equal(calendar.workingDayOnOrBefore('2026-12-25'), '2026-12-24');
      assert.equal(calendar.workingDayOnOrAfter('2026-12-25'), '2026-12-28');
    });

    it('skips a declared vacation period, and says why a day is not a working day', function () {
      const declared = new WorkingCalendar(WINTER_VACATION);
      // From Monday 14 December: 15 to 18 count (4), then nothing until Thursday 7 January:
      // 7, 8, 11, 12, 13 and 14 January make ten.
      assert.equal(calendar.addWorkingDays('2026-12-14', 10), '2026-12-29');
      assert.equal(declared.addWorkingDays('2026-12-14', 10), '2027-01-14');
      assert.equal(declared.nonWorkingReason('2026-12-22'), 'Segundo periodo vacacional');
      assert.equal(declared.nonWorkingReason('2026-12-25'), 'Navidad');
      const year = declared.nonWorkingDays(2026);
      assert.deepEqual(
        year.filter((d) => d.source === 'declarado').map((d) => d.date),
        WINTER_VACATION.filter((d) => d.date.startsWith('2026')).map((d) => d.date),
      );
      assert.equal(year.find((d) => d.date === '2026-12-21')?.acuerdo, 'INFOEM/CP/2026/12');
    });

    it('ends a deadline at 23:59:59 of its last working day in Mexico City', function () {
      // 24 November 2026, 18:30 in Mexico City is already the 25th in UTC.
      const start = Date.parse('2026-11-25T00:30:00Z');
      assert.equal(mexicoCityDate(start), '2026-11-24');
      assert.equal(new Date(businessDeadline(start, 10, calendar)).toISOString(), '2026-12-09T05:59:59.000Z');
      // Before October 2022 Mexico City kept summer time (UTC−5).
      assert.equal(
        new Date(mexicoCityTime('2022-06-15', '23:59:59')).toISOString(),
        '2022-06-16T04:59:59.000Z',
      );
      assert.equal(
        new Date(mexicoCityTime('2022-12-15', '23:59:59')).toISOString(),
        '2022-12-16T05:59:59.000Z',
      );
      assert.equal(mexicoCityDate(Date.parse('2026-12-01T05:59:59Z')), '2026-11-30');
      assert.equal(mexicoCityDate(Date.parse('2026-12-01T06:00:00Z')), '2026-12-01');
    });
  });

  describe('its version', function () {
    it('is the same for the same declared days in any order, and changes with any of them', function () {
      const version = calendarVersion(WINTER_VACATION);
      assert.match(version, /^lft74-2024\+[0-9a-f]{16}$/);
      assert.equal(calendarVersion([...WINTER_VACATION].reverse()), version);
      assert.notEqual(calendarVersion(WINTER_VACATION.slice(1)), version);
      assert.notEqual(
        calendarVersion(WINTER_VACATION.map((d, i) => (i === 0 ? { ...d, reason: 'Otro motivo' } : d))),
        version,
      );
      assert.notEqual(calendarVersion([]), version);
    });
  });

  describe('declared days sent to a process', function () {
    it('refuses what is not a list of real dates, each once with its reason', function () {
      assert.equal(calendarProblem({ declared: WINTER_VACATION }), null);
      assert.equal(calendarProblem({ declared: [] }), null);
      assert.match(calendarProblem({}) ?? '', /lista de días inhábiles/);
      assert.match(
        calendarProblem({ declared: [{ date: '2026-02-30', reason: 'x' }] }) ?? '',
        /fecha inválida/,
      );
      assert.match(
        calendarProblem({ declared: [WINTER_VACATION[0], WINTER_VACATION[0]] }) ?? '',
        /repetida.*2026-12-21/,
      );
      assert.match(calendarProblem({ declared: [{ date: '2026-12-21', reason: ' ' }] }) ?? '', /motivo/);
    });
  });
});

describe('the INHABILES_FILE', function () {
  it('reads fecha,motivo[,acuerdo] with an optional header and comments', function () {
    const days = parseInhabiles(
      [
        '\uFEFFfecha,motivo,acuerdo',
        '# Acuerdo del Pleno, diciembre de 2026',
        '2026-12-21,Segundo periodo vacacional,INFOEM/CP/2026/12',
        '',
        '2026-12-22,"Segundo periodo vacacional, día 2"',
      ].join('\n'),
    );
    assert.deepEqual(days, [
      { date: '2026-12-21', reason: 'Segundo periodo vacacional', acuerdo: 'INFOEM/CP/2026/12' },
      { date: '2026-12-22', reason: 'Segundo periodo vacacional, día 2' },
    ]);
    assert.deepEqual(parseInhabiles('2026-12-21,Vacaciones\n'), [
      { date: '2026-12-21', reason: 'Vacaciones' },
    ]);
  });

  const refusals: [string, string, RegExp][] = [
    [
      'a date that does not exist',
      'fecha,motivo\n2026-12-21,a\n2026-02-30,b\n',
      /línea 3: «2026-02-30» no es una fecha válida/,
    ],
    ['a day-first date', 'fecha,motivo\n21/12/2026,a\n', /línea 2: «21\/12\/2026» no es una fecha válida/],
    [
      'a day given twice',
      'fecha,motivo\n2026-12-21,a\n2026-12-22,b\n2026-12-21,c\n',
      /línea 4: el 2026-12-21 ya se declaró en la línea 2/,
    ],
    ['a missing reason', 'fecha,motivo\n2026-12-21\n', /línea 2: falta el motivo del 2026-12-21/],
    ['extra columns', 'fecha,motivo\n2026-12-21,a,b,c\n', /línea 2: sobran columnas/],
  ];
  for (const [what, text, message] of refusals) {
    it(`refuses ${what}, naming the line`, function () {
      assert.throws(
        () => parseInhabiles(text, 'inhabiles.csv'),
        (error: unknown) => {
          assert.ok(error instanceof CalendarFileError);
          assert.match(error.message, /^inhabiles\.csv, /);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('refuses a file that is not UTF-8 and one that cannot be read', function () {
    const dir = mkdtempSync(join(tmpdir(), 'inhabiles-'));
    const latin1 = join(dir, 'latin1.csv');
    writeFileSync(
      latin1,
      Buffer.from('fecha,motivo\n2026-12-21,Periodo vacacional de invierno (\xf1)\n', 'latin1'),
    );
    assert.throws(() => readInhabiles(latin1), /no está en UTF-8/);
    assert.throws(() => readInhabiles(join(dir, 'missing.csv')), /no se pudo leer .*ENOENT/);
  });
});
