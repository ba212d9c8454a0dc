import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { demoMerchant, freshMerchantId, TestEngine } from './support/engine-harness.js';

const merchantId = freshMerchantId('e2e-repl');
let a: TestEngine;
let b: TestEngine;
let key: string;

const purchase = (purchaseId: string, euros: number) => ({
  purchaseId,
  customerId: 'jade',
  storeId: 'halles',
  currency: 'EUR',
  purchasedAt: new Date().toISOString(),
  lines: [{ sku: 'A', name: 'Vin', quantity: 1, unitPriceCents: euros * 100 }],
});

beforeAll(async () => {
  // No automatic voucher, so that balances only move with purchases and redemptions.
  const merchant = await demoMerchant(merchantId, (program) => ({ ...program, rewards: program.rewards.map((r) => ({ ...r, autoIssue: false })) }));
  [a, b] = await Promise.all([TestEngine.start([merchant]), TestEngine.start([merchant])]);
  key = await a.key(merchantId, 'pos');
  expect((await a.call('POST', '/v1/customers', { key, body: { customerId: 'jade' } })).status).toBe(201);
});

afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

describe('two engine replicas writing to the same customer', () => {
  it('never lose or double a purchase: a stale cached state turns into a conflict and a fresh decision', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).call('POST', '/v1/purchases', { key, body: purchase(`jade-${i}`, 10) })),
    );
    expect(results.filter((r) => r.status === 201).length + results.filter((r) => r.status === 409).length).toBe(20);
    const stored = (await a.events(merchantId)).filter((e) => e.type === 'PurchaseRecorded');
    const recordedIds = new Set(stored.map((e) => (e.data as { purchaseId: string }).purchaseId));
    expect(stored).toHaveLength(recordedIds.size);
    for (const [i, r] of results.entries()) expect(recordedIds.has(`jade-${i}`)).toBe(r.status === 201);
    const balance = (await b.call('GET', '/v1/customers/jade', { key })).body.points as { balance: number };
    expect(balance.balance).toBe(10 * recordedIds.size);
  });

  it('do not refuse on a state another replica has moved past', async () => {
    expect((await a.call('POST', '/v1/customers', { key, body: { customerId: 'kim' } })).status).toBe(201);
    // A decides (and caches) a balance of 10 points; B then brings it to 260.
    expect((await a.call('POST', '/v1/purchases', { key, body: { ...purchase('kim-1', 10), customerId: 'kim' } })).body).toMatchObject({ balance: 10 });
    expect((await b.call('POST', '/v1/purchases', { key, body: { ...purchase('kim-2', 250), customerId: 'kim' } })).body).toMatchObject({ balance: 260 });
    // On its cached state A would refuse (10 < 200): it must judge again on the stored stream.
    const redeemed = await a.call('POST', '/v1/customers/kim/redemptions', { key, body: { rewardCode: 'bon-10' } });
    expect(redeemed.status).toBe(201);
    expect(redeemed.body).toMatchObject({ pointsSpent: 200, balance: 60 });
  });
});
