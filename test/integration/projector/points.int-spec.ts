import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { customerBalance, customerLots, type CustomersMergedV2 } from '@relance/domain';
import type { z } from 'zod';
import { pointsProjection } from '../../../apps/projector/src/projections/points.projection.js';
import { projectorEnv, rowsOf, type ProjectorEnv } from './support/projector-env.js';
import { line, Shop } from './support/shop.js';

describe('points read model', () => {
  let env: ProjectorEnv;
  let shop: Shop;
  beforeAll(async () => {
    env = await projectorEnv('points');
    shop = await Shop.open(env);
    await shop.enrol('c1', '2024-01-10T09:00:00.000Z');
    await shop.purchase('c1', 'P1', '2024-01-10T10:00:00.000Z', [line(1, 15000)]);
    await shop.do('c1', { type: 'AdjustPoints', data: { adjustmentId: 'adj-1', points: 30, reason: 'manual', sourceId: 'ticket-9', note: null } }, '2024-02-01T10:00:00.000Z');
    // 230 points: the automatic 10 € voucher takes 200 of them, first-expiring lots first.
    await shop.purchase('c1', 'P2', '2024-03-01T10:00:00.000Z', [line(1, 5000)]);
    // The refund takes P2's 50 points back: what its lot no longer holds becomes a debt.
    await shop.do('c1', { type: 'RefundPurchase', data: { purchaseId: 'P2', refundId: 'R1', refundedAt: '2024-03-05T10:00:00.000Z', storeId: 'halles', reason: null } }, '2024-03-05T10:00:00.000Z');
    await shop.purchase('c1', 'P3', '2024-06-01T10:00:00.000Z', [line(1, 8000)]);
    // Two years on: what is left of the 2024 lots expires.
    await shop.do('c1', { type: 'ReviewCustomer', data: {} }, '2026-07-01T10:00:00.000Z');

    await shop.enrol('c2', '2026-01-01T09:00:00.000Z');
    await shop.purchase('c2', 'P4', '2026-01-02T10:00:00.000Z', [line(1, 12000)]);
    const [merged] = await shop.do('c2', { type: 'MergeInto', data: { survivorId: 'c1' } }, '2026-07-02T10:00:00.000Z');
    const { transferred, mergedAt } = merged!.data as z.infer<typeof CustomersMergedV2>;
    await shop.do('c1', { type: 'AbsorbCustomer', data: { mergedId: 'c2', transferred, mergedAt } }, '2026-07-02T10:00:00.000Z');
    await env.project([pointsProjection]);
  });
  afterAll(async () => env.close());

  it('holds the lots exactly as the write side left them, and their balance', async () => {
    const state = shop.state('c1');
    if (state.status !== 'active') throw new Error('c1 should be active');
    const lots = (await rowsOf(env.pool, 'points_lots', shop.merchantId)).filter((l) => l.customer_id === 'c1' && (l.remaining as number) > 0);
    expect(lots.map((l) => ({ lotId: l.lot_id, remaining: l.remaining })).sort((a, b) => String(a.lotId).localeCompare(String(b.lotId)))).toEqual(
      customerLots(state).map((l) => ({ lotId: l.lotId, remaining: l.remaining })).sort((a, b) => a.lotId.localeCompare(b.lotId)),
    );
    const [balance] = (await rowsOf(env.pool, 'points_balances', shop.merchantId)).filter((b) => b.customer_id === 'c1');
    expect(balance).toMatchObject({ balance: customerBalance(state), debt: state.debtPoints });
    expect(customerLots(state).length).toBeGreaterThan(0);
  });

  it('records one ledger row per movement, signed, with the lots it debited', async () => {
    const ledger = (await rowsOf(env.pool, 'points_ledger', shop.merchantId)).filter((r) => r.customer_id === 'c1');
    const kindOf: Record<string, string> = { PointsEarned: 'earned', PointsRedeemed: 'redeemed', PointsExpired: 'expired', PointsAdjusted: 'adjusted', CustomersMergedV2: 'transferred-in' };
    const movements = shop.appended.filter((e) => e.type in kindOf && (e.data as { customerId?: string; survivorId?: string; role?: string }).customerId === 'c1' || (e.type === 'CustomersMergedV2' && (e.data as { role: string }).role === 'survivor'));
    expect(ledger.map((r) => r.kind).sort()).toEqual(movements.map((e) => kindOf[e.type]).sort());
    expect(ledger.map((r) => r.kind)).toContain('expired');
    const refund = ledger.find((r) => r.kind === 'adjusted' && r.reason === 'refund')!;
    expect(refund).toMatchObject({ points: -50, source_id: 'P2' });
    expect((refund.debits as { points: number }[]).reduce((s, d) => s + d.points, 0) + (refund.debt_change as number)).toBe(50);
    const redeemed = ledger.find((r) => r.kind === 'redeemed')!;
    expect(redeemed.points).toBe(-200);
    expect((redeemed.debits as { lotId: string }[])[0]!.lotId).toBe('purchase:P1');
    const sum = ledger.reduce((s, r) => s + (r.points as number), 0);
    const [balance] = (await rowsOf(env.pool, 'points_balances', shop.merchantId)).filter((b) => b.customer_id === 'c1');
    expect(sum).toBe(balance!.balance);
  });

  it('hands the duplicate\'s lots to the survivor on a merge and leaves the duplicate with nothing', async () => {
    const lots = await rowsOf(env.pool, 'points_lots', shop.merchantId);
    const given = lots.find((l) => l.customer_id === 'c2' && l.lot_id === 'purchase:P4')!;
    const taken = lots.find((l) => l.customer_id === 'c1' && l.lot_id === 'purchase:P4')!;
    expect(given).toMatchObject({ remaining: 0, transferred_at: '2026-07-02T10:00:00+00:00' });
    expect(taken).toMatchObject({ remaining: 120, transferred_at: null });
    const [c2] = (await rowsOf(env.pool, 'points_balances', shop.merchantId)).filter((b) => b.customer_id === 'c2');
    expect(c2).toMatchObject({ balance: 0, debt: 0, earned_total: 120 });
    const out = (await rowsOf(env.pool, 'points_ledger', shop.merchantId)).find((r) => r.kind === 'transferred-out')!;
    expect(out).toMatchObject({ customer_id: 'c2', points: -120, source_id: 'c1' });
  });
});
