import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { RequestRejected } from '../write-path/application-errors.js';
import { wooCommerceRefund } from './shop-refund.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures/webhooks');
const refund = JSON.parse(readFileSync(path.join(FIXTURES, 'woocommerce-refund.json'), 'utf8')) as Record<string, unknown>;

describe('a WooCommerce order refund (REST API v3 shape)', () => {
  it('refunds its line items by the order line item they name and a positive quantity, once per refund id', () => {
    expect(wooCommerceRefund(refund)).toEqual({
      platform: 'woocommerce',
      orderId: '727',
      eventKey: 'refund-731',
      refundedAt: '2017-03-23T17:12:40.000Z',
      refundedAtField: 'date_created_gmt',
      reason: 'Bouteille bouchonnée',
      lines: [{ lineItemId: '315', quantity: 1 }],
    });
  });

  it('reads the newer shape too (line_item_id, positive quantity) and adds up two refund lines of one item', () => {
    const newer = { id: 900, order_id: 727, line_items: [{ id: 1, line_item_id: 316, quantity: 1, refund_total: '12.00' }, { id: 2, line_item_id: 316, quantity: 2 }] };
    expect(wooCommerceRefund(newer)).toMatchObject({ orderId: '727', eventKey: 'refund-900', refundedAt: null, lines: [{ lineItemId: '316', quantity: 3 }] });
  });

  it('takes back no line for a refund of an amount only', () => {
    expect(wooCommerceRefund({ ...refund, line_items: [] }).lines).toEqual([]);
    expect(wooCommerceRefund({ ...refund, line_items: [{ quantity: 0, meta_data: [{ key: '_refunded_item_id', value: '315' }] }] }).lines).toEqual([]);
  });

  it('refuses a refund that does not say its order', () => {
    const { _links: _dropped, ...unlinked } = refund;
    expect(() => wooCommerceRefund(unlinked)).toThrow(RequestRejected);
    expect(() => wooCommerceRefund(unlinked)).toThrow('order_id: the order of this refund is not given');
  });
});
