import { isTimeTrigger } from '@relance/domain';
import type { ScheduledJob, ScheduledMerchant, ScheduledRun, Scheduler } from '@relance/platform';
import { Queue, type ConnectionOptions } from 'bullmq';
import type { RuleBook } from './rule-book.js';
import type { TimeRuleRun } from './time-rules.js';

/** The shared scheduler's queue of every time rule (BullMQ queue `schedule-time-rules`). */
export const TIME_RULES_QUEUE = 'time-rules';

/** A time campaign's job: its ledger rows and its BullMQ schedulers (`time-rule:<campaign>@<merchant>`). */
export const timeRuleJobName = (campaignId: string): string => `time-rule:${campaignId}`;

/** Runs one scheduled day of a campaign for a merchant, on the rules in force when it starts. */
export type TimeRuleRunner = (merchantId: string, campaignId: string, run: ScheduledRun) => Promise<TimeRuleRun>;

/**
 * One scheduled job per time campaign id, for every merchant that has it active, each at the
 * campaign's local time in its own zone. After downtime the latest missed day runs once and covers
 * the days missed before it (`latest`): one query over all of them.
 */
export function timeRuleJobs(book: RuleBook, run: TimeRuleRunner): ScheduledJob[] {
  const byCampaign = new Map<string, ScheduledMerchant[]>();
  for (const rules of book.merchants()) {
    for (const campaign of rules.active) {
      const trigger = campaign.definition.trigger;
      if (!isTimeTrigger(trigger)) continue;
      const [hour, minute] = trigger.at.split(':').map(Number);
      const merchants = byCampaign.get(campaign.definition.id) ?? [];
      merchants.push({ id: rules.merchant.id, timeZone: rules.merchant.timeZone, cron: `${minute} ${hour} * * *` });
      byCampaign.set(campaign.definition.id, merchants);
    }
  }
  return [...byCampaign].map(([campaignId, merchants]) => ({
    name: timeRuleJobName(campaignId),
    queue: TIME_RULES_QUEUE,
    cron: merchants[0]!.cron!,
    catchUp: 'latest',
    merchants,
    run: async (scheduled) => {
      const { days, hits, decided, triggered } = await run(scheduled.merchantId, campaignId, scheduled);
      return { days, hits, decided, triggered };
    },
  }));
}

/**
 * The rules engine's time triggers on the shared scheduler (libs/platform/src/scheduler): a run
 * ledger per merchant, campaign and local day, BullMQ job schedulers shared by every process, missed
 * days caught up at start. A reload replaces the jobs: new campaigns get their schedulers, those gone,
 * paused or no longer timed lose theirs.
 */
export class TimeRuleSchedule {
  constructor(
    private readonly scheduler: Scheduler,
    private readonly book: RuleBook,
    private readonly run: TimeRuleRunner,
  ) {}

  /** The jobs of the rules in force (before the scheduler starts, and after each reload). */
  sync(): Promise<void> {
    const served = this.book.merchants().map((r) => r.merchant.id);
    return this.scheduler.replace(TIME_RULES_QUEUE, timeRuleJobs(this.book, this.run), served);
  }
}

/**
 * Before the shared scheduler, each time campaign had a BullMQ job scheduler of its own on the queue
 * `relance-rules-time` (`time-rule:<merchant>:<campaign>`). Those of the merchants served here are
 * removed, so that they stop firing into a queue no worker reads.
 */
export async function removeLegacySchedulers(connection: ConnectionOptions, merchantIds: readonly string[], prefix?: string): Promise<number> {
  const queue = new Queue('relance-rules-time', { connection, ...(prefix ? { prefix } : {}) });
  try {
    let removed = 0;
    for (const existing of await queue.getJobSchedulers()) {
      if (merchantIds.some((m) => existing.key.startsWith(`time-rule:${m}:`)) && (await queue.removeJobScheduler(existing.key))) removed++;
    }
    return removed;
  } finally {
    await queue.close();
  }
}
