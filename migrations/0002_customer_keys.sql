-- One data key per customer (AES-256-GCM), wrapped by the master key from configuration. Personal data
-- inside events is sealed with it; erasure destroys the key, which makes every copy of that data in the
-- event log unreadable without rewriting a single event.
CREATE TABLE customer_keys (
  merchant_id   text NOT NULL,
  customer_id   text NOT NULL,
  -- iv (12 bytes) | wrapped key (32) | tag (16); NULL once destroyed.
  wrapped_key   bytea,
  -- Which master key wrapped it (a fingerprint, never the key).
  master_key_id text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  destroyed_at  timestamptz,
  PRIMARY KEY (merchant_id, customer_id),
  CONSTRAINT customer_keys_destroyed CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL))
);
