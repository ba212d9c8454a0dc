import { describe, expect, it } from '@jest/globals';
import {
  addDaysToLocalDate,
  addMonthsToLocalDate,
  endOfLocalDayAfter,
  isValidTimeZone,
  localDateOf,
  startOfLocalDay,
} from './local-time.js';

const PARIS = 'Europe/Paris';

describe('localDateOf in Europe/Paris', () => {
  it('puts 23:30 UTC in winter on the next local day (UTC+1)', () => {
    expect(localDateOf('2026-01-14T23:30:00Z', PARIS)).toBe('2026-01-15');
    expect(localDateOf('2026-01-14T22:59:59Z', PARIS)).toBe('2026-01-14');
  });

  it('puts 22:30 UTC in summer on the next local day (UTC+2)', () => {
    expect(localDateOf('2026-06-30T22:30:00Z', PARIS)).toBe('2026-07-01');
    expect(localDateOf('2026-06-30T21:59:59.999Z', PARIS)).toBe('2026-06-30');
  });

  it('follows the spring-forward night (29 March 2026, 02:00 → 03:00)', () => {
    expect(localDateOf('2026-03-28T22:59:00Z', PARIS)).toBe('2026-03-28');
    expect(localDateOf('2026-03-28T23:00:00Z', PARIS)).toBe('2026-03-29');
    expect(localDateOf('2026-03-29T21:59:00Z', PARIS)).toBe('2026-03-29');
    expect(localDateOf('2026-03-29T22:00:00Z', PARIS)).toBe('2026-03-30');
  });
});

describe('startOfLocalDay in Europe/Paris', () => {
  it('is 23:00 UTC the day before in winter and 22:00 UTC in summer', () => {
    expect(startOfLocalDay('2026-01-15', PARIS)).toBe('2026-01-14T23:00:00.000Z');
    expect(startOfLocalDay('2026-07-01', PARIS)).toBe('2026-06-30T22:00:00.000Z');
  });

  it('gives the 23-hour day of the spring change and the 25-hour day of the autumn change', () => {
    const hours = (from: string, to: string) => (Date.parse(startOfLocalDay(to, PARIS)) - Date.parse(startOfLocalDay(from, PARIS))) / 3_600_000;
    expect(startOfLocalDay('2026-03-29', PARIS)).toBe('2026-03-28T23:00:00.000Z');
    expect(startOfLocalDay('2026-03-30', PARIS)).toBe('2026-03-29T22:00:00.000Z');
    expect(hours('2026-03-29', '2026-03-30')).toBe(23);
    expect(startOfLocalDay('2026-10-25', PARIS)).toBe('2026-10-24T22:00:00.000Z');
    expect(startOfLocalDay('2026-10-26', PARIS)).toBe('2026-10-25T23:00:00.000Z');
    expect(hours('2026-10-25', '2026-10-26')).toBe(25);
  });
});

describe('startOfLocalDay where midnight itself is skipped', () => {
  it('starts the day at the change (America/Santiago, 6 September 2026, 00:00 → 01:00)', () => {
    expect(startOfLocalDay('2026-09-06', 'America/Santiago')).toBe('2026-09-06T04:00:00.000Z');
    expect(localDateOf('2026-09-06T04:00:00.000Z', 'America/Santiago')).toBe('2026-09-06');
    expect(localDateOf('2026-09-06T03:59:59.000Z', 'America/Santiago')).toBe('2026-09-05');
  });
});

describe('addMonthsToLocalDate', () => {
  it('clamps to the end of a shorter month', () => {
    expect(addMonthsToLocalDate('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonthsToLocalDate('2027-01-31', 13)).toBe('2028-02-29');
    expect(addMonthsToLocalDate('2026-03-31', -1)).toBe('2026-02-28');
    expect(addMonthsToLocalDate('2026-05-31', 1)).toBe('2026-06-30');
  });

  it('crosses years both ways', () => {
    expect(addMonthsToLocalDate('2026-11-15', 24)).toBe('2028-11-15');
    expect(addMonthsToLocalDate('2026-02-10', -12)).toBe('2025-02-10');
    expect(addMonthsToLocalDate('2026-01-10', -1)).toBe('2025-12-10');
  });

  it('adds days across a month end', () => {
    expect(addDaysToLocalDate('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDaysToLocalDate('2026-12-31', 1)).toBe('2027-01-01');
  });
});

describe('endOfLocalDayAfter (the lot, guarantee and voucher deadline)', () => {
  it('ends the anniversary day at local midnight, with the offset of the expiry date', () => {
    // Earned in winter (UTC+1), expires in summer (UTC+2).
    expect(endOfLocalDayAfter('2026-01-20T12:00:00Z', { months: 6 }, PARIS)).toBe('2026-07-20T22:00:00.000Z');
    expect(endOfLocalDayAfter('2026-03-15T10:00:00Z', { months: 24 }, PARIS)).toBe('2028-03-15T23:00:00.000Z');
  });

  it('counts the local date of the instant, not the UTC one', () => {
    // 23:30 UTC on 31 January is 1 February in Paris.
    expect(endOfLocalDayAfter('2026-01-31T23:30:00Z', { months: 1 }, PARIS)).toBe('2026-03-01T23:00:00.000Z');
    expect(endOfLocalDayAfter('2026-01-31T12:00:00Z', { months: 1 }, PARIS)).toBe('2026-02-28T23:00:00.000Z');
  });

  it('adds days for vouchers', () => {
    expect(endOfLocalDayAfter('2026-03-20T09:00:00Z', { days: 10 }, PARIS)).toBe('2026-03-30T22:00:00.000Z');
  });
});

describe('isValidTimeZone', () => {
  it('accepts IANA zones and refuses anything else', () => {
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('America/Martinique')).toBe(true);
    expect(isValidTimeZone('Europe/Pariss')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});

describe('memoised offsets', () => {
  // An independent reading of the zone's calendar date, straight from Intl, for every instant checked.
  // One formatter per zone: building one per instant made this file take minutes.
  const formatters = new Map<string, Intl.DateTimeFormat>();
  const reference = (ms: number, timeZone: string) => {
    let format = formatters.get(timeZone);
    if (!format) formatters.set(timeZone, (format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
    return format.format(ms);
  };

  it.each(['Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu'])(
    'agree with Intl every 7 minutes across a year of changes in %s, in any order',
    (timeZone) => {
      const start = Date.UTC(2026, 0, 1);
      const instants: number[] = [];
      for (let ms = start; ms < start + 366 * 86_400_000; ms += 7 * 60_000 + 13_000) instants.push(ms);
      // Visit late instants first too, so a cached quarter hour is reused out of order.
      const disagreements: string[] = [];
      for (const ms of [...instants].reverse().filter((_, i) => i % 3 === 0).concat(instants)) {
        const iso = new Date(ms).toISOString();
        const ours = localDateOf(iso, timeZone);
        if (ours !== reference(ms, timeZone)) disagreements.push(`${iso}: ${ours} against ${reference(ms, timeZone)}`);
      }
      expect(disagreements).toEqual([]);
    },
  );
});
