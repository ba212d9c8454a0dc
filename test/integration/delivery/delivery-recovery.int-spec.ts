import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ROOT } from '../../e2e/support/engine-harness.js';
import { relance, until } from '../projector/support/child-process.js';
import { TEST_REDIS_URL } from '../../support/test-env.js';
import { deliveryEnv, eventually, SECRET, type DeliveryEnv } from './support/delivery-env.js';

let t: DeliveryEnv;
let configDir: string;

beforeAll(async () => {
  t = await deliveryEnv('rcv');
  // The engine serves the merchants of its config folder: the demo caviste under this file's id.
  configDir = await mkdtemp(path.join(tmpdir(), 'relance-delivery-'));
  const folder = path.join(configDir, 'merchants', t.merchantId);
  await cp(path.join(ROOT, 'config/merchants/cave-demo'), folder, { recursive: true });
  const merchantFile = path.join(folder, 'merchant.yaml');
  await writeFile(merchantFile, (await readFile(merchantFile, 'utf8')).replace(/^id: cave-demo$/m, `id: ${t.merchantId}`));
});

afterAll(async () => {
  await t.close();
  await rm(configDir, { recursive: true, force: true });
});

/** The message ids SendGrid accepted, once per acceptance (a message sent twice is there twice). */
function acceptedIds(): string[] {
  return t.sendgrid.mails.flatMap((m) => m.personalizations.map((p) => String(p.custom_args?.message_id)));
}

async function outcomes(messageId: string): Promise<string[]> {
  return (await t.messageEvents(messageId)).filter((e) => e.type !== 'MessageQueued').map((e) => e.type);
}

function engine(label: string) {
  return relance(t.env, ['engine'], {
    REDIS_URL: TEST_REDIS_URL,
    CONFIG_DIR: configDir,
    ENGINE_PORT: '0',
    SENDGRID_API_KEY: t.sendgrid.apiKey,
    SENDGRID_BASE_URL: t.sendgrid.url,
    SENDGRID_WEBHOOK_PUBLIC_KEY: t.config.delivery.sendgrid!.webhookPublicKey,
    OUTBOX_DIR: path.join(configDir, `outbox-${label}`),
    UNSUBSCRIBE_SECRETS: SECRET,
    DELIVERY_QUEUE_PREFIX: t.prefix,
    DELIVERY_LOCK_SECONDS: '2',
    DELIVERY_CONCURRENCY: '2',
    // Slow enough that the kill lands in the middle of the batch.
    DELIVERY_RATE_EMAIL: '4/1',
    LOG_LEVEL: 'error',
  });
}

describe('a worker killed in the middle of a batch', () => {
  it('loses no message and sends none twice except inside the stated window (accepted by the provider, MessageSent not yet appended)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 16; i++) {
      await t.customer(`k-${i}`, ['email']);
      ids.push((await t.queue(`k-${i}`, 'email')).messageId);
    }
    const first = engine('first');
    await until(async () => (await Promise.all(ids.map(outcomes))).filter((o) => o.length > 0).length >= 5, 150_000, 'five sends', first.output);
    first.child.kill('SIGKILL');
    await first.exited;
    // What the provider had accepted without its MessageSent at the moment of the kill: the window.
    const recorded = new Set<string>();
    for (const id of ids) if ((await outcomes(id)).includes('MessageSent')) recorded.add(id);
    const window = new Set(acceptedIds().filter((id) => !recorded.has(id)));
    expect(recorded.size).toBeLessThan(ids.length);

    const second = engine('second');
    try {
      await until(async () => (await Promise.all(ids.map(outcomes))).every((o) => o.length > 0), 150_000, 'every message settled', second.output);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    for (const id of ids) expect(await outcomes(id)).toEqual(['MessageSent']);
    const accepted = acceptedIds();
    for (const id of ids) {
      const times = accepted.filter((a) => a === id).length;
      expect(times).toBeGreaterThanOrEqual(1);
      if (times > 1) {
        expect(window.has(id)).toBe(true);
        expect(times).toBe(2);
      }
    }
    expect((await t.env.pool.query('SELECT 1 FROM delivery_pending WHERE merchant_id = $1', [t.merchantId])).rowCount).toBe(0);
  }, 360_000);
});

describe('Redis flushed with jobs pending', () => {
  it('re-creates the lost jobs from what the event store says is owed, and sends each once', async () => {
    const relay = t.relay('message-relay:flush');
    relay.start();
    const sentBefore: string[] = [];
    for (let i = 0; i < 3; i++) {
      await t.customer(`f-sent-${i}`, ['email']);
      sentBefore.push((await t.queue(`f-sent-${i}`, 'email')).messageId);
    }
    const workers = t.workers();
    workers.start();
    await eventually(async () => (await Promise.all(sentBefore.map(outcomes))).every((o) => o.includes('MessageSent')), 'the first sends');
    await workers.stop();

    const owed: string[] = [];
    for (let i = 0; i < 6; i++) {
      await t.customer(`f-owed-${i}`, ['email']);
      owed.push((await t.queue(`f-owed-${i}`, 'email')).messageId);
    }
    await eventually(async () => (await t.queues.lane('email').getWaitingCount()) >= 6, 'the relay to enqueue');
    await relay.stop();
    // A worker that appended MessageSent and died before clearing its pending row.
    await t.pending.add([{ merchantId: t.merchantId, messageId: sentBefore[0]!, lane: 'email', dueAt: t.clock.now.toISOString() }]);

    const keys = await t.redis.keys(`${t.prefix}:*`);
    await t.redis.del(...keys);
    expect(await t.queues.lane('email').getWaitingCount()).toBe(0);

    const acceptedBefore = acceptedIds();
    const report = await t.reconciler().run(0);
    // The six owed, the one whose row outlived its send, and any message of this log the new relay
    // read again from the start (its rows came back; their jobs, gone with Redis, come back too).
    expect(report.recreated).toBeGreaterThanOrEqual(7);
    const again = t.workers();
    again.start();
    await eventually(async () => (await Promise.all(owed.map(outcomes))).every((o) => o.includes('MessageSent')), 'the owed sends');
    await eventually(async () => (await t.env.pool.query('SELECT 1 FROM delivery_pending WHERE merchant_id = $1', [t.merchantId])).rowCount === 0, 'the pending list to empty');

    const accepted = acceptedIds();
    for (const id of [...owed, ...sentBefore]) {
      expect(accepted.filter((a) => a === id)).toHaveLength(1);
      expect(await outcomes(id)).toEqual(['MessageSent']);
    }
    // Nothing sent before the flush went out again.
    expect(accepted.length - acceptedBefore.length).toBe(owed.length);
  }, 180_000);
});
