import type pg from 'pg';
import type {
  AllSlice,
  AppendResult,
  Backlog,
  EventFilter,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  LogPosition,
  ReadAllOptions,
  ReadStreamOptions,
  StreamSlice,
  SubscribeOptions,
  Subscription,
} from '../event-store.js';
import { MicroBatcher } from '../micro-batcher.js';
import { appendGroup, appendToStream, validateAppend, type Append } from './pg-append.js';
import { Notifier } from './pg-notifier.js';
import { backlog, headPosition, readAll, readStream, readStreams } from './pg-read.js';
import { PgSubscription, type PollingOptions } from './pg-subscription.js';
import { WakeUp } from './pg-wake-up.js';

export interface PostgresEventStoreOptions {
  /** Used for the LISTEN connection that wakes subscribers. */
  readonly connectionString: string;
  readonly polling?: Partial<PollingOptions>;
}

export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres';
  private readonly wakeUp: WakeUp;
  private readonly notifier: Notifier;
  /**
   * Group commit: concurrent appends to different streams travel together (one statement, one round
   * trip, one commit), which on a machine where a round trip and a commit cost far more than the rows
   * they carry is most of the cost of a small append. An idle store sends an append at once; nothing is
   * acknowledged before its commit.
   */
  private readonly appender: MicroBatcher<Append, AppendResult>;
  private readonly polling: PollingOptions;
  private readonly subscriptions = new Set<PgSubscription>();

  constructor(
    private readonly pool: pg.Pool,
    options: PostgresEventStoreOptions,
  ) {
    this.wakeUp = new WakeUp(options.connectionString);
    this.notifier = new Notifier(pool, () => this.wakeUp.localCommit());
    this.appender = new MicroBatcher((group) => appendGroup(pool, group), (a) => a.streamId, {
      maxConcurrent: 2,
      maxBatch: 2000,
      weightOf: (a) => a.events.length,
      maxWeight: 2000,
    });
    this.polling = { idlePollMs: 1000, blockedPollMs: 5, ...options.polling };
  }

  async append(streamId: string, events: readonly EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    validateAppend(streamId, events);
    // An append of nothing only checks the expectation: it has no place in a group.
    const result = events.length === 0
      ? await appendToStream(this.pool, streamId, events, expectedRevision)
      : await this.appender.submit({ streamId, events, expected: expectedRevision });
    if (!result.duplicate && events.length > 0) this.notifier.committed();
    return result;
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<StreamSlice> {
    return readStream(this.pool, streamId, options);
  }

  readStreams(streamIds: readonly string[]): Promise<StreamSlice[]> {
    return readStreams(this.pool, streamIds);
  }

  readAll(options?: ReadAllOptions): Promise<AllSlice> {
    return readAll(this.pool, options);
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    const subscription = new PgSubscription(this.pool, this.wakeUp, options, this.polling);
    this.subscriptions.add(subscription);
    return subscription;
  }

  headPosition(): Promise<LogPosition> {
    return headPosition(this.pool);
  }

  backlog(after: LogPosition, filter?: EventFilter): Promise<Backlog> {
    return backlog(this.pool, after, filter);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1 FROM events LIMIT 0');
  }

  async close(): Promise<void> {
    this.notifier.close();
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.wakeUp.close();
  }
}
