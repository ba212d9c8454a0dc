import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { customerFolder, decideCustomerOutcome, parseStreamId, streams, upcast, type EventData } from '@relance/domain';
import { formatPosition, parsePosition, START, type EventStore, type RecordedEvent, type Subscription } from '@relance/event-store';
import { EVENT_STORE, MERCHANTS, PG_POOL, type MerchantDirectory } from '@relance/platform';
import type pg from 'pg';
import { DecisionContexts } from '../commands/decision-context.js';
import { StreamCommandRunner } from '../commands/stream-command-runner.js';
import { PurchaseLocator } from '../purchases/purchase-locator.repository.js';
import { IdentityReservations } from './identity-reservations.repository.js';

const RETRY_MS = 5_000;
const CHECKPOINT_EVERY_MS = 5_000;

/**
 * A merge appends to two streams, the duplicate's first. A process that dies between the two leaves
 * the duplicate closed and its points not yet with the survivor: this subscription (from a stored
 * checkpoint, at least once) sees every hand-over and has the survivor absorb it. Absorbing twice does
 * nothing (the decider remembers absorbed ids), so it races the HTTP merge harmlessly.
 */
@Injectable()
export class MergeCompletion implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MergeCompletion');
  private subscription: Subscription | null = null;
  private stopped = false;
  private readonly name: string;
  private readonly prefixes: string[];

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(MERCHANTS) merchants: MerchantDirectory,
    private readonly runner: StreamCommandRunner,
    private readonly contexts: DecisionContexts,
    private readonly reservations: IdentityReservations,
    private readonly locator: PurchaseLocator,
  ) {
    const ids = merchants.list().map((m) => m.id).sort();
    this.prefixes = ids.map((id) => `customer-${id}.`);
    // Replicas serving the same merchants share a checkpoint; a different set gets its own.
    this.name = `merge-completion:${createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 16)}`;
  }

  onApplicationBootstrap(): void {
    if (this.prefixes.length > 0) void this.follow();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
  }

  private async follow(): Promise<void> {
    while (!this.stopped) {
      try {
        const { rows } = await this.pool.query<{ position: string }>('SELECT position FROM engine_checkpoints WHERE name = $1', [this.name]);
        this.subscription = this.store.subscribe({
          after: rows[0] ? parsePosition(rows[0].position) : START,
          // The prefix takes both versions: CustomersMerged (as stored before) and CustomersMergedV2.
          filter: { eventTypePrefixes: ['CustomersMerged'], streamPrefixes: this.prefixes },
          batchSize: 200,
          // A safety net behind the HTTP merge: a second of latency is fine, a read per append is not.
          minReadIntervalMs: 1000,
        });
        let saved = 0;
        for await (const batch of this.subscription) {
          for (const event of batch.events) await this.complete(event);
          if (batch.events.length > 0 || Date.now() - saved > CHECKPOINT_EVERY_MS) {
            await this.pool.query(
              `INSERT INTO engine_checkpoints (name, position) VALUES ($1, $2)
               ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
              [this.name, formatPosition(batch.checkpoint)],
            );
            saved = Date.now();
          }
        }
      } catch (error) {
        if (this.stopped) return;
        this.logger.error(`Stopped on ${(error as Error).message}; resuming from the checkpoint in ${RETRY_MS / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
      }
    }
  }

  private async complete(stored: RecordedEvent): Promise<void> {
    // CustomersMerged as stored before version 2 reads as CustomersMergedV2.
    const event = upcast(stored);
    if (event.type !== 'CustomersMergedV2') return;
    const data = event.data as EventData<'CustomersMergedV2'>;
    if (data.role !== 'merged') return;
    const { merchantId } = parseStreamId(event.streamId);
    if (!this.contexts.serves(merchantId)) return;
    const context = this.contexts.forMerchant(merchantId);
    const survivorStream = streams.customer(merchantId, data.survivorId);
    const { mergedId, transferred, mergedAt } = data;
    await this.runner.run({
      streamId: survivorStream,
      folder: customerFolder(context.program.definition),
      // A survivor erased or merged away since has nothing to take in.
      decide: (state) => (state.status === 'active' ? decideCustomerOutcome({ type: 'AbsorbCustomer', data: { mergedId, transferred, mergedAt } }, state, context) : []),
      envelope: {
        merchantId,
        actor: 'system:merge-completion',
        correlationId: event.metadata.correlationId,
        causationId: event.metadata.eventId,
        // The hand-over's own id: a second run derives the same event ids and finds them.
        seed: event.metadata.eventId,
        resumed: true,
      },
      step: 'absorb',
      occurredAt: mergedAt,
    });
    await this.reservations.moveAll(merchantId, mergedId, data.survivorId);
    await this.locator.moveStream(merchantId, event.streamId, survivorStream);
  }
}
