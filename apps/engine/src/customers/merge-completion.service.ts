import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { customerFolder, decideCustomerOutcome, parseStreamId, streams, upcast, type EventData } from '@relance/domain';
import { formatPosition, parsePosition, START, type EventStore, type RecordedEvent, type Subscription } from '@relance/event-store';
import {
  CONFIG,
  EVENT_STORE,
  HEALTH_CHECKS,
  MERCHANTS,
  METRICS,
  PG_POOL,
  SubscriptionProgress,
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

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;
const CHECKPOINT_EVERY_MS = 5_000;
const LAG_EVERY_MS = 5_000;

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
  private readonly filter: { eventTypePrefixes: string[]; streamPrefixes: string[] };
  /** Position, lag and failures, on /metrics and /health (degraded when it fails or falls behind). */
  readonly progress: SubscriptionProgress;
  private wake: (() => void) | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
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
    this.prefixes = ids.map((id) => `customer-${id}.`);
    this.filter = { eventTypePrefixes: ['CustomersMerged'], streamPrefixes: this.prefixes };
    // Replicas serving the same merchants share a checkpoint; a different set gets its own.
    this.name = `merge-completion:${createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 16)}`;
    this.progress = new SubscriptionProgress('merge-completion', store, registry, this.filter, config.lagAlertSeconds);
  }

  onApplicationBootstrap(): void {
    if (this.prefixes.length === 0) return;
    this.checks.push(this.progress.healthCheck());
    this.progress.start(LAG_EVERY_MS);
    void this.follow();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.progress.stop();
    this.wake?.();
    await this.subscription?.close();
  }

  private async follow(): Promise<void> {
    let retryMs = FIRST_RETRY_MS;
    while (!this.stopped) {
      try {
        const { rows } = await this.pool.query<{ position: string }>('SELECT position FROM engine_checkpoints WHERE name = $1', [this.name]);
        const after = rows[0] ? parsePosition(rows[0].position) : START;
        this.progress.startsAt(after);
        this.subscription = this.store.subscribe({
          after,
          // The prefix takes both versions: CustomersMerged (as stored before) and CustomersMergedV2.
          filter: this.filter,
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
          this.progress.advanced(batch.checkpoint);
          retryMs = FIRST_RETRY_MS;
        }
      } catch (error) {
        // Stopping, or the pool is gone (the process shuts down): nothing to resume.
        if (this.stopped || this.pool.ending || this.pool.ended) return;
        this.progress.failed(error);
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
