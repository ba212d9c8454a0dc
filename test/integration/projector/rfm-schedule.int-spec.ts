import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MerchantDirectory, type MerchantConfig } from '@relance/platform';
import { customersProjection } from '../../../apps/projector/src/projections/customers.projection.js';
import { salesProjection } from '../../../apps/projector/src/projections/sales.projection.js';
import { dailyRfmJob } from '../../../apps/projector/src/rfm/daily-rfm-job.js';
import { SchedulerFleet, testClock } from '../../support/test-scheduler.js';
import { projectorEnv, type ProjectorEnv } from './support/projector-env.js';
import { line, Shop } from './support/shop.js';

describe('the daily RFM run on the scheduler, across processes and restarts', () => {
  let env: ProjectorEnv;
  let shop: Shop;
  let fleet: SchedulerFleet;
  let merchants: MerchantDirectory;
  beforeAll(async () => {
    env = await projectorEnv('rfmsched');
    shop = await Shop.open(env);
    for (const id of ['a', 'b', 'c']) {
      await shop.enrol(id, '2026-01-01T10:00:00.000Z');
      await shop.purchase(id, `${id}-1`, '2026-03-01T10:00:00.000Z', [line(1, 5000)]);
    }
    await env.project([customersProjection, salesProjection]);
    fleet = new SchedulerFleet(env.url);
    // Auckland is UTC+12 in (its) winter: 04:00 there on 1 July is 16:00 UTC on 30 June.
    merchants = new MerchantDirectory([{ id: shop.merchantId, timeZone: 'Pacific/Auckland', currency: 'EUR' } as MerchantConfig]);
  });
  afterAll(async () => {
    await fleet.close(['rfm']);
    await env.close();
  });

  /** One projector process's scheduler: its own connections, the RFM job registered. */
  const projector = (clock: { now(): Date }) => fleet.instance(clock, [dailyRfmJob({ pool: env.pool, store: env.store, clock, merchants, runHour: 4 })]);

  const rfmRuns = async () =>
    (await env.pool.query<{ as_of: string; run_id: string; status: string }>('SELECT as_of::text, run_id, status FROM rfm_runs WHERE merchant_id = $1 ORDER BY as_of', [shop.merchantId])).rows;
  const ledger = async () =>
    (
      await env.pool.query<{ period: string; covers_from: string; trigger: string; status: string; attempts: number }>(
        `SELECT period::text, covers_from::text, trigger, status, attempts FROM scheduled_runs WHERE merchant_id = $1 AND job = 'rfm' ORDER BY period`,
        [shop.merchantId],
      )
    ).rows;

  it('has two processes upsert one BullMQ scheduler, at 04:00 in the merchant\'s zone, and run the day once between them', async () => {
    const clock = testClock('2026-06-30T16:10:00.000Z');
    const [a, b] = [projector(clock), projector(clock)];
    await Promise.all([a.start(), b.start()]);

    const schedulers = await fleet.queue('rfm').getJobSchedulers();
    expect(schedulers.map((s) => ({ key: s.key, pattern: s.pattern, tz: s.tz }))).toEqual([{ key: `rfm@${shop.merchantId}`, pattern: '0 4 * * *', tz: 'Pacific/Auckland' }]);
    // The next fire BullMQ holds is at 04:00 Auckland time (16:00 UTC in winter, 15:00 in summer).
    expect(new Date(schedulers[0]!.next!).getUTCMinutes()).toBe(0);
    expect([15, 16]).toContain(new Date(schedulers[0]!.next!).getUTCHours());

    // A fire delivered twice (a stalled job taken over while its first worker still runs) to both processes.
    const fire = new Date('2026-06-30T16:00:00.000Z');
    const outcomes = await Promise.all([a.runDue('rfm', shop.merchantId, fire, 'schedule'), b.runDue('rfm', shop.merchantId, fire, 'schedule')]);
    expect(outcomes.map((o) => o.ran).flat()).toEqual(['2026-07-01']);
    expect(outcomes.map((o) => o.skipped ?? null).sort()).toEqual(['done', null]);
    expect(await rfmRuns()).toEqual([{ as_of: '2026-07-01', run_id: 'daily-2026-07-01', status: 'published' }]);
    expect(await ledger()).toEqual([{ period: '2026-07-01', covers_from: '2026-07-01', trigger: 'schedule', status: 'done', attempts: 1 }]);
    await Promise.all([fleet.stop(a), fleet.stop(b)]);
  });

  it('runs nothing again when a process restarts later the same local day', async () => {
    const restarted = projector(testClock('2026-07-01T09:00:00.000Z')); // 21:00 on 1 July in Auckland
    await restarted.start();
    expect(await restarted.runDue('rfm', shop.merchantId, new Date('2026-06-30T16:00:00.000Z'), 'schedule')).toEqual({ ran: [], skipped: 'done' });
    expect((await rfmRuns()).map((r) => r.as_of)).toEqual(['2026-07-01']);
    await fleet.stop(restarted);
  });

  it('runs a day missed while every process was down once after, when two processes come back together', async () => {
    // Down through 2 July; both come back at 05:00 on 3 July, Auckland time.
    const clock = testClock('2026-07-02T17:00:00.000Z');
    const [c, d] = [projector(clock), projector(clock)];
    await Promise.all([c.start(), d.start()]);
    // Only the latest day runs, standing for the one missed before it.
    expect(await rfmRuns()).toEqual([
      { as_of: '2026-07-01', run_id: 'daily-2026-07-01', status: 'published' },
      { as_of: '2026-07-03', run_id: 'daily-2026-07-03', status: 'published' },
    ]);
    expect((await ledger())[1]).toEqual({ period: '2026-07-03', covers_from: '2026-07-02', trigger: 'catch-up', status: 'done', attempts: 1 });
    // BullMQ's own fire for that day, arriving late, and another restart change nothing.
    expect(await c.runDue('rfm', shop.merchantId, new Date('2026-07-02T16:00:00.000Z'), 'schedule')).toEqual({ ran: [], skipped: 'done' });
    await Promise.all([fleet.stop(c), fleet.stop(d)]);
    const again = projector(clock);
    await again.start();
    expect((await rfmRuns()).map((r) => r.as_of)).toEqual(['2026-07-01', '2026-07-03']);
    expect((await ledger()).length).toBe(2);
  });
});
