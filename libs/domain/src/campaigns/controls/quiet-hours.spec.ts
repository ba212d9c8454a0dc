import { describe, expect, it } from '@jest/globals';
import Holidays from 'date-holidays';
import { isKnownHolidayCountry, publicHolidays } from './public-holidays.js';
import { DEFAULT_QUIET_HOURS, nextAllowedInstant, type QuietHours } from './quiet-hours.js';

const PARIS = 'Europe/Paris';
const next = (now: string, settings: QuietHours = DEFAULT_QUIET_HOURS) => nextAllowedInstant(now, settings, PARIS);

describe('quiet hours for marketing SMS and RCS (Monday–Saturday 08:00–20:00 in Paris, no public holidays)', () => {
  it('let a message go at once inside the window', () => {
    expect(next('2026-06-10T06:00:00.000Z')).toBe('2026-06-10T06:00:00.000Z'); // Wednesday 08:00 summer time
    expect(next('2026-06-13T17:59:59.000Z')).toBe('2026-06-13T17:59:59.000Z'); // Saturday 19:59:59
  });

  it('defer an early message to 08:00 the same day', () => {
    expect(next('2026-06-10T05:59:00.000Z')).toBe('2026-06-10T06:00:00.000Z');
  });

  it('defer a message of Saturday evening, across the weekend, to Monday 08:00', () => {
    expect(next('2026-06-13T18:00:00.000Z')).toBe('2026-06-15T06:00:00.000Z'); // Saturday 20:00 → Monday 08:00
    expect(next('2026-06-14T10:00:00.000Z')).toBe('2026-06-15T06:00:00.000Z'); // Sunday noon → Monday 08:00
  });

  it('skip 14 July (a Tuesday in 2026)', () => {
    expect(next('2026-07-13T19:00:00.000Z')).toBe('2026-07-15T06:00:00.000Z'); // Monday 21:00 → Wednesday 08:00
    expect(next('2026-07-14T09:00:00.000Z')).toBe('2026-07-15T06:00:00.000Z');
  });

  it('open on Monday 30 March at 08:00 summer time after the last Sunday of March', () => {
    // Saturday 28 March 2026 at 21:00 (winter time, UTC+1); clocks go forward on Sunday the 29th.
    expect(next('2026-03-28T20:00:00.000Z')).toBe('2026-03-30T06:00:00.000Z');
    // The Monday before, 08:00 was 07:00 UTC.
    expect(next('2026-03-23T06:30:00.000Z')).toBe('2026-03-23T07:00:00.000Z');
  });

  it('close again in the evening after the change back to winter time', () => {
    // Saturday 24 October 2026 at 20:30 summer time → Monday 26 October 08:00 winter time (07:00 UTC).
    expect(next('2026-10-24T18:30:00.000Z')).toBe('2026-10-26T07:00:00.000Z');
  });

  it('follow the merchant\'s settings: Sundays allowed, no holidays, until 21:30', () => {
    const relaxed: QuietHours = { ...DEFAULT_QUIET_HOURS, days: [...DEFAULT_QUIET_HOURS.days, 'sunday'], publicHolidays: null, to: '21:30' };
    expect(next('2026-07-14T19:00:00.000Z', relaxed)).toBe('2026-07-14T19:00:00.000Z'); // 21:00 on 14 July
    expect(next('2026-07-14T19:30:00.000Z', relaxed)).toBe('2026-07-15T06:00:00.000Z');
  });
});

describe('public holidays from date-holidays', () => {
  it('are the eleven French public holidays of 2026, the same on every call', () => {
    const expected = ['2026-01-01', '2026-04-06', '2026-05-01', '2026-05-08', '2026-05-14', '2026-05-25', '2026-07-14', '2026-08-15', '2026-11-01', '2026-11-11', '2026-12-25'];
    expect([...publicHolidays('FR', 2026)].sort()).toEqual(expected);
    expect([...publicHolidays('FR', 2026)].sort()).toEqual(expected);
  });

  it('do not depend on the current year nor on the time zone of the process: the year is always given', () => {
    // What the library gives for a year asked explicitly, computed apart from our cache.
    const direct = new Holidays('FR', { types: ['public'] }).getHolidays(2031).filter((h) => h.type === 'public').map((h) => h.date.slice(0, 10));
    expect([...publicHolidays('FR', 2031)].sort()).toEqual(direct.sort());
    expect(publicHolidays('FR', 2031).has('2031-04-14')).toBe(true); // Easter Monday 2031
  });

  it('know regions with their own days (Moselle: Good Friday and St Stephen\'s day)', () => {
    expect(publicHolidays('FR-57', 2026).has('2026-04-03')).toBe(true);
    expect(publicHolidays('FR', 2026).has('2026-04-03')).toBe(false);
    expect(isKnownHolidayCountry('FR-57')).toBe(true);
    expect(isKnownHolidayCountry('XX')).toBe(false);
    expect(isKnownHolidayCountry('FR-99')).toBe(false);
  });
});
