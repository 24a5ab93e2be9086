import assert from 'node:assert/strict';
import { WorkingCalendar } from '../../src/domain/calendar';
import { DEFAULT_POLICY, PolicyError, resolvePolicy } from '../../src/domain/process';
import { businessDaysOf, planStage, spanText } from '../../src/domain/schedule';

const calendar = new WorkingCalendar();
/** Tuesday 24 November 2026, 11:00 in Mexico City. */
const TUESDAY = Date.parse('2026-11-24T17:00:00Z');

describe('a stage planned in días hábiles', function () {
  it('reads "N días hábiles" and "N business days" beside Temporal durations', function () {
    assert.equal(businessDaysOf('10 días hábiles'), 10);
    assert.equal(businessDaysOf('1 día hábil'), 1);
    assert.equal(businessDaysOf('10 dias habiles'), 10);
    assert.equal(businessDaysOf('3 business days'), 3);
    assert.equal(businessDaysOf('15 days'), null);
    const policy = resolvePolicy({
      municipalSignature: { deadline: '3 business days', remindBefore: ['36h'], grace: '0 días hábiles' },
    });
    assert.deepEqual(policy.municipalSignature, {
      deadline: { businessDays: 3 },
      remindBefore: [{ ms: 36 * 3_600_000 }],
      grace: { businessDays: 0 },
    });
    assert.throws(() => resolvePolicy({ municipalSignature: { deadline: '0 días hábiles' } }), PolicyError);
    assert.throws(() => resolvePolicy({ municipalSignature: { deadline: '10 días' } }), /not a duration/);
  });

  it('puts the defaults on the calendar: deadline, reminders at 09:00, escalation, expiry', function () {
    assert.equal(DEFAULT_POLICY.municipalSignature.deadline, '10 días hábiles');
    const plan = planStage(TUESDAY, resolvePolicy().municipalSignature, calendar);
    assert.deepEqual(plan, {
      // 10th working day after 24 November: 8 December, to 23:59:59 in Mexico City (UTC−6).
      deadline: '2026-12-09T05:59:59.000Z',
      // 5 and 2 working days before 8 December: 1 and 4 December, at 09:00.
      reminders: [
        { key: 0, at: '2026-12-01T15:00:00.000Z' },
        { key: 1, at: '2026-12-04T15:00:00.000Z' },
      ],
      escalateAt: '2026-12-09T05:59:59.000Z',
      // 5 working days of grace after 8 December: 9, 10, 11, 14, 15.
      expiresAt: '2026-12-16T05:59:59.000Z',
      extensions: [],
      businessDays: true,
      calendarVersion: calendar.version,
    });
  });

  it('never reminds nor escalates on a non-working day', function () {
    // A 15-day deadline (días naturales) from Thursday 10 December ends on Christmas Day.
    const plan = planStage(
      Date.parse('2026-12-10T17:00:00Z'),
      resolvePolicy({
        municipalSignature: { deadline: '15 days', remindBefore: ['7 days', '2 days'], grace: '5 days' },
      }).municipalSignature,
      calendar,
    );
    assert.equal(plan.deadline, '2026-12-25T17:00:00.000Z');
    assert.equal(plan.businessDays, false);
    // 7 days before is Friday 18 December, a working day: at the exact instant. 2 days before is
    // Wednesday 23 December: a working day too.
    assert.deepEqual(
      plan.reminders.map((r) => r.at),
      ['2026-12-18T17:00:00.000Z', '2026-12-23T17:00:00.000Z'],
    );
    // The escalation waits for Monday 28 December, 09:00.
    assert.equal(plan.escalateAt, '2026-12-28T15:00:00.000Z');

    // A reminder that would fall on a Sunday goes out on the Friday before, at 09:00.
    const sunday = planStage(
      Date.parse('2026-11-20T17:00:00Z'),
      resolvePolicy({
        municipalSignature: { deadline: '10 days', remindBefore: ['2 days'], grace: '1 day' },
      }).municipalSignature,
      calendar,
    );
    assert.equal(sunday.deadline, '2026-11-30T17:00:00.000Z');
    assert.deepEqual(sunday.reminders, [{ key: 0, at: '2026-11-27T15:00:00.000Z' }]);
  });

  it('moves the deadline past days the institute declared inhábiles', function () {
    const vacation = new WorkingCalendar([
      { date: '2026-12-03', reason: 'Día del Servidor Público' },
      { date: '2026-12-04', reason: 'Día del Servidor Público' },
    ]);
    const plan = planStage(TUESDAY, resolvePolicy().municipalSignature, vacation);
    assert.equal(plan.deadline, '2026-12-11T05:59:59.000Z');
    assert.equal(plan.calendarVersion, vacation.version);
    // The reminder 2 working days before 10 December: 8 December (3 and 4 are declared).
    assert.equal(plan.reminders[1]?.at, '2026-12-08T15:00:00.000Z');
  });

  it('adds extensions in días hábiles after the deadline day, and keeps them to plan again', function () {
    const plan = planStage(TUESDAY, resolvePolicy().municipalSignature, calendar, [{ businessDays: 3 }]);
    assert.equal(plan.deadline, '2026-12-12T05:59:59.000Z');
    assert.deepEqual(plan.extensions, [{ businessDays: 3 }]);
    const natural = planStage(
      TUESDAY,
      resolvePolicy({
        municipalSignature: { deadline: '15 days', remindBefore: [], grace: '5 days' },
      }).municipalSignature,
      calendar,
      [{ businessDays: 1 }],
    );
    assert.equal(natural.businessDays, true, 'an extension in días hábiles counts in días hábiles');
  });

  it('keeps exact instants for schedules shorter than a day', function () {
    const plan = planStage(
      Date.parse('2026-12-25T17:00:00Z'),
      resolvePolicy({
        municipalSignature: { deadline: '6s', remindBefore: ['4s', '2s'], grace: '3s' },
      }).municipalSignature,
      calendar,
    );
    assert.deepEqual(
      [plan.reminders[0]?.at, plan.reminders[1]?.at, plan.deadline, plan.escalateAt, plan.expiresAt],
      [
        '2026-12-25T17:00:02.000Z',
        '2026-12-25T17:00:04.000Z',
        '2026-12-25T17:00:06.000Z',
        '2026-12-25T17:00:06.000Z',
        '2026-12-25T17:00:09.000Z',
      ],
    );
  });

  it('says spans in Spanish', function () {
    assert.equal(spanText({ businessDays: 1 }), '1 día hábil');
    assert.equal(spanText({ businessDays: 10 }), '10 días hábiles');
    assert.equal(spanText({ ms: 15 * 86_400_000 }), '15 días naturales');
    assert.equal(spanText({ ms: 36 * 3_600_000 }), '36 horas');
  });
});
