import type { EventStore } from '@relance/event-store';
import type { Clock, MerchantDirectory, ScheduledJob } from '@relance/platform';
import type pg from 'pg';
import { DEFAULT_STEPS } from './rfm.sql.js';
import { RfmRun } from './rfm-run.js';

/** The daily window: the twelve months up to the run's day in the merchant's time zone. */
export const RFM_WINDOW_MONTHS = 12;

export interface DailyRfmDeps {
  readonly pool: pg.Pool;
  readonly store: EventStore;
  readonly clock: Clock;
  readonly merchants: MerchantDirectory;
  /** Local hour (merchant's time zone) of the daily run. */
  readonly runHour: number;
}

/**
 * Each merchant's RFM, daily at `runHour` local time, as of that local day. After downtime only the
 * latest missed day runs: scores as of a day already gone would announce segment changes nobody can
 * act on any more, and the latest run compares against the last published one, so the changes it
 * announces are the net ones over the days missed.
 */
export function dailyRfmJob(deps: DailyRfmDeps): ScheduledJob {
  return {
    name: 'rfm',
    cron: `0 ${deps.runHour} * * *`,
    catchUp: 'latest',
    merchants: deps.merchants.list().map((m) => ({ id: m.id, timeZone: m.timeZone })),
    async run({ merchantId, period }) {
      const runId = `daily-${period}`;
      const run = new RfmRun(deps.pool, deps.store, deps.clock);
      // A run of that day planned before (a crash while publishing, or a run started by the previous
      // scheduler) is finished, not planned again.
      const { rows } = await deps.pool.query<{ status: string }>('SELECT status FROM rfm_runs WHERE merchant_id = $1 AND run_id = $2', [merchantId, runId]);
      if (rows.length > 0) {
        const resumed = rows[0]!.status === 'planned' ? await waitFor(() => run.resumeLocked(merchantId)) : [];
        return { runId, resumed: resumed.length };
      }
      // merchant.yaml's rfm.customerTypes, as `relance rfm` reads it (B2C and B2B apart by default).
      // The job's merchants are the directory's: a fire is only ever for one of them.
      const merchant = deps.merchants.require(merchantId);
      const customerTypes = merchant.rfm?.customerTypes;
      const params = { merchantId, currency: merchant.currency, asOf: period, windowMonths: RFM_WINDOW_MONTHS, steps: DEFAULT_STEPS, ...(customerTypes ? { customerTypes } : {}) };
      const reports = await run.run(params, runId, true);
      const report = reports?.find((r) => r.runId === runId);
      return { runId, scored: report?.scored ?? 0, changes: report?.changes ?? 0 };
    },
  };
}

/** Retries a step that answers null while another process holds the merchant's RFM lock. */
async function waitFor<T>(step: () => Promise<T | null>): Promise<T> {
  for (;;) {
    const result = await step();
    if (result !== null) return result;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
