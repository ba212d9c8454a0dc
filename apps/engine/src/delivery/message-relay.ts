import { Logger } from '@nestjs/common';
import { parseEvent, parseStreamId, upcast, type EventData } from '@relance/domain';
import { formatPosition, parsePosition, START, type EventStore, type RecordedEvent, type Subscription } from '@relance/event-store';
import type { SubscriptionProgress } from '@relance/platform';
import type pg from 'pg';
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

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/**
 * The event store is the outbox: this subscription reads MessageQueued from its checkpoint and hands
 * each message to the queue, then advances the checkpoint. A crash between the two reads the batch
 * again and adds the same job ids, which BullMQ keeps once: nothing is lost, nothing enqueued twice.
 */
export class MessageRelay {
  private readonly logger = new Logger('MessageRelay');
  private subscription: Subscription | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly pool: pg.Pool,
    private readonly target: RelayTarget,
    private readonly settings: RelaySettings,
    private readonly progress: SubscriptionProgress | null = null,
  ) {}

  start(): void {
    if (this.settings.merchantIds.length === 0) return;
    this.running ??= this.follow();
  }

  /** Stops reading; waits for the batch in hand for at most `graceMs` (Redis out of reach never answers). */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.subscription?.close().catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  private async follow(): Promise<void> {
    let retryMs = FIRST_RETRY_MS;
    while (!this.stopped) {
      try {
        const { rows } = await this.pool.query<{ position: string }>('SELECT position FROM engine_checkpoints WHERE name = $1', [this.settings.name]);
        const after = rows[0] ? parsePosition(rows[0].position) : START;
        this.progress?.startsAt(after);
        this.subscription = this.store.subscribe({
          after,
          filter: { eventTypePrefixes: ['MessageQueued'], streamPrefixes: this.settings.merchantIds.map((id) => `message-${id}.`) },
          batchSize: this.settings.batchSize ?? 500,
        });
        for await (const batch of this.subscription) {
          const messages = batch.events.map(pendingOf).filter((m): m is PendingMessage => m !== null);
          if (messages.length > 0) {
            await this.target.remember(messages);
            await this.target.enqueue(messages);
          }
          if (batch.events.length > 0 || batch.caughtUp) {
            await this.pool.query(
              `INSERT INTO engine_checkpoints (name, position) VALUES ($1, $2)
               ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
              [this.settings.name, formatPosition(batch.checkpoint)],
            );
          }
          this.progress?.advanced(batch.checkpoint);
          retryMs = FIRST_RETRY_MS;
          if (this.stopped) break;
        }
      } catch (error) {
        if (this.stopped || this.pool.ending || this.pool.ended) return;
        this.progress?.failed(error);
        this.logger.error(`Stopped on ${(error as Error).message}; resuming from the checkpoint in ${retryMs / 1000} s`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
        retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
      }
    }
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
