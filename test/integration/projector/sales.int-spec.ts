import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { salesProjection } from '../../../apps/projector/src/projections/sales.projection.js';
import { writeHistory } from './support/history.js';
import { projectorEnv, rowsOf, type ProjectorEnv } from './support/projector-env.js';
import { Shop } from './support/shop.js';

describe('sales read model', () => {
  let env: ProjectorEnv;
  let shop: Shop;
  beforeAll(async () => {
    env = await projectorEnv('sales');
    shop = await Shop.open(env);
    await writeHistory(shop);
    await env.project([salesProjection]);
  });
  afterAll(async () => env.close());

  it('records identified and anonymous purchases apart, on the local (Paris) date', async () => {
    const purchases = await rowsOf(env.pool, 'purchases', shop.merchantId);
    expect(purchases.map((p) => [p.purchase_id, p.customer_id, p.local_date, p.total_cents, p.refunded_cents])).toEqual([
      ['A-1', 'alice', '2026-01-10', 34500, 16000],
      // Bought at 23:30 UTC on 3 January: 00:30 on the 4th in Paris. Merged into bob afterwards.
      ['B-1', 'bob', '2026-01-04', 120000, 0],
      ['B-2', 'bob', '2026-01-21', 4000, 0],
      ['X-1', null, '2026-01-10', 2700, 900],
    ]);
    expect(purchases.find((p) => p.purchase_id === 'B-2')).toMatchObject({ merged_from: 'bob2' });
    expect(purchases.find((p) => p.purchase_id === 'A-1')).toMatchObject({ line_count: 2, item_count: 3, promo_cents: 2500, store_id: 'halles' });
  });

  it('keeps the lines with what was refunded of each', async () => {
    const lines = (await rowsOf(env.pool, 'purchase_lines', shop.merchantId)).filter((l) => l.purchase_id === 'A-1');
    expect(lines.map((l) => [l.line_no, l.quantity, l.total_cents, l.refunded_quantity, l.refunded_cents, l.promo])).toEqual([
      [1, 2, 32000, 1, 16000, false],
      [2, 1, 2500, 0, 0, true],
    ]);
  });

  it('records refunds (with their lines) and visits', async () => {
    const refunds = await rowsOf(env.pool, 'refunds', shop.merchantId);
    expect(refunds.map((r) => [r.refund_id, r.purchase_id, r.customer_id, r.amount_cents, r.reason])).toEqual([
      ['RF-1', 'A-1', 'alice', 16000, 'bouchonné'],
      ['RF-2', 'X-1', null, 900, null],
    ]);
    const visits = await rowsOf(env.pool, 'visits', shop.merchantId);
    expect(visits).toEqual([expect.objectContaining({ visit_id: 'V-1', customer_id: 'alice', kind: 'tasting', event_name: 'Dégustation Rhône', local_date: '2026-01-15' })]);
  });
});
