-- The rules engine's time triggers now run on the shared scheduler (libs/platform/src/scheduler):
-- each time campaign is the job `time-rule:<campaign id>` of the run ledger scheduled_runs, one row
-- per merchant and local day. The scheduler catches up only a job that ran before, from its last day
-- done: each rule's last day moves there as a done run, so that a rules process started after this
-- migration runs the days missed since (a week at most) and never the day already run again.
INSERT INTO scheduled_runs (merchant_id, job, period, covers_from, trigger, status, owner, started_at, finished_at, summary)
SELECT merchant_id, 'time-rule:' || campaign_id, last_run_on, last_run_on, 'schedule', 'done', 'migration 0072', ran_at, ran_at,
       jsonb_build_object('decided', decided, 'ruleVersion', rule_version)
  FROM time_rule_runs
ON CONFLICT (merchant_id, job, period) DO NOTHING;

-- Nothing reads or writes time_rule_runs any more; it stays, as the previous version left it, for a
-- process of that version still running while this one is deployed.
COMMENT ON TABLE time_rule_runs IS 'Unused since migration 0072: time rules keep their runs in scheduled_runs (job time-rule:<campaign id>).';
