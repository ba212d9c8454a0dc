import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeliveryLane } from '@relance/platform';
import { deliveryJobId, KEEP_COMPLETED, LANES, queueName, type DeliveryJob } from './delivery-jobs.js';
import type { PendingMessage } from './delivery-pending.repository.js';

/** The custom backoff (see delivery.worker.ts): the provider's Retry-After when it gave one. */
export const PROVIDER_BACKOFF = 'provider';

/** The producer side of the three lanes: what the relay and the reconciler add jobs with. */
export class DeliveryQueues {
  readonly queues: ReadonlyMap<DeliveryLane, Queue<DeliveryJob>>;

  constructor(
    connection: Redis,
    private readonly attempts: number,
    private readonly now: () => Date = () => new Date(),
    /** BullMQ's key prefix: tests give each file its own. */
    prefix = 'bull',
  ) {
    this.queues = new Map(
      LANES.map((lane) => {
        const queue = new Queue<DeliveryJob>(queueName(lane), { connection, prefix });
        // Redis out of reach raises an error per reconnection: /health and the workers already say so.
        queue.on('error', () => undefined);
        return [lane, queue];
      }),
    );
  }

  lane(lane: DeliveryLane): Queue<DeliveryJob> {
    return this.queues.get(lane)!;
  }

  jobOptions(message: PendingMessage): JobsOptions {
    return {
      jobId: deliveryJobId(message),
      delay: Math.max(0, Date.parse(message.dueAt) - this.now().getTime()),
      attempts: this.attempts,
      backoff: { type: PROVIDER_BACKOFF },
      removeOnComplete: KEEP_COMPLETED,
      // Failed jobs are the dead-letter list: kept until an operator retries or removes them.
      removeOnFail: false,
    };
  }

  /** Adds a job per message; a job id BullMQ already holds (waiting, delayed, active, kept) is not added again. */
  async enqueue(messages: readonly PendingMessage[]): Promise<void> {
    for (const lane of LANES) {
      const mine = messages.filter((m) => m.lane === lane);
      if (mine.length === 0) continue;
      await this.lane(lane).addBulk(mine.map((m) => ({ name: 'deliver', data: { merchantId: m.merchantId, messageId: m.messageId }, opts: this.jobOptions(m) })));
    }
  }

  /** Closes the queues; with Redis out of reach it gives up waiting after `graceMs`. */
  async close(graceMs = 2_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined))),
      new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
  }
}
