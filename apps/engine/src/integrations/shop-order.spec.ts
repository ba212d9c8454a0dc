import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { RequestRejected } from '../write-path/application-errors.js';
import { minorUnits } from './shop-order.js';
import { shopifyOrder } from './shopify-order.js';
import { wooCommerceOrder } from './woocommerce-order.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures/webhooks');
const fixture = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

/** The problems a refusal names, as `path: message`. */
function refusal(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof RequestRejected) return error.fields.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('not refused');
}

describe('amounts as the platforms send them', () => {
  it('become minor units of the currency exactly: cents for EUR', () => {
    const eur = (value: string | number) => minorUnits(value, 'price', 2, 'EUR');
    expect(eur('199.00')).toBe(19900);
    expect(eur('0.1')).toBe(10);
    expect(eur(12)).toBe(1200);
    expect(eur(0.29)).toBe(29);
    expect(eur('-5.00')).toBe(-500);
    expect(refusal(() => minorUnits('12,50', 'line_items[0].price', 2, 'EUR'))).toEqual(['line_items[0].price: not an amount (got "12,50")']);
  });

  it('read yen without decimals and dinars with three, zeros past them included', () => {
    expect(minorUnits('1250', 'price', 0, 'JPY')).toBe(1250);
    expect(minorUnits('1250.00', 'price', 0, 'JPY')).toBe(1250);
    expect(minorUnits(1250, 'price', 0, 'JPY')).toBe(1250);
    expect(minorUnits('3.5', 'price', 3, 'KWD')).toBe(3500);
    expect(minorUnits('3.500', 'price', 3, 'KWD')).toBe(3500);
    expect(minorUnits('0.125', 'price', 3, 'KWD')).toBe(125);
    expect(minorUnits('12.3450', 'price', 3, 'KWD')).toBe(12345);
  });

  it('refuse, with the field, a value with more decimals than the currency has: never rounded', () => {
    expect(refusal(() => minorUnits('1250.5', 'line_items[1].price', 0, 'JPY'))).toEqual([
      'line_items[1].price: "1250.5" has more decimals than JPY has (0): amounts are read in the currency\'s minor unit, never rounded',
    ]);
    expect(refusal(() => minorUnits('3.5001', 'line_items[0].total', 3, 'KWD'))).toHaveLength(1);
    expect(refusal(() => minorUnits('0.001', 'price', 2, 'EUR'))).toHaveLength(1);
    expect(refusal(() => minorUnits(0.125, 'price', 2, 'EUR'))).toHaveLength(1);
  });
});

describe('orders in yen and in Kuwaiti dinars', () => {
  const shopify = (currency: string, price: string) =>
    shopifyOrder({ id: 9, currency, created_at: '2026-12-01T10:00:00Z', line_items: [{ id: 1, sku: 'SAKE', name: 'Saké', quantity: 2, price, total_discount: '0' }] });
  const woo = (currency: string, subtotal: string, total: string) =>
    wooCommerceOrder({ id: 9, currency, date_created_gmt: '2026-12-01T10:00:00', line_items: [{ id: 1, name: 'Dattes', sku: 'DAT', quantity: 2, subtotal, total }] });

  it('read a Shopify order in JPY in yen, and refuse a price in tenths of a yen', () => {
    expect(shopify('JPY', '1250').lines).toEqual([{ sku: 'SAKE', name: 'Saké', quantity: 2, unitPriceCents: 1250, discountCents: 0 }]);
    expect(shopify('JPY', '1250.00').lines[0]!.unitPriceCents).toBe(1250);
    expect(refusal(() => shopify('JPY', '1250.5'))).toEqual([
      'line_items[0].price: "1250.5" has more decimals than JPY has (0): amounts are read in the currency\'s minor unit, never rounded',
    ]);
  });

  it('read a WooCommerce order in KWD in fils, and refuse a total past the fils', () => {
    expect(woo('KWD', '7.000', '6.500').lines).toEqual([{ sku: 'DAT', name: 'Dattes', quantity: 2, unitPriceCents: 3500, discountCents: 500 }]);
    expect(refusal(() => woo('KWD', '7.000', '6.5005'))).toEqual([
      'line_items[0].total: "6.5005" has more decimals than KWD has (3): amounts are read in the currency\'s minor unit, never rounded',
    ]);
  });

  it('refuse an order whose currency is not an ISO 4217 code: nothing says how to read its amounts', () => {
    expect(refusal(() => shopify('EURO', '12.50'))).toEqual(['currency: not an ISO 4217 currency code (got "EURO")']);
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
