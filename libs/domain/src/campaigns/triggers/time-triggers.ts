import { addDaysToLocalDate, daysBetween, instantAtLocalTime, localDateTimeOf } from '../../shared/local-time.js';
import type { CampaignDefinition, Trigger, TriggerOf } from '../config/campaign.schema.js';
import { monthDaysCelebratedOn, nthWeekdayOfMonth, occasionDate, yearOf } from './calendar.js';
import type { TriggerOccurrence } from './occurrence.js';

/*
 * Time triggers, evaluated once a day per merchant at each campaign's local time, set-based: these
 * functions give the runtime the parameters of one SQL query per rule (which birth month-days, which
 * last purchase dates, which expiry dates fire on the run's days), then turn each row found into an
 * occurrence. Every occasion has a period (the date it is about), so that a second run the same day,
 * or a catch-up run, decides nothing twice.
 */

export type TimeTrigger = TriggerOf<'birthday' | 'inactivity' | 'points-expiring' | 'anniversary' | 'date' | 'yearly'>;

const TIME_TYPES: readonly string[] = ['birthday', 'inactivity', 'points-expiring', 'anniversary', 'date', 'yearly'];

export function isTimeTrigger(trigger: Trigger): trigger is TimeTrigger {
  return TIME_TYPES.includes(trigger.type);
}

/** Days missed (the process was down) are caught up, a week at most: older occasions are stale. */
export const DEFAULT_MAX_CATCH_UP_DAYS = 7;

/**
 * The local days a run on `today` covers: every day after the rule's last completed run, up to
 * today, at most `maxCatchUpDays` of them. A rule never run before covers today only, so that a new
 * reactivation campaign does not write to every customer who has been inactive for years.
 */
export function firingDays(lastRunOn: string | null, today: string, maxCatchUpDays = DEFAULT_MAX_CATCH_UP_DAYS): string[] {
  if (!Number.isInteger(maxCatchUpDays) || maxCatchUpDays < 1) throw new RangeError('maxCatchUpDays must be a positive whole number');
  const first = lastRunOn === null ? today : addDaysToLocalDate(lastRunOn, 1);
  const span = Math.min(daysBetween(first, today) + 1, maxCatchUpDays);
  if (span <= 0) return [];
  return Array.from({ length: span }, (_, i) => addDaysToLocalDate(today, i - span + 1));
}

/** Whether today's run of a time trigger is due at `now` (its local time reached), and today's date. */
export function timeTriggerDue(trigger: TimeTrigger, now: string, timeZone: string): { today: string; due: boolean } {
  const local = localDateTimeOf(now, timeZone);
  const time = `${String(local.hour).padStart(2, '0')}:${String(local.minute).padStart(2, '0')}`;
  return { today: local.date, due: time >= trigger.at };
}

/** The next instant, strictly after `now`, at the trigger's local time: when to schedule the next run. */
export function nextRunAt(trigger: TimeTrigger, now: string, timeZone: string): string {
  const { today } = timeTriggerDue(trigger, now, timeZone);
  const todayAt = instantAtLocalTime(today, trigger.at, timeZone);
  return Date.parse(todayAt) > Date.parse(now) ? todayAt : instantAtLocalTime(addDaysToLocalDate(today, 1), trigger.at, timeZone);
}

/** A yearly occasion (birthday, membership anniversary) that fires on one of the run's days. */
export interface OccasionFiring {
  /** Birth (or enrolment) month-day "MM-DD" to look for; 02-29 fires with 02-28 in common years. */
  readonly monthDay: string;
  /** The occasion's date: the period. */
  readonly occasionOn: string;
  /** The day it fires (the occasion minus daysBefore). */
  readonly fireOn: string;
}

/**
 * For a run covering `days`: the birth month-days whose birthday (daysBefore ahead) fires, each with
 * its birthday date. A birthday already past on `today` is not caught up.
 */
export function birthdayFirings(trigger: TriggerOf<'birthday'>, days: readonly string[], today: string): OccasionFiring[] {
  return occasionFirings(trigger.daysBefore, days, today);
}

/** The same for membership anniversaries (enrolment month-day; a customer's first anniversary is a year after enrolling). */
export function anniversaryFirings(trigger: TriggerOf<'anniversary'>, days: readonly string[], today: string): OccasionFiring[] {
  return occasionFirings(trigger.daysBefore, days, today);
}

function occasionFirings(daysBefore: number, days: readonly string[], today: string): OccasionFiring[] {
  return days.flatMap((fireOn) => {
    const occasionOn = addDaysToLocalDate(fireOn, daysBefore);
    if (occasionOn < today) return [];
    return monthDaysCelebratedOn(occasionOn).map((monthDay) => ({ monthDay, occasionOn, fireOn }));
  });
}

export interface DateRange {
  readonly from: string;
  readonly to: string;
}

/**
 * Inactivity N days: a customer's inactivity episode starts with their last purchase, and fires once,
 * on the day that purchase becomes N days old. For a run covering `days`: the last purchase dates that
 * fire (customers whose latest purchase is on one of them); the period is that date.
 */
export function inactivityLastPurchaseDates(trigger: TriggerOf<'inactivity'>, days: readonly string[]): DateRange | null {
  if (days.length === 0) return null;
  return { from: addDaysToLocalDate(days[0]!, -trigger.days), to: addDaysToLocalDate(days[days.length - 1]!, -trigger.days) };
}

/**
 * Points expiring within N days: a lot fires on the day its last usable day is N days away (or
 * fewer, when caught up). For a run covering `days`: the last usable days that fire — still to come
 * on `today`. The period is that day (lots of one customer expiring the same day fire once together).
 */
export function expiringLotDates(trigger: TriggerOf<'points-expiring'>, days: readonly string[], today: string): DateRange | null {
  if (days.length === 0) return null;
  const from = addDaysToLocalDate(days[0]!, trigger.withinDays);
  const range = { from: from < today ? today : from, to: addDaysToLocalDate(days[days.length - 1]!, trigger.withinDays) };
  return range.from <= range.to ? range : null;
}

/** A lot's last usable day: the local day before the instant it expires (lots expire at 00:00 local). */
export function lastUsableDay(expiresAt: string, timeZone: string): string {
  return localDateTimeOf(new Date(Date.parse(expiresAt) - 1).toISOString(), timeZone).date;
}

/** The date of a yearly trigger in a year (the third Thursday of November 2026: 2026-11-19), or null. */
export function yearlyDate(trigger: TriggerOf<'yearly'>, year: number): string | null {
  const month = String(trigger.month).padStart(2, '0');
  if (trigger.day !== null) return occasionDate(`${month}-${String(trigger.day).padStart(2, '0')}`, year);
  if (trigger.weekday === null || trigger.nth === null) return null;
  return nthWeekdayOfMonth(year, trigger.month, trigger.weekday, trigger.nth);
}

/** Date and yearly triggers: their dates among the run's days (then every customer is a candidate). */
export function fixedDateFirings(trigger: TriggerOf<'date' | 'yearly'>, days: readonly string[]): string[] {
  if (trigger.type === 'date') return days.includes(trigger.date) ? [trigger.date] : [];
  return days.filter((day) => yearlyDate(trigger, yearOf(day)) === day);
}

/** One customer found by a time rule's query. */
export interface TimeHit {
  readonly customerId: string;
  /**
   * The occasion, which is the period: birthday → the birthday's date; anniversary → the
   * anniversary's date; inactivity → the last purchase date; points-expiring → the lots' last usable
   * day; date / yearly → the date.
   */
  readonly occasionOn: string;
  /** anniversary: the year of enrolment. (Never a birth year: see WITHHELD_FACTS.) */
  readonly sinceYear?: number | null;
  /** points-expiring: the points that stop being usable after occasionOn. */
  readonly points?: number;
}

/** The day an occasion fires on (its nominal day, whatever day a catch-up run finds it). */
export function fireDateOf(trigger: TimeTrigger, occasionOn: string): string {
  switch (trigger.type) {
    case 'birthday':
    case 'anniversary':
      return addDaysToLocalDate(occasionOn, -trigger.daysBefore);
    case 'inactivity':
      return addDaysToLocalDate(occasionOn, trigger.days);
    case 'points-expiring':
      return addDaysToLocalDate(occasionOn, -trigger.withinDays);
    case 'date':
    case 'yearly':
      return occasionOn;
  }
}

export function timeOccurrence(definition: CampaignDefinition, hit: TimeHit, timeZone: string): TriggerOccurrence {
  const trigger = definition.trigger;
  if (!isTimeTrigger(trigger)) throw new TypeError(`Campaign ${definition.id} has no time trigger`);
  const fireOn = fireDateOf(trigger, hit.occasionOn);
  return {
    kind: 'time',
    type: trigger.type,
    customerId: hit.customerId,
    eventId: null,
    eventType: null,
    schedule: describeSchedule(trigger),
    period: hit.occasionOn,
    description: describeHit(trigger, hit),
    at: instantAtLocalTime(fireOn, trigger.at, timeZone),
    facts: hitFacts(trigger, hit),
  };
}

function hitFacts(trigger: TimeTrigger, hit: TimeHit): Record<string, unknown> {
  const since = hit.sinceYear ?? null;
  switch (trigger.type) {
    case 'birthday':
      return { birthdayOn: hit.occasionOn, daysBefore: trigger.daysBefore };
    case 'anniversary':
      return { anniversaryOn: hit.occasionOn, years: since === null ? 0 : yearOf(hit.occasionOn) - since, daysBefore: trigger.daysBefore };
    case 'inactivity':
      return { lastPurchaseOn: hit.occasionOn, days: trigger.days };
    case 'points-expiring':
      return { expiresOn: hit.occasionOn, points: hit.points ?? 0, withinDays: trigger.withinDays };
    case 'date':
    case 'yearly':
      return { date: hit.occasionOn };
  }
}

export function describeSchedule(trigger: TimeTrigger): string {
  switch (trigger.type) {
    case 'birthday':
      return `birthday, ${trigger.daysBefore} days before, at ${trigger.at}`;
    case 'anniversary':
      return `membership anniversary, ${trigger.daysBefore} days before, at ${trigger.at}`;
    case 'inactivity':
      return `${trigger.days} days after the last purchase, at ${trigger.at}`;
    case 'points-expiring':
      return `${trigger.withinDays} days before points expire, at ${trigger.at}`;
    case 'date':
      return `on ${trigger.date} at ${trigger.at}`;
    case 'yearly':
      return trigger.day !== null
        ? `every year on ${String(trigger.month).padStart(2, '0')}-${String(trigger.day).padStart(2, '0')} at ${trigger.at}`
        : `every year on the ${trigger.nth === 'last' ? 'last' : ordinal(trigger.nth ?? 1)} ${trigger.weekday ?? ''} of month ${trigger.month} at ${trigger.at}`;
  }
}

function describeHit(trigger: TimeTrigger, hit: TimeHit): string {
  switch (trigger.type) {
    case 'birthday':
      return `birthday on ${hit.occasionOn}`;
    case 'anniversary':
      return `membership anniversary on ${hit.occasionOn}`;
    case 'inactivity':
      return `no purchase for ${trigger.days} days since ${hit.occasionOn}`;
    case 'points-expiring':
      return `${hit.points ?? 0} points usable until ${hit.occasionOn}`;
    case 'date':
    case 'yearly':
      return `date ${hit.occasionOn}`;
  }
}

function ordinal(n: number): string {
  return n === 1 ? '1st' : n === 2 ? '2nd' : n === 3 ? '3rd' : `${n}th`;
}
