import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { customerFolder, decideCustomerOutcome, parseStreamId, streams, upcast, type EventData } from '@relance/domain';
import type { EventStore, RecordedEvent } from '@relance/event-store';
import {
  CheckpointedConsumer,
  CONFIG,
  EVENT_STORE,
  HEALTH_CHECKS,
  MERCHANTS,
  METRICS,
  PG_POOL,
  type AppConfig,
  type HealthCheck,
  type MerchantDirectory,
  type Registry,
} from '@relance/platform';
import type pg from 'pg';
import { DecisionContexts } from '../write-path/decision-context.js';
import { StreamCommandRunner } from '../write-path/stream-command-runner.js';
import { PurchaseLocator } from '../purchases/purchase-locator.repository.js';
import { IdentityReservations } from './identity-reservations.repository.js';

/**
 * A merge appends to two streams, the duplicate's first. A process that dies between the two leaves
 * the duplicate closed and its points not yet with the survivor: this consumer (from a stored
 * checkpoint, at least once) sees every hand-over and has the survivor absorb it. Absorbing twice does
 * nothing (the decider remembers absorbed ids), so it races the HTTP merge harmlessly.
 */
@Injectable()
export class MergeCompletion implements OnApplicationBootstrap, OnApplicationShutdown {
  /** Position, lag and failures on /metrics and /health (degraded when it fails or falls behind). */
  private readonly consumer: CheckpointedConsumer | null;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PG_POOL) pool: pg.Pool,
    @Inject(MERCHANTS) merchants: MerchantDirectory,
    private readonly runner: StreamCommandRunner,
    private readonly contexts: DecisionContexts,
    private readonly reservations: IdentityReservations,
    private readonly locator: PurchaseLocator,
    @Inject(CONFIG) config: AppConfig,
    @Inject(METRICS) registry: Registry,
    @Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[],
  ) {
    const ids = merchants.list().map((m) => m.id).sort();
    this.consumer =
      ids.length === 0
        ? null
        : new CheckpointedConsumer({
            // Replicas serving the same merchants share a checkpoint; a different set gets its own.
            name: `merge-completion:${createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 16)}`,
            label: 'merge-completion',
            // The prefix takes both versions: CustomersMerged (as stored before) and CustomersMergedV2.
            filter: { eventTypePrefixes: ['CustomersMerged'], streamPrefixes: ids.map((id) => `customer-${id}.`) },
            // The absorptions go through the event store, not the checkpoint's transaction: idempotent by their derived ids.
            handle: async (events) => {
              for (const event of events) await this.complete(event);
            },
            store,
            pool,
            registry,
            lagAlertSeconds: config.lagAlertSeconds,
            logger: new Logger('MergeCompletion'),
            // A safety net behind the HTTP merge: a second of latency is fine, a read per append is not.
            minReadIntervalMs: 1000,
          });
  }

  onApplicationBootstrap(): void {
    if (!this.consumer) return;
    this.checks.push(this.consumer.healthCheck());
    void this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
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
