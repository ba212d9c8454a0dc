import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { RequestRejected } from '../write-path/application-errors.js';
import { cents } from './shop-order.js';
import { shopifyOrder } from './shopify-order.js';
import { wooCommerceOrder } from './woocommerce-order.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures/webhooks');
const fixture = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

describe('amounts as the platforms send them', () => {
  it('become cents exactly', () => {
    expect(cents('199.00', 'price')).toBe(19900);
    expect(cents('0.1', 'price')).toBe(10);
    expect(cents(12, 'price')).toBe(1200);
    expect(cents(0.29, 'price')).toBe(29);
    expect(() => cents('12,50', 'line_items[0].price')).toThrow(RequestRejected);
  });
});

describe('a Shopify order (the library’s own fixture)', () => {
  const order = shopifyOrder((fixture('shopify-order.json') as { order: unknown }).order);

  it('keeps its id, currency, UTC creation time and buyer, without a consent the buyer did not give', () => {
    expect(order).toMatchObject({
      platform: 'shopify',
      orderId: '450789469',
      reference: '#1001',
      currency: 'USD',
      createdAt: '2008-01-10T16:00:00.000Z',
      ignoredBecause: null,
      buyer: { externalId: '207119551', email: 'bob.norman@hostmail.com', firstName: 'Bob', lastName: 'Norman', phone: '555-625-1199', acceptsMarketing: false },
    });
  });

  it('maps its line items to lines at their price, shipping and taxes left out', () => {
    expect(order.lines).toEqual([
      { sku: 'IPOD2008GREEN', name: 'IPod Nano - 8gb - green', quantity: 1, unitPriceCents: 19900, discountCents: 0 },
      { sku: 'IPOD2008RED', name: 'IPod Nano - 8gb - red', quantity: 1, unitPriceCents: 19900, discountCents: 0 },
      { sku: 'IPOD2008BLACK', name: 'IPod Nano - 8gb - black', quantity: 1, unitPriceCents: 19900, discountCents: 0 },
    ]);
  });

  it('takes line discounts from their allocations and ignores cancelled orders', () => {
    const discounted = shopifyOrder({
      ...(fixture('shopify-order.json') as { order: Record<string, unknown> }).order,
      cancelled_at: '2008-01-11T10:00:00-05:00',
      line_items: [{ id: 1, sku: '', name: 'Magnum', quantity: 2, price: '30.00', discount_allocations: [{ amount: '5.00' }, { amount: '1.50' }], variant_id: 77 }],
    });
    expect(discounted.lines).toEqual([{ sku: 'shopify-77', name: 'Magnum', quantity: 2, unitPriceCents: 3000, discountCents: 650 }]);
    expect(discounted.ignoredBecause).toBe('cancelled');
  });

  it('names the field of a payload it cannot read', () => {
    expect(() => shopifyOrder({ id: 1, currency: 'EUR', created_at: 'soon', line_items: [] })).toThrow(RequestRejected);
  });
});

describe('a WooCommerce order (the REST API documentation’s example)', () => {
  const order = wooCommerceOrder(fixture('woocommerce-order.json'));

  it('reads the GMT creation time, the billing buyer and no marketing consent', () => {
    expect(order).toMatchObject({
      platform: 'woocommerce',
      orderId: '727',
      reference: '727',
      currency: 'USD',
      createdAt: '2017-03-22T19:28:02.000Z',
      buyer: { externalId: null, email: 'john.doe@example.com', firstName: 'John', lastName: 'Doe', acceptsMarketing: false },
    });
  });

  it('turns subtotal and total into a unit price and a discount that add up to the line total', () => {
    expect(order.lines).toEqual([
      { sku: 'woo-93', name: 'Woo Single #1', quantity: 2, unitPriceCents: 300, discountCents: 0 },
      { sku: 'Bar3', name: 'Ship Your Idea &ndash; Color: Black, Size: M Test', quantity: 1, unitPriceCents: 1200, discountCents: 0 },
    ]);
    const odd = wooCommerceOrder({ ...fixture('woocommerce-order.json'), line_items: [{ id: 1, name: 'Trio', quantity: 3, subtotal: '10.00', total: '9.00', product_id: 5, variation_id: 9 }] });
    const [line] = odd.lines;
    expect(line).toEqual({ sku: 'woo-5-9', name: 'Trio', quantity: 3, unitPriceCents: 334, discountCents: 102 });
    expect(line!.quantity * line!.unitPriceCents - line!.discountCents).toBe(900);
  });
});
