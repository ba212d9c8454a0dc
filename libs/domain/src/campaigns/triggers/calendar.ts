import { addDaysToLocalDate, daysInLocalMonth, weekdayOf, WEEKDAYS, type Weekday } from '../../shared/local-time.js';

/** Calendar rules of the time triggers, on local dates (YYYY-MM-DD). */

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

/** "MM-DD" of a date. */
export function monthDayOf(date: string): string {
  return date.slice(5, 10);
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The date a yearly occasion (a birthday, a membership anniversary) falls on in a year. Born on
 * 29 February: celebrated on 28 February in common years, so the occasion stays in its month and is
 * never skipped.
 */
export function occasionDate(monthDay: string, year: number): string {
  if (monthDay === '02-29' && !isLeapYear(year)) return `${year}-02-28`;
  return `${year}-${monthDay}`;
}

/** The month-days whose occasion falls on `date` (on 28 February of a common year: 02-28 and 02-29). */
export function monthDaysCelebratedOn(date: string): string[] {
  const monthDay = monthDayOf(date);
  return monthDay === '02-28' && !isLeapYear(yearOf(date)) ? ['02-28', '02-29'] : [monthDay];
}

/** The nth weekday of a month (nth 1–5, or "last"); null when the month has no fifth one. */
export function nthWeekdayOfMonth(year: number, month: number, weekday: Weekday, nth: number | 'last'): string | null {
  const first = `${year}-${pad(month)}-01`;
  const offset = (WEEKDAYS.indexOf(weekday) - WEEKDAYS.indexOf(weekdayOf(first)) + 7) % 7;
  const days = daysInLocalMonth(year, month);
  if (nth === 'last') {
    const lastDay = 1 + offset + 7 * Math.floor((days - 1 - offset) / 7);
    return `${year}-${pad(month)}-${pad(lastDay)}`;
  }
  const day = 1 + offset + 7 * (nth - 1);
  return day > days ? null : `${year}-${pad(month)}-${pad(day)}`;
}

/** The days from `from` to `to`, both included, in order. */
export function daysFromTo(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDaysToLocalDate(day, 1)) days.push(day);
  return days;
}
