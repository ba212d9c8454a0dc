-- The line items of each e-shop order recorded as a purchase, in the order of the purchase's lines
-- (line_item_ids[n] is the platform's id of line n + 1). Refund webhooks name line items by the
-- platform's ids; this maps them to the purchase's line numbers. Written before the purchase is
-- recorded, from the order alone, so a redelivered order writes the same row.
CREATE TABLE shop_order_lines (
  merchant_id   text   NOT NULL,
  platform      text   NOT NULL CHECK (platform IN ('shopify', 'woocommerce')),
  order_id      text   NOT NULL,
  line_item_ids text[] NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, platform, order_id)
);
