import { describe, expect, it } from '@jest/globals';
import { adultSince, anniversaryOf, birthdayOf, isAtLeast } from './birth-dates.js';

describe('birthdays and ages from a birth date', () => {
  it('keeps only the month and day of a birthday', () => {
    expect(birthdayOf('1985-03-14')).toBe('03-14');
    expect(birthdayOf('2000-02-29')).toBe('02-29');
    expect(birthdayOf('1999-12-01')).toBe('12-01');
  });

  it('comes of age on the anniversary, and on 1 March for a 29 February birth in a common year', () => {
    expect(anniversaryOf('2008-03-14', 18)).toBe('2026-03-14');
    expect(anniversaryOf('2008-02-29', 18)).toBe('2026-03-01');
    expect(anniversaryOf('2008-02-29', 16)).toBe('2024-02-29');
    expect(isAtLeast('2008-02-29', 18, '2026-02-28')).toBe(false);
    expect(isAtLeast('2008-02-29', 18, '2026-03-01')).toBe(true);
    expect(isAtLeast('2008-03-14', 18, '2026-03-13')).toBe(false);
    expect(isAtLeast('2008-03-14', 18, '2026-03-14')).toBe(true);
  });

  it('gives "adult since" as the day of recording, only when the customer was of age that day', () => {
    // Of age when recorded: the recording day, which says nothing of the birth year.
    expect(adultSince('1985-03-14', '2026-01-05')).toBe('2026-01-05');
    expect(adultSince('2008-01-05', '2026-01-05')).toBe('2026-01-05');
    // A minor when recorded (even by a day): unknown here, checked on the opened profile instead.
    expect(adultSince('2008-01-06', '2026-01-05')).toBeNull();
    expect(adultSince('2015-06-01', '2026-01-05')).toBeNull();
    // No birth date: unknown age.
    expect(adultSince(null, '2026-01-05')).toBeNull();
  });

  it('refuses what is not a local date', () => {
    expect(() => birthdayOf('14/03/1985')).toThrow(RangeError);
  });
});
