import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { customerFolder, openPurchase, streams } from '@relance/domain';
import { v7 as uuidv7 } from 'uuid';
import { StreamCommandRunner } from '../../apps/engine/src/write-path/stream-command-runner.js';
import { demoMerchant, freshMerchantId, TestEngine } from './support/engine-harness.js';

// A customer's state keeps only the purchases that can still be refunded (30 days here): these show
// that a purchase id stays unique for good all the same, through the purchase locator.

const merchantId = freshMerchantId('e2e-pid');
const DAY = 86_400_000;
let engine: TestEngine;
let pos: string;
let support: string;
let folder: ReturnType<typeof customerFolder>;

const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const buy = (customerId: string, purchaseId: string, purchasedAt: string, extra: Record<string, unknown> = {}) =>
  engine.call('POST', '/v1/purchases', {
    key: pos,
    idempotencyKey: randomUUID(),
    body: { purchaseId, customerId, storeId: 'halles', currency: 'EUR', purchasedAt, lines: [{ sku: 'X', name: 'Vin', quantity: 1, unitPriceCents: 4200 }], ...extra },
  });
const recordedCount = async (purchaseId: string) =>
  (await engine.events(merchantId)).filter((e) => e.type === 'PurchaseRecorded' && (e.data as { purchaseId: string }).purchaseId === purchaseId).length;
const locatorRow = async (purchaseId: string) =>
  (await engine.pool.query<{ stream_id: string; recorded: boolean }>('SELECT stream_id, recorded FROM purchase_locator WHERE merchant_id = $1 AND purchase_id = $2', [merchantId, purchaseId])).rows[0];
const enrol = async (customerId: string) => {
  expect((await engine.call('POST', '/v1/customers', { key: pos, body: { customerId, profile: {} } })).status).toBe(201);
};

beforeAll(async () => {
  const merchant = await demoMerchant(merchantId, (program) => ({ ...program, refunds: { windowDays: 30 } }));
  folder = customerFolder(merchant.program.definition);
  engine = await TestEngine.start([merchant]);
  pos = await engine.key(merchantId, 'pos');
  support = await engine.key(merchantId, 'support');
  await enrol('ana');
});

afterAll(async () => {
  await engine.close();
});

describe('a purchase id recorded long ago', () => {
  it('is not in the customer state any more, and is refused when sent again, then refused without reading the stream', async () => {
    expect((await buy('ana', 'p-old', daysAgo(700))).status).toBe(201);
    const { state } = await engine.app.get(StreamCommandRunner).read(streams.customer(merchantId, 'ana'), folder);
    expect(state.status === 'active' && openPurchase(state.purchases, 'p-old')).toBeUndefined();
    expect(await locatorRow('p-old')).toMatchObject({ recorded: false });

    const again = await buy('ana', 'p-old', daysAgo(1));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'purchase-already-recorded', details: { purchaseId: 'p-old' } });
    // Found in the stream: marked, so the next duplicate is refused from the locator alone.
    expect(await locatorRow('p-old')).toMatchObject({ recorded: true });
    expect((await buy('ana', 'p-old', daysAgo(2))).body).toMatchObject({ error: 'purchase-already-recorded' });
    expect(await recordedCount('p-old')).toBe(1);
  });

  it('is refused for the survivor of a merge, though the purchase is in the duplicate’s stream', async () => {
    await enrol('bob');
    await enrol('bob-dup');
    expect((await buy('bob-dup', 'p-dup-old', daysAgo(400))).status).toBe(201);
    const merged = await engine.call('POST', '/v1/customers/bob/merge', { key: support, body: { duplicateId: 'bob-dup' } });
    expect(merged.status).toBe(200);
    expect(await locatorRow('p-dup-old')).toMatchObject({ stream_id: streams.customer(merchantId, 'bob'), recorded: false });
    const again = await buy('bob', 'p-dup-old', daysAgo(1));
    expect(again.body).toMatchObject({ error: 'purchase-already-recorded' });
    expect(await recordedCount('p-dup-old')).toBe(1);
  });

  it('is recorded once when two requests bring it at the same time', async () => {
    const answers = await Promise.all([buy('ana', 'p-twice', daysAgo(500)), buy('ana', 'p-twice', daysAgo(500))]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    expect(['purchase-already-recorded', 'purchase-in-progress']).toContain(answers.find((a) => a.status === 409)!.body.error);
    expect(await recordedCount('p-twice')).toBe(1);
  });
});

describe('a purchase id whose request did not record it', () => {
  it('is free again after a refusal: the corrected request records it', async () => {
    const refused = await buy('ana', 'p-fix', daysAgo(300), { rewardIdsUsed: ['no-such-voucher'] });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ error: 'reward-not-usable' });
    expect(await locatorRow('p-fix')).toBeUndefined();
    expect((await buy('ana', 'p-fix', daysAgo(300))).status).toBe(201);
  });

  it('held by a process that died before appending: answered "in progress" while the reservation is fresh, taken over once it is stale', async () => {
    // What a process leaves when it dies between the reservation and the append.
    await engine.pool.query('INSERT INTO purchase_locator (merchant_id, purchase_id, stream_id, seed) VALUES ($1, $2, $3, $4)', [
      merchantId,
      'p-ghost',
      streams.customer(merchantId, 'ana'),
      uuidv7(),
    ]);
    const early = await buy('ana', 'p-ghost', daysAgo(200));
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ error: 'purchase-in-progress' });
    expect(early.headers.get('retry-after')).toBe('1');
    // The test engine's idempotency lease is 2 s: past it, the reservation is stale.
    let late = early;
    for (let i = 0; i < 50 && late.status === 409; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      late = await buy('ana', 'p-ghost', daysAgo(200));
    }
    expect(late.status).toBe(201);
    expect(await recordedCount('p-ghost')).toBe(1);
  });
});

describe('refunds and the refund window (30 days)', () => {
  it('refuses a refund of a purchase past its window as closed, and of an unknown one as not found', async () => {
    expect((await buy('ana', 'p-40', daysAgo(40))).status).toBe(201);
    const closed = await engine.call('POST', '/v1/purchases/p-40/refunds', { key: pos, body: { storeId: 'halles' } });
    expect(closed.status).toBe(422);
    expect(closed.body).toMatchObject({ error: 'refund-window-closed', details: { purchaseId: 'p-40' } });
    const unknown = await engine.call('POST', '/v1/purchases/p-none/refunds', { key: pos, body: { storeId: 'halles' } });
    expect(unknown.status).toBe(404);
  });

  it('refunds a purchase inside its window, dated back within it', async () => {
    expect((await buy('ana', 'p-20', daysAgo(20))).status).toBe(201);
    const refund = await engine.call('POST', '/v1/purchases/p-20/refunds', { key: pos, body: { storeId: 'halles', refundedAt: daysAgo(15) } });
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ amountCents: 4200, customerId: 'ana' });
  });
});
