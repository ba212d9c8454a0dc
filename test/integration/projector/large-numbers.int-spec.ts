import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { customerBalance, LIMITS, type CustomersMergedV2 } from '@relance/domain';
import type { z } from 'zod';
import { projectorEnv, rowsOf, type ProjectorEnv } from './support/projector-env.js';
import { line, Shop } from './support/shop.js';
import { projectStrictly } from './support/strict-projection.js';

// Every read-model column holds whatever the catalog allows: 90 purchases at the largest amount
// accepted take a balance past 2^31 points, and spend, revenue and totals far past 2^31 cents; a
// merge hands all of it over in one movement.

const INT32_MAX = 2 ** 31 - 1;
const PURCHASES = 90;

describe('read models at the limits', () => {
  let env: ProjectorEnv;
  let shop: Shop;
  let handedOver = 0;
  const day = (i: number) => new Date(Date.UTC(2026, 0, 1 + i, 10)).toISOString();

  beforeAll(async () => {
    env = await projectorEnv('limits');
    shop = await Shop.open(env);
    await shop.enrol('big', '2025-12-31T09:00:00.000Z');
    for (let i = 0; i < PURCHASES; i++) {
      await shop.purchase('big', `P${i}`, day(i), [line(1, LIMITS.amountCents, { category: 'champagne' })]);
    }
    await shop.do('big', { type: 'RefundPurchase', data: { purchaseId: 'P3', refundId: 'R3', refundedAt: day(PURCHASES), storeId: 'halles', reason: null } }, day(PURCHASES));
    await shop.enrol('keeper', day(PURCHASES));
    const [merged] = await shop.do('big', { type: 'MergeInto', data: { survivorId: 'keeper' } }, day(PURCHASES + 1));
    const { transferred, mergedAt } = merged!.data as z.infer<typeof CustomersMergedV2>;
    handedOver = transferred.lots.reduce((sum, lot) => sum + lot.remaining, 0) - transferred.debtPoints;
    await shop.do('keeper', { type: 'AbsorbCustomer', data: { mergedId: 'big', transferred, mergedAt } }, day(PURCHASES + 1));
    await projectStrictly(env);
  });
  afterAll(async () => env.close());

  it('keeps a balance beyond 32 bits, as the write side holds it, through a merge', async () => {
    const state = shop.state('keeper');
    if (state.status !== 'active') throw new Error('keeper should be active');
    const expected = customerBalance(state);
    expect(expected).toBeGreaterThan(INT32_MAX);
    const balances = await rowsOf(env.pool, 'points_balances', shop.merchantId);
    expect(balances.find((b) => b.customer_id === 'keeper')).toMatchObject({ balance: expected });
    expect(balances.find((b) => b.customer_id === 'big')).toMatchObject({ balance: 0 });
    expect(balances.find((b) => b.customer_id === 'big')!.earned_total as number).toBeGreaterThan(INT32_MAX);
    const customers = await rowsOf(env.pool, 'customers', shop.merchantId);
    expect(customers.find((c) => c.customer_id === 'keeper')).toMatchObject({ points_balance: expected, tier: 'connaisseur' });
    const ledger = await rowsOf(env.pool, 'points_ledger', shop.merchantId);
    expect(handedOver).toBeGreaterThan(INT32_MAX);
    expect(ledger.find((r) => r.kind === 'transferred-in')).toMatchObject({ customer_id: 'keeper', points: handedOver });
    expect(ledger.find((r) => r.kind === 'transferred-out')).toMatchObject({ customer_id: 'big', points: -handedOver });
  });

  it('keeps spend, revenue and points totals beyond 32 bits', async () => {
    // The survivor's tier is reviewed on the purchases it took over.
    const tiers = await rowsOf(env.pool, 'customer_tiers', shop.merchantId);
    expect(tiers.find((t) => t.customer_id === 'keeper')!.rolling_spend_cents).toBe((PURCHASES - 1) * LIMITS.amountCents);
    const history = await rowsOf(env.pool, 'tier_history', shop.merchantId);
    expect(history.find((h) => h.customer_id === 'keeper' && h.to_tier === 'connaisseur')!.rolling_spend_cents).toBe((PURCHASES - 1) * LIMITS.amountCents);
    const kpis = await rowsOf(env.pool, 'daily_kpis', shop.merchantId);
    const revenue = kpis.reduce((sum, k) => sum + (k.revenue_identified_cents as number), 0);
    expect(revenue).toBe(PURCHASES * LIMITS.amountCents);
    const earned = kpis.reduce((sum, k) => sum + (k.points_earned as number), 0);
    const big = (await rowsOf(env.pool, 'points_balances', shop.merchantId)).find((b) => b.customer_id === 'big');
    expect(earned).toBe(big!.earned_total);
    const [refunded] = (await rowsOf(env.pool, 'purchases', shop.merchantId)).filter((p) => p.purchase_id === 'P3');
    expect(refunded).toMatchObject({ total_cents: LIMITS.amountCents, refunded_cents: LIMITS.amountCents });
  });
});
