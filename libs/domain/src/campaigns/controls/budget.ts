import type { AppliedControl } from '../../events/campaign.events.js';
import { localDateOf } from '../../shared/local-time.js';

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
