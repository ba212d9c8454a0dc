import { addMonthsToLocalDate, localDateOf, startOfLocalDay } from '../shared/local-time.js';

/**
 * The window starts at 00:00 local time on today's local date minus `windowMonths` months, so
 * "the last 12 months" means since that calendar day, as a shop assistant would count it.
 */
export function rollingWindowStart(now: string, windowMonths: number, timeZone: string): string {
  return startOfLocalDay(addMonthsToLocalDate(localDateOf(now, timeZone), -windowMonths), timeZone);
}
