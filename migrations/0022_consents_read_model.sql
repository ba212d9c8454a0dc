-- Read model "consents": the current state per channel and purpose, and the full history with its proof
-- (CNIL: the controller must be able to show when, how and on what wording consent was given).
CREATE TABLE consents (
  merchant_id text        NOT NULL,
  customer_id text        NOT NULL,
  channel     text        NOT NULL,
  purpose     text        NOT NULL,
  granted     boolean     NOT NULL,
  source      text        NOT NULL,
  changed_at  timestamptz NOT NULL,
  event_id    uuid        NOT NULL,
  -- Customer stream revision of the change: an older change never overwrites a newer one.
  revision    bigint      NOT NULL,
  CONSTRAINT consents_pkey PRIMARY KEY (merchant_id, customer_id, channel, purpose)
);

CREATE TABLE consent_history (
  merchant_id text        NOT NULL,
  event_id    uuid        NOT NULL,
  customer_id text        NOT NULL,
  channel     text        NOT NULL,
  purpose     text        NOT NULL,
  granted     boolean     NOT NULL,
  source      text        NOT NULL,
  -- Form version, staff, double opt-in token, provider reference; the IP stays sealed and is
  -- removed when the customer is erased.
  proof       jsonb       NOT NULL,
  reason      text,
  occurred_at timestamptz NOT NULL,
  CONSTRAINT consent_history_pkey PRIMARY KEY (merchant_id, event_id)
);
CREATE INDEX consent_history_customer_idx ON consent_history (merchant_id, customer_id, occurred_at);
