-- What a projection could not apply, so that one bad event stops only what it must.
--
-- A merchant's part of a projection that meets an event it cannot apply is parked: the projection goes
-- on for every other merchant, and this merchant's rows of it wait at a recorded position. The row is
-- written in the same transaction as the projection's checkpoint that moves past the skipped events,
-- so exactly-once holds: every event of this merchant after `commit_position/prepare_position` and up
-- to the projection's checkpoint is still to be applied, in log order, before the row is deleted. The
-- projector retries on a timer (backoff until `retry_at`), by itself, until the cause is removed.
CREATE TABLE projection_parked (
  projection       text        NOT NULL,
  merchant_id      text        NOT NULL,
  -- The projection has applied this merchant's events up to here.
  commit_position  bigint      NOT NULL,
  prepare_position bigint      NOT NULL,
  -- The event it could not apply, and why (the database's or the projection's message).
  event_id         text        NOT NULL,
  event_type       text        NOT NULL,
  event_position   text        NOT NULL,
  error            text        NOT NULL,
  failures         integer     NOT NULL DEFAULT 1,
  parked_at        timestamptz NOT NULL DEFAULT now(),
  failed_at        timestamptz NOT NULL DEFAULT now(),
  retry_at         timestamptz NOT NULL,
  CONSTRAINT projection_parked_pkey PRIMARY KEY (projection, merchant_id)
);

-- A projection that fails as a whole (its SQL or its tables are wrong, whatever the event) stops at its
-- checkpoint while the others go on; the failure is kept here for `relance projections status`.
ALTER TABLE projection_checkpoints
  ADD COLUMN failure       text,
  ADD COLUMN failures      integer NOT NULL DEFAULT 0,
  ADD COLUMN failing_since timestamptz,
  ADD COLUMN retry_at      timestamptz;
