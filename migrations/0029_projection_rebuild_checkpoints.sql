-- Checkpoints of the blue/green rebuilds under way, one per projection. UNLOGGED like the `_next`
-- tables they describe (which skip the write-ahead log while they are built): a server crash empties
-- both together, and the rebuild then starts over from position 0 instead of resuming into tables
-- that lost their rows. A killed rebuild process, which leaves both intact, resumes from here.
CREATE UNLOGGED TABLE projection_rebuild_checkpoints (
  name             text        NOT NULL,
  version          integer     NOT NULL,
  commit_position  bigint      NOT NULL,
  prepare_position bigint      NOT NULL,
  events_processed bigint      NOT NULL DEFAULT 0,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT projection_rebuild_checkpoints_pkey PRIMARY KEY (name)
);
