import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { customersProjection } from '../../../apps/projector/src/projections/customers.projection.js';
import { salesProjection } from '../../../apps/projector/src/projections/sales.projection.js';
import { rfmDryRun } from '../../../apps/projector/src/rfm/rfm-dry-run.js';
import { DEFAULT_STEPS, type RfmCustomerTypes } from '../../../apps/projector/src/rfm/rfm.sql.js';
import { projectorEnv, type ProjectorEnv } from './support/projector-env.js';
import { line, Shop } from './support/shop.js';

// Five households spending 50 to 250 € and five restaurants spending 5,000 to 25,000 €, on the same
// days: scored together, the restaurants take the top of the monetary scale.
describe('RFM by customer type', () => {
  let env: ProjectorEnv;
  let shop: Shop;
  const monetary = async (customerTypes?: RfmCustomerTypes) => {
    const { scores, segments } = await rfmDryRun(env.pool, { merchantId: shop.merchantId, asOf: '2026-06-30', windowMonths: 12, steps: DEFAULT_STEPS, ...(customerTypes ? { customerTypes } : {}) });
    return { byCustomer: Object.fromEntries(scores.map((s) => [s.customerId, s.monetaryScore])), segments };
  };

  beforeAll(async () => {
    env = await projectorEnv('rfmtypes');
    shop = await Shop.open(env);
    for (let i = 1; i <= 5; i++) {
      await shop.enrol(`home${i}`, '2025-01-01T10:00:00.000Z');
      await shop.enrol(`resto${i}`, '2025-01-01T10:00:00.000Z', { companyName: `Bistrot ${i}` }, { customerType: 'b2b', businessCategory: 'restaurant' });
      await shop.purchase(`home${i}`, `h${i}`, `2026-0${i}-10T10:00:00.000Z`, [line(1, 5000 * i)]);
      await shop.purchase(`resto${i}`, `r${i}`, `2026-0${i}-10T10:00:00.000Z`, [line(1, 500000 * i)]);
    }
    await env.project([customersProjection, salesProjection]);
  }, 120_000);
  afterAll(async () => env.close());

  it('scores households and restaurants each against their own kind by default', async () => {
    const { byCustomer, segments } = await monetary();
    expect(byCustomer).toEqual({ home1: 1, home2: 2, home3: 3, home4: 4, home5: 5, resto1: 1, resto2: 2, resto3: 3, resto4: 4, resto5: 5 });
    expect(new Set(segments.map((s) => s.customerType))).toEqual(new Set(['b2c', 'b2b']));
  });

  it('scores them as one population when the merchant asks for it', async () => {
    const { byCustomer } = await monetary('together');
    // One set of quintiles over the ten: the biggest household ties with the smallest restaurant.
    expect(byCustomer).toEqual({ home1: 1, home2: 1, home3: 2, home4: 2, home5: 3, resto1: 3, resto2: 4, resto3: 4, resto4: 5, resto5: 5 });
  });
});
