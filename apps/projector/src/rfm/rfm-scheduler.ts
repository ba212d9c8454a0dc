import { localDateOf } from '@relance/domain';
import type { EventStore } from '@relance/event-store';
import type { Clock, MerchantDirectory } from '@relance/platform';
import type pg from 'pg';
import type { RunnerLogger } from '../runner/projection-runner.js';
import { DEFAULT_STEPS } from './rfm.sql.js';
import { RfmRun } from './rfm-run.js';

/** The daily window: the twelve months up to "today" in the merchant's time zone. */
export const RFM_WINDOW_MONTHS = 12;

/**
 * Runs each configured merchant's RFM once a day, from `runHour` local time, and finishes any run a
 * crash left half-published. Several projector processes may run this: a run takes the merchant's
 * RFM lock, and a day already planned is not planned again.
 */
export class RfmScheduler {
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly merchants: MerchantDirectory,
    private readonly runHour: number,
    private readonly logger: RunnerLogger,
  ) {}

  start(everyMs = 60_000): void {
    const tick = () => {
      this.busy ??= this.tick().finally(() => {
        this.busy = null;
      });
    };
    this.timer = setInterval(tick, everyMs);
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.busy;
  }

  async tick(): Promise<void> {
    for (const merchant of this.merchants.list()) {
      try {
        await this.runDue(merchant.id, merchant.timeZone);
      } catch (error) {
        this.logger.error(`RFM run of ${merchant.id} failed: ${(error as Error).stack ?? String(error)}`);
      }
    }
  }

  private async runDue(merchantId: string, timeZone: string): Promise<void> {
    const now = this.clock.now();
    const today = localDateOf(now.toISOString(), timeZone);
    const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(now));
    const { rows } = await this.pool.query<{ status: string }>('SELECT status FROM rfm_runs WHERE merchant_id = $1 AND as_of = $2', [merchantId, today]);
    const planned = rows.some((r) => r.status === 'planned');
    if ((rows.length > 0 && !planned) || (rows.length === 0 && hour < this.runHour)) return;
    const run = new RfmRun(this.pool, this.store, this.clock);
    const params = { merchantId, asOf: today, windowMonths: RFM_WINDOW_MONTHS, steps: DEFAULT_STEPS };
    const reports = rows.length === 0 ? await run.run(params, `daily-${today}`, false) : await run.resumeLocked(merchantId);
    for (const r of reports ?? []) this.logger.log(`RFM ${r.merchantId} ${r.asOf}: ${r.scored} scored, ${r.changes} segment changes${r.resumed ? ' (resumed)' : ''}`);
  }
}
