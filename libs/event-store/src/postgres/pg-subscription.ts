import type pg from 'pg';
import { START, comparePositions, type SubscribeOptions, type Subscription, type SubscriptionBatch } from '../event-store.js';
import { readAll } from './pg-read.js';
import type { WakeUp } from './pg-wake-up.js';

export interface PollingOptions {
  /** Longest wait without a notification before reading again (covers a lost LISTEN connection). */
  readonly idlePollMs: number;
  /**
   * After a notification whose events are not yet readable (an older transaction is still open and
   * holds the snapshot's xmin back), read again after this delay, doubling up to idlePollMs.
   */
  readonly blockedPollMs: number;
}

export class PgSubscription implements Subscription {
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly wakeUp: WakeUp,
    private readonly options: SubscribeOptions,
    private readonly polling: PollingOptions,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionBatch> {
    return this.run();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeUp.interrupt();
    this.endPause?.();
  }

  private endPause: (() => void) | null = null;

  /** A sleep that close() cuts short. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.endPause?.(), ms);
      this.endPause = () => {
        clearTimeout(timer);
        this.endPause = null;
        resolve();
      };
    });
  }

  private async *run(): AsyncGenerator<SubscriptionBatch> {
    await this.wakeUp.start();
    const batchSize = this.options.batchSize ?? 500;
    const { idlePollMs, blockedPollMs } = this.polling;
    let position = this.options.after ?? START;
    // Above zero while committed events sit behind an older transaction that is still open: no
    // notification will announce the moment they become readable, so read again soon, backing off.
    let backoff = 0;
    while (!this.closed) {
      const seen = this.wakeUp.sequence;
      const slice = await readAll(this.pool, { after: position, maxCount: batchSize, filter: this.options.filter });
      if (slice.events.length > 0 || comparePositions(slice.next, position) > 0) {
        position = slice.next;
        yield { events: slice.events, checkpoint: slice.next, caughtUp: slice.isEnd };
      }
      if (!slice.isEnd || this.closed) continue;
      if (this.options.minReadIntervalMs) await this.pause(this.options.minReadIntervalMs);
      if (!slice.blocked) {
        backoff = 0;
        // A notification that arrived while we were reading may announce events this read missed.
        if (this.wakeUp.sequence === seen) await this.wakeUp.wait(seen, idlePollMs);
        continue;
      }
      backoff = backoff > 0 ? Math.min(backoff * 2, idlePollMs) : blockedPollMs;
      await this.wakeUp.wait(this.wakeUp.sequence, backoff);
    }
  }
}

