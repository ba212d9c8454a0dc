/** A merchant a job runs for: its runs are local days in this zone. */
export interface ScheduledMerchant {
  readonly id: string;
  readonly timeZone: string;
  /** A cron of this merchant's own, instead of the job's (a campaign at another time of day). */
  readonly cron?: string;
}

/**
 * What to do with days missed while no process ran (or a run kept failing): `latest` runs once, for
 * the most recent day, and tells the run which days it stands for; `every` runs each missed day in
 * order (at most MAX_CATCH_UP_DAYS back).
 */
export type CatchUp = 'latest' | 'every';

/** One run of a job: a merchant and a local day. */
export interface ScheduledRun {
  readonly job: string;
  readonly merchantId: string;
  readonly timeZone: string;
  /** The merchant's local date (YYYY-MM-DD) the run is for. */
  readonly period: string;
  /** The first day the run stands for: before `period` when a `latest` job catches up missed days. */
  readonly coversFrom: string;
  /** `schedule`: BullMQ fired it; `catch-up`: a starting process found the day missed. */
  readonly trigger: 'schedule' | 'catch-up';
}

/**
 * A periodic job, run for each of its merchants at most once per local day. The handler must be
 * safe to run again after a crash in its middle (the day is only marked done when it returns).
 */
export interface ScheduledJob {
  /**
   * Lower-case letters, digits and dashes: names its BullMQ queue, its ledger rows and its logs. A job
   * on a shared queue may add `:<key>` (`time-rule:anniversaire`, one job per campaign).
   */
  readonly name: string;
  /**
   * The queue it shares with other jobs (one worker for all of them), as for the rules engine's time
   * rules; by default a queue of its own.
   */
  readonly queue?: string;
  /** A cron read in each merchant's time zone (`0 4 * * *`: every day at 04:00 local time). */
  readonly cron: string;
  readonly catchUp: CatchUp;
  readonly merchants: readonly ScheduledMerchant[];
  /** Runs one day; what it returns (counts) is kept in the ledger. Throws to fail (BullMQ retries). */
  run(run: ScheduledRun): Promise<Record<string, unknown> | void>;
}
