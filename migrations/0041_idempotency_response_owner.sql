-- A stored response that carries a customer's personal data (their profile, answered by enrolment,
-- profile update and merge) is sealed with that customer's own key instead of the key derived from
-- the master key, so that destroying the customer's key erases this copy too: a retry then answers
-- 410, as any request about an erased customer does. `response_owner` names whose key it is; NULL
-- for every other response.
ALTER TABLE idempotency_keys ADD COLUMN response_owner text;

-- From now on `request_hash` is a keyed hash ("h1:" and an HMAC-SHA256 under a key derived from the
-- master key): a plain SHA-256 of a request body lets whoever holds a dump confirm a guessed email or
-- name by hashing candidate bodies. Records written before keep their plain hash until they expire
-- (IDEMPOTENCY_RETENTION_HOURS); the engine still recognises them.
