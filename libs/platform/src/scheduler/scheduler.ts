import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Clock } from '../clock.js';
import type { HealthCheck } from '../nest/health.js';
import { failingRuns, lastDonePeriod, RunLedger } from './run-ledger.js';
import type { ScheduledJob, ScheduledMerchant, ScheduledRun } from './scheduled-job.js';
import { checkCron, lastFireAtOrBefore, periodOf, periodsSince } from './schedule-periods.js';

/** How far back an `every` job catches up (older missed days are not run). */
export const MAX_CATCH_UP_DAYS = 31;

export interface SchedulerOptions {
  /** The process's Redis connection (maxRetriesPerRequest: null); workers open their blocking one from it. */
  readonly connection: Redis;
  readonly pool: pg.Pool;
  readonly clock: Clock;
  readonly logger: { log(message: string): void; error(message: string): void };
  /** Prefix of the queues' Redis keys. */
  readonly prefix?: string;
}

/** What one scheduled call did: the days it ran, or why it ran none. */
export interface RunOutcome {
  readonly ran: readonly string[];
  readonly skipped?: 'done' | 'merchant-not-served' | 'stopped';
}

interface FireData {
  readonly merchantId: string;
}

const NAME = /^[a-z][a-z0-9-]{0,39}$/;

/**
 * Periodic work on BullMQ job schedulers, one queue per job and one scheduler per (job, merchant)
 * with a stable id, so every process upserts the same schedulers and BullMQ fires each occurrence
 * once. Whether a fire runs is decided by the run ledger in PostgreSQL (one done row per job,
 * merchant and local day), which also finds the days missed while down: at start, and at every fire,
 * the days since the last one done are run as the job's catch-up policy says.
 */
export class Scheduler {
  private readonly jobs = new Map<string, ScheduledJob>();
  private readonly queues: Queue[] = [];
  private readonly workers: Worker[] = [];
  private stopped = false;
  private lastErrorAt = 0;
  private catchingUp: Promise<void> = Promise.resolve();
  private readonly prefix: string;

  constructor(private readonly options: SchedulerOptions) {
    this.prefix = options.prefix ?? 'relance';
  }

  register(job: ScheduledJob): void {
    if (!NAME.test(job.name)) throw new Error(`Scheduled job name "${job.name}": lower-case letters, digits and dashes, starting with a letter`);
    if (this.jobs.has(job.name)) throw new Error(`Scheduled job "${job.name}" is registered twice`);
    checkCron(job.name, job.cron);
    this.jobs.set(job.name, job);
  }

  /**
   * Runs what was missed while down and, once Redis answers, upserts the job schedulers and starts the
   * workers. Resolves when all of it is done; a process that must not wait for Redis does not await it.
   */
  async start(): Promise<void> {
    // What was missed is found in PostgreSQL alone: it does not wait for Redis.
    this.catchingUp = this.catchUp();
    await Promise.all([this.catchingUp, this.startQueues()]);
  }

  private async startQueues(): Promise<void> {
    const { connection } = this.options;
    // Queues and workers are made once Redis answers: none exists to be closed while it never did.
    if (!(await this.redisReady())) return;
    for (const job of this.jobs.values()) {
      if (job.merchants.length === 0 || this.stopped) continue;
      const queue = new Queue<FireData>(queueName(job.name), { connection, prefix: this.prefix });
      queue.on('error', (error) => this.reportError(`Queue ${job.name}`, error));
      this.queues.push(queue);
      const worker = new Worker<FireData, RunOutcome>(queueName(job.name), (fire) => this.fired(job, fire), {
        connection,
        prefix: this.prefix,
        concurrency: 1,
      });
      worker.on('error', (error) => this.reportError(`Worker ${job.name}`, error));
      worker.on('failed', (fire, error) => this.options.logger.error(`${job.name} for ${fire?.data.merchantId ?? '?'} failed: ${error.message}`));
      this.workers.push(worker);
      for (const merchant of job.merchants) {
        await queue.upsertJobScheduler(
          schedulerId(job.name, merchant.id),
          { pattern: job.cron, tz: merchant.timeZone },
          {
            name: job.name,
            data: { merchantId: merchant.id },
            opts: { attempts: 5, backoff: { type: 'exponential', delay: 60_000 }, removeOnComplete: 50, removeOnFail: 200 },
          },
        );
      }
    }
  }

  private async redisReady(): Promise<boolean> {
    const { connection } = this.options;
    while (connection.status !== 'ready') {
      if (this.stopped || connection.status === 'end') return false;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return !this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // A catch-up stops between merchants; the run in progress finishes before the pool closes.
    await this.catchingUp.catch(() => undefined);
    // A worker finishes the run it holds; without Redis there is nothing to finish cleanly.
    const force = this.options.connection.status !== 'ready';
    await Promise.all(this.workers.map((w) => withTimeout(w.close(force), 10_000).catch(() => undefined)));
    await Promise.all(this.queues.map((q) => withTimeout(q.close(), 2_000).catch(() => undefined)));
  }

  /** Degraded while the latest day of a job failed (BullMQ retries it; the next day's run catches up). */
  healthCheck(): HealthCheck {
    return {
      name: 'scheduled-runs',
      kind: 'progress',
      check: async () => {
        const merchants = [...new Set([...this.jobs.values()].flatMap((j) => j.merchants.map((m) => m.id)))];
        const failing = await failingRuns(this.options.pool, [...this.jobs.keys()], merchants);
        if (failing.length > 0) throw new Error(failing.join('; '));
      },
    };
  }

  /**
   * For each job and merchant that ran before: when the latest fire due by now (the injected clock)
   * is for a day after the last one done, runs the missed days. A job that never ran waits for its
   * first fire.
   */
  async catchUp(): Promise<void> {
    const now = this.options.clock.now();
    for (const job of this.jobs.values()) {
      for (const merchant of job.merchants) {
        if (this.stopped) return;
        try {
          const due = lastFireAtOrBefore(job.cron, merchant.timeZone, now);
          if (due === null) continue;
          const last = await lastDonePeriod(this.options.pool, job.name, merchant.id);
          if (last === null || last >= periodOf(due, merchant.timeZone)) continue;
          await this.runDue(job.name, merchant.id, due, 'catch-up');
        } catch (error) {
          this.options.logger.error(`${job.name} catch-up for ${merchant.id} failed: ${(error as Error).stack ?? String(error)}`);
        }
      }
    }
  }

  /**
   * Runs the fire at `firedAt` for a merchant, with the days missed before it, under the lock of
   * (job, merchant): nothing when that day is already done.
   */
  async runDue(jobName: string, merchantId: string, firedAt: Date, trigger: ScheduledRun['trigger']): Promise<RunOutcome> {
    const job = this.jobs.get(jobName);
    if (!job) throw new Error(`No scheduled job "${jobName}"`);
    const merchant = job.merchants.find((m) => m.id === merchantId);
    if (!merchant) return { ran: [], skipped: 'merchant-not-served' };
    const ledger = await RunLedger.locked(this.options.pool, job.name, merchant.id, () => this.stopped);
    if (!ledger) return { ran: [], skipped: 'stopped' };
    try {
      const last = await ledger.lastDone(job.name, merchant.id);
      const missed = periodsSince(job.cron, merchant.timeZone, last, firedAt, job.catchUp === 'every' ? MAX_CATCH_UP_DAYS : 366);
      if (missed.length === 0) return { ran: [], skipped: 'done' };
      const runs =
        job.catchUp === 'every'
          ? missed.map((period) => ({ period, coversFrom: period }))
          : [{ period: missed[missed.length - 1]!, coversFrom: missed[0]! }];
      const ran: string[] = [];
      for (const { period, coversFrom } of runs) {
        if (this.stopped) break;
        await this.runOne(ledger, job, merchant, { period, coversFrom, trigger });
        ran.push(period);
      }
      return { ran };
    } finally {
      ledger.close();
    }
  }

  private async runOne(ledger: RunLedger, job: ScheduledJob, merchant: ScheduledMerchant, day: Pick<ScheduledRun, 'period' | 'coversFrom' | 'trigger'>): Promise<void> {
    const key = { merchantId: merchant.id, job: job.name, period: day.period };
    if (!(await ledger.claim(key, day.coversFrom, day.trigger))) return;
    const started = performance.now();
    try {
      const summary = await job.run({ job: job.name, merchantId: merchant.id, timeZone: merchant.timeZone, ...day });
      await ledger.done(key, summary ?? null);
      const covers = day.coversFrom === day.period ? '' : ` (covering ${day.coversFrom} to ${day.period})`;
      this.options.logger.log(`${job.name} ${merchant.id} ${day.period}${covers} done in ${Math.round(performance.now() - started)} ms (${day.trigger})`);
    } catch (error) {
      await ledger.failed(key, error).catch(() => undefined);
      throw error;
    }
  }

  private async fired(job: ScheduledJob, fire: Job<FireData>): Promise<RunOutcome> {
    // The scheduler sets prevMillis to the occurrence the job was created for; a late worker (the
    // process was down) still runs the day that occurrence stands for.
    const firedAt = new Date(fire.opts.prevMillis ?? fire.timestamp);
    const outcome = await this.runDue(job.name, fire.data.merchantId, firedAt, 'schedule');
    if (outcome.skipped === 'merchant-not-served') this.options.logger.log(`${job.name}: merchant ${fire.data.merchantId} is not served here; fire ignored`);
    return outcome;
  }

  /** Redis errors repeat on every reconnect attempt (the process's Redis client reports the outage): once a minute is enough. */
  private reportError(source: string, error: Error): void {
    const now = Date.now();
    if (now - this.lastErrorAt < 60_000) return;
    this.lastErrorAt = now;
    this.options.logger.error(`${source}: ${error.message}`);
  }
}

export const queueName = (job: string): string => `schedule-${job}`;
/** Stable across processes and restarts: upserting it again replaces, never adds. */
export const schedulerId = (job: string, merchantId: string): string => `${job}@${merchantId}`;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
