import { sql, type Sql } from '@relance/platform';

/**
 * The changes of segment between rfm_candidate (this run) and rfm_scores (what the last run
 * announced), in customer order, cut into slices of `sliceSize`, each change with its event id: a
 * UUIDv7 made of the run's time and a hash of (run, customer), so the same run always has the same ids.
 */
export function planChanges(merchantId: string, currency: string, runId: string, plannedAtMs: number, sliceSize: number): Sql {
  return sql`
INSERT INTO rfm_run_slices (merchant_id, run_id, slice, changes)
SELECT ${merchantId}, ${runId}, (x.seq - 1) / ${sliceSize}::int,
       jsonb_agg(jsonb_build_object(
         'customerId', x.customer_id, 'from', x.from_segment, 'to', x.to_segment, 'scores', x.scores, 'currency', ${currency}::text, 'values', x.measures,
         'eventId', (lpad(to_hex(${plannedAtMs}::bigint), 12, '0') || '7' || substr(x.h, 1, 3)
                     || substr('89ab', get_byte(decode(substr(x.h, 4, 2), 'hex'), 0) % 4 + 1, 1) || substr(x.h, 6, 15))::uuid::text
       ) ORDER BY x.seq)
  FROM (
    SELECT row_number() OVER (ORDER BY COALESCE(n.customer_id, o.customer_id)) AS seq,
           COALESCE(n.customer_id, o.customer_id) AS customer_id, o.segment AS from_segment, n.segment AS to_segment,
           CASE WHEN n.customer_id IS NOT NULL
                THEN jsonb_build_object('recency', n.recency_score, 'frequency', n.frequency_score, 'monetary', n.monetary_score) END AS scores,
           CASE WHEN n.customer_id IS NOT NULL
                THEN jsonb_build_object('recencyDays', n.recency_days, 'frequency', n.frequency, 'monetaryCents', n.monetary_cents) END AS measures,
           md5(${runId} || ':' || COALESCE(n.customer_id, o.customer_id)) AS h
      FROM rfm_candidate n
      FULL JOIN (SELECT customer_id, segment FROM rfm_scores WHERE merchant_id = ${merchantId}) o ON o.customer_id = n.customer_id
     WHERE n.segment IS DISTINCT FROM o.segment
  ) AS x
 GROUP BY 3`;
}

/**
 * rfm_scores becomes this run's result: customers no longer scored leave it, and only rows whose
 * figures moved are written (most customers' stay the same from one day to the next). Set-based
 * joins rather than INSERT … ON CONFLICT, which probes the primary key once per scored customer.
 */
export function replaceScores(merchantId: string, runId: string, asOf: string): Sql[] {
  return [
    sql`
DELETE FROM rfm_scores s
 WHERE s.merchant_id = ${merchantId} AND NOT EXISTS (SELECT 1 FROM rfm_candidate n WHERE n.customer_id = s.customer_id)`,
    sql`
UPDATE rfm_scores s
   SET last_purchase_on = n.last_purchase_on, frequency = n.frequency, monetary_cents = n.monetary_cents,
       recency_score = n.recency_score, frequency_score = n.frequency_score, monetary_score = n.monetary_score,
       segment = n.segment, changed_as_of = ${asOf}::date, changed_run_id = ${runId}
  FROM rfm_candidate n
 WHERE s.merchant_id = ${merchantId} AND s.customer_id = n.customer_id
   AND (s.last_purchase_on, s.frequency, s.monetary_cents, s.recency_score, s.frequency_score, s.monetary_score, s.segment)
       IS DISTINCT FROM (n.last_purchase_on, n.frequency, n.monetary_cents, n.recency_score, n.frequency_score, n.monetary_score, n.segment)`,
    sql`
INSERT INTO rfm_scores (merchant_id, customer_id, last_purchase_on, frequency, monetary_cents, recency_score, frequency_score,
                        monetary_score, segment, changed_as_of, changed_run_id)
SELECT ${merchantId}, n.customer_id, n.last_purchase_on, n.frequency, n.monetary_cents, n.recency_score, n.frequency_score,
       n.monetary_score, n.segment, ${asOf}::date, ${runId}
  FROM rfm_candidate n
 WHERE NOT EXISTS (SELECT 1 FROM rfm_scores s WHERE s.merchant_id = ${merchantId} AND s.customer_id = n.customer_id)`,
  ];
}
