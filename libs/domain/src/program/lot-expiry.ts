import { endOfLocalDayAfter } from '../shared/local-time.js';
import type { Program } from './program.schema.js';

/**
 * Points earned on local date D expire at 00:00 local time on D + N months + 1 day (a day missing
 * from the target month becomes its last day), so they stay good through the whole anniversary day.
 * Null when the program's points never expire.
 */
export function lotExpiresAt(earnedAt: string, expiry: Program['expiry'], timeZone: string): string | null {
  return expiry === null ? null : endOfLocalDayAfter(earnedAt, { months: expiry.months }, timeZone);
}
