import { Logger } from '@nestjs/common';
import { parseEvent, parseStreamId, upcast, type EventData } from '@relance/domain';
import { START, type EventStore, type LogPosition, type RecordedEvent } from '@relance/event-store';
import { CheckpointedConsumer, type SubscriptionProgress } from '@relance/platform';
import type pg from 'pg';
import { Registry } from 'prom-client';
import { laneOf } from './delivery-jobs.js';
import type { PendingMessage } from './delivery-pending.repository.js';

/** Where relayed messages go: the pending list first, then the queue. Both must be idempotent. */
export interface RelayTarget {
  remember(messages: readonly PendingMessage[]): Promise<void>;
  enqueue(messages: readonly PendingMessage[]): Promise<void>;
}

export interface RelaySettings {
  /** The checkpoint's row in engine_checkpoints. */
  readonly name: string;
  readonly merchantIds: readonly string[];
  readonly batchSize?: number;
}

/**
 * The event store is the outbox: a checkpointed consumer reads MessageQueued from its checkpoint and
 * hands each message to the queue, then advances the checkpoint. A crash between the two reads the
 * batch again and adds the same job ids, which BullMQ keeps once: nothing is lost, nothing enqueued
 * twice. Redis is written before the checkpoint's transaction opens, so an unreachable Redis never
 * keeps a PostgreSQL transaction waiting.
 */
export class MessageRelay {
  private readonly consumer: CheckpointedConsumer | null;

  constructor(store: EventStore, pool: pg.Pool, target: RelayTarget, settings: RelaySettings, progress: SubscriptionProgress | null = null) {
    this.consumer =
      settings.merchantIds.length === 0
        ? null
        : new CheckpointedConsumer({
            name: settings.name,
            filter: { eventTypePrefixes: ['MessageQueued'], streamPrefixes: settings.merchantIds.map((id) => `message-${id}.`) },
            prepare: async (events) => {
              const messages = events.map(pendingOf).filter((m): m is PendingMessage => m !== null);
              if (messages.length === 0) return;
              await target.remember(messages);
              await target.enqueue(messages);
            },
            store,
            pool,
            // The delivery service reports the relay on /metrics and /health; alone (tests, benchmarks), nothing does.
            ...(progress ? { progress } : { registry: new Registry(), lagAlertSeconds: Number.POSITIVE_INFINITY }),
            logger: new Logger('MessageRelay'),
            batchSize: settings.batchSize ?? 500,
            backoff: { firstMs: 500, maxMs: 30_000 },
          });
  }

  start(): void {
    void this.consumer?.start();
  }

  /** Stops reading; waits for the batch in hand for at most `graceMs` (Redis out of reach never answers). */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.consumer) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.consumer.stop(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  /** The stored checkpoint (START before the first batch, or when no merchant is served). */
  async checkpoint(): Promise<LogPosition> {
    return this.consumer ? this.consumer.checkpoint() : START;
  }
}

/** A MessageQueued as the queue needs it: who, which lane, when. */
export function pendingOf(event: RecordedEvent): PendingMessage | null {
  if (event.type !== 'MessageQueued') return null;
  // Read as today's MessageQueued: one stored before it said its currency gets EUR (events/upcasters.ts).
  const data = parseEvent(event.type, upcast(event).data).data as EventData<'MessageQueued'>;
  const { merchantId } = parseStreamId(event.streamId);
  return { merchantId, messageId: data.messageId, lane: laneOf(data.channel), dueAt: data.scheduledFor ?? data.queuedAt };
}
