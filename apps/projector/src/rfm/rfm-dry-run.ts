import type pg from 'pg';
import { CREATE_CANDIDATES, scoreCustomers, type RfmParameters } from './rfm.sql.js';

export interface RfmScoreRow {
  readonly customerId: string;
  readonly externalId: string | null;
  readonly customerType: string;
  readonly lastPurchaseOn: string;
  readonly recencyDays: number;
  readonly frequency: number;
  readonly monetaryCents: number;
  readonly recencyScore: number;
  readonly frequencyScore: number;
  readonly monetaryScore: number;
  readonly segment: string;
}

export interface RfmDryRunResult {
  readonly scores: readonly RfmScoreRow[];
  /** Customers per customer type and segment, in the order of the rows. */
  readonly segments: readonly { readonly customerType: string; readonly segment: string; readonly customers: number }[];
}

/**
 * Scores a merchant's customers exactly as a run would, and keeps nothing: the scoring fills a
 * temporary table in a transaction that is rolled back, so no score, run or SegmentChanged event is written
 * and no lock is taken. For an analyst reproducing a published table with `--as-of` and a custom
 * window while the live scores stay as they are.
 */
export async function rfmDryRun(pool: pg.Pool, params: RfmParameters): Promise<RfmDryRunResult> {
  const db = await pool.connect();
  try {
    // Always rolled back: the temporary table goes with it, and nothing else is written.
    await db.query('BEGIN');
    await db.query(`SET LOCAL work_mem = '256MB'`);
    await db.query(CREATE_CANDIDATES);
    await db.query(scoreCustomers(params));
    const { rows } = await db.query<{
      customer_id: string; external_id: string | null; customer_type: string; last_purchase_on: string; recency_days: number; frequency: number;
      monetary_cents: string; recency_score: number; frequency_score: number; monetary_score: number; segment: string;
    }>(
      `SELECT n.customer_id, c.external_id, n.customer_type, n.last_purchase_on::text, n.recency_days, n.frequency, n.monetary_cents::text,
              n.recency_score, n.frequency_score, n.monetary_score, n.segment
         FROM rfm_candidate n LEFT JOIN customers c ON c.merchant_id = $1 AND c.customer_id = n.customer_id
        ORDER BY n.customer_type, n.customer_id`,
      [params.merchantId],
    );
    const { rows: counts } = await db.query<{ customer_type: string; segment: string; customers: number }>(
      `SELECT customer_type, segment, count(*)::int AS customers FROM rfm_candidate GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2`,
    );
    return {
      scores: rows.map((r) => ({
        customerId: r.customer_id,
        externalId: r.external_id,
        customerType: r.customer_type,
        lastPurchaseOn: r.last_purchase_on,
        recencyDays: r.recency_days,
        frequency: r.frequency,
        monetaryCents: Number(r.monetary_cents),
        recencyScore: r.recency_score,
        frequencyScore: r.frequency_score,
        monetaryScore: r.monetary_score,
        segment: r.segment,
      })),
      segments: counts.map((c) => ({ customerType: c.customer_type, segment: c.segment, customers: c.customers })),
    };
  } finally {
    await db.query('ROLLBACK').catch(() => undefined);
    db.release();
  }
}
