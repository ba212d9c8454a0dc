import { isTimeTrigger } from '@relance/domain';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { RuleBook } from './rule-book.js';

export const TIME_RULES_QUEUE = 'relance-rules-time';

export interface TimeRuleJob {
  readonly merchantId: string;
  readonly campaignId: string;
}

/** A scheduler per (merchant, time campaign), at the campaign's local time in the merchant's zone. */
export function schedulerId(job: TimeRuleJob): string {
  return `time-rule:${job.merchantId}:${job.campaignId}`;
}

/**
 * Time rules on BullMQ job schedulers (Redis): one cron per campaign, at its `at` time in the
 * merchant's zone, so every replica shares one schedule and one job runs per firing. A run is
 * idempotent (see runTimeRule), so a job retried, or the catch-up run at start, decides nothing twice.
 */
export class TimeRuleSchedule {
  private readonly queue: Queue<TimeRuleJob>;
  private worker: Worker<TimeRuleJob> | null = null;

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly book: RuleBook,
    private readonly run: (job: TimeRuleJob) => Promise<unknown>,
    private readonly prefix?: string,
  ) {
    this.queue = new Queue<TimeRuleJob>(TIME_RULES_QUEUE, { connection, ...(prefix ? { prefix } : {}) });
  }

  /** Schedulers for the rules in force; those of campaigns gone, paused or no longer timed are removed. */
  async sync(): Promise<string[]> {
    const wanted = new Map<string, { job: TimeRuleJob; pattern: string; tz: string }>();
    for (const rules of this.book.merchants()) {
      for (const campaign of rules.active) {
        const trigger = campaign.definition.trigger;
        if (!isTimeTrigger(trigger)) continue;
        const [hour, minute] = trigger.at.split(':').map(Number);
        const job = { merchantId: rules.merchant.id, campaignId: campaign.definition.id };
        wanted.set(schedulerId(job), { job, pattern: `${minute} ${hour} * * *`, tz: rules.merchant.timeZone });
      }
    }
    for (const existing of await this.queue.getJobSchedulers()) {
      if (existing.key.startsWith('time-rule:') && !wanted.has(existing.key)) await this.queue.removeJobScheduler(existing.key);
    }
    for (const [id, { job, pattern, tz }] of wanted) {
      await this.queue.upsertJobScheduler(id, { pattern, tz }, { name: 'time-rule', data: job, opts: { attempts: 5, backoff: { type: 'exponential', delay: 10_000 }, removeOnComplete: 100, removeOnFail: 1000 } });
    }
    return [...wanted.keys()];
  }

  /** Jobs to run each rule that is due and not yet run today (the days missed while down are caught up). */
  async catchUp(): Promise<void> {
    for (const rules of this.book.merchants()) {
      for (const campaign of rules.active) {
        if (!isTimeTrigger(campaign.definition.trigger)) continue;
        await this.queue.add('time-rule', { merchantId: rules.merchant.id, campaignId: campaign.definition.id }, { removeOnComplete: 100, removeOnFail: 1000 });
      }
    }
  }

  startWorker(): void {
    this.worker ??= new Worker<TimeRuleJob>(TIME_RULES_QUEUE, (job) => this.run(job.data), {
      connection: this.connection,
      concurrency: 1,
      ...(this.prefix ? { prefix: this.prefix } : {}),
    });
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
