-- Read model "kpis": one row per merchant and LOCAL date (the merchant's time zone), each event
-- counted on the day its business time falls on there.
CREATE TABLE daily_kpis (
  merchant_id                text    NOT NULL,
  local_date                 date    NOT NULL,
  purchases_identified       integer NOT NULL DEFAULT 0,
  purchases_anonymous        integer NOT NULL DEFAULT 0,
  revenue_identified_cents   bigint  NOT NULL DEFAULT 0,
  revenue_anonymous_cents    bigint  NOT NULL DEFAULT 0,
  items_sold                 integer NOT NULL DEFAULT 0,
  refunds                    integer NOT NULL DEFAULT 0,
  refunded_cents             bigint  NOT NULL DEFAULT 0,
  new_customers              integer NOT NULL DEFAULT 0,
  visits                     integer NOT NULL DEFAULT 0,
  points_earned              bigint  NOT NULL DEFAULT 0,
  points_redeemed            bigint  NOT NULL DEFAULT 0,
  points_expired             bigint  NOT NULL DEFAULT 0,
  rewards_issued             integer NOT NULL DEFAULT 0,
  rewards_redeemed           integer NOT NULL DEFAULT 0,
  messages_sent              integer NOT NULL DEFAULT 0,
  message_cost_cents         bigint  NOT NULL DEFAULT 0,
  CONSTRAINT daily_kpis_pkey PRIMARY KEY (merchant_id, local_date)
);
