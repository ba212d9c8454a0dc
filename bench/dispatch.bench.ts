import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mapConcurrently } from '../libs/channels/src/concurrency.js';
import { customerDecider, derivedUuidV7, streams, type CustomerCommand, type DomainEvent, type EventData } from '@relance/domain';
import { PostgresEventStore, type EventToAppend } from '@relance/event-store';
import { createPool, CustomerKeyStore, loadConfig, loadMerchantConfig, type Pool } from '@relance/platform';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { BatchedSend } from '../apps/engine/src/delivery/batched-send.js';
import { DeliveryPending } from '../apps/engine/src/delivery/delivery-pending.repository.js';
import { DeliveryQueues } from '../apps/engine/src/delivery/delivery-queues.js';
import { DeliveryWorkers } from '../apps/engine/src/delivery/delivery.worker.js';
import { loadMerchantChannels } from '../apps/engine/src/delivery/merchant-channels.js';
import { MessageDelivery } from '../apps/engine/src/delivery/message-delivery.js';
import { MessageRelay } from '../apps/engine/src/delivery/message-relay.js';
import { FakeSendGrid, sendGridWebhookKeys } from '../test/support/fake-providers/fake-sendgrid.js';
import { FakeTwilio } from '../test/support/fake-providers/fake-twilio.js';
import { BENCH_DATABASE_URL, freshBenchDatabase, settleBenchDatabase } from './support/bench-database.js';
import { benchOptions, positiveInt } from './support/options.js';
import { round } from './support/stats.js';

export const usage = 'relance bench dispatch [--messages 100000] [--sms-share 5] [--customers 10000] [--concurrency 50]';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MERCHANT = 'cave-demo';
const NOW = '2026-12-02T10:00:00.000Z'; // a Wednesday, 11:00 in Paris: inside the SMS hours

/**
 * The whole message path, against local SendGrid and Twilio servers reached by the real SDKs:
 * MessageQueued already in the log (seeded untimed), then timed from the relay's start to the last
 * MessageSent appended — relay to BullMQ, the worker's reads of the message and customer streams,
 * the profile opened, the template rendered, the provider called, the outcome appended. Then, in the
 * same run, BullMQ alone with no-op jobs at the same concurrency: the ceiling of the queue here.
 * `--messages` emails, and a fifth as many SMS (`--sms-share`), each lane alone.
 */
export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const o = benchOptions(args, {
    messages: { default: '100000', help: 'emails (and no-op jobs)' },
    'sms-share': { default: '5', help: 'SMS = messages / this' },
    customers: { default: '10000', help: 'customers the messages go to (round robin)' },
    concurrency: { default: '50', help: 'jobs a lane runs at once' },
  });
  const emails = positiveInt(o.messages, 'messages');
  const texts = Math.max(1, Math.floor(emails / positiveInt(o['sms-share'], 'sms-share')));
  const customers = Math.min(positiveInt(o.customers, 'customers'), emails);
  const concurrency = positiveInt(o.concurrency, 'concurrency');

  const url = await freshBenchDatabase(BENCH_DATABASE_URL);
  const pool = createPool(url, { max: Math.min(60, Math.max(20, Math.ceil(concurrency / 2))), applicationName: 'relance-bench' });
  const store = new PostgresEventStore(pool, { connectionString: url });
  const masterKey = randomBytes(32);
  const keys = new CustomerKeyStore(pool, masterKey);
  const sendgrid = await FakeSendGrid.start();
  const twilio = await FakeTwilio.start();
  sendgrid.server.record = false;
  twilio.server.record = false;
  const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/14';
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    DATABASE_URL: url,
    REDIS_URL: redisUrl,
    CONFIG_DIR: path.join(ROOT, 'config'),
    SENDGRID_API_KEY: sendgrid.apiKey,
    SENDGRID_BASE_URL: sendgrid.url,
    SENDGRID_WEBHOOK_PUBLIC_KEY: sendGridWebhookKeys().publicKey,
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_BASE_URL: twilio.url,
    TWILIO_FROM: 'CaveHalles',
    PUBLIC_URL: 'https://engine.example',
    UNSUBSCRIBE_SECRETS: 'bench-unsubscribe-secret-0123',
  });
  const clock = { now: () => new Date(NOW) };
  try {
    const merchant = await loadMerchantConfig(config.configDir, MERCHANT);
    const started = Date.now();
    await seedCustomers(store, keys, merchant.program, customers);
    await seedMessages(store, 'email', emails, customers, 0);
    await seedMessages(store, 'sms', texts, customers, emails);
    console.error(`seeded ${customers} customers, ${emails} emails and ${texts} SMS queued in ${round((Date.now() - started) / 1000)} s`);
    await settleBenchDatabase(url);

    const channels = await loadMerchantChannels(config, merchant, clock.now);
    const pending = new DeliveryPending(pool);
    const queues = new DeliveryQueues(redis, 3, clock.now, prefix);
    const delivery = new MessageDelivery({
      store,
      keys,
      merchants: (id) => (id === MERCHANT ? channels : undefined),
      pending,
      send: new BatchedSend(),
      now: clock.now,
      publicUrl: config.delivery.publicUrl,
      unsubscribeSecret: config.delivery.unsubscribeSecrets[0]!,
    });
    const unlimited = { max: 1_000_000, durationMs: 1000 };
    const lane = async (which: 'email' | 'text', count: number, label: string) => {
      const relay = new MessageRelay(store, pool, { remember: (m) => pending.add(m), enqueue: (m) => queues.enqueue(m) }, { name: `bench-${label}`, merchantIds: [MERCHANT], batchSize: 1000 });
      const workers = new DeliveryWorkers(redis, delivery, { concurrency, rateLimits: { email: unlimited, text: unlimited, postal: unlimited }, lanes: [which], prefix });
      const t0 = Date.now();
      relay.start();
      workers.start();
      await until(async () => (await sentCount(pool)) >= count, label);
      const seconds = (Date.now() - t0) / 1000;
      await relay.stop();
      await workers.stop();
      console.error(`${label}: ${count} in ${round(seconds)} s`);
      return seconds;
    };
    // Emails first: their relay reads past the SMS too, which wait in their lane (no worker yet).
    const emailSeconds = await lane('email', emails, 'email');
    const smsSeconds = await lane('text', emails + texts, 'sms');
    const failed = await pool.query<{ n: string }>("SELECT count(*) AS n FROM events WHERE event_type IN ('MessageFailed', 'MessageSuppressed')");
    if (Number(failed.rows[0]!.n) > 0) throw new Error(`${failed.rows[0]!.n} messages failed or were suppressed: the figures would not be the message path's`);
    await queues.close();

    const noopSeconds = await noopJobs(redis, `${prefix}-noop`, emails, concurrency);
    console.error(`no-op: ${emails} jobs in ${round(noopSeconds)} s`);
    const emailPerS = emails / emailSeconds;
    const smsPerS = texts / smsSeconds;
    const noopPerS = emails / noopSeconds;
    return {
      bench: 'dispatch',
      emails,
      sms: texts,
      concurrency,
      email_per_s: round(emailPerS),
      sms_per_s: round(smsPerS),
      noop_jobs_per_s: round(noopPerS),
      email_share_of_noop: round(emailPerS / noopPerS),
      sms_share_of_noop: round(smsPerS / noopPerS),
      sendgrid_requests: sendgrid.server.received,
    };
  } finally {
    const left = await redis.keys(`${prefix}*`);
    for (let i = 0; i < left.length; i += 1000) await redis.del(...left.slice(i, i + 1000));
    redis.disconnect();
    await sendgrid.close();
    await twilio.close();
    await store.close();
    await pool.end();
  }
}

async function seedCustomers(store: PostgresEventStore, keys: CustomerKeyStore, program: Awaited<ReturnType<typeof loadMerchantConfig>>['program'], count: number): Promise<void> {
  await mapConcurrently(
    Array.from({ length: count }, (_, i) => i),
    16,
    async (i) => {
      const customerId = `cust-${i}`;
      const profile = await keys.seal(MERCHANT, customerId, { firstName: `prénom${i}`, lastName: 'Martin', email: `client${i}@example.fr`, phone: `+336${String(10_000_000 + i).slice(-8)}` });
      const context = { now: NOW, timeZone: 'Europe/Paris', currency: 'EUR', program };
      const commands: CustomerCommand[] = [
        {
          type: 'EnrolCustomer',
          data: { customerId, customerType: 'b2c', businessCategory: null, storeId: 'halles', externalId: null, locale: 'fr-FR', profile, identityKeys: { email: null, phone: null }, source: 'pos', consents: [] },
        } as CustomerCommand,
        { type: 'GrantConsent', data: { channel: 'email', purpose: 'marketing', source: 'pos', proof: {} } },
        { type: 'GrantConsent', data: { channel: 'sms', purpose: 'marketing', source: 'pos', proof: {} } },
      ];
      let state = customerDecider.initialState();
      const events: DomainEvent[] = [];
      for (const command of commands) {
        const decided = customerDecider.decide(command, state, context);
        state = decided.reduce(customerDecider.evolve, state);
        events.push(...decided);
      }
      await store.append(streams.customer(MERCHANT, customerId), events.map((e, n) => toAppend(e, `${customerId}|${n}`)), 'no-stream');
    },
  );
}

async function seedMessages(store: PostgresEventStore, channel: 'email' | 'sms', count: number, customers: number, offset: number): Promise<void> {
  const ids = Array.from({ length: count }, (_, i) => `msg-${offset + i}`);
  await mapConcurrently(ids, 32, async (messageId, i) => {
    const data: EventData<'MessageQueued'> = {
      messageId,
      campaignId: 'bienvenue',
      ruleVersion: 'bench',
      customerId: `cust-${(offset + i) % customers}`,
      channel,
      fallbackChannels: [],
      purpose: 'marketing',
      templateId: 'welcome',
      templateVersion: 'bench',
      locale: 'fr-FR',
      scheduledFor: null,
      currency: 'EUR', estimatedCostCents: 1,
      voucher: null,
      queuedAt: NOW,
    };
    await store.append(streams.message(MERCHANT, messageId), [toAppend({ type: 'MessageQueued', data }, `${messageId}|queued`)], 'no-stream');
  });
}

function toAppend(event: DomainEvent, key: string): EventToAppend {
  const eventId = derivedUuidV7(NOW, key);
  return { type: event.type, data: event.data, metadata: { eventId, merchantId: MERCHANT, correlationId: eventId, causationId: eventId, actor: 'system:bench', occurredAt: NOW, recordedAt: NOW } };
}

async function sentCount(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>("SELECT count(*) AS n FROM events WHERE event_type = 'MessageSent'");
  return Number(rows[0]!.n);
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 3_600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** BullMQ's own throughput here: the same number of jobs, the same concurrency, a processor that does nothing. */
async function noopJobs(redis: Redis, prefix: string, count: number, concurrency: number): Promise<number> {
  const queue = new Queue('noop', { connection: redis, prefix });
  for (let i = 0; i < count; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({ name: 'noop', data: { merchantId: MERCHANT, messageId: `m-${i + j}` }, opts: { jobId: `m-${i + j}`, removeOnComplete: true } })));
  }
  let done = 0;
  const t0 = Date.now();
  const worker = new Worker('noop', async () => undefined, { connection: redis, prefix, concurrency });
  worker.on('completed', () => done++);
  await until(async () => done >= count, 'no-op jobs');
  const seconds = (Date.now() - t0) / 1000;
  await worker.close();
  await queue.close();
  return seconds;
}
