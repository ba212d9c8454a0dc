import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AllStreamResolvedEvent, AllStreamSubscription, EventStoreDBClient } from '@eventstore/db-client';
import { START, type LogPosition, type SubscribeOptions, type Subscription, type SubscriptionBatch } from '../event-store.js';
import { BatchAccumulator, type SubscriptionSignal } from './esdb-batching.js';
import { toServerFilter } from './esdb-filter.js';
import { toEsdbReadPosition, toLogPosition, toRecordedEvent } from './esdb-mapping.js';
import { lastLogPosition } from './esdb-read.js';
import { MAX_CONSECUTIVE_FAILURES, SubscriptionEndedError, backoffMs, isTransientError } from './esdb-retry.js';

export type SubscriptionClient = Pick<EventStoreDBClient, 'subscribeToAll' | 'readAll'>;

const DEFAULT_BATCH_SIZE = 500;

/*
 * The client reports caught-up (an event) and filter checkpoints (a callback) while it transforms the
 * server's messages, when events sent before them may still sit unread in the stream's buffer. A
 * marker pushed into that same stream from the callback lands right behind those events, so the
 * server's order is kept; and it wakes a `for await` that is waiting on an empty buffer, which a flag
 * set on the side would not.
 */
const CAUGHT_UP = Object.freeze({ marker: 'caught-up' });
const FELL_BEHIND = Object.freeze({ marker: 'fell-behind' });
class CheckpointMarker {
  constructor(readonly position: LogPosition) {}
}

function toSignal(item: unknown): SubscriptionSignal | null {
  if (item === CAUGHT_UP) return { kind: 'caught-up' };
  if (item === FELL_BEHIND) return { kind: 'fell-behind' };
  if (item instanceof CheckpointMarker) return { kind: 'checkpoint', position: item.position };
  const resolved = item as AllStreamResolvedEvent;
  return resolved.event ? { kind: 'event', event: toRecordedEvent(resolved) } : null;
}

function pushMarker(stream: Pick<Readable, 'destroyed' | 'readableEnded' | 'push'>, marker: object): void {
  if (!stream.destroyed && !stream.readableEnded) stream.push(marker);
}

async function stop(connection: AllStreamSubscription): Promise<void> {
  await connection.unsubscribe().catch(() => undefined);
  connection.destroy();
}

/**
 * A catch-up subscription to $all: one gRPC subscription per connection, resumed from the checkpoint
 * of the last batch handed out when the connection fails for a reason worth retrying.
 */
export class EsdbSubscription implements Subscription {
  private closed = false;
  private current: AllStreamSubscription | null = null;
  private readonly stopWaiting = new AbortController();

  constructor(
    private readonly client: SubscriptionClient,
    private readonly options: SubscribeOptions,
    private readonly onEnded: (subscription: EsdbSubscription) => void = () => undefined,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionBatch> {
    return this.run();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopWaiting.abort();
    const current = this.current;
    this.current = null;
    if (current) await stop(current);
    this.onEnded(this);
  }

  private async *run(): AsyncGenerator<SubscriptionBatch> {
    const batchSize = Math.max(1, this.options.batchSize ?? DEFAULT_BATCH_SIZE);
    let from = this.options.after ?? START;
    let failures = 0;
    try {
      while (!this.closed) {
        let connection: AllStreamSubscription | null = null;
        try {
          const head = await lastLogPosition(this.client);
          if (this.closed) return;
          const batches = new BatchAccumulator({ batchSize, filter: this.options.filter, from, head });
          connection = this.connect(from, batchSize);
          // Starting at (or past) the head: live at once, and the caller should hear it now.
          if (batches.shouldFlush(false)) yield batches.flush(false);
          for await (const item of connection as AsyncIterable<unknown>) {
            if (this.closed) return;
            const signal = toSignal(item);
            if (signal) batches.add(signal);
            const moreAvailable = connection.readableLength > 0;
            if (!batches.shouldFlush(moreAvailable)) continue;
            const batch = batches.flush(moreAvailable);
            from = batch.checkpoint;
            failures = 0;
            yield batch;
          }
          if (this.closed) return;
          throw new SubscriptionEndedError();
        } catch (error) {
          if (this.closed) return;
          failures++;
          if (!isTransientError(error) || failures > MAX_CONSECUTIVE_FAILURES) throw error;
          await sleep(backoffMs(failures), undefined, { signal: this.stopWaiting.signal }).catch(() => undefined);
        } finally {
          if (connection) {
            if (this.current === connection) this.current = null;
            await stop(connection);
          }
        }
      }
    } finally {
      this.onEnded(this);
    }
  }

  private connect(from: LogPosition, batchSize: number): AllStreamSubscription {
    const filter = toServerFilter(this.options.filter, (subscription, position) => {
      const at = toLogPosition(position);
      if (at) pushMarker(subscription, new CheckpointMarker(at));
    });
    const connection = this.client.subscribeToAll(
      { fromPosition: toEsdbReadPosition(from), filter, resolveLinkTos: false },
      // Lets a whole batch wait in the buffer, so one read of it is one batch.
      { highWaterMark: Math.max(16, batchSize) },
    );
    connection.on('caughtUp', () => pushMarker(connection, CAUGHT_UP));
    connection.on('fellBehind', () => pushMarker(connection, FELL_BEHIND));
    this.current = connection;
    return connection;
  }
}
