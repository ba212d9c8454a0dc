import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { comparePositions } from '@relance/event-store';
import { deliveryJobId } from '../../../apps/engine/src/delivery/delivery-jobs.js';
import { deliveryEnv, eventually, type DeliveryEnv } from './support/delivery-env.js';

let t: DeliveryEnv;

beforeAll(async () => {
  t = await deliveryEnv('relayck');
}, 60_000);

afterAll(async () => {
  await t.close();
});

/** The relay on the shared checkpointed consumer: its checkpoint in engine_checkpoints, read again by the next relay. */
describe('the message relay restarted', () => {
  it('resumes from its stored checkpoint: what it relayed before is not read again', async () => {
    const name = 'message-relay:resume';
    const lane = t.queues.lane('email');
    const jobIds = async () => (await lane.getJobs(['waiting', 'delayed'])).map((j) => j.id).sort();
    const first = await Promise.all([0, 1, 2].map((i) => t.queue(`r-${i}`, 'email')));
    const relay = t.relay(name);
    relay.start();
    await eventually(async () => (await jobIds()).length === 3, 'the first three jobs');
    const head = await t.env.store.headPosition();
    await eventually(async () => comparePositions(await relay.checkpoint(), head) >= 0, 'the checkpoint past the first messages');
    await relay.stop();

    // The jobs of the first three leave the queue (sent, say). A relay that read the log from its
    // start again would add them back: BullMQ only refuses a job id it still holds.
    await lane.drain(true);
    expect(await jobIds()).toEqual([]);
    const later = await Promise.all([3, 4].map((i) => t.queue(`r-${i}`, 'email')));
    const again = t.relay(name);
    again.start();
    const expected = later.map((m) => deliveryJobId({ merchantId: t.merchantId, messageId: m.messageId })).sort();
    await eventually(async () => (await jobIds()).length >= 2, 'the two later jobs');
    const laterHead = await t.env.store.headPosition();
    await eventually(async () => comparePositions(await again.checkpoint(), laterHead) >= 0, 'the checkpoint past the later messages');
    expect(await jobIds()).toEqual(expected);
    // Every message is owed an outcome all the same: the first three stay in delivery_pending.
    const { rows: pending } = await t.env.pool.query<{ message_id: string }>('SELECT message_id FROM delivery_pending WHERE merchant_id = $1', [t.merchantId]);
    expect(pending.map((p) => p.message_id).sort()).toEqual([...first, ...later].map((m) => m.messageId).sort());
    await again.stop();
  }, 120_000);
});
