-- One row per Idempotency-Key a merchant sent on a write. The row is claimed ("in_progress", with a
-- lease) before the command runs and completed with the response, which retries then get back as is.
-- `seed` is where the ids of the events the command appends come from: a re-execution after a crash
-- derives the same event ids, and the event store's idempotent append stores them once.
CREATE TABLE idempotency_keys (
  merchant_id     text NOT NULL,
  idempotency_key text NOT NULL,
  -- sha256 of method, route and canonical body: the same key with another request is refused.
  request_hash    text NOT NULL,
  seed            uuid NOT NULL,
  status          text NOT NULL CHECK (status IN ('in_progress', 'completed')),
  -- Incremented on every takeover of an abandoned claim; the completion must come from the holder.
  attempt         integer NOT NULL DEFAULT 1,
  locked_until    timestamptz,
  response_status integer,
  -- The exact bytes sent the first time (not jsonb, which would reorder keys), sealed with a key
  -- derived from the master key: a response may carry a customer's profile.
  response_body   text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  completed_at    timestamptz,
  expires_at      timestamptz NOT NULL,
  PRIMARY KEY (merchant_id, idempotency_key),
  CONSTRAINT idempotency_keys_completed CHECK ((status = 'completed') = (response_status IS NOT NULL))
);

-- The periodic purge deletes by age.
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
