-- RFM (shared/DESIGN.md §5). Not a projection: the RFM job's own state. rfm_scores holds what the last
-- published run computed for every scored customer; a change of segment against it is what the job
-- announces with a SegmentChanged event (customers.segment follows those events, so replays agree).
-- It keeps the last purchase date rather than a recency in days, and the run that last changed the row
-- rather than the last run: from one day to the next most rows then stay as they are, and the daily
-- run rewrites only the customers whose figures moved. Recency as of the last run is
-- rfm_runs.as_of - last_purchase_on.
CREATE TABLE rfm_scores (
  merchant_id     text     NOT NULL,
  customer_id     text     NOT NULL,
  last_purchase_on date    NOT NULL,
  frequency       integer  NOT NULL,
  monetary_cents  bigint   NOT NULL,
  recency_score   smallint NOT NULL,
  frequency_score smallint NOT NULL,
  monetary_score  smallint NOT NULL,
  segment         text     NOT NULL,
  changed_as_of   date     NOT NULL,
  changed_run_id  text     NOT NULL,
  CONSTRAINT rfm_scores_pkey PRIMARY KEY (merchant_id, customer_id)
);
CREATE INDEX rfm_scores_segment_idx ON rfm_scores (merchant_id, segment);

-- One row per run. A run is planned (its changes computed and stored in rfm_run_slices, rfm_scores
-- updated, in one transaction), then published (each slice appended as SegmentChanged events with
-- event ids derived from the run and the customer). A run found "planned" after a crash is published
-- again: the same slices with the same ids, which the event store stores once.
CREATE TABLE rfm_runs (
  merchant_id  text        NOT NULL,
  run_id       text        NOT NULL,
  as_of        date        NOT NULL,
  status       text        NOT NULL CONSTRAINT rfm_runs_status CHECK (status IN ('planned', 'published')),
  scored       integer     NOT NULL,
  changes      integer     NOT NULL,
  planned_at   timestamptz NOT NULL,
  published_at timestamptz,
  CONSTRAINT rfm_runs_pkey PRIMARY KEY (merchant_id, run_id)
);
CREATE INDEX rfm_runs_as_of_idx ON rfm_runs (merchant_id, as_of);

-- The changes of a planned run, by slices of one append each (fixed at planning, so a re-publication
-- appends exactly the same batches): [{ customerId, eventId, from, to, scores, values }].
CREATE TABLE rfm_run_slices (
  merchant_id text    NOT NULL,
  run_id      text    NOT NULL,
  slice       integer NOT NULL,
  changes     jsonb   NOT NULL,
  CONSTRAINT rfm_run_slices_pkey PRIMARY KEY (merchant_id, run_id, slice)
);
