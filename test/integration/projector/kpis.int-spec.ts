import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { kpisProjection } from '../../../apps/projector/src/projections/kpis.projection.js';
import { writeHistory } from './support/history.js';
import { projectorEnv, rowsOf, type ProjectorEnv } from './support/projector-env.js';
import { Shop } from './support/shop.js';

describe('daily KPIs read model', () => {
  let env: ProjectorEnv;
  let shop: Shop;
  let days: Record<string, Record<string, unknown>>;
  beforeAll(async () => {
    env = await projectorEnv('kpis');
    shop = await Shop.open(env);
    await writeHistory(shop);
    // Small batches: the same day's figures are added up across several transactions.
    await env.project([kpisProjection], { batchSize: 3 });
    days = Object.fromEntries((await rowsOf(env.pool, 'daily_kpis', shop.merchantId)).map((d) => [d.local_date, d]));
  });
  afterAll(async () => env.close());

  it('counts each event on the local date of its business time in the merchant\'s zone', () => {
    // Alice enrolled at 23:30 UTC on 31 December: already 1 January in Paris.
    expect(days['2025-12-31']).toBeUndefined();
    // A day without amounts has no currency to say.
    expect(days['2026-01-01']).toMatchObject({ new_customers: 1, currency: null });
    expect(days['2026-01-04']).toMatchObject({ purchases_identified: 1, revenue_identified_cents: 120000, currency: 'EUR' });
    expect(days['2026-01-03']).toBeUndefined();
  });

  it('counts identified and anonymous sales apart, refunds, visits and points', () => {
    expect(days['2026-01-10']).toMatchObject({
      purchases_identified: 1,
      revenue_identified_cents: 34500,
      purchases_anonymous: 1,
      revenue_anonymous_cents: 2700,
      items_sold: 5,
      points_earned: 320,
    });
    expect(days['2026-01-11']).toMatchObject({ refunds: 1, refunded_cents: 900, currency: 'EUR' });
    expect(days['2026-01-12']).toMatchObject({ refunds: 1, refunded_cents: 16000, currency: 'EUR' });
    expect(days['2026-01-15']).toMatchObject({ visits: 1 });
    expect(days['2026-02-15']).toMatchObject({ messages_sent: 2, message_cost_cents: 2, currency: 'EUR' });
  });

  it('adds up to the totals of the events', () => {
    const all = Object.values(days);
    const sum = (k: string) => all.reduce((s, d) => s + Number(d[k]), 0);
    expect(sum('new_customers')).toBe(4);
    expect(sum('purchases_identified') + sum('purchases_anonymous')).toBe(4);
    const earned = shop.appended.filter((e) => e.type === 'PointsEarned').reduce((s, e) => s + (e.data as { points: number }).points, 0);
    expect(sum('points_earned')).toBe(earned);
  });
});
