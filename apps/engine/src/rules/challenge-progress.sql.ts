import type { ChallengeProgress } from '@relance/domain';
import type pg from 'pg';

/** The recorded progress of the customers given in one challenge campaign (their latest period). */
export async function readChallengeProgress(db: pg.PoolClient, merchantId: string, campaignId: string, customerIds: readonly string[]): Promise<Map<string, ChallengeProgress>> {
  const { rows } = await db.query<{ customer_id: string; period: string; purchases: number; spend_cents: string; completed: boolean; purchase_ids: string[] }>(
    `SELECT customer_id, period, purchases, spend_cents::text, completed, purchase_ids FROM challenge_progress
      WHERE merchant_id = $1 AND campaign_id = $2 AND customer_id = ANY($3::text[])`,
    [merchantId, campaignId, customerIds],
  );
  return new Map(
    rows.map((r) => [r.customer_id, { period: r.period, purchases: r.purchases, spendCents: Number(r.spend_cents), completed: r.completed, purchaseIds: r.purchase_ids }]),
  );
}

export async function writeChallengeProgress(db: pg.PoolClient, merchantId: string, campaignId: string, progress: ReadonlyMap<string, ChallengeProgress>): Promise<void> {
  if (progress.size === 0) return;
  // The transaction appends decisions after this write: it locks the log first (migration 0035).
  await db.query('SELECT relance_begin_append()');
  const entries = [...progress];
  await db.query(
    `INSERT INTO challenge_progress (merchant_id, campaign_id, customer_id, period, purchases, spend_cents, completed, purchase_ids)
     SELECT $1, $2, c, p, n, s, d, ARRAY(SELECT jsonb_array_elements_text(i))
       FROM unnest($3::text[], $4::text[], $5::int[], $6::bigint[], $7::boolean[], $8::jsonb[]) AS x(c, p, n, s, d, i)
     ON CONFLICT (merchant_id, campaign_id, customer_id) DO UPDATE SET
       period = EXCLUDED.period, purchases = EXCLUDED.purchases, spend_cents = EXCLUDED.spend_cents,
       completed = EXCLUDED.completed, purchase_ids = EXCLUDED.purchase_ids`,
    [
      merchantId,
      campaignId,
      entries.map(([c]) => c),
      entries.map(([, p]) => p.period),
      entries.map(([, p]) => p.purchases),
      entries.map(([, p]) => p.spendCents),
      entries.map(([, p]) => p.completed),
      entries.map(([, p]) => JSON.stringify(p.purchaseIds)),
    ],
  );
}
