import { describe, expect, it } from '@jest/globals';
import { lastFireAtOrBefore, periodOf, periodsSince } from './schedule-periods.js';

describe('the days a daily cron stands for, in the merchant\'s time zone', () => {
  it('finds the last 04:00 local fire: Auckland (UTC+12 in July) is a day ahead of UTC', () => {
    // 15:30 UTC on 30 June is 03:30 on 1 July in Auckland: the last fire is 04:00 on 30 June there.
    const before = lastFireAtOrBefore('0 4 * * *', 'Pacific/Auckland', new Date('2026-06-30T15:30:00.000Z'))!;
    expect(before.toISOString()).toBe('2026-06-29T16:00:00.000Z');
    expect(periodOf(before, 'Pacific/Auckland')).toBe('2026-06-30');
    const after = lastFireAtOrBefore('0 4 * * *', 'Pacific/Auckland', new Date('2026-06-30T16:10:00.000Z'))!;
    expect(periodOf(after, 'Pacific/Auckland')).toBe('2026-07-01');
  });

  it('counts a fire at exactly now', () => {
    const at = new Date('2026-03-10T03:00:00.000Z'); // 04:00 in Paris (UTC+1)
    expect(lastFireAtOrBefore('0 4 * * *', 'Europe/Paris', at)?.toISOString()).toBe(at.toISOString());
  });

  it('follows the zone across the change to summer time', () => {
    // 29 March 2026: Paris goes from UTC+1 to UTC+2; 04:00 local is 03:00 UTC the day before, 02:00 UTC that day.
    const fire = lastFireAtOrBefore('0 4 * * *', 'Europe/Paris', new Date('2026-03-29T02:30:00.000Z'))!;
    expect(fire.toISOString()).toBe('2026-03-29T02:00:00.000Z');
  });

  it('lists the days missed since the last one done, oldest first', () => {
    const until = new Date('2026-07-04T02:00:00.000Z'); // 04:00 on 4 July in Paris
    expect(periodsSince('0 4 * * *', 'Europe/Paris', '2026-07-01', until, 31)).toEqual(['2026-07-02', '2026-07-03', '2026-07-04']);
    expect(periodsSince('0 4 * * *', 'Europe/Paris', '2026-07-04', until, 31)).toEqual([]);
    expect(periodsSince('0 4 * * *', 'Europe/Paris', '2026-07-05', until, 31)).toEqual([]);
  });

  it('keeps only the most recent days beyond the limit, and only the fire\'s own day without a last one', () => {
    const until = new Date('2026-07-04T02:00:00.000Z');
    expect(periodsSince('0 4 * * *', 'Europe/Paris', '2026-06-01', until, 2)).toEqual(['2026-07-03', '2026-07-04']);
    expect(periodsSince('0 4 * * *', 'Europe/Paris', null, until, 31)).toEqual(['2026-07-04']);
  });

  it('counts a cron that fires several times a day once per day, and skips days it does not fire on', () => {
    const until = new Date('2026-07-03T16:00:00.000Z');
    expect(periodsSince('0 6,18 * * *', 'UTC', '2026-07-01', until, 31)).toEqual(['2026-07-02', '2026-07-03']);
    // Mondays only: 6 and 13 July 2026.
    expect(periodsSince('0 9 * * 1', 'UTC', '2026-07-01', new Date('2026-07-15T12:00:00.000Z'), 31)).toEqual(['2026-07-06', '2026-07-13']);
  });
});
