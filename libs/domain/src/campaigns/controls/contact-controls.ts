import type { AppliedControl } from '../../events/campaign.events.js';
import { localDateOf } from '../../shared/local-time.js';
import type { ONCE_PER } from '../config/campaign.schema.js';
import { AGE_OF_MAJORITY } from '../../shared/birth-dates.js';
import type { CustomerFacts } from '../facts/customer-facts.js';

/** An earlier decision of a campaign that targeted the customer (control-group members included). */
export interface PastDecision {
  readonly campaignId: string;
  readonly period: string;
  readonly at: string;
}

/** Once per lifetime, calendar year or month (merchant's zone), or per trigger period. */
export function oncePerControl(
  oncePer: (typeof ONCE_PER)[number],
  past: readonly PastDecision[],
  period: string,
  now: string,
  timeZone: string,
): AppliedControl {
  const today = localDateOf(now, timeZone);
  const same = past.filter((d) => {
    switch (oncePer) {
      case 'lifetime':
        return true;
      case 'year':
        return localDateOf(d.at, timeZone).slice(0, 4) === today.slice(0, 4);
      case 'month':
        return localDateOf(d.at, timeZone).slice(0, 7) === today.slice(0, 7);
      case 'period':
        return d.period === period;
    }
  });
  const last = same.at(-1);
  return {
    control: 'once-per-period',
    value: { oncePer, period, previous: last ? { period: last.period, at: last.at } : null },
    passed: !last,
    detail: last ? `already targeted ${oncePer === 'period' ? `for period ${last.period}` : `this ${oncePer === 'lifetime' ? 'lifetime' : oncePer}`} on ${last.at}` : null,
  };
}

/**
 * Loi Évin and the sale of alcohol to minors: for a merchant selling alcohol, a campaign that promotes
 * it never targets a customer under 18 or whose age is unknown. A business customer (B2B) has no age:
 * the rule protects people, so it does not apply to one. Null when the rule does not apply at all.
 * The record says whether the customer is of age, never their age.
 */
export function alcoholAgeControl(merchantAlcohol: boolean, promotesAlcohol: boolean, customer: CustomerFacts): AppliedControl | null {
  if (!merchantAlcohol || !promotesAlcohol) return null;
  if (customer.type === 'b2b') return { control: 'age', value: { type: 'b2b' }, passed: true, detail: 'a business customer has no age' };
  const ofAge = customer.ofAge;
  if (ofAge === null) return { control: 'age', value: { ofAge: null }, passed: false, detail: 'age unknown: an offer promoting alcohol needs a birth date showing 18 or over' };
  return { control: 'age', value: { ofAge }, passed: ofAge, detail: ofAge ? null : `under ${AGE_OF_MAJORITY}: no offer promoting alcohol` };
}

/** The calendar month (merchant's zone) a campaign's budget is counted in: "2026-11". */
export function budgetMonth(now: string, timeZone: string): string {
  return localDateOf(now, timeZone).slice(0, 7);
}

/** A campaign's monthly budget against its month's estimated spend, in thousandths of a minor unit (exact sums of tenth-of-a-cent emails). */
export function budgetControl(monthlyBudgetCents: number | null, spentMilliMinor: number, costMilliMinor: number, month: string): AppliedControl | null {
  if (monthlyBudgetCents === null) return null;
  const passed = spentMilliMinor + costMilliMinor <= monthlyBudgetCents * 1000;
  const cents = (milli: number) => (milli / 1000).toFixed(milli % 1000 === 0 ? 0 : 3);
  return {
    control: 'budget',
    value: { month, spentMilliMinor, costMilliMinor, monthlyBudgetCents },
    passed,
    detail: passed ? null : `${month}: ${cents(spentMilliMinor)} + ${cents(costMilliMinor)} cents would exceed the budget of ${monthlyBudgetCents}`,
  };
}
