import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { IntegrationSecrets } from '../../apps/engine/src/integrations/integration-secrets.repository.js';
import { demoMerchant, freshMerchantId, ROOT, testConfig, TestEngine } from './support/engine-harness.js';

const merchantId = freshMerchantId('e2e-hookref');
const SHOPIFY_SECRET = 'shpss_refunds_51e2';
const WOO_SECRET = 'woo-refunds-secret-7';
let engine: TestEngine;
let shopifyOrder: Record<string, unknown>;
let wooOrder: Record<string, unknown>;
let wooRefund: Record<string, unknown>;

const sign = (secret: string, body: string) => createHmac('sha256', secret).update(body, 'utf8').digest('base64');
const shopify = (topic: string, payload: unknown) => {
  const body = JSON.stringify(payload);
  return engine.call('POST', `/v1/webhooks/shopify/${merchantId}`, { raw: body, headers: { 'x-shopify-topic': topic, 'x-shopify-hmac-sha256': sign(SHOPIFY_SECRET, body) } });
};
const woo = (topic: string, payload: unknown) => {
  const body = JSON.stringify(payload);
  return engine.call('POST', `/v1/webhooks/woocommerce/${merchantId}`, { raw: body, headers: { 'x-wc-webhook-topic': topic, 'x-wc-webhook-signature': sign(WOO_SECRET, body) } });
};
const refundsOf = async (purchaseId: string) =>
  (await engine.events(merchantId)).filter((e) => e.type === 'PurchaseRefunded' && (e.data as { purchaseId: string }).purchaseId === purchaseId).map((e) => e.data as Record<string, unknown>);

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

beforeAll(async () => {
  engine = await TestEngine.start([await demoMerchant(merchantId)]);
  const secrets = new IntegrationSecrets(engine.pool, testConfig());
  await secrets.set(merchantId, 'shopify', SHOPIFY_SECRET);
  await secrets.set(merchantId, 'woocommerce', WOO_SECRET);
  const fixtures = path.join(ROOT, 'test/fixtures/webhooks');
  shopifyOrder = (JSON.parse(await readFile(path.join(fixtures, 'shopify-order.json'), 'utf8')) as { order: Record<string, unknown> }).order;
  wooOrder = JSON.parse(await readFile(path.join(fixtures, 'woocommerce-order.json'), 'utf8')) as Record<string, unknown>;
  wooRefund = JSON.parse(await readFile(path.join(fixtures, 'woocommerce-refund.json'), 'utf8')) as Record<string, unknown>;
});

afterAll(async () => engine.close());

describe('Shopify refunds/create and orders/cancelled', () => {
  // The fixture's three iPods at 199.00, the first one bought twice: 796.00 in all.
  const order = () => {
    const items = (shopifyOrder.line_items as Record<string, unknown>[]).map((item, i) => (i === 0 ? { ...item, quantity: 2 } : item));
    return { ...shopifyOrder, id: 820982911, currency: 'EUR', created_at: hoursAgo(48), line_items: items };
  };
  const refund = {
    id: 509562969,
    order_id: 820982911,
    created_at: hoursAgo(2),
    note: 'Rayure sur la coque',
    refund_line_items: [{ id: 104689539, line_item_id: 466157049, quantity: 1, subtotal: 199.0, line_item: { id: 466157049, sku: 'IPOD2008GREEN' } }],
    transactions: [{ id: 245135778, amount: '199.00', kind: 'refund', status: 'success' }],
  };

  beforeAll(async () => {
    const recorded = await shopify('orders/create', order());
    expect(recorded.body).toMatchObject({ status: 'recorded', purchaseId: 'shopify-820982911' });
  });

  it('refunds the refunded line items by line and quantity: one refund, its points taken back', async () => {
    const res = await shopify('refunds/create', refund);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ orderId: '820982911', status: 'refunded', purchaseId: 'shopify-820982911', refundId: 'shopify-820982911-refund-509562969', amountCents: 19900, reason: null });
    expect(await refundsOf('shopify-820982911')).toEqual([
      expect.objectContaining({ refundId: 'shopify-820982911-refund-509562969', lines: [{ lineNo: 1, quantity: 1, amountCents: 19900 }], amountCents: 19900, storeId: 'shopify', reason: 'Rayure sur la coque' }),
    ]);
    const takenBack = (await engine.events(merchantId)).filter((e) => e.type === 'PointsAdjusted' && (e.data as { sourceId: string }).sourceId === 'shopify-820982911');
    expect(takenBack.map((e) => (e.data as { points: number }).points)).toEqual([-199]);
  });

  it('refunds nothing more when the same refund is delivered again', async () => {
    const before = await engine.eventCount(merchantId);
    const again = await shopify('refunds/create', refund);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await engine.eventCount(merchantId)).toBe(before);
  });

  it('refunds what is left on a cancellation, once, and acknowledges a refund of shipping only without writing', async () => {
    const cancelled = { ...order(), cancelled_at: hoursAgo(1), cancel_reason: 'customer' };
    const res = await shopify('orders/cancelled', cancelled);
    expect(res.body).toMatchObject({ status: 'refunded', amountCents: 79600 - 19900 });
    expect(await refundsOf('shopify-820982911')).toHaveLength(2);
    const before = await engine.eventCount(merchantId);
    const replay = await shopify('orders/cancelled', cancelled);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const shippingOnly = await shopify('refunds/create', { ...refund, id: 509562970, refund_line_items: [] });
    expect(shippingOnly.body).toMatchObject({ status: 'ignored', reason: expect.stringContaining('no line item') });
    expect(await engine.eventCount(merchantId)).toBe(before);
  });

  it('acknowledges the refund of an order it never recorded, writing nothing', async () => {
    const before = await engine.eventCount(merchantId);
    const res = await shopify('refunds/create', { ...refund, id: 1, order_id: 42 });
    expect(res.body).toMatchObject({ status: 'ignored', reason: 'order not recorded' });
    expect(await engine.eventCount(merchantId)).toBe(before);
  });

  it('names the field of a malformed refund (400) and writes nothing, not even the claim of its event', async () => {
    const before = await engine.eventCount(merchantId);
    const res = await shopify('refunds/create', { ...refund, id: 2, refund_line_items: [{ line_item_id: 466157049, quantity: -1 }] });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual([expect.objectContaining({ path: 'refund_line_items[0].quantity' })]);
    const future = await shopify('refunds/create', { ...refund, id: 3, processed_at: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    expect(future.status).toBe(400);
    expect(future.body.fields).toEqual([{ path: 'processed_at', message: 'more than a day in the future' }]);
    expect(await engine.eventCount(merchantId)).toBe(before);
    const claims = (suffix: string) => engine.pool.query('SELECT 1 FROM idempotency_keys WHERE merchant_id = $1 AND idempotency_key LIKE $2', [merchantId, `%:refund:820982911:${suffix}`]);
    expect((await claims('refund-509562969')).rowCount).toBe(1);
    expect((await claims('refund-3')).rowCount).toBe(0);
  });
});

describe('WooCommerce order.updated to cancelled', () => {
  const order = (extra: Record<string, unknown> = {}) => ({ ...wooOrder, id: 7277, currency: 'EUR', date_created_gmt: hoursAgo(30).slice(0, 19), ...extra });

  beforeAll(async () => {
    const recorded = await woo('order.created', order());
    expect(recorded.body).toMatchObject({ status: 'recorded', purchaseId: 'woocommerce-7277' });
  });

  it('ignores an update to another status', async () => {
    const res = await woo('order.updated', order({ status: 'completed', date_modified_gmt: hoursAgo(5).slice(0, 19) }));
    expect(res.body).toEqual({ ignored: 'status neither cancelled nor refunded' });
    expect(await refundsOf('woocommerce-7277')).toEqual([]);
  });

  it('refunds the whole order once, however many updates still say cancelled', async () => {
    const res = await woo('order.updated', order({ status: 'cancelled', date_modified_gmt: hoursAgo(3).slice(0, 19) }));
    expect(res.body).toMatchObject({ status: 'refunded', purchaseId: 'woocommerce-7277', amountCents: 1800 });
    const before = await engine.eventCount(merchantId);
    const later = await woo('order.updated', order({ status: 'cancelled', date_modified_gmt: hoursAgo(1).slice(0, 19), customer_note: 'annulée' }));
    expect(later.status).toBe(200);
    expect(later.headers.get('idempotent-replayed')).toBe('true');
    expect(await engine.eventCount(merchantId)).toBe(before);
    expect(await refundsOf('woocommerce-7277')).toEqual([expect.objectContaining({ amountCents: 1800, reason: 'cancelled', lines: [expect.objectContaining({ lineNo: 1, quantity: 2 }), expect.objectContaining({ lineNo: 2, quantity: 1 })] })]);
  });
});

describe('WooCommerce refund.created: a partial refund by line', () => {
  const order = () => ({ ...wooOrder, id: 7288, currency: 'EUR', date_created_gmt: hoursAgo(30).slice(0, 19) });
  // The fixture's refund (one of the two bottles of line item 315), of this order.
  const refund = () => ({ ...wooRefund, date_created_gmt: hoursAgo(2).slice(0, 19), _links: { up: [{ href: 'https://example.com/wp-json/wc/v3/orders/7288' }] } });

  beforeAll(async () => {
    const recorded = await woo('order.created', order());
    expect(recorded.body).toMatchObject({ status: 'recorded', purchaseId: 'woocommerce-7288' });
  });

  it('refunds one bottle of the first line: one refund, of that line only, in the merchant\'s currency', async () => {
    const res = await woo('refund.created', refund());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'refunded', purchaseId: 'woocommerce-7288', amountCents: 300 });
    expect(await refundsOf('woocommerce-7288')).toEqual([
      expect.objectContaining({ currency: 'EUR', amountCents: 300, reason: 'Bouteille bouchonnée', lines: [{ lineNo: 1, quantity: 1, amountCents: 300 }] }),
    ]);
  });

  it('refunds nothing more when the same refund is delivered again', async () => {
    const before = await engine.eventCount(merchantId);
    const again = await woo('refund.created', refund());
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await engine.eventCount(merchantId)).toBe(before);
    expect(await refundsOf('woocommerce-7288')).toHaveLength(1);
  });

  it('refunds only what is left when the order then turns refunded', async () => {
    const res = await woo('order.updated', { ...order(), status: 'refunded', date_modified_gmt: hoursAgo(1).slice(0, 19) });
    expect(res.body).toMatchObject({ status: 'refunded', amountCents: 1800 - 300 });
    const refunds = await refundsOf('woocommerce-7288');
    expect(refunds).toHaveLength(2);
    expect(refunds[1]).toMatchObject({ lines: [{ lineNo: 1, quantity: 1 }, { lineNo: 2, quantity: 1 }] });
  });
});
