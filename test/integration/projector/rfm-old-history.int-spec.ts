import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { customersProjection } from '../../../apps/projector/src/projections/customers.projection.js';
import { salesProjection } from '../../../apps/projector/src/projections/sales.projection.js';
import { RfmRun } from '../../../apps/projector/src/rfm/rfm-run.js';
import { DEFAULT_STEPS } from '../../../apps/projector/src/rfm/rfm.sql.js';
import { projectorEnv, rowsOf, type ProjectorEnv } from './support/projector-env.js';
import { line, Shop } from './support/shop.js';

const clock = { now: () => new Date('2026-06-30T02:00:00.000Z') };

describe('RFM on a history brought in years later', () => {
  let env: ProjectorEnv;
  let shop: Shop;

  beforeAll(async () => {
    env = await projectorEnv('rfmold');
    shop = await Shop.open(env);
    // Ten customers whose whole history is 2021; two who bought this year.
    for (let i = 0; i < 10; i++) {
      const id = `old${i}`;
      await shop.enrol(id, '2021-01-04T10:00:00.000Z');
      await shop.purchase(id, `${id}-a`, `2021-0${1 + (i % 9)}-1${i % 10}T10:00:00.000Z`, [line(1, 1000 * (1 + i))]);
    }
    for (const id of ['now1', 'now2']) {
      await shop.enrol(id, '2026-02-01T10:00:00.000Z');
      await shop.purchase(id, `${id}-a`, '2026-06-20T10:00:00.000Z', [line(1, 1500)]);
    }
    await env.project([customersProjection, salesProjection]);
  }, 120_000);
  afterAll(async () => env.close());

  it('never scores as "new" a customer whose last purchase predates the window: recency 1 whatever the quintiles', async () => {
    await new RfmRun(env.pool, env.store, clock).run({ merchantId: shop.merchantId, currency: 'EUR', asOf: '2026-06-30', windowMonths: 12, steps: DEFAULT_STEPS }, 'run-old');
    const scores = await rowsOf(env.pool, 'rfm_scores', shop.merchantId);
    expect(scores).toHaveLength(12);
    const old = scores.filter((s) => String(s.customer_id).startsWith('old'));
    expect(old.map((s) => [s.frequency, s.recency_score, s.segment])).toEqual(old.map(() => [0, 1, 'lost']));
    // Those who bought within the window are the recent ones.
    for (const s of scores.filter((s) => String(s.customer_id).startsWith('now'))) expect(s).toMatchObject({ frequency: 1, recency_score: 5 });
  });

  it('scores the same history by its own recency when the window takes it all in', async () => {
    await new RfmRun(env.pool, env.store, clock).run({ merchantId: shop.merchantId, currency: 'EUR', asOf: '2026-06-30', windowMonths: null, steps: DEFAULT_STEPS }, 'run-all');
    const scores = await rowsOf(env.pool, 'rfm_scores', shop.merchantId);
    const recencies = new Set(scores.filter((s) => String(s.customer_id).startsWith('old')).map((s) => s.recency_score));
    expect(recencies.size).toBeGreaterThan(1);
  });
});
