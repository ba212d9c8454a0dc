import { sql, type Sql } from '@relance/platform';
import { segmentGridRows } from './rfm-segments.js';

export interface RfmParameters {
  readonly merchantId: string;
  /** "Today" in the merchant's time zone (YYYY-MM-DD): recency is counted in days up to it. */
  readonly asOf: string;
  /** Frequency and monetary count the purchases of this many months up to asOf; null for all. */
  readonly windowMonths: number | null;
  /**
   * A value scores above the k-th quintile breakpoint q_k when it is at least q_k + step, the step
   * being one unit of the measure (one day, one purchase, one cent). The R package `rfm` does the same
   * with its units: one day, one order, and one unit of the revenue column (whole dollars in its
   * sample data, i.e. 100 cents).
   */
  readonly steps: { readonly recencyDays: number; readonly frequency: number; readonly monetaryCents: number };
  /**
   * "separately" (the default): B2C and B2B customers are scored against their own kind, each with
   * its own quintiles (a restaurant's basket is not a household's); "together": one population.
   */
  readonly customerTypes?: RfmCustomerTypes;
}

export type RfmCustomerTypes = 'separately' | 'together';

// No index: it is filled once and then only ever joined whole (hash joins); keeping a primary key up
// to date row by row cost more than the rest of the insert. Customer ids are unique by the GROUP BY.
export const CREATE_CANDIDATES = `
CREATE TEMP TABLE rfm_candidate (
  customer_id text NOT NULL, customer_type text NOT NULL, last_purchase_on date NOT NULL, recency_days int NOT NULL, frequency int NOT NULL, monetary_cents bigint NOT NULL,
  recency_score smallint NOT NULL, frequency_score smallint NOT NULL, monetary_score smallint NOT NULL, segment text NOT NULL
) ON COMMIT DROP`;

export const DEFAULT_STEPS = { recencyDays: 1, frequency: 1, monetaryCents: 1 } as const;

/**
 * Scores every active customer of a merchant with at least one purchase kept (not wholly refunded)
 * up to asOf, into the temporary table `rfm_candidate` (CREATE_CANDIDATES, dropped at commit):
 * - recency_days: asOf − local date of the last kept purchase (all history);
 * - frequency: kept purchases within the window; monetary_cents: their total net of the refunds
 *   recorded up to asOf (a refund counts against the purchase it refunds);
 * - each score from the quintile breakpoints (percentile_cont at 0.2 … 0.8, R's quantile type 7)
 *   of the merchant's customers of the same type (or of all of them, customerTypes "together"):
 *   F and M = 1 + breakpoints reached, R = 5 − breakpoints reached, except that a customer whose last
 *   purchase predates the window scores R = 1: however the quintiles fall (a history where everyone
 *   is years old), such a customer is never "new";
 * - the segment from the R × FM grid (rfm-segments.ts).
 * Equal values always get equal scores (NTILE would split ties by an arbitrary order).
 */
export function scoreCustomers(p: RfmParameters): Sql {
  const grid = segmentGridRows();
  const { recencyDays: rs, frequency: fs, monetaryCents: ms } = p.steps;
  const together = (p.customerTypes ?? 'separately') === 'together';
  return sql`
INSERT INTO rfm_candidate (customer_id, customer_type, last_purchase_on, recency_days, frequency, monetary_cents, recency_score, frequency_score, monetary_score, segment)
WITH refunded AS (
  SELECT purchase_id, sum(amount_cents) AS cents FROM refunds WHERE merchant_id = ${p.merchantId} AND local_date <= ${p.asOf}::date GROUP BY 1
), kept AS (
  SELECT pu.customer_id, pu.local_date, pu.total_cents - COALESCE(r.cents, 0) AS net,
         (${p.windowMonths}::int IS NULL OR pu.local_date > (${p.asOf}::date - make_interval(months => ${p.windowMonths}::int))::date) AS in_window
    FROM purchases pu LEFT JOIN refunded r ON r.purchase_id = pu.purchase_id
   WHERE pu.merchant_id = ${p.merchantId} AND pu.customer_id IS NOT NULL AND pu.local_date <= ${p.asOf}::date
), measures AS (
  SELECT k.customer_id, c.customer_type, CASE WHEN ${together}::boolean THEN 'all' ELSE c.customer_type END AS population,
         max(k.local_date) AS last_purchase_on,
         ${p.asOf}::date - max(k.local_date) AS recency_days,
         count(*) FILTER (WHERE k.in_window)::int AS frequency,
         COALESCE(sum(k.net) FILTER (WHERE k.in_window), 0)::bigint AS monetary_cents
    FROM kept k
    JOIN customers c ON c.merchant_id = ${p.merchantId} AND c.customer_id = k.customer_id AND c.status = 'active'
   WHERE k.net > 0
   GROUP BY k.customer_id, c.customer_type
), breaks AS (
  SELECT population,
         percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY recency_days) AS r,
         percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY frequency) AS f,
         percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY monetary_cents) AS m
    FROM measures
   GROUP BY 1
), scored AS (
  SELECT s.customer_id, s.customer_type, s.last_purchase_on, s.recency_days, s.frequency, s.monetary_cents,
         (CASE WHEN s.frequency = 0 THEN 1
               ELSE 5 - (s.recency_days >= b.r[1] + ${rs}::float8)::int - (s.recency_days >= b.r[2] + ${rs}::float8)::int
                      - (s.recency_days >= b.r[3] + ${rs}::float8)::int - (s.recency_days >= b.r[4] + ${rs}::float8)::int END)::smallint AS recency_score,
         (1 + (s.frequency >= b.f[1] + ${fs}::float8)::int + (s.frequency >= b.f[2] + ${fs}::float8)::int
            + (s.frequency >= b.f[3] + ${fs}::float8)::int + (s.frequency >= b.f[4] + ${fs}::float8)::int)::smallint AS frequency_score,
         (1 + (s.monetary_cents >= b.m[1] + ${ms}::float8)::int + (s.monetary_cents >= b.m[2] + ${ms}::float8)::int
            + (s.monetary_cents >= b.m[3] + ${ms}::float8)::int + (s.monetary_cents >= b.m[4] + ${ms}::float8)::int)::smallint AS monetary_score
    FROM measures s JOIN breaks b ON b.population = s.population
)
SELECT s.*, g.segment
  FROM scored s
  JOIN unnest(${grid.r}::int[], ${grid.fm}::int[], ${grid.segment}::text[]) AS g(r, fm, segment)
    ON g.r = s.recency_score AND g.fm = (s.frequency_score + s.monetary_score + 1) / 2`;
}

