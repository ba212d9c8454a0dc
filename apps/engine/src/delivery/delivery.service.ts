import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { EventStore } from '@relance/event-store';
import {
  CLOCK,
  CONFIG,
  EVENT_STORE,
  HEALTH_CHECKS,
  KEY_STORE,
  MERCHANTS,
  METRICS,
  PG_POOL,
  REDIS,
  SubscriptionProgress,
  type AppConfig,
  type Clock,
  type CustomerKeyStore,
  type HealthCheck,
  type MerchantDirectory,
  type Registry,
} from '@relance/platform';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { BatchedSend } from './batched-send.js';
import { DeliveryPending } from './delivery-pending.repository.js';
import { deliveryJobId } from './delivery-jobs.js';
import { DeliveryQueues } from './delivery-queues.js';
import { DeliveryReconciler } from './delivery-reconciler.js';
import { DeliveryWorkers } from './delivery.worker.js';
import { loadMerchantChannels, type MerchantChannels } from './merchant-channels.js';
import { MessageDelivery } from './message-delivery.js';
import { MessageRelay } from './message-relay.js';

const RECONCILE_EVERY_MS = 5 * 60_000;

/**
 * Delivery in the engine: the relay (MessageQueued → queue), the lanes' workers, and the reconciler
 * that gives back to the queue what Redis lost (at start, then every five minutes).
 */
@Injectable()
export class DeliveryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Delivery');
  private readonly channels = new Map<string, MerchantChannels>();
  private queues: DeliveryQueues | null = null;
  private relay: MessageRelay | null = null;
  private workers: DeliveryWorkers | null = null;
  private reconciler: DeliveryReconciler | null = null;
  private messages: MessageDelivery | null = null;
  private timer: NodeJS.Timeout | null = null;
  readonly pending: DeliveryPending;
  readonly progress: SubscriptionProgress;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(REDIS) private readonly redis: Redis | null,
    @Inject(KEY_STORE) private readonly keys: CustomerKeyStore | null,
    @Inject(MERCHANTS) private readonly merchants: MerchantDirectory,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(METRICS) registry: Registry,
    @Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[],
  ) {
    this.pending = new DeliveryPending(pool);
    this.progress = new SubscriptionProgress('message-relay', store, registry, { eventTypePrefixes: ['MessageQueued'] }, config.lagAlertSeconds);
  }

  /** A merchant's templates, adapters and campaign terms. */
  channelsOf(merchantId: string): MerchantChannels | undefined {
    return this.channels.get(merchantId);
  }

  async onApplicationBootstrap(): Promise<void> {
    const now = () => this.clock.now();
    for (const merchant of this.merchants.list()) this.channels.set(merchant.id, await loadMerchantChannels(this.config, merchant, now));
    const { delivery } = this.config;
    const secret = delivery.unsubscribeSecrets[0];
    // Also without workers here: provider callbacks reroute failed messages, for the engines that deliver.
    if (this.keys && secret) {
      this.messages = new MessageDelivery({
        store: this.store,
        keys: this.keys,
        merchants: (id) => this.channels.get(id),
        pending: this.pending,
        send: new BatchedSend(),
        now,
        publicUrl: delivery.publicUrl,
        unsubscribeSecret: secret,
      });
    }
    if (!delivery.workers || !this.redis || !this.keys || this.channels.size === 0) return;
    const ids = [...this.channels.keys()].sort();
    this.queues = new DeliveryQueues(this.redis, delivery.attempts, now, delivery.queuePrefix);
    const queues = this.queues;
    this.relay = new MessageRelay(
      this.store,
      this.pool,
      { remember: (m) => this.pending.add(m), enqueue: (m) => queues.enqueue(m) },
      // Replicas serving the same merchants share a checkpoint; a different set gets its own.
      { name: `message-relay:${createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 16)}`, merchantIds: ids },
      this.progress,
    );
    if (!this.messages) throw new Error('Delivery needs UNSUBSCRIBE_SECRETS or a master key to sign unsubscribe links');
    const messages = this.messages;
    this.workers = new DeliveryWorkers(this.redis, messages, {
      concurrency: delivery.concurrency,
      rateLimits: delivery.rateLimits,
      prefix: delivery.queuePrefix,
      stalledIntervalMs: delivery.lockSeconds * 1000,
    });
    this.reconciler = new DeliveryReconciler(this.pending, queues);
    this.checks.push(this.progress.healthCheck());
    this.progress.start(5_000);
    this.relay.start();
    this.workers.start();
    const reconcile = () =>
      void this.reconciler?.run().then(
        (r) => r.recreated > 0 && this.logger.warn(`Re-created ${r.recreated} delivery jobs that Redis no longer held`),
        (error: Error) => this.logger.error(`Reconciling deliveries failed: ${error.message}`),
      );
    reconcile();
    this.timer = setInterval(reconcile, RECONCILE_EVERY_MS);
    this.timer.unref();
    const letters = delivery.merciFacteur ? 'letters via Merci Facteur' : delivery.printBatchDir ? `letters into print batches in ${delivery.printBatchDir}` : 'letters captured';
    const modes = [delivery.sendgrid ? 'email via SendGrid' : 'email captured', delivery.twilio ? 'SMS/RCS via Twilio' : 'SMS/RCS captured', letters];
    this.logger.log(`Delivering for ${ids.join(', ')} (${modes.join(', ')}; outbox ${delivery.outboxDir})`);
  }

  /**
   * A sent message the provider then reported failed for good: rerouted to the campaign's next
   * channel when there is one, and put in that channel's lane (by this engine when it runs the
   * workers, else by the reconciler of one that does, from the delivery_pending row).
   */
  async afterPermanentFailure(merchantId: string, messageId: string): Promise<void> {
    const pending = await this.messages?.rerouteAfterFailure(merchantId, messageId);
    if (!pending || !this.queues) return;
    const queue = this.queues.lane(pending.lane);
    // The lane may keep this message's finished job (an SMS rerouted to RCS): BullMQ adds an id only once.
    const finished = await queue.getJob(deliveryJobId(pending));
    if (finished && ((await finished.isCompleted()) || (await finished.isFailed()))) await finished.remove();
    await this.queues.enqueue([pending]);
  }

  /**
   * Before the core ends the pool and the shared Redis client that the jobs in flight still use.
   * Bounded: about 10 s for the jobs in flight, a few more for BullMQ, whether or not Redis answers.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.progress.stop();
    await this.relay?.stop();
    await this.workers?.stop();
    await this.queues?.close();
  }
}
