-- A merchant's first RFM run is a baseline: it records the segments (rfm_scores, and one
-- RfmBaselineRecorded event with the counts per segment) without a SegmentChanged per customer, so
-- that going live never fires segment-entry campaigns at every customer. Runs planned before this
-- column existed were not baselines.
ALTER TABLE rfm_runs ADD COLUMN baseline boolean NOT NULL DEFAULT false;
