import { EventStoreDBClient } from '@eventstore/db-client';
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
import { appendToEsdbStream } from './esdb-append.js';
import { toEsdbConnectionString } from './esdb-mapping.js';
import { esdbBacklog, esdbHeadPosition, lastLogPosition, readEsdbAll, readEsdbStream } from './esdb-read.js';
import { EsdbSubscription } from './esdb-subscription.js';

/**
 * The event store port on EventStoreDB / KurrentDB (gRPC client v6). Needs a server from 22.10 on
 * (stream reads report log positions from 22.6; caught-up is reported by the server from 23.10 and
 * worked out here before that, see esdb-batching.ts) and a user allowed to read $all.
 * The store owns its client: close() disposes of it.
 */
export class EventStoreDbEventStore implements EventStore {
  readonly kind = 'eventstoredb';
  private readonly subscriptions = new Set<EsdbSubscription>();

  constructor(private readonly client: EventStoreDBClient) {}

  /** Accepts esdb://, esdb+discover:// and the KurrentDB spellings (kurrentdb://, kdb://). */
  static fromConnectionString(url: string): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(toEsdbConnectionString(url)));
  }

  append(streamId: string, events: readonly EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    return appendToEsdbStream(this.client, streamId, events, expectedRevision);
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<StreamSlice> {
    return readEsdbStream(this.client, streamId, options);
  }

  /** EventStoreDB reads one stream a call: the reads go out together on the one gRPC connection. */
  readStreams(streamIds: readonly string[]): Promise<StreamSlice[]> {
    return Promise.all(streamIds.map((id) => readEsdbStream(this.client, id)));
  }

  readAll(options?: ReadAllOptions): Promise<AllSlice> {
    return readEsdbAll(this.client, options);
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    const subscription = new EsdbSubscription(this.client, options, (s) => this.subscriptions.delete(s));
    this.subscriptions.add(subscription);
    return subscription;
  }

  headPosition(): Promise<LogPosition> {
    return esdbHeadPosition(this.client);
  }

  backlog(after: LogPosition, filter?: EventFilter): Promise<Backlog> {
    return esdbBacklog(this.client, after, filter);
  }

  async ping(): Promise<void> {
    // Reading $all, not just connecting: it is what subscriptions need, so a user without the right fails here.
    await lastLogPosition(this.client);
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }
}
