-- Purchases, refunds, tiers (the rolling spend), messages (their cost) and daily KPIs say their
-- currency (ISO 4217): a merchant may sell in any one currency, and every amount of a row is in its
-- minor unit (cents for EUR, yen for JPY, fils for KWD).
--
-- Rows already there: a purchase takes the currency its PurchaseRecorded event carries (the event
-- store's table, when the store is PostgreSQL); a refund takes its purchase's. What no event says is
-- EUR, the only currency a merchant could have before currencies were carried: the value the event
-- upcasters give a stored refund or tier change without one. The `_next` twins of a rebuild under way are changed
-- alike, so that the swap keeps the column.

CREATE FUNCTION pg_temp.add_currency(tables text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY tables LOOP
    IF to_regclass(t) IS NOT NULL THEN
      EXECUTE format($f$ALTER TABLE %I ADD COLUMN currency text NOT NULL DEFAULT 'EUR'$f$, t);
    END IF;
  END LOOP;
END $$;

SELECT pg_temp.add_currency(ARRAY['purchases', 'purchases_next', 'refunds', 'refunds_next', 'customer_tiers', 'customer_tiers_next',
                                  'tier_history', 'tier_history_next']);

DO $$
BEGIN
  IF to_regclass('events') IS NOT NULL THEN
    UPDATE purchases p SET currency = e.data->>'currency'
      FROM events e
     WHERE e.event_id = p.event_id AND e.event_type = 'PurchaseRecorded' AND e.data->>'currency' IS DISTINCT FROM 'EUR';
  END IF;
  UPDATE refunds r SET currency = p.currency
    FROM purchases p
   WHERE p.merchant_id = r.merchant_id AND p.purchase_id = r.purchase_id AND p.currency <> r.currency;
END $$;

-- From now on the projection writes every row's currency: none is assumed.
CREATE FUNCTION pg_temp.drop_currency_default(tables text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY tables LOOP
    IF to_regclass(t) IS NOT NULL THEN
      EXECUTE format('ALTER TABLE %I ALTER COLUMN currency DROP DEFAULT', t);
    END IF;
  END LOOP;
END $$;

SELECT pg_temp.drop_currency_default(ARRAY['purchases', 'purchases_next', 'refunds', 'refunds_next', 'customer_tiers', 'customer_tiers_next',
                                           'tier_history', 'tier_history_next']);

-- Messages: the currency of their estimated and actual cost, from MessageQueued or MessageSent; null
-- while the projection has seen neither (a delivery report that came first). Rows already there
-- came from events without a currency: EUR.
CREATE FUNCTION pg_temp.add_message_currency(tables text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY tables LOOP
    IF to_regclass(t) IS NOT NULL THEN
      EXECUTE format('ALTER TABLE %I ADD COLUMN currency text', t);
      EXECUTE format($f$UPDATE %I SET currency = 'EUR' WHERE queued_at IS NOT NULL OR sent_at IS NOT NULL$f$, t);
    END IF;
  END LOOP;
END $$;

SELECT pg_temp.add_message_currency(ARRAY['messages', 'messages_next']);

-- Daily KPIs: the currency of the day's amounts (revenue, refunds, message costs), from its first
-- event that carries one; null on a day without amounts. Days already there: their merchant's
-- purchases' currency, EUR where none says.
CREATE FUNCTION pg_temp.add_kpis_currency(tables text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY tables LOOP
    IF to_regclass(t) IS NOT NULL THEN
      EXECUTE format('ALTER TABLE %I ADD COLUMN currency text', t);
      EXECUTE format($f$
        UPDATE %I k SET currency = COALESCE((SELECT p.currency FROM purchases p WHERE p.merchant_id = k.merchant_id LIMIT 1), 'EUR')
         WHERE k.revenue_identified_cents <> 0 OR k.revenue_anonymous_cents <> 0 OR k.refunded_cents <> 0 OR k.message_cost_cents <> 0
            OR k.purchases_identified <> 0 OR k.purchases_anonymous <> 0 OR k.refunds <> 0 OR k.messages_sent <> 0$f$, t);
    END IF;
  END LOOP;
END $$;

SELECT pg_temp.add_kpis_currency(ARRAY['daily_kpis', 'daily_kpis_next']);
