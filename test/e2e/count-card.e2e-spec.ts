import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Program } from '@relance/domain';
import { demoMerchant, freshMerchantId, TestEngine } from './support/engine-harness.js';

// "Six bouteilles, la sixième offerte": each bottle of wine earns one point on the card, and the free
// bottle (5 points) is issued by itself as soon as the card holds five.
const merchantId = freshMerchantId('e2e-card');
let engine: TestEngine;
let pos: string;

const bottle = (quantity: number, extra: Record<string, unknown> = {}) => ({ sku: 'CDR-2022', name: 'Côtes-du-Rhône 2022', category: 'Vin', quantity, unitPriceCents: 1290, ...extra });
const cheese = { sku: 'COMTE', name: 'Comté 18 mois', category: 'fromage', quantity: 1, unitPriceCents: 850 };
const buy = (purchaseId: string, lines: unknown[], extra: Record<string, unknown> = {}) =>
  engine.call('POST', '/v1/purchases', {
    key: pos,
    idempotencyKey: randomUUID(),
    body: { purchaseId, customerId: 'hugo', storeId: 'halles', currency: 'EUR', purchasedAt: new Date().toISOString(), lines, ...extra },
  });

beforeAll(async () => {
  const merchant = await demoMerchant(merchantId, (program) =>
    Program.parse({
      ...program,
      earn: { ...program.earn, perEuro: 0, perItem: [{ id: 'bouteilles', categories: ['vin'], pointsPerUnit: 1 }] },
      rewards: [{ id: 'bouteille-offerte', name: 'Sixième bouteille offerte', kind: 'product', costPoints: 5, autoIssue: true, validityDays: 180 }],
    }),
  );
  engine = await TestEngine.start([merchant]);
  pos = await engine.key(merchantId, 'pos');
  expect((await engine.call('POST', '/v1/customers', { key: pos, body: { customerId: 'hugo', profile: { firstName: 'Hugo' } } })).status).toBe(201);
});

afterAll(async () => engine.close());

describe('a "6th bottle free" card, through the API', () => {
  let rewardId: string;

  it('counts bottles across tickets, takes a returned bottle off the card, and issues the free bottle at the fifth kept', async () => {
    const first = await buy('card-1', [bottle(3), cheese]);
    expect(first.body).toMatchObject({ pointsEarned: 3, balance: 3, rewardsIssued: [] });

    const returned = await engine.call('POST', '/v1/purchases/card-1/refunds', { key: pos, idempotencyKey: randomUUID(), body: { storeId: 'halles', lines: [{ lineNo: 1, quantity: 1 }] } });
    expect(returned.status).toBe(201);
    expect(returned.body).toMatchObject({ amountCents: 1290, pointsTakenBack: 1, balance: 2 });

    const second = await buy('card-2', [bottle(2)]);
    expect(second.body).toMatchObject({ pointsEarned: 2, balance: 4, rewardsIssued: [] });

    const third = await buy('card-3', [bottle(1)]);
    expect(third.status).toBe(201);
    expect(third.body).toMatchObject({ pointsEarned: 1, balance: 0, rewardsIssued: [{ rewardCode: 'bouteille-offerte', kind: 'product', name: 'Sixième bouteille offerte' }] });
    rewardId = (third.body.rewardsIssued as { rewardId: string }[])[0]!.rewardId;
  });

  it('gives the sixth bottle free: the ticket uses the reward, rings the bottle at 0, and the free bottle starts no new count', async () => {
    const sixth = await buy('card-4', [bottle(1, { discountCents: 1290 })], { rewardIdsUsed: [rewardId] });
    expect(sixth.status).toBe(201);
    expect(sixth.body).toMatchObject({ totalCents: 0, pointsEarned: 0, balance: 0 });
    const redeemed = (await engine.events(merchantId)).filter((e) => e.type === 'RewardRedeemed').map((e) => e.data);
    expect(redeemed).toEqual([expect.objectContaining({ rewardId, purchaseId: 'card-4' })]);
  });

  it('does not give a second free bottle with the same reward', async () => {
    const again = await buy('card-5', [bottle(1, { discountCents: 1290 })], { rewardIdsUsed: [rewardId] });
    expect(again.status).toBe(422);
    expect(again.body).toMatchObject({ error: 'reward-not-usable', details: { reason: 'already-used' } });
  });
});
