import { instantMs } from '../shared/instants.js';
import { addMonthsToLocalDate, localDateOf, startOfLocalDay } from '../shared/local-time.js';

/** A purchase (+ its total) or a refund (− its amount), dated by purchasedAt / refundedAt. */
export interface SpendEntry {
  readonly at: string;
  readonly cents: number;
}

/**
 * The window starts at 00:00 local time on today's local date minus `windowMonths` months, so
 * "the last 12 months" means since that calendar day, as a shop assistant would count it.
 */
export function rollingWindowStart(now: string, windowMonths: number, timeZone: string): string {
  return startOfLocalDay(addMonthsToLocalDate(localDateOf(now, timeZone), -windowMonths), timeZone);
}

/** Net spend within [windowStart, now]: purchases minus refunds, each counted at its own date. */
export function rollingNetSpend(entries: readonly SpendEntry[], windowStart: string, now: string): number {
  const from = instantMs(windowStart);
  const to = instantMs(now);
  return entries.reduce((sum, entry) => {
    const at = instantMs(entry.at);
    return at >= from && at <= to ? sum + entry.cents : sum;
  }, 0);
}
