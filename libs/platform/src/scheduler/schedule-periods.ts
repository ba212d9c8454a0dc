import { localDateOf } from '@relance/domain';
import { CronExpressionParser } from 'cron-parser';

/**
 * A job's fire instants and the local days they stand for. The cron is read in the merchant's time
 * zone by the same parser BullMQ uses for its job schedulers, so what is computed here (the day a fire
 * is for, the days missed while down) agrees with when BullMQ fires.
 */

/** The last fire at or before `now`, or null when the cron never fired before it. */
export function lastFireAtOrBefore(cron: string, timeZone: string, now: Date): Date | null {
  // prev() is strictly before currentDate: start one millisecond after now so that a fire at now counts.
  const expression = CronExpressionParser.parse(cron, { currentDate: new Date(now.getTime() + 1), tz: timeZone });
  if (!expression.hasPrev()) return null;
  return expression.prev().toDate();
}

/** The merchant's local date a fire is for. */
export function periodOf(firedAt: Date, timeZone: string): string {
  return localDateOf(firedAt.toISOString(), timeZone);
}

/**
 * The local days the cron fired on, after `after` (exclusive, a local date, null: nothing before) up to
 * the fire `until` (inclusive), oldest first; at most `limit` of them (the most recent ones).
 */
export function periodsSince(cron: string, timeZone: string, after: string | null, until: Date, limit: number): string[] {
  const expression = CronExpressionParser.parse(cron, { currentDate: new Date(until.getTime() + 1), tz: timeZone });
  const periods: string[] = [];
  while (periods.length < limit && expression.hasPrev()) {
    const period = periodOf(expression.prev().toDate(), timeZone);
    if (after !== null && period <= after) break;
    // A cron firing several times a day stands for one local day.
    if (periods[0] !== period) periods.unshift(period);
    if (after === null) break;
  }
  return periods;
}

/** Refuses a cron the parser cannot read, with the job's name. */
export function checkCron(name: string, cron: string): void {
  try {
    CronExpressionParser.parse(cron, { tz: 'UTC' });
  } catch (error) {
    throw new Error(`Scheduled job "${name}": invalid cron "${cron}" (${(error as Error).message})`);
  }
}
