// The periods scheduled CDR reports cover, in the box's time zone: month ends, leap years, the
// week before, and days that are 23 or 25 hours long around DST changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPORT_CRON, reportPeriod, startOfDay } from '../../src/jobs/reports.ts';
import { isValidCron, schedule } from '../../src/jobs/cron.ts';

const at = (s: string) => new Date(s);
const hours = (p: { from: string; to: string }) => (Date.parse(p.to) - Date.parse(p.from)) / 3_600_000;

test('daily: yesterday, from local midnight to local midnight', () => {
  const p = reportPeriod('daily', at('2026-03-10T00:00:00Z'), 'Europe/Rome'); // 01:00 in Rome
  assert.deepEqual(p, { from: '2026-03-08T23:00:00.000Z', to: '2026-03-09T23:00:00.000Z', label: '2026-03-09' });
  assert.deepEqual(reportPeriod('daily', at('2026-03-10T01:00:00Z'), 'UTC'), {
    from: '2026-03-09T00:00:00.000Z',
    to: '2026-03-10T00:00:00.000Z',
    label: '2026-03-09',
  });
});

test('daily: the time zone decides which day is yesterday', () => {
  // 23:30 UTC on the 9th is already the 10th in Rome, still the 9th in New York.
  assert.equal(reportPeriod('daily', at('2026-03-09T23:30:00Z'), 'Europe/Rome').label, '2026-03-09');
  assert.equal(reportPeriod('daily', at('2026-03-09T23:30:00Z'), 'America/New_York').label, '2026-03-08');
});

test('daily: DST days are 23 and 25 hours long', () => {
  // Europe/Rome: clocks forward on 29 March 2026 at 02:00, back on 25 October 2026 at 03:00.
  const spring = reportPeriod('daily', at('2026-03-30T00:00:00Z'), 'Europe/Rome');
  assert.deepEqual(spring, { from: '2026-03-28T23:00:00.000Z', to: '2026-03-29T22:00:00.000Z', label: '2026-03-29' });
  assert.equal(hours(spring), 23);
  const autumn = reportPeriod('daily', at('2026-10-26T00:00:00Z'), 'Europe/Rome');
  assert.deepEqual(autumn, { from: '2026-10-24T22:00:00.000Z', to: '2026-10-25T23:00:00.000Z', label: '2026-10-25' });
  assert.equal(hours(autumn), 25);
  // America/New_York: forward on 8 March 2026.
  assert.equal(hours(reportPeriod('daily', at('2026-03-09T12:00:00Z'), 'America/New_York')), 23);
});

test('a day that has no midnight begins at the change (America/Santiago)', () => {
  // Chile put clocks forward at 00:00 on 8 September 2024 (24:00 → 01:00, -04 → -03).
  assert.equal(new Date(startOfDay({ year: 2024, month: 9, day: 8 }, 'America/Santiago')).toISOString(), '2024-09-08T04:00:00.000Z');
  // …and back at 00:00 on 6 April 2024 (midnight twice: the first one, -03).
  assert.equal(new Date(startOfDay({ year: 2024, month: 4, day: 6 }, 'America/Santiago')).toISOString(), '2024-04-06T03:00:00.000Z');
  const p = reportPeriod('daily', at('2024-09-09T12:00:00Z'), 'America/Santiago');
  assert.deepEqual(p, { from: '2024-09-08T04:00:00.000Z', to: '2024-09-09T03:00:00.000Z', label: '2024-09-08' });
  assert.equal(hours(p), 23);
});

test('weekly: the last complete Monday–Sunday, whatever day it runs', () => {
  // Monday 16 March 2026, 01:00 in Rome: the week of 9–15 March.
  const p = reportPeriod('weekly', at('2026-03-16T00:00:00Z'), 'Europe/Rome');
  assert.deepEqual(p, { from: '2026-03-08T23:00:00.000Z', to: '2026-03-15T23:00:00.000Z', label: '2026-03-09 to 2026-03-15' });
  // Sunday 15 March: that week is not over, so the one before.
  assert.equal(reportPeriod('weekly', at('2026-03-15T12:00:00Z'), 'Europe/Rome').label, '2026-03-02 to 2026-03-08');
  // A week with the spring change is 167 hours; across a year end.
  assert.equal(hours(reportPeriod('weekly', at('2026-03-30T00:00:00Z'), 'Europe/Rome')), 167);
  assert.equal(reportPeriod('weekly', at('2027-01-04T06:00:00Z'), 'UTC').label, '2026-12-28 to 2027-01-03');
});

test('monthly: the last calendar month, month ends and leap years included', () => {
  const p = reportPeriod('monthly', at('2026-03-01T00:00:00Z'), 'Europe/Rome'); // 01:00 on 1 March in Rome
  assert.deepEqual(p, { from: '2026-01-31T23:00:00.000Z', to: '2026-02-28T23:00:00.000Z', label: '2026-02' });
  assert.equal(hours(p), 28 * 24);
  assert.equal(hours(reportPeriod('monthly', at('2024-03-01T12:00:00Z'), 'UTC')), 29 * 24);
  assert.deepEqual(reportPeriod('monthly', at('2027-01-01T00:30:00Z'), 'Europe/Rome'), {
    from: '2026-11-30T23:00:00.000Z',
    to: '2026-12-31T23:00:00.000Z',
    label: '2026-12',
  });
  // October in Rome has the autumn change: 31 days and one hour.
  assert.equal(hours(reportPeriod('monthly', at('2026-11-01T00:00:00Z'), 'Europe/Rome')), 31 * 24 + 1);
  // Asia/Tokyo (+09): 1 April 00:30 local is still 31 March in UTC.
  assert.equal(reportPeriod('monthly', at('2026-03-31T15:30:00Z'), 'Asia/Tokyo').label, '2026-03');
});

test('the report schedules are valid cron expressions and fire in the given zone', () => {
  for (const expr of Object.values(REPORT_CRON)) assert.ok(isValidCron(expr), expr);
  assert.equal(isValidCron('61 * * * *'), false);
  const h = schedule(REPORT_CRON.daily, () => undefined, { timezone: 'Europe/Rome' });
  try {
    const next = h.nextRun()!;
    // 01:00 in Rome is 00:00 or 23:00 UTC, depending on the season.
    assert.ok([0, 23].includes(next.getUTCHours()) && next.getUTCMinutes() === 0, next.toISOString());
  } finally {
    h.stop();
  }
  assert.equal(h.nextRun(), undefined);
});
