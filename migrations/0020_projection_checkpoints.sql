-- Where each projection stands in the event log (shared/DESIGN.md §4). A projector writes its row in
-- the same transaction as the read-model rows it derives from the events up to that position, so a
-- crash can neither lose nor repeat an event's effect. Positions are the store's (commit, prepare)
-- pair, both kept: (transaction id, global position) for PostgreSQL, log positions for EventStoreDB.
-- A blue/green rebuild keeps its own row, named "<projection>.next", until it is swapped in.
CREATE TABLE projection_checkpoints (
  name             text        NOT NULL,
  -- The projection's code version that wrote these rows: a higher one in the code asks for a rebuild.
  version          integer     NOT NULL,
  commit_position  bigint      NOT NULL,
  prepare_position bigint      NOT NULL,
  events_processed bigint      NOT NULL DEFAULT 0,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT projection_checkpoints_pkey PRIMARY KEY (name)
);

-- Blue/green rebuilds under way. "swapping" asks the live projector to hand its lock over; the request
-- only counts while the rebuilding process holds the rebuild's advisory lock, so a rebuild that dies
-- mid-swap never leaves the live projection paused.
CREATE TABLE projection_rebuilds (
  name        text        NOT NULL,
  status      text        NOT NULL CONSTRAINT projection_rebuilds_status CHECK (status IN ('building', 'swapping', 'done')),
  version     integer     NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  CONSTRAINT projection_rebuilds_pkey PRIMARY KEY (name)
);
