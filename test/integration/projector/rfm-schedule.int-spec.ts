import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MerchantDirectory, type MerchantConfig } from '@relance/platform';
import { customersProjection } from '../../../apps/projector/src/projections/customers.projection.js';
import { salesProjection } from '../../../apps/projector/src/projections/sales.projection.js';
import { RfmScheduler } from '../../../apps/projector/src/rfm/rfm-scheduler.js';
import { projectorEnv, quietLogger, type ProjectorEnv } from './support/projector-env.js';
import { line, Shop } from './support/shop.js';

describe('the daily RFM schedule inside the projector', () => {
  let env: ProjectorEnv;
  let shop: Shop;
  beforeAll(async () => {
    env = await projectorEnv('rfmsched');
    shop = await Shop.open(env);
    for (const id of ['a', 'b', 'c']) {
      await shop.enrol(id, '2026-01-01T10:00:00.000Z');
      await shop.purchase(id, `${id}-1`, '2026-03-01T10:00:00.000Z', [line(1, 5000)]);
    }
    await env.project([customersProjection, salesProjection]);
  });
  afterAll(async () => env.close());

  const runs = async () =>
    (await env.pool.query<{ as_of: string; run_id: string; status: string }>('SELECT as_of::text, run_id, status FROM rfm_runs WHERE merchant_id = $1 ORDER BY planned_at', [shop.merchantId])).rows;

  it('runs once per local day, from the configured hour in the merchant\'s time zone', async () => {
    // Auckland is UTC+12 in (its) winter: 15:30 UTC on 30 June is 03:30 on 1 July there.
    const merchants = new MerchantDirectory([{ id: shop.merchantId, timeZone: 'Pacific/Auckland' } as MerchantConfig]);
    let now = new Date('2026-06-30T15:30:00.000Z');
    const scheduler = new RfmScheduler(env.pool, env.store, { now: () => now }, merchants, 4, quietLogger);
    await scheduler.tick();
    expect(await runs()).toEqual([]);

    now = new Date('2026-06-30T16:10:00.000Z');
    await scheduler.tick();
    await scheduler.tick();
    expect(await runs()).toEqual([{ as_of: '2026-07-01', run_id: 'daily-2026-07-01', status: 'published' }]);

    now = new Date('2026-07-01T16:10:00.000Z');
    await scheduler.tick();
    expect((await runs()).map((r) => r.as_of)).toEqual(['2026-07-01', '2026-07-02']);
  });
});
