import { endOfLocalDayAfter } from '../shared/local-time.js';

/**
 * When a purchase stops being refundable: 00:00 local time on the day after its local date +
 * `windowDays` (the same rule as lots and vouchers), so the whole last day of the window counts.
 */
export function refundClosesAt(purchasedAt: string, windowDays: number, timeZone: string): string {
  return endOfLocalDayAfter(purchasedAt, { days: windowDays }, timeZone);
}
