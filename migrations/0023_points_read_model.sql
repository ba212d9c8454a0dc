-- Read model "points": every movement, the lots they form and burn, and the balances. Nothing here
-- is recomputed: lots, debits, debts and transfers are applied as the write side decided them.
CREATE TABLE points_ledger (
  merchant_id text        NOT NULL,
  event_id    uuid        NOT NULL,
  customer_id text        NOT NULL,
  kind        text        NOT NULL CONSTRAINT points_ledger_kind
                CHECK (kind IN ('earned', 'redeemed', 'expired', 'adjusted', 'transferred-in', 'transferred-out')),
  -- Signed change of the balance.
  points      integer     NOT NULL,
  -- Signed change of the debt (points taken back after they were spent).
  debt_change integer     NOT NULL,
  -- The lot formed (earned, positive adjustment) or expired.
  lot_id      text,
  -- The lots debited: [{ lotId, points }].
  debits      jsonb       NOT NULL,
  reason      text,
  source_id   text,
  occurred_at timestamptz NOT NULL,
  CONSTRAINT points_ledger_pkey PRIMARY KEY (merchant_id, event_id)
);
CREATE INDEX points_ledger_customer_idx ON points_ledger (merchant_id, customer_id, occurred_at);

CREATE TABLE points_lots (
  merchant_id     text        NOT NULL,
  customer_id     text        NOT NULL,
  lot_id          text        NOT NULL,
  points          integer     NOT NULL,
  remaining       integer     NOT NULL CONSTRAINT points_lots_remaining CHECK (remaining >= 0),
  expired_points  integer     NOT NULL DEFAULT 0,
  earned_at       timestamptz NOT NULL,
  expires_at      timestamptz,
  -- Set on the duplicate's lots when a merge handed them to the survivor.
  transferred_at  timestamptz,
  CONSTRAINT points_lots_pkey PRIMARY KEY (merchant_id, customer_id, lot_id)
);
-- "Points expiring within N days" triggers scan this.
CREATE INDEX points_lots_expiry_idx ON points_lots (merchant_id, expires_at) WHERE remaining > 0;

CREATE TABLE points_balances (
  merchant_id     text        NOT NULL,
  customer_id     text        NOT NULL,
  -- Lots remaining minus debt: negative while a clawback is not yet repaid.
  balance         integer     NOT NULL,
  debt            integer     NOT NULL,
  earned_total    integer     NOT NULL,
  redeemed_total  integer     NOT NULL,
  expired_total   integer     NOT NULL,
  adjusted_total  integer     NOT NULL,
  updated_at      timestamptz NOT NULL,
  CONSTRAINT points_balances_pkey PRIMARY KEY (merchant_id, customer_id)
);
