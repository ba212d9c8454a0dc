/**
 * Calendar arithmetic in a merchant's time zone, with Intl only (no time-zone library, no clock).
 * A local date is "YYYY-MM-DD"; an instant is an ISO-8601 UTC string.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Building a DateTimeFormat is slow; one per zone is reused (a cache, not state: results never change). */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The zone's clock read off Intl: the reference every cached answer below is checked against. */
function intlWallClock(ms: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(ms)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

function intlOffset(ms: number, timeZone: string): number {
  const w = intlWallClock(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

const QUARTER_HOUR = 15 * 60 * 1000;
const MAX_CACHED_OFFSETS = 100_000;
const offsets = new Map<string, number>();

/**
 * Offset of the zone from UTC at an instant, in milliseconds (Paris in summer: +7_200_000).
 * formatToParts is slow and every decision asks for several dates, so offsets are memoised per
 * quarter hour — only for a quarter hour whose first and last millisecond agree, so a quarter hour
 * holding a change of offset is always computed exactly (the cache can never change an answer).
 */
function offsetAt(ms: number, timeZone: string): number {
  const bucket = Math.floor(ms / QUARTER_HOUR);
  const key = `${timeZone}|${bucket}`;
  const cached = offsets.get(key);
  if (cached !== undefined) return cached;
  const start = bucket * QUARTER_HOUR;
  const atStart = intlOffset(start, timeZone);
  if (atStart !== intlOffset(start + QUARTER_HOUR - 1, timeZone)) return intlOffset(ms, timeZone);
  if (offsets.size >= MAX_CACHED_OFFSETS) offsets.clear();
  offsets.set(key, atStart);
  return atStart;
}

function wallClock(ms: number, timeZone: string): WallClock {
  const shifted = new Date(ms + offsetAt(ms, timeZone));
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
  };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function parseLocalDate(date: string): { year: number; month: number; day: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) throw new RangeError(`Not a local date (YYYY-MM-DD): "${date}"`);
  return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
}

function formatLocalDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** The calendar date an instant falls on in a time zone. */
export function localDateOf(instant: string, timeZone: string): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`Not an instant: "${instant}"`);
  const w = wallClock(ms, timeZone);
  return formatLocalDate(w.year, w.month, w.day);
}

/**
 * The instant a local day starts (00:00 local time). Where a zone skips midnight (a spring-forward
 * at 00:00, as in some American zones), the day starts at the first instant that exists.
 */
export function startOfLocalDay(date: string, timeZone: string): string {
  const { year, month, day } = parseLocalDate(date);
  const wallMidnight = Date.UTC(year, month - 1, day);
  // Two passes: the offset at the guess may differ from the offset at the answer near a change.
  const first = wallMidnight - offsetAt(wallMidnight, timeZone);
  const second = wallMidnight - offsetAt(first, timeZone);
  const candidates = [first, second].filter((ms) => {
    const w = wallClock(ms, timeZone);
    return formatLocalDate(w.year, w.month, w.day) === date;
  });
  // Where midnight happens twice (clocks back from 01:00 to 00:00), the day starts at the first.
  const exact = candidates.filter((ms) => {
    const w = wallClock(ms, timeZone);
    return w.hour === 0 && w.minute === 0 && w.second === 0;
  });
  if (exact.length > 0) return new Date(Math.min(...exact)).toISOString();
  // Midnight does not exist that day: the day begins at the transition, which is midnight reckoned
  // with the offset in force before it (the candidate that falls on the right date).
  return new Date(Math.min(...(candidates.length > 0 ? candidates : [first, second]))).toISOString();
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Adds calendar months; a day that does not exist in the target month becomes its last day (31 Jan + 1 month = 28 Feb). */
export function addMonthsToLocalDate(date: string, months: number): string {
  const { year, month, day } = parseLocalDate(date);
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = (index % 12) + 1;
  return formatLocalDate(targetYear, targetMonth, Math.min(day, daysInMonth(targetYear, targetMonth)));
}

export function addDaysToLocalDate(date: string, days: number): string {
  const { year, month, day } = parseLocalDate(date);
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return formatLocalDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** A period of calendar time; months are added before days. */
export interface CalendarPeriod {
  readonly months?: number;
  readonly days?: number;
}

/**
 * 00:00 local time on (local date of `instant`) + period + 1 day: the deadline rule shared by lots,
 * tier guarantees and vouchers, so that what was granted on a day stays good through the whole of
 * the last day (points earned on 15 March with 24 months expire at 00:00 on 16 March two years on).
 */
export function endOfLocalDayAfter(instant: string, period: CalendarPeriod, timeZone: string): string {
  const shifted = addMonthsToLocalDate(localDateOf(instant, timeZone), period.months ?? 0);
  return startOfLocalDay(addDaysToLocalDate(shifted, (period.days ?? 0) + 1), timeZone);
}

/** The local date and time of day of an instant in a zone. */
export interface LocalDateTime {
  readonly date: string;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export function localDateTimeOf(instant: string, timeZone: string): LocalDateTime {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`Not an instant: "${instant}"`);
  const w = wallClock(ms, timeZone);
  return { date: formatLocalDate(w.year, w.month, w.day), hour: w.hour, minute: w.minute, second: w.second };
}

/**
 * The instant a local date and time ("HH:MM") happens in a zone. A time that the clocks skip (02:30
 * on the night they go forward) is read as the same time after the jump (03:30); a time that happens
 * twice (02:30 on the night they go back) is the first one — as Temporal's "compatible".
 */
export function instantAtLocalTime(date: string, time: string, timeZone: string): string {
  const match = /^(\d{2}):(\d{2})$/.exec(time);
  if (!match) throw new RangeError(`Not a local time (HH:MM): "${time}"`);
  const { year, month, day } = parseLocalDate(date);
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const before = wall - offsetAt(wall - 86_400_000, timeZone);
  const after = wall - offsetAt(wall + 86_400_000, timeZone);
  const exact = [before, after].filter((ms) => {
    const w = wallClock(ms, timeZone);
    return formatLocalDate(w.year, w.month, w.day) === date && w.hour === hour && w.minute === minute;
  });
  if (exact.length > 0) return new Date(Math.min(...exact)).toISOString();
  // Skipped by a jump forward: reckoned with the offset in force before the jump, it lands after it.
  return new Date(before).toISOString();
}

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export function weekdayOf(date: string): Weekday {
  const { year, month, day } = parseLocalDate(date);
  return WEEKDAYS[(new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7]!;
}

/** Whole days from `from` to `to` (both YYYY-MM-DD), negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  const a = parseLocalDate(from);
  const b = parseLocalDate(to);
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000);
}

export function daysInLocalMonth(year: number, month: number): number {
  return daysInMonth(year, month);
}
