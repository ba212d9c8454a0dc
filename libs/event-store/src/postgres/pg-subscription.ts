import type pg from 'pg';
import { START, comparePositions, type LogPosition, type SubscribeOptions, type Subscription, type SubscriptionBatch } from '../event-store.js';
import { readAll } from './pg-read.js';
import type { WakeUp } from './pg-wake-up.js';

interface PageRead {
  readonly seen: number;
  readonly page: ReturnType<typeof readAll>;
}

export interface PollingOptions {
  /** Longest wait without a notification before reading again (covers a lost LISTEN connection). */
  readonly idlePollMs: number;
  /**
   * After a notification whose events are not yet readable (an older append transaction is still open
   * and holds the read horizon back), read again after this delay, doubling up to idlePollMs.
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

  /** `seen`: the notifications counted before the read, any later one may announce events it missed. */
  private read(after: LogPosition): PageRead {
    const seen = this.wakeUp.sequence;
    const page = readAll(this.pool, { after, maxCount: this.options.batchSize ?? 500, filter: this.options.filter });
    // A page read ahead may fail while the consumer is busy: it is handled where it is awaited, and
    // must not count as an unhandled rejection meanwhile.
    page.catch(() => undefined);
    return { seen, page };
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
    const { idlePollMs, blockedPollMs } = this.polling;
    let position = this.options.after ?? START;
    // Above zero while committed events sit behind an older append that is still open: no
    // notification will announce the moment they become readable, so read again soon, backing off.
    let backoff = 0;
    // While catching up, the next page is read while the consumer handles this one: PostgreSQL
    // produces it on its core as this process parses and the consumer works on the other.
    let ahead: PageRead | null = null;
    try {
      while (!this.closed) {
        const { seen, page } = ahead ?? this.read(position);
        const slice: Awaited<PageRead['page']> = await page;
        ahead = slice.isEnd ? null : this.read(slice.next);
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
    } finally {
      // A page read ahead for a consumer that stopped: let it finish, its result is not wanted.
      await ahead?.page.catch(() => undefined);
    }
  }
}

