import { randomBytes } from 'node:crypto';
import { createPool, Scheduler, type Clock, type Pool, type ScheduledJob } from '@relance/platform';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from './test-env.js';

export interface TestClock extends Clock {
  set(instant: string): void;
}

export function testClock(instant: string): TestClock {
  let now = new Date(instant);
  return { now: () => now, set: (next) => (now = new Date(next)) };
}

/** Connection options (not a client): a queue built from them opens and closes its own connection. */
const TEST_REDIS_URL_OPTIONS = () => {
  const url = new URL(TEST_REDIS_URL);
  return { host: url.hostname, port: Number(url.port || 6379), db: Number(url.pathname.slice(1) || 0), maxRetriesPerRequest: null };
};

const quiet = { log: () => undefined, error: (message: string) => console.error(message) };

/**
 * Scheduler instances as separate processes would have them: each its own Redis connection and
 * PostgreSQL pool, all on one Redis key prefix of the test's own, removed with everything under it.
 */
export class SchedulerFleet {
  readonly prefix = `t-${randomBytes(4).toString('hex')}`;
  private readonly open: { scheduler: Scheduler; redis: Redis; pool: Pool }[] = [];
  private readonly queues: Queue[] = [];

  constructor(private readonly databaseUrl: string) {}

  /** A new instance with these jobs registered (not started). */
  instance(clock: Clock, jobs: readonly ScheduledJob[]): Scheduler {
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const pool = createPool(this.databaseUrl, { max: 4 });
    const scheduler = new Scheduler({ connection: redis, pool, clock, logger: quiet, prefix: this.prefix });
    for (const job of jobs) scheduler.register(job);
    this.open.push({ scheduler, redis, pool });
    return scheduler;
  }

  /** A queue handle on a job's queue, for looking at what BullMQ holds (closed by close()). */
  queue(job: string): Queue {
    const queue = new Queue(`schedule-${job}`, { connection: TEST_REDIS_URL_OPTIONS(), prefix: this.prefix });
    this.queues.push(queue);
    return queue;
  }

  /** Stops one instance as a process stopping would: its connections end. */
  async stop(scheduler: Scheduler): Promise<void> {
    const index = this.open.findIndex((o) => o.scheduler === scheduler);
    if (index < 0) return;
    const [{ redis, pool }] = this.open.splice(index, 1) as [{ scheduler: Scheduler; redis: Redis; pool: Pool }];
    await scheduler.stop();
    redis.disconnect();
    await pool.end();
  }

  async close(jobs: readonly string[]): Promise<void> {
    for (const { scheduler } of [...this.open]) await this.stop(scheduler);
    for (const job of jobs) await this.queue(job).obliterate({ force: true });
    await Promise.all(this.queues.map((q) => q.close()));
  }
}
