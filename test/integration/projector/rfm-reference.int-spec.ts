import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { streams, type DomainEvent } from '@relance/domain';
import { customersProjection } from '../../../apps/projector/src/projections/customers.projection.js';
import { salesProjection } from '../../../apps/projector/src/projections/sales.projection.js';
import { CREATE_CANDIDATES, scoreCustomers } from '../../../apps/projector/src/rfm/rfm.sql.js';
import { projectorEnv, type ProjectorEnv } from './support/projector-env.js';
import { Shop } from './support/shop.js';

// The reference and how it was obtained: test/fixtures/rfm/README.md.
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/rfm');

interface ReferenceCustomer {
  customer_id: string;
  recency_days: number;
  transaction_count: number;
  amount: number;
  recency_score: number;
  frequency_score: number;
  monetary_score: number;
}
const reference = JSON.parse(readFileSync(path.join(FIXTURES, 'rfm-reference.json'), 'utf8')) as {
  analysisDate: string;
  published: { firstRows: [string, number, number, number, number][] };
  customers: ReferenceCustomer[];
};

describe('RFM against the R package rfm (sample orders, analysis date 2006-12-31)', () => {
  let env: ProjectorEnv;
  let shop: Shop;
  /** Our ids must be stream-safe: the package's customer ids are names with spaces and apostrophes. */
  const idOf = new Map(reference.customers.map((c, i) => [c.customer_id, `r${String(i).padStart(4, '0')}`]));
  let scored: Map<string, Record<string, number | string>>;

  beforeAll(async () => {
    env = await projectorEnv('rfmref');
    shop = await Shop.open(env);
    const orders = readFileSync(path.join(FIXTURES, 'rfm_data_orders.csv'), 'utf8').trim().split('\n').slice(1).map((row) => row.split(','));
    const byCustomer = new Map<string, DomainEvent[]>();
    orders.forEach(([name, date, revenue], n) => {
      const customerId = idOf.get(name!)!;
      const cents = Number(revenue) * 100;
      const events = byCustomer.get(customerId) ?? [];
      events.push({
        type: 'PurchaseRecorded',
        data: {
          purchaseId: `o${n}`,
          customerId,
          storeId: 'boutique',
          externalRef: null,
          channel: 'import',
          currency: 'EUR',
          lines: [{ lineNo: 1, sku: 'ORDER', name: 'Order', category: null, quantity: 1, unitPriceCents: cents, discountCents: 0, promo: false, totalCents: cents }],
          totalCents: cents,
          rewardIdsUsed: [],
          // Noon UTC is the same calendar day in Paris: the order date stays the local date.
          purchasedAt: `${date}T12:00:00.000Z`,
        },
      });
      byCustomer.set(customerId, events);
    });
    for (const [customerId, purchases] of byCustomer) {
      const enrolled: DomainEvent = {
        type: 'CustomerEnrolled',
        data: {
          customerId, customerType: 'b2c', businessCategory: null, storeId: null, externalId: null, locale: 'en',
          profile: await env.keys.seal(shop.merchantId, customerId, {}), identityKeys: { email: null, phone: null }, source: 'import', enrolledAt: '2004-01-01T00:00:00.000Z',
        },
      };
      await shop.append(streams.customer(shop.merchantId, customerId), [enrolled, ...purchases], '2004-01-01T00:00:00.000Z');
    }
    await env.project([customersProjection, salesProjection], { batchSize: 1000 });

    const client = await env.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(CREATE_CANDIDATES);
      await client.query(scoreCustomers({ merchantId: shop.merchantId, asOf: reference.analysisDate, windowMonths: null, steps: { recencyDays: 1, frequency: 1, monetaryCents: 100 } }));
      const { rows } = await client.query<Record<string, number | string>>('SELECT * FROM rfm_candidate');
      scored = new Map(rows.map((r) => [String(r.customer_id), r]));
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  }, 120_000);
  afterAll(async () => env.close());

  it('scores every customer of the sample', () => {
    expect(scored.size).toBe(995);
  });

  it('gives each customer the recency, frequency and monetary values and the three scores of the reference', () => {
    const ours = reference.customers.map((c) => {
      const r = scored.get(idOf.get(c.customer_id)!)!;
      return { customer: c.customer_id, recency_days: r.recency_days, transaction_count: r.frequency, amount: Number(r.monetary_cents) / 100, recency_score: r.recency_score, frequency_score: r.frequency_score, monetary_score: r.monetary_score };
    });
    const theirs = reference.customers.map((c) => ({ customer: c.customer_id, recency_days: c.recency_days, transaction_count: c.transaction_count, amount: c.amount, recency_score: c.recency_score, frequency_score: c.frequency_score, monetary_score: c.monetary_score }));
    expect(ours).toEqual(theirs);
  });

  it('agrees with the rows the package prints in its own documentation', () => {
    for (const [name, recencyDays, orders, amount, recencyScore] of reference.published.firstRows) {
      expect(scored.get(idOf.get(name)!)).toMatchObject({ recency_days: recencyDays, frequency: orders, monetary_cents: String(amount * 100), recency_score: recencyScore });
    }
  });
});
