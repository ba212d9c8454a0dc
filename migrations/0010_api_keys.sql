-- API keys: one merchant, one role each. Only a SHA-256 of the secret part is stored: the key is
-- shown once at creation and cannot be recovered from the database. The secret is 32 random bytes,
-- so a plain hash is enough (no password-style stretching is needed against guessing).
CREATE TABLE api_keys (
  merchant_id  text NOT NULL,
  -- Public part of the key ("rk_<key_id>_<secret>"), used to find the row; also the actor id on events.
  key_id       text NOT NULL,
  secret_hash  bytea NOT NULL,
  role         text NOT NULL CHECK (role IN ('pos', 'operator', 'analyst', 'support', 'admin')),
  name         text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz,
  -- Refreshed at most once a minute per key and process: a hint for audits, not a log.
  last_used_at timestamptz,
  PRIMARY KEY (merchant_id, key_id),
  CONSTRAINT api_keys_key_id_key UNIQUE (key_id)
);
