import type { Channel } from '../../events/primitives.js';
import { addDaysToLocalDate, instantAtLocalTime, localDateTimeOf, weekdayOf, type Weekday } from '../../shared/local-time.js';
import { isPublicHoliday } from './public-holidays.js';

/**
 * When marketing SMS and RCS may go out, in the merchant's time zone. The default is the strictest of
 * the French rules and charters: Monday to Saturday, 08:00 to 20:00, never on a public holiday.
 * Outside it a message is deferred to the next allowed instant, never dropped.
 */
export interface QuietHours {
  readonly channels: readonly Channel[];
  readonly days: readonly Weekday[];
  /** "HH:MM", local; sending is allowed from `from` (included) to `to` (excluded). */
  readonly from: string;
  readonly to: string;
  /** Whose public holidays are closed ("FR", "FR-57"), or null. */
  readonly publicHolidays: string | null;
}

export const DEFAULT_QUIET_HOURS: QuietHours = {
  channels: ['sms', 'rcs'],
  days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'],
  from: '08:00',
  to: '20:00',
  publicHolidays: 'FR',
};

/** A year of closed days at most: a configuration that never opens is refused when it is loaded. */
const MAX_DAYS_AHEAD = 400;

export function quietHoursApply(settings: QuietHours, channel: Channel): boolean {
  return settings.channels.includes(channel);
}

export function isSendingDay(settings: QuietHours, date: string): boolean {
  return settings.days.includes(weekdayOf(date)) && (settings.publicHolidays === null || !isPublicHoliday(settings.publicHolidays, date));
}

/** `now` itself when sending is allowed then, otherwise the start of the next allowed window. */
export function nextAllowedInstant(now: string, settings: QuietHours, timeZone: string): string {
  const local = localDateTimeOf(now, timeZone);
  const time = `${pad(local.hour)}:${pad(local.minute)}`;
  if (isSendingDay(settings, local.date)) {
    if (time >= settings.from && time < settings.to) return now;
    if (time < settings.from) return instantAtLocalTime(local.date, settings.from, timeZone);
  }
  for (let ahead = 1; ahead <= MAX_DAYS_AHEAD; ahead++) {
    const date = addDaysToLocalDate(local.date, ahead);
    if (isSendingDay(settings, date)) return instantAtLocalTime(date, settings.from, timeZone);
  }
  throw new RangeError(`Quiet hours never open within ${MAX_DAYS_AHEAD} days of ${local.date}`);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
