import { describe, expect, it } from '@jest/globals';
import { campaign, MERCHANT_ID, PARIS } from '../campaign.fixtures.js';
import type { TriggerOf } from '../config/campaign.schema.js';
import { decisionKey } from '../decision/decision-ids.js';
import { nthWeekdayOfMonth, occasionDate } from './calendar.js';
import {
  anniversaryFirings,
  birthdayFirings,
  expiringLotDates,
  firingDays,
  fixedDateFirings,
  inactivityLastPurchaseDates,
  lastUsableDay,
  nextRunAt,
  timeOccurrence,
  timeTriggerDue,
  yearlyDate,
} from './time-triggers.js';

const trigger = <T extends TriggerOf<'birthday' | 'inactivity' | 'points-expiring' | 'anniversary' | 'date' | 'yearly'>['type']>(
  fields: { type: T } & Record<string, unknown>,
) => campaign({ trigger: fields, actions: { bonusPoints: 1 } });

const birthday7 = trigger({ type: 'birthday', daysBefore: 7, at: '10:00' });
const birthdayTrigger = birthday7.definition.trigger as TriggerOf<'birthday'>;

describe('the days a run covers', () => {
  it('is today for a rule never run, and today after yesterday', () => {
    expect(firingDays(null, '2026-05-10')).toEqual(['2026-05-10']);
    expect(firingDays('2026-05-09', '2026-05-10')).toEqual(['2026-05-10']);
  });

  it('is nothing for a second run the same day', () => {
    expect(firingDays('2026-05-10', '2026-05-10')).toEqual([]);
  });

  it('catches up the days missed, a week at most', () => {
    expect(firingDays('2026-05-06', '2026-05-10')).toEqual(['2026-05-07', '2026-05-08', '2026-05-09', '2026-05-10']);
    expect(firingDays('2026-04-01', '2026-05-10')).toEqual(['2026-05-04', '2026-05-05', '2026-05-06', '2026-05-07', '2026-05-08', '2026-05-09', '2026-05-10']);
    expect(firingDays('2026-04-01', '2026-05-10', 2)).toEqual(['2026-05-09', '2026-05-10']);
  });
});

describe('given a birthday campaign 7 days before', () => {
  it('fires on 3 May for birthdays on 10 May, the birthday being the period', () => {
    expect(birthdayFirings(birthdayTrigger, ['2026-05-03'], '2026-05-03')).toEqual([{ monthDay: '05-10', occasionOn: '2026-05-10', fireOn: '2026-05-03' }]);
  });

  it('catches up the days missed while the birthday is still to come', () => {
    expect(birthdayFirings(birthdayTrigger, ['2026-05-01', '2026-05-02', '2026-05-03'], '2026-05-03').map((f) => f.monthDay)).toEqual(['05-08', '05-09', '05-10']);
  });

  it('does not catch up a birthday already past', () => {
    const onTheDay = trigger({ type: 'birthday' }).definition.trigger as TriggerOf<'birthday'>;
    expect(birthdayFirings(onTheDay, ['2026-05-10', '2026-05-11', '2026-05-12'], '2026-05-12')).toEqual([{ monthDay: '05-12', occasionOn: '2026-05-12', fireOn: '2026-05-12' }]);
  });

  it('celebrates those born on 29 February on 28 February in common years, and on the 29th in leap years', () => {
    expect(occasionDate('02-29', 2027)).toBe('2027-02-28');
    expect(birthdayFirings(birthdayTrigger, ['2027-02-21'], '2027-02-21').map((f) => f.monthDay)).toEqual(['02-28', '02-29']);
    expect(birthdayFirings(birthdayTrigger, ['2028-02-21'], '2028-02-21').map((f) => f.monthDay)).toEqual(['02-28']);
    expect(birthdayFirings(birthdayTrigger, ['2028-02-22'], '2028-02-22').map((f) => f.monthDay)).toEqual(['02-29']);
  });

  it('turns a customer found into an occurrence fired at 10:00 local on the nominal day, without the age', () => {
    expect(timeOccurrence(birthday7.definition, { customerId: 'alice', occasionOn: '2027-02-28' }, PARIS)).toEqual({
      kind: 'time',
      type: 'birthday',
      customerId: 'alice',
      eventId: null,
      eventType: null,
      schedule: 'birthday, 7 days before, at 10:00',
      period: '2027-02-28',
      description: 'birthday on 2027-02-28',
      at: '2027-02-21T09:00:00.000Z',
      facts: { birthdayOn: '2027-02-28', daysBefore: 7 },
    });
  });
});

describe('given a reactivation campaign after 120 days without purchase', () => {
  const reactivation = trigger({ type: 'inactivity', days: 120, at: '10:30' });
  const inactivity = reactivation.definition.trigger as TriggerOf<'inactivity'>;

  it('fires for the customers whose last purchase is 120 days old today', () => {
    expect(inactivityLastPurchaseDates(inactivity, ['2026-05-10'])).toEqual({ from: '2026-01-10', to: '2026-01-10' });
  });

  it('catches up the days missed', () => {
    expect(inactivityLastPurchaseDates(inactivity, ['2026-05-08', '2026-05-09', '2026-05-10'])).toEqual({ from: '2026-01-08', to: '2026-01-10' });
    expect(inactivityLastPurchaseDates(inactivity, [])).toBeNull();
  });

  it('keys each inactivity episode by its last purchase date, and keeps the nominal day when caught up', () => {
    const episode = timeOccurrence(reactivation.definition, { customerId: 'bob', occasionOn: '2026-01-09' }, PARIS);
    expect(episode).toMatchObject({ period: '2026-01-09', at: '2026-05-09T08:30:00.000Z', facts: { lastPurchaseOn: '2026-01-09', days: 120 } });
    const next = timeOccurrence(reactivation.definition, { customerId: 'bob', occasionOn: '2026-06-01' }, PARIS);
    expect(decisionKey(MERCHANT_ID, 'reactivation', next)).not.toBe(decisionKey(MERCHANT_ID, 'reactivation', episode));
  });
});

describe('given a reminder 30 days before points expire', () => {
  const reminder = trigger({ type: 'points-expiring', withinDays: 30 });
  const expiring = reminder.definition.trigger as TriggerOf<'points-expiring'>;

  it("fires for the lots whose last usable day is 30 days away, keyed by that day", () => {
    expect(expiringLotDates(expiring, ['2026-05-10'], '2026-05-10')).toEqual({ from: '2026-06-09', to: '2026-06-09' });
    expect(timeOccurrence(reminder.definition, { customerId: 'alice', occasionOn: '2026-06-09', points: 240 }, PARIS)).toMatchObject({
      period: '2026-06-09',
      at: '2026-05-10T08:00:00.000Z',
      facts: { expiresOn: '2026-06-09', points: 240, withinDays: 30 },
      description: '240 points usable until 2026-06-09',
    });
  });

  it('catches up the days missed', () => {
    expect(expiringLotDates(expiring, ['2026-05-08', '2026-05-09', '2026-05-10'], '2026-05-10')).toEqual({ from: '2026-06-07', to: '2026-06-09' });
  });

  it('reads the last usable day off a lot expiring at midnight local', () => {
    // Points earned on 10 June 2024 with 24 months expire at 00:00 on 11 June 2026 in Paris.
    expect(lastUsableDay('2026-06-10T22:00:00.000Z', PARIS)).toBe('2026-06-10');
  });
});

describe('given a membership anniversary campaign', () => {
  const anniversary = trigger({ type: 'anniversary' });

  it('fires on the day, counting the years since enrolment', () => {
    expect(anniversaryFirings(anniversary.definition.trigger as TriggerOf<'anniversary'>, ['2026-05-02'], '2026-05-02')).toEqual([
      { monthDay: '05-02', occasionOn: '2026-05-02', fireOn: '2026-05-02' },
    ]);
    expect(timeOccurrence(anniversary.definition, { customerId: 'alice', occasionOn: '2026-05-02', sinceYear: 2024 }, PARIS).facts).toEqual({
      anniversaryOn: '2026-05-02',
      years: 2,
      daysBefore: 0,
    });
  });
});

describe('given a fixed date and yearly dates', () => {
  it('fires a fixed date on its day only, caught up if missed', () => {
    const christmas = trigger({ type: 'date', date: '2026-12-24' }).definition.trigger as TriggerOf<'date'>;
    expect(fixedDateFirings(christmas, ['2026-12-23'])).toEqual([]);
    expect(fixedDateFirings(christmas, ['2026-12-24', '2026-12-25'])).toEqual(['2026-12-24']);
  });

  it('finds the third Thursday of November (Beaujolais nouveau) every year', () => {
    const beaujolais = trigger({ type: 'yearly', month: 11, weekday: 'thursday', nth: 3, at: '09:00' }).definition.trigger as TriggerOf<'yearly'>;
    expect([2025, 2026, 2027, 2028].map((y) => yearlyDate(beaujolais, y))).toEqual(['2025-11-20', '2026-11-19', '2027-11-18', '2028-11-16']);
    expect(fixedDateFirings(beaujolais, ['2026-11-18', '2026-11-19', '2026-11-20'])).toEqual(['2026-11-19']);
  });

  it('finds a last weekday, and no fifth one in a month that has four', () => {
    expect(nthWeekdayOfMonth(2026, 11, 'friday', 'last')).toBe('2026-11-27');
    expect(nthWeekdayOfMonth(2026, 2, 'monday', 5)).toBeNull();
    expect(nthWeekdayOfMonth(2026, 3, 'sunday', 'last')).toBe('2026-03-29');
  });
});

describe('when a time rule runs', () => {
  const beaujolais = trigger({ type: 'yearly', month: 11, weekday: 'thursday', nth: 3, at: '09:00' }).definition.trigger as TriggerOf<'yearly'>;

  it('is due once its local time is reached', () => {
    expect(timeTriggerDue(beaujolais, '2026-11-19T07:59:00.000Z', PARIS)).toEqual({ today: '2026-11-19', due: false });
    expect(timeTriggerDue(beaujolais, '2026-11-19T08:00:00.000Z', PARIS)).toEqual({ today: '2026-11-19', due: true });
  });

  it('is next scheduled at its local time, across the change to summer time', () => {
    // Saturday 28 March 2026 after 09:00: the next 09:00 is Sunday, in summer time (07:00 UTC).
    expect(nextRunAt(beaujolais, '2026-03-28T09:00:00.000Z', PARIS)).toBe('2026-03-29T07:00:00.000Z');
    expect(nextRunAt(beaujolais, '2026-03-28T07:30:00.000Z', PARIS)).toBe('2026-03-28T08:00:00.000Z');
  });
});
