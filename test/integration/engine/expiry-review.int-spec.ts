import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { streams } from '@relance/domain';
import { loadConfig, MerchantDirectory, type MerchantConfig } from '@relance/platform';
import { Registry } from 'prom-client';
import { DecisionContexts } from '../../../apps/engine/src/write-path/decision-context.js';
import { StreamCommandRunner } from '../../../apps/engine/src/write-path/stream-command-runner.js';
import { expiryReviewJob } from '../../../apps/engine/src/scheduling/expiry-review.js';
import { SchedulerFleet, testClock, type TestClock } from '../../support/test-scheduler.js';
import { projectorEnv, rowsOf, type ProjectorEnv } from '../projector/support/projector-env.js';
import { demoProgram, line, Shop } from '../projector/support/shop.js';

// Must show (loyalty gaps): a customer who never comes back loses the points whose time is up on the
// daily review, with no purchase: balance, expired-points figures and tier in the read models.

describe('the daily expiry review', () => {
  let env: ProjectorEnv;
  let shop: Shop;
  let fleet: SchedulerFleet;
  let clock: TestClock;
  let job: ReturnType<typeof expiryReviewJob>;

  beforeAll(async () => {
    env = await projectorEnv('expiry');
    shop = await Shop.open(env);
    // c1: 350 € on 15 January 2025 (Amateur, 350 points; the automatic 10 € voucher takes 200), then never again.
    // The lot left (150 points) expires at 00:00 on 16 January 2027, Paris time; the tier's guarantee ended a year before.
    await shop.enrol('c1', '2025-01-10T09:00:00.000Z');
    await shop.purchase('c1', 'P1', '2025-01-15T10:00:00.000Z', [line(1, 35000)]);
    // c2: a recent customer whose points are not due.
    await shop.enrol('c2', '2026-06-01T09:00:00.000Z');
    await shop.purchase('c2', 'P2', '2026-06-01T10:00:00.000Z', [line(1, 5000)]);
    await env.project();

    clock = testClock('2027-02-01T00:00:30.000Z'); // 01:00 in Paris, the review's hour
    const merchants = new MerchantDirectory([{ id: shop.merchantId, timeZone: 'Europe/Paris', currency: 'EUR', program: await demoProgram() } as MerchantConfig]);
    const runner = new StreamCommandRunner(env.store, clock, loadConfig({}), new Registry());
    job = expiryReviewJob({
      pool: env.pool,
      runner,
      contexts: new DecisionContexts(merchants, clock),
      merchants: [{ id: shop.merchantId, timeZone: 'Europe/Paris' }],
      hour: 1,
    });
    fleet = new SchedulerFleet(env.url);
  });
  afterAll(async () => {
    await fleet.close(['expiry-review']);
    await env.close();
  });

  const balance = async (customerId: string) => (await rowsOf(env.pool, 'points_balances', shop.merchantId)).find((b) => b.customer_id === customerId);
  const tier = async (customerId: string) => (await rowsOf(env.pool, 'customer_tiers', shop.merchantId)).find((t) => t.customer_id === customerId)?.tier;

  it('starts from a customer holding points past their expiry and a tier past its guarantee', async () => {
    expect(await balance('c1')).toMatchObject({ balance: 150, expired_total: 0 });
    expect(await tier('c1')).toBe('amateur');
  });

  it('expires them on the day\'s review, with no purchase: balance, expired-points figures and tier downgrade', async () => {
    const scheduler = fleet.instance(clock, [job]);
    const outcome = await scheduler.runDue('expiry-review', shop.merchantId, new Date('2027-02-01T00:00:00.000Z'), 'schedule');
    expect(outcome).toEqual({ ran: ['2027-02-01'] });
    await env.project();

    expect(await balance('c1')).toMatchObject({ balance: 0, expired_total: 150 });
    const expired = (await rowsOf(env.pool, 'points_ledger', shop.merchantId)).filter((r) => r.kind === 'expired');
    // At the lot's own expiry (00:00 local on 16 January), not at the review that noticed it.
    expect(expired.map((r) => ({ customer: r.customer_id, points: r.points, lot: r.lot_id, at: r.occurred_at }))).toEqual([
      { customer: 'c1', points: -150, lot: 'purchase:P1', at: '2027-01-15T23:00:00+00:00' },
    ]);
    const kpis = await rowsOf(env.pool, 'daily_kpis', shop.merchantId);
    expect(kpis.reduce((sum, k) => sum + Number(k.points_expired), 0)).toBe(150);
    expect(await tier('c1')).toBe('decouverte');
    const history = (await rowsOf(env.pool, 'tier_history', shop.merchantId)).filter((h) => h.customer_id === 'c1' && h.direction === 'down');
    expect(history.map((h) => ({ from: h.from_tier, to: h.to_tier, spend: h.rolling_spend_cents }))).toEqual([{ from: 'amateur', to: 'decouverte', spend: 0 }]);

    // The decision was the customer's own (through the engine's write path), recorded as the review's.
    const stored = (await env.store.readStream(streams.customer(shop.merchantId, 'c1'))).events;
    const review = stored.filter((e) => e.metadata.correlationId === 'expiry-review-2027-02-01');
    expect(review.map((e) => e.type)).toEqual(['PointsExpired', 'TierChanged']);
    expect(review.every((e) => e.metadata.actor === 'system:expiry-review')).toBe(true);
    // c2's points are not due: its stream is left alone.
    expect((await env.store.readStream(streams.customer(shop.merchantId, 'c2'))).events.some((e) => e.metadata.actor === 'system:expiry-review')).toBe(false);

    const [run] = (await env.pool.query<{ status: string; summary: Record<string, number> }>(`SELECT status, summary FROM scheduled_runs WHERE merchant_id = $1`, [shop.merchantId])).rows;
    expect(run).toEqual({ status: 'done', summary: { candidates: 1, reviewed: 1, pointsExpired: 150, tierChanges: 1, refused: 0 } });
  });

  it('appends nothing more when the day runs again or the next day finds nothing due', async () => {
    const before = (await env.store.readStream(streams.customer(shop.merchantId, 'c1'))).events.length;
    const scheduler = fleet.instance(clock, [job]);
    expect(await scheduler.runDue('expiry-review', shop.merchantId, new Date('2027-02-01T00:00:00.000Z'), 'schedule')).toEqual({ ran: [], skipped: 'done' });
    await env.project();
    clock.set('2027-02-02T00:00:30.000Z');
    expect(await scheduler.runDue('expiry-review', shop.merchantId, new Date('2027-02-02T00:00:00.000Z'), 'schedule')).toEqual({ ran: ['2027-02-02'] });
    expect((await env.store.readStream(streams.customer(shop.merchantId, 'c1'))).events.length).toBe(before);
    expect(await balance('c1')).toMatchObject({ balance: 0, expired_total: 150 });
  });
});
