-- Read model "messaging": messages, the decision audit, and campaign results.
--
-- A message's status never goes backwards. Its rank: queued 1 < sent 2 < failed 3 < delivered 4.
-- A failure outranks "sent" (the provider gave up), and a delivery receipt outranks a failure (a
-- retry got through: the receipt is the proof of arrival). Opened and clicked are flags, not states.
CREATE TABLE messages (
  merchant_id          text        NOT NULL,
  message_id           text        NOT NULL,
  campaign_id          text,
  customer_id          text,
  channel              text,
  template_id          text,
  template_version     text,
  locale               text,
  status               text        NOT NULL CONSTRAINT messages_status CHECK (status IN ('queued', 'sent', 'failed', 'delivered')),
  status_rank          smallint    NOT NULL,
  scheduled_for        timestamptz,
  queued_at            timestamptz,
  sent_at              timestamptz,
  delivered_at         timestamptz,
  failed_at            timestamptz,
  failure_code         text,
  failure_reason       text,
  failure_permanent    boolean,
  opened_at            timestamptz,
  clicked_at           timestamptz,
  clicks               integer     NOT NULL DEFAULT 0,
  provider             text,
  provider_message_id  text,
  units                integer,
  estimated_cost_cents integer,
  cost_cents           integer     NOT NULL DEFAULT 0,
  updated_at           timestamptz NOT NULL,
  CONSTRAINT messages_pkey PRIMARY KEY (merchant_id, message_id)
);
CREATE INDEX messages_customer_idx ON messages (merchant_id, customer_id, queued_at);
CREATE INDEX messages_campaign_idx ON messages (merchant_id, campaign_id) WHERE campaign_id IS NOT NULL;

-- "Why did (or didn't) this customer get it": every CampaignTriggered with each condition and its
-- value, and every MessageSuppressed with its reason.
CREATE TABLE decision_audit (
  merchant_id   text        NOT NULL,
  event_id      uuid        NOT NULL,
  kind          text        NOT NULL CONSTRAINT decision_audit_kind CHECK (kind IN ('triggered', 'suppressed')),
  campaign_id   text        NOT NULL,
  rule_version  text        NOT NULL,
  customer_id   text        NOT NULL,
  message_id    text,
  trigger       jsonb,
  conditions    jsonb,
  control_group boolean,
  variant       text,
  reason        text,
  channel       text,
  detail        text,
  occurred_at   timestamptz NOT NULL,
  CONSTRAINT decision_audit_pkey PRIMARY KEY (merchant_id, event_id)
);
CREATE INDEX decision_audit_customer_idx ON decision_audit (merchant_id, customer_id, occurred_at);
CREATE INDEX decision_audit_campaign_idx ON decision_audit (merchant_id, campaign_id, occurred_at);

-- Counts per campaign. Message counts are messages that reached the state at least once.
CREATE TABLE campaign_results (
  merchant_id           text        NOT NULL,
  campaign_id           text        NOT NULL,
  triggered             integer     NOT NULL DEFAULT 0,
  control_group         integer     NOT NULL DEFAULT 0,
  suppressed            integer     NOT NULL DEFAULT 0,
  queued                integer     NOT NULL DEFAULT 0,
  sent                  integer     NOT NULL DEFAULT 0,
  delivered             integer     NOT NULL DEFAULT 0,
  failed                integer     NOT NULL DEFAULT 0,
  opened                integer     NOT NULL DEFAULT 0,
  clicked               integer     NOT NULL DEFAULT 0,
  cost_cents            bigint      NOT NULL DEFAULT 0,
  offers_redeemed       integer     NOT NULL DEFAULT 0,
  offer_discount_cents  bigint      NOT NULL DEFAULT 0,
  CONSTRAINT campaign_results_pkey PRIMARY KEY (merchant_id, campaign_id)
);

CREATE TABLE campaign_suppressions (
  merchant_id text    NOT NULL,
  campaign_id text    NOT NULL,
  reason      text    NOT NULL,
  count       integer NOT NULL,
  CONSTRAINT campaign_suppressions_pkey PRIMARY KEY (merchant_id, campaign_id, reason)
);
