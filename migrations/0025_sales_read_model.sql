-- Read model "sales": purchase facts and lines for analytics, refunds and visits. Anonymous sales (the
-- POS's "clients divers") have no customer and are counted apart. Local dates are in the merchant's
-- time zone, so a sale at 23:30 in Paris counts for that Paris day.
CREATE TABLE purchases (
  merchant_id    text        NOT NULL,
  purchase_id    text        NOT NULL,
  -- NULL for an anonymous sale. After a merge, the survivor (merged_from keeps who bought it).
  customer_id    text,
  merged_from    text,
  store_id       text        NOT NULL,
  channel        text        NOT NULL,
  total_cents    integer     NOT NULL,
  refunded_cents integer     NOT NULL DEFAULT 0,
  line_count     integer     NOT NULL,
  item_count     integer     NOT NULL,
  promo_cents    integer     NOT NULL,
  rewards_used   integer     NOT NULL,
  purchased_at   timestamptz NOT NULL,
  local_date     date        NOT NULL,
  event_id       uuid        NOT NULL,
  CONSTRAINT purchases_pkey PRIMARY KEY (merchant_id, purchase_id)
);
-- RFM and "spend over a window" audiences read a customer's purchases by date.
CREATE INDEX purchases_customer_idx ON purchases (merchant_id, customer_id, local_date) WHERE customer_id IS NOT NULL;
CREATE INDEX purchases_date_idx ON purchases (merchant_id, local_date);

CREATE TABLE purchase_lines (
  merchant_id       text    NOT NULL,
  purchase_id       text    NOT NULL,
  line_no           integer NOT NULL,
  sku               text    NOT NULL,
  name              text    NOT NULL,
  category          text,
  quantity          integer NOT NULL,
  unit_price_cents  integer NOT NULL,
  discount_cents    integer NOT NULL,
  total_cents       integer NOT NULL,
  promo             boolean NOT NULL,
  refunded_quantity integer NOT NULL DEFAULT 0,
  refunded_cents    integer NOT NULL DEFAULT 0,
  CONSTRAINT purchase_lines_pkey PRIMARY KEY (merchant_id, purchase_id, line_no)
);

CREATE TABLE refunds (
  merchant_id  text        NOT NULL,
  refund_id    text        NOT NULL,
  purchase_id  text        NOT NULL,
  customer_id  text,
  store_id     text        NOT NULL,
  amount_cents integer     NOT NULL,
  -- [{ lineNo, quantity, amountCents }]
  lines        jsonb       NOT NULL,
  reason       text,
  refunded_at  timestamptz NOT NULL,
  local_date   date        NOT NULL,
  event_id     uuid        NOT NULL,
  CONSTRAINT refunds_pkey PRIMARY KEY (merchant_id, refund_id)
);
CREATE INDEX refunds_purchase_idx ON refunds (merchant_id, purchase_id);

CREATE TABLE visits (
  merchant_id text        NOT NULL,
  visit_id    text        NOT NULL,
  customer_id text        NOT NULL,
  store_id    text,
  kind        text        NOT NULL,
  event_name  text,
  visited_at  timestamptz NOT NULL,
  local_date  date        NOT NULL,
  event_id    uuid        NOT NULL,
  CONSTRAINT visits_pkey PRIMARY KEY (merchant_id, visit_id)
);
CREATE INDEX visits_customer_idx ON visits (merchant_id, customer_id, visited_at);
