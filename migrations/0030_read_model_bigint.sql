-- Every read-model column holds whatever the event catalog allows. One amount is at most
-- 10,000,000.00 € and one movement of points at most 1,000,000,000 (LIMITS in the domain), but sums
-- of them grow with the number of events: a balance after 90 purchases at the largest amount passes
-- 2^31 points, a rolling spend or a day's revenue passes 2^31 cents after three. Every amount in
-- cents, every points figure and every counter that sums events becomes bigint. What stays integer
-- is bounded per row by the limits: line numbers and counts (at most 1,000 lines, 50 rewards used),
-- quantities (at most 100,000 a line, so at most 10^8 items a purchase), SMS units, RFM frequencies.
--
-- Each ALTER TABLE rewrites its table once, under an exclusive lock: on a large database, run the
-- migration while the projector is stopped. The `_next` twins of a blue/green rebuild under way are
-- changed alike, so that the swap keeps the new types.

CREATE FUNCTION pg_temp.to_bigint(tables text[], columns text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t text;
  clauses text;
BEGIN
  SELECT string_agg(format('ALTER COLUMN %I TYPE bigint', c), ', ') INTO clauses FROM unnest(columns) AS c;
  FOREACH t IN ARRAY tables LOOP
    IF to_regclass(t) IS NOT NULL THEN
      EXECUTE format('ALTER TABLE %I %s', t, clauses);
    END IF;
  END LOOP;
END $$;

SELECT pg_temp.to_bigint(ARRAY['customers', 'customers_next'], ARRAY['points_balance']);

SELECT pg_temp.to_bigint(ARRAY['points_ledger', 'points_ledger_next'], ARRAY['points', 'debt_change']);
SELECT pg_temp.to_bigint(ARRAY['points_lots', 'points_lots_next'], ARRAY['points', 'remaining', 'expired_points']);
SELECT pg_temp.to_bigint(ARRAY['points_balances', 'points_balances_next'],
                         ARRAY['balance', 'debt', 'earned_total', 'redeemed_total', 'expired_total', 'adjusted_total']);

SELECT pg_temp.to_bigint(ARRAY['customer_tiers', 'customer_tiers_next'], ARRAY['rolling_spend_cents']);
SELECT pg_temp.to_bigint(ARRAY['tier_history', 'tier_history_next'], ARRAY['rolling_spend_cents']);

SELECT pg_temp.to_bigint(ARRAY['purchases', 'purchases_next'], ARRAY['total_cents', 'refunded_cents', 'promo_cents']);
SELECT pg_temp.to_bigint(ARRAY['purchase_lines', 'purchase_lines_next'],
                         ARRAY['unit_price_cents', 'discount_cents', 'total_cents', 'refunded_cents']);
SELECT pg_temp.to_bigint(ARRAY['refunds', 'refunds_next'], ARRAY['amount_cents']);

SELECT pg_temp.to_bigint(ARRAY['messages', 'messages_next'], ARRAY['clicks', 'estimated_cost_cents', 'cost_cents']);
SELECT pg_temp.to_bigint(ARRAY['campaign_results', 'campaign_results_next'],
                         ARRAY['triggered', 'control_group', 'suppressed', 'queued', 'sent', 'delivered', 'failed', 'opened', 'clicked',
                               'offers_redeemed']);
SELECT pg_temp.to_bigint(ARRAY['campaign_suppressions', 'campaign_suppressions_next'], ARRAY['count']);

SELECT pg_temp.to_bigint(ARRAY['daily_kpis', 'daily_kpis_next'],
                         ARRAY['purchases_identified', 'purchases_anonymous', 'items_sold', 'refunds', 'new_customers', 'visits',
                               'rewards_issued', 'rewards_redeemed', 'messages_sent']);
