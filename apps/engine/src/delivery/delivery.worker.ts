import { Logger } from '@nestjs/common';
import { nextRetryDelayMs, type SendRetryable } from '@relance/channels';
import type { DeliveryLane, RateLimit } from '@relance/platform';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { LANES, queueName, type DeliveryJob } from './delivery-jobs.js';
import { PROVIDER_BACKOFF } from './delivery-queues.js';
import type { MessageDelivery } from './message-delivery.js';

async function closeWithin(worker: Worker<DeliveryJob>, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
  const closed = worker.close().then(() => 'closed' as const, () => 'closed' as const);
  if ((await Promise.race([closed, late])) === 'late') {
    // Forcing does not wait for jobs, but may still wait for a Redis that is gone: bounded too.
    await Promise.race([worker.close(true).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  }
  clearTimeout(timer);
}

/** A provider's "try later", carried to the backoff strategy with what the provider asked for. */
export class ProviderRetryError extends Error {
  override readonly name = 'ProviderRetryError';
  constructor(readonly outcome: SendRetryable) {
    super(`${outcome.provider} ${outcome.httpStatus ?? outcome.code ?? ''}: ${outcome.reason}`.trim());
  }
}

export interface WorkerSettings {
  readonly concurrency: number;
  readonly rateLimits: Readonly<Record<DeliveryLane, RateLimit>>;
  /** Lanes this process works (all by default). */
  readonly lanes?: readonly DeliveryLane[];
  /** For tests: how a stalled job (its worker died) is noticed. */
  readonly stalledIntervalMs?: number;
  readonly random?: () => number;
  /** BullMQ's key prefix (as the queues'). */
  readonly prefix?: string;
}

/**
 * The consumers of the three lanes. A job's attempt: the message is delivered (or settled) and the
 * job completes; deferred by quiet hours, it goes back to the delayed set for the next allowed
 * instant, without using an attempt; a provider's 429 with Retry-After pauses the whole lane for
 * that long (the limit is the provider's, not the message's); any other retryable outcome or error
 * retries with backoff (the provider's Retry-After, else exponential with jitter); the last failed
 * attempt leaves the job in the failed set, the dead-letter list `relance deliveries` shows.
 */
export class DeliveryWorkers {
  private readonly logger = new Logger('DeliveryWorkers');
  private readonly workers: Worker<DeliveryJob>[] = [];

  constructor(
    private readonly connection: Redis,
    private readonly delivery: MessageDelivery,
    private readonly settings: WorkerSettings,
  ) {}

  start(): void {
    if (this.workers.length > 0) return;
    const random = this.settings.random ?? Math.random;
    for (const lane of this.settings.lanes ?? LANES) {
      const limit = this.settings.rateLimits[lane];
      const worker: Worker<DeliveryJob> = new Worker<DeliveryJob>(queueName(lane), (job, token) => this.process(worker, job, token), {
        connection: this.connection,
        prefix: this.settings.prefix ?? 'bull',
        concurrency: this.settings.concurrency,
        limiter: { max: limit.max, duration: limit.durationMs },
        ...(this.settings.stalledIntervalMs ? { stalledInterval: this.settings.stalledIntervalMs, lockDuration: this.settings.stalledIntervalMs } : {}),
        settings: {
          backoffStrategy: (attemptsMade, type, error) => {
            if (type !== PROVIDER_BACKOFF) return 0;
            const outcome: SendRetryable =
              error instanceof ProviderRetryError
                ? error.outcome
                : { kind: 'retryable', messageId: '', provider: 'engine', code: null, reason: '', httpStatus: null, retryAfterMs: null, outcomeUnknown: false };
            return nextRetryDelayMs(outcome, attemptsMade - 1, random()) ?? 0;
          },
        },
      });
      worker.on('failed', (job, error) => {
        if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) this.logger.warn(`${job.id}: dead-lettered after ${job.attemptsMade} attempts (${error.message})`);
      });
      // Redis out of reach raises an error per reconnection attempt: one line a minute is enough (/health says the rest).
      let lastLogged = 0;
      worker.on('error', (error) => {
        if (Date.now() - lastLogged < 60_000) return;
        lastLogged = Date.now();
        this.logger.error(`${lane} worker: ${error.message}`);
      });
      this.workers.push(worker);
    }
  }

  private async process(worker: Worker<DeliveryJob>, job: Job<DeliveryJob>, token: string | undefined): Promise<string> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const step = await this.delivery.deliver(job.data, lastAttempt);
    switch (step.kind) {
      case 'done':
        return step.outcome;
      case 'defer':
        await job.moveToDelayed(Date.parse(step.until), token);
        throw new DelayedError();
      case 'retry': {
        const { outcome } = step;
        if (outcome.httpStatus === 429 && outcome.retryAfterMs !== null && !lastAttempt) {
          await worker.rateLimit(Math.min(outcome.retryAfterMs, 15 * 60_000));
          throw Worker.RateLimitError();
        }
        throw new ProviderRetryError(outcome);
      }
    }
  }

  /**
   * Lets the jobs in flight finish (their outcomes appended), for at most `graceMs`; then, or at once
   * when Redis is out of reach, closes without waiting: a job cut short is taken over by another
   * worker once its lock expires, and its message's stream says whether it was sent.
   */
  async stop(graceMs = 10_000): Promise<void> {
    await Promise.all(this.workers.map((w) => closeWithin(w, graceMs)));
    this.workers.length = 0;
  }
}
