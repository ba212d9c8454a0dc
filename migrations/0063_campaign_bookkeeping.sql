-- What the rules engine's controls need, kept beside its decisions so that no control ever scans the
-- event log per customer. Written in the same transaction as the decisions' events and the rules
-- subscription's checkpoint: a batch is decided, recorded and acknowledged together, or not at all.

-- One row per decision key (merchant, campaign, customer, period): a key found here is decided
-- already, whatever process decided it. `outcome` says whether it targeted the customer (once-per
-- counts 'triggered' and 'control-group', not 'suppressed').
CREATE TABLE campaign_decisions (
  merchant_id  text        NOT NULL,
  campaign_id  text        NOT NULL,
  customer_id  text        NOT NULL,
  period       text        NOT NULL,
  outcome      text        NOT NULL CONSTRAINT campaign_decisions_outcome CHECK (outcome IN ('triggered', 'control-group', 'suppressed')),
  reason       text,
  event_id     uuid        NOT NULL,
  decided_at   timestamptz NOT NULL,
  CONSTRAINT campaign_decisions_pkey PRIMARY KEY (merchant_id, campaign_id, customer_id, period)
);
CREATE INDEX campaign_decisions_customer_idx ON campaign_decisions (merchant_id, customer_id, decided_at) WHERE outcome <> 'suppressed';

-- Marketing messages queued per customer: what frequency caps count (the longest cap window is kept;
-- older rows may be pruned).
CREATE TABLE campaign_contacts (
  merchant_id  text        NOT NULL,
  customer_id  text        NOT NULL,
  message_id   text        NOT NULL,
  campaign_id  text        NOT NULL,
  channel      text        NOT NULL,
  queued_at    timestamptz NOT NULL,
  CONSTRAINT campaign_contacts_pkey PRIMARY KEY (merchant_id, customer_id, message_id)
);
CREATE INDEX campaign_contacts_recent_idx ON campaign_contacts (merchant_id, customer_id, queued_at);

-- Estimated spend per campaign and calendar month (merchant's zone), in thousandths of a minor unit.
CREATE TABLE campaign_spend (
  merchant_id  text   NOT NULL,
  campaign_id  text   NOT NULL,
  month        text   NOT NULL,
  milli_minor  bigint NOT NULL,
  CONSTRAINT campaign_spend_pkey PRIMARY KEY (merchant_id, campaign_id, month)
);

-- A challenge's progress per customer: the latest period the customer made progress in.
CREATE TABLE challenge_progress (
  merchant_id  text    NOT NULL,
  campaign_id  text    NOT NULL,
  customer_id  text    NOT NULL,
  period       text    NOT NULL,
  purchases    integer NOT NULL,
  spend_cents  bigint  NOT NULL,
  completed    boolean NOT NULL,
  purchase_ids text[]  NOT NULL,
  CONSTRAINT challenge_progress_pkey PRIMARY KEY (merchant_id, campaign_id, customer_id)
);

-- The last local day each time rule ran for: the next run catches up the days after it.
CREATE TABLE time_rule_runs (
  merchant_id  text        NOT NULL,
  campaign_id  text        NOT NULL,
  last_run_on  date        NOT NULL,
  rule_version text        NOT NULL,
  decided      integer     NOT NULL,
  ran_at       timestamptz NOT NULL,
  CONSTRAINT time_rule_runs_pkey PRIMARY KEY (merchant_id, campaign_id)
);

-- Where each rules subscription has read up to. Only ever moves forward: two rules processes may
-- handle the same batch (the second finds every key decided), and the slower must not move it back.
CREATE TABLE rules_checkpoints (
  name             text        NOT NULL,
  commit_position  bigint      NOT NULL,
  prepare_position bigint      NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT rules_checkpoints_pkey PRIMARY KEY (name)
);
