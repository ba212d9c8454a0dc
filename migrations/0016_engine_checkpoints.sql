-- Where each of the engine's own subscriptions (durable reactions to events, such as completing a
-- merge whose second half was never appended) has read up to: a log position "<commit>/<prepare>".
-- Not merchant data: one row per subscription and set of merchants served.
CREATE TABLE engine_checkpoints (
  name       text PRIMARY KEY,
  position   text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
