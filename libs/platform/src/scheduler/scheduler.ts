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
  readonly skipped?: 'done' | 'merchant-not-served' | 'job-not-served' | 'stopped';
}

interface FireData {
  readonly merchantId: string;
}

const NAME = /^[a-z][a-z0-9-]{0,39}$/;
/** On a shared queue: the family, then the key of one job (`time-rule:<campaign id>`). */
const KEYED_NAME = /^[a-z][a-z0-9-]{0,39}(:[A-Za-z0-9][A-Za-z0-9_-]{0,63})?$/;

/**
 * A queue and the worker that runs the fires of every job on it; a shared queue left without a job
 * here has no worker, so that its fires go to the processes that still have the jobs.
 */
interface Lane {
  readonly name: string;
  readonly queue: Queue<FireData>;
  worker: Worker<FireData, RunOutcome> | null;
}
/**
 * Periodic work on BullMQ job schedulers, one queue per job (or per family of jobs that share one)
 * and one scheduler per (job, merchant) with a stable id, so every process upserts the same
 * schedulers and BullMQ fires each occurrence once. Whether a fire runs is decided by the run ledger
 * in PostgreSQL (one done row per job, merchant and local day), which also finds the days missed
 * while down: at start, and at every fire, the days since the last one done are run as the job's
 * catch-up policy says. The jobs of a shared queue can be replaced while running (rules reloaded).
 */
export class Scheduler {
  private readonly jobs = new Map<string, ScheduledJob>();
  private readonly lanes = new Map<string, Lane>();
  /** The merchants served by a shared queue's jobs, as its last replace said: whose stale schedulers go. */
  private readonly served = new Map<string, readonly string[]>();
  /** Redis answered: queues are open, and jobs replaced from now on update their schedulers at once. */
  private queuesUp = false;
  /** Work on the queues, one piece at a time (start, replacements). */
  private queueWork: Promise<void> = Promise.resolve();
  private stopped = false;
  private lastErrorAt = 0;
  private catchingUp: Promise<void> = Promise.resolve();
  private readonly prefix: string;

  constructor(private readonly options: SchedulerOptions) {
    this.prefix = options.prefix ?? 'relance';
  }

  register(job: ScheduledJob): void {
    checkJob(job);
    if (this.jobs.has(job.name)) throw new Error(`Scheduled job "${job.name}" is registered twice`);
    this.jobs.set(job.name, job);
  }

  /**
   * Makes `jobs` the jobs of a shared queue, in place of those it had: schedulers are upserted for
   * them, and those of the `served` merchants that no job wants any more are removed from Redis (a
   * process leaves alone the schedulers of merchants it does not serve). Before Redis answers, only the
   * jobs change; the queue is set up when it does.
   */
  async replace(queue: string, jobs: readonly ScheduledJob[], served: readonly string[]): Promise<void> {
    const names = new Set<string>();
    for (const job of jobs) {
      if (job.queue !== queue) throw new Error(`Scheduled job "${job.name}" is not on queue "${queue}"`);
      checkJob(job);
      if (names.has(job.name)) throw new Error(`Scheduled job "${job.name}" is registered twice`);
      names.add(job.name);
    }
    await this.serially(async () => {
      this.served.set(queue, served);
      for (const [name, job] of this.jobs) if (job.queue === queue) this.jobs.delete(name);
      for (const job of jobs) {
        if (this.jobs.has(job.name)) throw new Error(`Scheduled job "${job.name}" is registered twice`);
        this.jobs.set(job.name, job);
      }
      if (this.queuesUp) await this.syncQueue(queue, served);
    });
  }

  /** The jobs registered now (a shared queue's change with each replace). */
  registered(): readonly ScheduledJob[] {
    return [...this.jobs.values()];
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
    // Queues and workers are made once Redis answers: none exists to be closed while it never did.
    if (!(await this.redisReady())) return;
    await this.serially(async () => {
      this.queuesUp = true;
      const queues = new Set([...this.jobs.values()].map(queueOf).concat([...this.served.keys()]));
      for (const queue of queues) await this.syncQueue(queue, this.served.get(queue) ?? []);
    });
  }

  /** Upserts the schedulers of a queue's jobs; removes those of `served` merchants no job wants. */
  private async syncQueue(name: string, served: readonly string[]): Promise<void> {
    if (this.stopped) return;
    const jobs = [...this.jobs.values()].filter((j) => queueOf(j) === name && j.merchants.length > 0);
    // A shared queue left without jobs still gets its queue at start: stale schedulers are cleared through it.
    const lane = this.lanes.get(name) ?? (jobs.length > 0 || this.served.has(name) ? this.openLane(name) : null);
    if (!lane) return;
    if (jobs.length > 0) lane.worker ??= this.startWorker(lane);
    else if (lane.worker) {
      const worker = lane.worker;
      lane.worker = null;
      await withTimeout(worker.close(), 10_000).catch(() => undefined);
    }
    const wanted = new Set<string>();
    for (const job of jobs) {
      for (const merchant of job.merchants) {
        const id = schedulerId(job.name, merchant.id);
        wanted.add(id);
        await lane.queue.upsertJobScheduler(
          id,
          { pattern: cronOf(job, merchant), tz: merchant.timeZone },
          {
            name: job.name,
            data: { merchantId: merchant.id },
            opts: { attempts: 5, backoff: { type: 'exponential', delay: 60_000 }, removeOnComplete: 50, removeOnFail: 200 },
          },
        );
      }
    }
    if (served.length === 0) return;
    for (const existing of await lane.queue.getJobSchedulers()) {
      const at = existing.key.lastIndexOf('@');
      if (at > 0 && served.includes(existing.key.slice(at + 1)) && !wanted.has(existing.key)) await lane.queue.removeJobScheduler(existing.key);
    }
  }

  private openLane(name: string): Lane {
    const queue = new Queue<FireData>(queueName(name), { connection: this.options.connection, prefix: this.prefix });
    queue.on('error', (error) => this.reportError(`Queue ${name}`, error));
    const lane: Lane = { name, queue, worker: null };
    this.lanes.set(name, lane);
    return lane;
  }

  private startWorker({ name }: Lane): Worker<FireData, RunOutcome> {
    const worker = new Worker<FireData, RunOutcome>(queueName(name), (fire) => this.fired(fire), { connection: this.options.connection, prefix: this.prefix, concurrency: 1 });
    worker.on('error', (error) => this.reportError(`Worker ${name}`, error));
    worker.on('failed', (fire, error) => this.options.logger.error(`${fire?.name ?? name} for ${fire?.data.merchantId ?? '?'} failed: ${error.message}`));
    return worker;
  }

  private serially(work: () => Promise<void>): Promise<void> {
    const next = this.queueWork.then(work);
    this.queueWork = next.catch(() => undefined);
    return next;
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
    // Schedulers being upserted: Redis that stopped answering does not hold the stop back.
    await withTimeout(this.queueWork, 5_000).catch(() => undefined);
    // A worker finishes the run it holds; without Redis there is nothing to finish cleanly.
    const force = this.options.connection.status !== 'ready';
    const lanes = [...this.lanes.values()];
    await Promise.all(lanes.map((l) => (l.worker ? withTimeout(l.worker.close(force), 10_000).catch(() => undefined) : undefined)));
    await Promise.all(lanes.map((l) => withTimeout(l.queue.close(), 2_000).catch(() => undefined)));
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
          const due = lastFireAtOrBefore(cronOf(job, merchant), merchant.timeZone, now);
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
      const missed = periodsSince(cronOf(job, merchant), merchant.timeZone, last, firedAt, job.catchUp === 'every' ? MAX_CATCH_UP_DAYS : 366);
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

  private async fired(fire: Job<FireData>): Promise<RunOutcome> {
    // A fire is named after its job (the template of every scheduler): on a shared queue, after the
    // job of one campaign, which a reload may have taken away since.
    if (!this.jobs.has(fire.name)) {
      this.options.logger.log(`${fire.name}: not a job of this process (any more); fire for ${fire.data.merchantId} ignored`);
      return { ran: [], skipped: 'job-not-served' };
    }
    // The scheduler sets prevMillis to the occurrence the job was created for; a late worker (the
    // process was down) still runs the day that occurrence stands for.
    const firedAt = new Date(fire.opts.prevMillis ?? fire.timestamp);
    const outcome = await this.runDue(fire.name, fire.data.merchantId, firedAt, 'schedule');
    if (outcome.skipped === 'merchant-not-served') this.options.logger.log(`${fire.name}: merchant ${fire.data.merchantId} is not served here; fire ignored`);
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

/** The BullMQ queue of a job, or of the family of jobs sharing one. */
export const queueName = (queue: string): string => `schedule-${queue}`;
const queueOf = (job: ScheduledJob): string => job.queue ?? job.name;
const cronOf = (job: ScheduledJob, merchant: ScheduledMerchant): string => merchant.cron ?? job.cron;

function checkJob(job: ScheduledJob): void {
  if (!(job.queue === undefined ? NAME : KEYED_NAME).test(job.name)) {
    throw new Error(`Scheduled job name "${job.name}": lower-case letters, digits and dashes, starting with a letter${job.queue === undefined ? '' : ', then :<key> on a shared queue'}`);
  }
  if (job.queue !== undefined && !NAME.test(job.queue)) throw new Error(`Scheduled job "${job.name}": queue "${job.queue}": lower-case letters, digits and dashes, starting with a letter`);
  checkCron(job.name, job.cron);
  for (const merchant of job.merchants) if (merchant.cron !== undefined) checkCron(`${job.name}@${merchant.id}`, merchant.cron);
}
/** Stable across processes and restarts: upserting it again replaces, never adds. */
export const schedulerId = (job: string, merchantId: string): string => `${job}@${merchantId}`;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
