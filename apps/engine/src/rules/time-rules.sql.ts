import {
  anniversaryFirings,
  birthdayFirings,
  expiringLotDates,
  fixedDateFirings,
  inactivityLastPurchaseDates,
  type OccasionFiring,
  type TimeHit,
  type TimeTrigger,
} from '@relance/domain';
import type pg from 'pg';

/*
 * One query per time rule and merchant, over the read models, for every day a run covers: which
 * customers the rule fires for, each with its occasion (the period of the decision). Audiences and
 * controls are then decided for the customers found, together.
 */

const ACTIVE = `EXISTS (SELECT 1 FROM customers c WHERE c.merchant_id = $1 AND c.customer_id = x.customer_id AND c.status = 'active')`;

/** Inactivity: customers whose latest kept purchase is on one of the dates that become N days old. */
export const INACTIVE_CUSTOMERS = `
SELECT x.customer_id, x.last_on::text AS occasion_on
  FROM (SELECT customer_id, max(local_date) AS last_on FROM purchases
         WHERE merchant_id = $1 AND customer_id IS NOT NULL AND total_cents > refunded_cents
         GROUP BY customer_id) x
 WHERE x.last_on BETWEEN $2::date AND $3::date AND ${ACTIVE}`;

const BIRTHDAYS = `
SELECT customer_id, birthday AS month_day FROM customers
 WHERE merchant_id = $1 AND status = 'active' AND birthday = ANY($2::text[])`;

const ANNIVERSARIES = `
SELECT customer_id, to_char(enrolled_at AT TIME ZONE $3, 'MM-DD') AS month_day, extract(year FROM enrolled_at AT TIME ZONE $3)::int AS since_year
  FROM customers
 WHERE merchant_id = $1 AND status = 'active' AND to_char(enrolled_at AT TIME ZONE $3, 'MM-DD') = ANY($2::text[])`;

// A lot expiring at local midnight is usable until the day before: its last usable day.
const EXPIRING = `
SELECT x.customer_id, x.last_day::text AS occasion_on, sum(x.remaining)::int AS points
  FROM (SELECT customer_id, remaining, ((expires_at - interval '1 millisecond') AT TIME ZONE $4)::date AS last_day
          FROM points_lots
         WHERE merchant_id = $1 AND remaining > 0 AND transferred_at IS NULL AND expires_at IS NOT NULL
           AND expires_at > ($2::date::timestamp AT TIME ZONE $4) AND expires_at <= (($3::date + 1)::timestamp AT TIME ZONE $4)) x
 WHERE x.last_day BETWEEN $2::date AND $3::date AND ${ACTIVE}
 GROUP BY x.customer_id, x.last_day`;

const EVERYONE = `SELECT customer_id FROM customers WHERE merchant_id = $1 AND status = 'active'`;

/** The customers a time rule fires for on `days` (the run's local days, `today` the last). */
export async function timeRuleHits(db: pg.Pool | pg.PoolClient, merchantId: string, timeZone: string, trigger: TimeTrigger, days: readonly string[], today: string): Promise<TimeHit[]> {
  switch (trigger.type) {
    case 'birthday':
    case 'anniversary': {
      const firings = trigger.type === 'birthday' ? birthdayFirings(trigger, days, today) : anniversaryFirings(trigger, days, today);
      if (firings.length === 0) return [];
      const byMonthDay = groupFirings(firings);
      const { rows } =
        trigger.type === 'birthday'
          ? await db.query<{ customer_id: string; month_day: string; since_year?: number }>(BIRTHDAYS, [merchantId, [...byMonthDay.keys()]])
          : await db.query<{ customer_id: string; month_day: string; since_year?: number }>(ANNIVERSARIES, [merchantId, [...byMonthDay.keys()], timeZone]);
      return rows.flatMap((r) => (byMonthDay.get(r.month_day) ?? []).map((occasionOn) => ({ customerId: r.customer_id, occasionOn, sinceYear: r.since_year ?? null })));
    }
    case 'inactivity': {
      const range = inactivityLastPurchaseDates(trigger, days);
      if (!range) return [];
      const { rows } = await db.query<{ customer_id: string; occasion_on: string }>(INACTIVE_CUSTOMERS, [merchantId, range.from, range.to]);
      return rows.map((r) => ({ customerId: r.customer_id, occasionOn: r.occasion_on }));
    }
    case 'points-expiring': {
      const range = expiringLotDates(trigger, days, today);
      if (!range) return [];
      const { rows } = await db.query<{ customer_id: string; occasion_on: string; points: number }>(EXPIRING, [merchantId, range.from, range.to, timeZone]);
      return rows.map((r) => ({ customerId: r.customer_id, occasionOn: r.occasion_on, points: r.points }));
    }
    case 'date':
    case 'yearly': {
      const dates = fixedDateFirings(trigger, days);
      if (dates.length === 0) return [];
      const { rows } = await db.query<{ customer_id: string }>(EVERYONE, [merchantId]);
      return dates.flatMap((occasionOn) => rows.map((r) => ({ customerId: r.customer_id, occasionOn })));
    }
  }
}

function groupFirings(firings: readonly OccasionFiring[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const f of firings) {
    const list = map.get(f.monthDay) ?? [];
    if (!list.includes(f.occasionOn)) list.push(f.occasionOn);
    map.set(f.monthDay, list);
  }
  return map;
}
