-- The run ledger of scheduled work (libs/platform/src/scheduler): one row per job, merchant and local
-- day. BullMQ decides when a job fires; this table decides whether it runs. A run is claimed under an
-- advisory lock on (job, merchant) and marked done at its end, so two processes, a BullMQ retry or the
-- catch-up after a restart never run the same day twice; a day missed while every process was down is
-- found here (the last day done) and run once after.
CREATE TABLE scheduled_runs (
  merchant_id text        NOT NULL,
  job         text        NOT NULL,
  -- The merchant's local date the run is for.
  period      date        NOT NULL,
  -- The first day this run stands for: earlier than period when it caught up missed days at once.
  covers_from date        NOT NULL,
  -- 'schedule': fired by BullMQ; 'catch-up': started by a process that found the day missed.
  trigger     text        NOT NULL CONSTRAINT scheduled_runs_trigger CHECK (trigger IN ('schedule', 'catch-up')),
  -- 'running' with no live lock holder means the process running it died: the next attempt takes it over.
  status      text        NOT NULL CONSTRAINT scheduled_runs_status CHECK (status IN ('running', 'done', 'failed')),
  attempts    integer     NOT NULL DEFAULT 1,
  -- Host and pid of the process of the last attempt.
  owner       text        NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  -- What the job reported (counts), or why the last attempt failed.
  summary     jsonb,
  error       text,
  CONSTRAINT scheduled_runs_pkey PRIMARY KEY (merchant_id, job, period),
  CONSTRAINT scheduled_runs_covers CHECK (covers_from <= period)
);
