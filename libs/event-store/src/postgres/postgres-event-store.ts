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
import { GroupAppender } from './pg-group-append.js';
import { Notifier } from './pg-notifier.js';
import { backlog, headPosition, readAll, readStream } from './pg-read.js';
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
  private readonly appender: GroupAppender;
  private readonly polling: PollingOptions;
  private readonly subscriptions = new Set<PgSubscription>();

  constructor(
    private readonly pool: pg.Pool,
    options: PostgresEventStoreOptions,
  ) {
    this.wakeUp = new WakeUp(options.connectionString);
    this.notifier = new Notifier(pool, () => this.wakeUp.localCommit());
    this.appender = new GroupAppender(pool);
    this.polling = { idlePollMs: 1000, blockedPollMs: 5, ...options.polling };
  }

  async append(streamId: string, events: readonly EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    const result = await this.appender.append(streamId, events, expectedRevision);
    if (!result.duplicate && events.length > 0) this.notifier.committed();
    return result;
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<StreamSlice> {
    return readStream(this.pool, streamId, options);
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
