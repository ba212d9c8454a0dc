import type pg from 'pg';

/**
 * Who the daily expiry review looks at, from the projector's read models: customers holding a lot
 * whose expiry has come (points_lots_expiry_idx), and customers above the first tier whose guarantee
 * has passed (their rolling spend may have left the window). Over-selecting costs one decision that
 * appends nothing; the decision itself is taken on the customer's stream, never on these rows.
 */
export async function expiryReviewCandidates(db: pg.Pool, merchantId: string, now: string, lowestTier: string | null): Promise<string[]> {
  const { rows } = await db.query<{ customer_id: string }>(
    `SELECT customer_id FROM points_lots
      WHERE merchant_id = $1 AND remaining > 0 AND expires_at <= $2 AND transferred_at IS NULL
     UNION
     SELECT customer_id FROM customer_tiers
      WHERE merchant_id = $1 AND $3::text IS NOT NULL AND tier <> $3 AND (guaranteed_until IS NULL OR guaranteed_until <= $2)
     ORDER BY customer_id`,
    [merchantId, now, lowestTier],
  );
  return rows.map((r) => r.customer_id);
}
