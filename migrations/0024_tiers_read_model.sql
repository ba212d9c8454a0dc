-- Read model "tiers": the tier each customer holds, and every change with what decided it.
CREATE TABLE customer_tiers (
  merchant_id         text        NOT NULL,
  customer_id         text        NOT NULL,
  tier                text        NOT NULL,
  since               timestamptz NOT NULL,
  guaranteed_until    timestamptz,
  rolling_spend_cents integer     NOT NULL,
  program_version     text        NOT NULL,
  CONSTRAINT customer_tiers_pkey PRIMARY KEY (merchant_id, customer_id)
);
CREATE INDEX customer_tiers_tier_idx ON customer_tiers (merchant_id, tier);

CREATE TABLE tier_history (
  merchant_id         text        NOT NULL,
  event_id            uuid        NOT NULL,
  customer_id         text        NOT NULL,
  from_tier           text,
  to_tier             text        NOT NULL,
  direction           text        NOT NULL,
  rolling_spend_cents integer     NOT NULL,
  window_start        timestamptz NOT NULL,
  guaranteed_until    timestamptz,
  program_version     text        NOT NULL,
  changed_at          timestamptz NOT NULL,
  CONSTRAINT tier_history_pkey PRIMARY KEY (merchant_id, event_id)
);
CREATE INDEX tier_history_customer_idx ON tier_history (merchant_id, customer_id, changed_at);
