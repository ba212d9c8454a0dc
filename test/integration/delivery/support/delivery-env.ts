import { randomUUID } from 'node:crypto';
import { derivedUuidV7, streams, type EventData } from '@relance/domain';
import { loadConfig, type AppConfig } from '@relance/platform';
import { Redis } from 'ioredis';
import { BatchedSend } from '../../../../apps/engine/src/delivery/batched-send.js';
import { DeliveryPending } from '../../../../apps/engine/src/delivery/delivery-pending.repository.js';
import { DeliveryQueues } from '../../../../apps/engine/src/delivery/delivery-queues.js';
import { DeliveryReconciler } from '../../../../apps/engine/src/delivery/delivery-reconciler.js';
import { DeliveryWorkers, type WorkerSettings } from '../../../../apps/engine/src/delivery/delivery.worker.js';
import { loadMerchantChannels, type MerchantChannels } from '../../../../apps/engine/src/delivery/merchant-channels.js';
import { MessageDelivery } from '../../../../apps/engine/src/delivery/message-delivery.js';
import { MessageRelay } from '../../../../apps/engine/src/delivery/message-relay.js';
import { demoMerchant, ROOT } from '../../../e2e/support/engine-harness.js';
import { FakeSendGrid, sendGridWebhookKeys } from '../../../support/fake-providers/fake-sendgrid.js';
import { FakeTwilio } from '../../../support/fake-providers/fake-twilio.js';
import { TEST_REDIS_URL } from '../../../support/test-env.js';
import { projectorEnv, type ProjectorEnv } from '../../projector/support/projector-env.js';
import { Shop } from '../../projector/support/shop.js';

export const SECRET = 'unsubscribe-secret-for-delivery-tests';

/**
 * A schema of its own (event log, delivery_pending, checkpoints), a BullMQ prefix of its own on the
 * test Redis db, the real SendGrid and Twilio SDKs pointed at fake servers on 127.0.0.1, and the demo
 * caviste's settings and templates under a fresh merchant id.
 */
export interface DeliveryEnv {
  readonly env: ProjectorEnv;
  readonly shop: Shop;
  readonly merchantId: string;
  readonly redis: Redis;
  readonly prefix: string;
  readonly sendgrid: FakeSendGrid;
  readonly twilio: FakeTwilio;
  readonly config: AppConfig;
  readonly clock: { now: Date };
  readonly channels: MerchantChannels;
  readonly pending: DeliveryPending;
  readonly queues: DeliveryQueues;
  readonly delivery: MessageDelivery;
  relay(name?: string): MessageRelay;
  workers(settings?: Partial<WorkerSettings>): DeliveryWorkers;
  reconciler(): DeliveryReconciler;
  /** A customer with a profile and the given consents (marketing purpose). */
  customer(id: string, consents: readonly ('email' | 'sms' | 'rcs' | 'postal')[], profile?: Record<string, unknown>): Promise<void>;
  /** Appends a MessageQueued as the rules engine does, on the message's own stream. */
  queue(customerId: string, channel: EventData<'MessageQueued'>['channel'], extra?: Partial<EventData<'MessageQueued'>>): Promise<EventData<'MessageQueued'>>;
  messageEvents(messageId: string): Promise<{ type: string; data: Record<string, unknown>; eventId: string }[]>;
  close(): Promise<void>;
}

export async function deliveryEnv(label: string, extraEnv: Record<string, string> = {}): Promise<DeliveryEnv> {
  const env = await projectorEnv(label);
  const shop = await Shop.open(env);
  const merchantId = shop.merchantId;
  const sendgrid = await FakeSendGrid.start();
  const twilio = await FakeTwilio.start();
  const config = loadConfig({
    DATABASE_URL: env.url,
    REDIS_URL: TEST_REDIS_URL,
    PII_MASTER_KEY: env.masterKey.toString('base64'),
    CONFIG_DIR: `${ROOT}/config`,
    LOG_LEVEL: 'error',
    SENDGRID_API_KEY: sendgrid.apiKey,
    SENDGRID_BASE_URL: sendgrid.url,
    SENDGRID_WEBHOOK_PUBLIC_KEY: sendGridWebhookKeys().publicKey,
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_BASE_URL: twilio.url,
    TWILIO_MESSAGING_SERVICE_SID: `MG${'2'.repeat(32)}`,
    PUBLIC_URL: 'https://engine.example',
    UNSUBSCRIBE_SECRETS: SECRET,
    ...extraEnv,
  });
  const clock = { now: new Date('2026-12-02T10:00:00Z') };
  const now = () => clock.now;
  const merchant = await demoMerchant(merchantId);
  const channels = await loadMerchantChannels(config, merchant, now, 'cave-demo');
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `t-${randomUUID().slice(0, 8)}`;
  const pending = new DeliveryPending(env.pool);
  const queues = new DeliveryQueues(redis, 4, now, prefix);
  const delivery = new MessageDelivery({
    store: env.store,
    keys: env.keys,
    merchants: (id) => (id === merchantId ? channels : undefined),
    pending,
    send: new BatchedSend(),
    now,
    publicUrl: 'https://engine.example',
    unsubscribeSecret: SECRET,
  });
  const started: { stop(): Promise<void> }[] = [];
  return {
    env,
    shop,
    merchantId,
    redis,
    prefix,
    sendgrid,
    twilio,
    config,
    clock,
    channels,
    pending,
    queues,
    delivery,
    relay(name = 'message-relay:test') {
      const relay = new MessageRelay(env.store, env.pool, { remember: (m) => pending.add(m), enqueue: (m) => queues.enqueue(m) }, { name, merchantIds: [merchantId] });
      started.push(relay);
      return relay;
    },
    workers(settings = {}) {
      const workers = new DeliveryWorkers(redis, delivery, {
        concurrency: 10,
        rateLimits: { email: { max: 1000, durationMs: 1000 }, text: { max: 1000, durationMs: 1000 }, postal: { max: 100, durationMs: 1000 } },
        prefix,
        random: () => 0,
        ...settings,
      });
      started.push(workers);
      return workers;
    },
    reconciler() {
      return new DeliveryReconciler(pending, queues);
    },
    async customer(id, consents, profile = { firstName: 'élodie', lastName: 'Martin', email: `${id}@example.fr`, phone: '+33612345678' }) {
      const at = '2026-11-01T10:00:00Z';
      await shop.enrol(id, at, profile);
      for (const channel of consents) {
        await shop.do(id, { type: 'GrantConsent', data: { channel, purpose: 'marketing', source: 'pos', proof: { formVersion: 'v1' } } }, at);
      }
    },
    async queue(customerId, channel, extra = {}) {
      const messageId = `msg-${randomUUID().slice(0, 12)}`;
      const queuedAt = clock.now.toISOString();
      const data: EventData<'MessageQueued'> = {
        messageId,
        campaignId: 'bienvenue',
        ruleVersion: 'v1',
        customerId,
        channel,
        fallbackChannels: [],
        purpose: 'marketing',
        templateId: 'welcome',
        templateVersion: 'x',
        locale: 'fr-FR',
        scheduledFor: null,
        currency: 'EUR', estimatedCostCents: 1,
        voucher: null,
        queuedAt,
        ...extra,
      };
      const eventId = derivedUuidV7(queuedAt, `${merchantId}|${messageId}|queued`);
      await env.store.append(
        streams.message(merchantId, messageId),
        [{ type: 'MessageQueued', data, metadata: { eventId, merchantId, correlationId: eventId, causationId: eventId, actor: 'system:rules', occurredAt: queuedAt, recordedAt: queuedAt } }],
        'no-stream',
      );
      return data;
    },
    async messageEvents(messageId) {
      const slice = await env.store.readStream(streams.message(merchantId, messageId));
      return slice.events.map((e) => ({ type: e.type, data: e.data as Record<string, unknown>, eventId: e.metadata.eventId }));
    },
    async close() {
      for (const s of started.reverse()) await s.stop();
      await queues.close();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await sendgrid.close();
      await twilio.close();
      await env.close();
    },
  };
}

/** Waits until `condition` holds, or fails after `timeoutMs` saying what it waited for. */
export async function eventually(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
