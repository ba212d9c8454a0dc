import { Logger } from '@nestjs/common';
import { nextRetryDelayMs, type SendRetryable } from '@relance/channels';
import type { DeliveryLane, RateLimit } from '@relance/platform';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { LANES, queueName, type DeliveryJob } from './delivery-jobs.js';
import { PROVIDER_BACKOFF } from './delivery-queues.js';
import type { MessageDelivery } from './message-delivery.js';

const sleep = (ms: number) => new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), ms).unref());

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
  /** The attempts running now, so that stopping waits for them rather than for BullMQ's own close. */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Every Redis client the workers use, made here so that stopping can end each one, whatever BullMQ left open. */
  private clients: Redis[] = [];

  constructor(
    private readonly connection: Redis,
    private readonly delivery: MessageDelivery,
    private readonly settings: WorkerSettings,
  ) {}

  start(): void {
    if (this.workers.length > 0) return;
    const random = this.settings.random ?? Math.random;
    const connection = this.ownedConnection();
    for (const lane of this.settings.lanes ?? LANES) {
      const limit = this.settings.rateLimits[lane];
      const worker: Worker<DeliveryJob> = new Worker<DeliveryJob>(queueName(lane), (job, token) => this.track(this.process(worker, job, token)), {
        connection,
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

  /**
   * A client of the workers' own (BullMQ duplicates it for each worker's blocking connection; those
   * duplicates are recorded too): the process's shared client stays the core's to close.
   */
  private ownedConnection(): Redis {
    const own = (base: Redis): Redis => {
      // ioredis reports each failed reconnection as an error event; the workers' 'error' handler logs them.
      base.on('error', () => undefined);
      this.clients.push(base);
      const duplicate = base.duplicate.bind(base);
      base.duplicate = ((...args: Parameters<Redis['duplicate']>) => own(duplicate(...args))) as Redis['duplicate'];
      return base;
    };
    return own(this.connection.duplicate());
  }

  private track<T>(attempt: Promise<T>): Promise<T> {
    this.inFlight.add(attempt);
    void attempt.then(
      () => this.inFlight.delete(attempt),
      () => this.inFlight.delete(attempt),
    );
    return attempt;
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
   * Takes no new job, lets the attempts in flight finish (their outcomes appended) for at most
   * `graceMs`, then closes the workers without waiting for BullMQ (which, with Redis out of reach,
   * would wait for a reconnection that may never come) and ends every client they used, so that none
   * keeps reconnecting after the engine stopped. A job cut short is taken over by another worker once
   * its lock expires, and its message's stream says whether it was sent. Returns within about
   * `graceMs` + `closeMs`.
   */
  async stop(graceMs = 10_000, closeMs = 2_000): Promise<void> {
    const workers = this.workers.splice(0);
    const clients = this.clients.splice(0);
    if (workers.length === 0 && clients.length === 0) return;
    // Pausing without waiting is local: the fetch loops stop asking Redis for jobs.
    await Promise.all(workers.map((w) => w.pause(true).catch(() => undefined)));
    const deadline = Date.now() + graceMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.inFlight]), sleep(deadline - Date.now())]);
    }
    await Promise.race([Promise.all(workers.map((w) => w.close(true).catch(() => undefined))), sleep(closeMs)]);
    // QUIT lets the last completions reach Redis; a client that is not connected is just ended.
    await Promise.race([Promise.all(clients.map((c) => (c.status === 'ready' ? c.quit().catch(() => undefined) : undefined))), sleep(closeMs)]);
    for (const client of clients) client.disconnect();
  }
}
