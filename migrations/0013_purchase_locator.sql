-- Which stream holds a purchase: a customer's (customer-<merchant>.<customer>) or an anonymous sale's
-- (sale-<merchant>.<purchase>). Refunds arrive with a purchase id only; this finds their stream. The
-- primary key also keeps one purchase id from being recorded on two streams.
CREATE TABLE purchase_locator (
  merchant_id text NOT NULL,
  purchase_id text NOT NULL,
  stream_id   text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, purchase_id)
);
