import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { IntegrationSecrets } from '../../apps/engine/src/integrations/integration-secrets.repository.js';
import { demoMerchant, freshMerchantId, ROOT, testConfig, TestEngine } from './support/engine-harness.js';

const merchantId = freshMerchantId('e2e-hook');
const otherMerchant = freshMerchantId('e2e-hook-b');
const yenShop = freshMerchantId('e2e-hook-jpy');
const dinarShop = freshMerchantId('e2e-hook-kwd');
const SHOPIFY_SECRET = 'shpss_test_7c1f0e';
const WOO_SECRET = 'woo-webhook-secret-42';
let engine: TestEngine;
let shopifyOrder: Record<string, unknown>;
let wooOrder: Record<string, unknown>;

/** Base64 HMAC-SHA256 of the exact bytes, as both platforms sign. */
const sign = (secret: string, body: string) => createHmac('sha256', secret).update(body, 'utf8').digest('base64');

beforeAll(async () => {
  engine = await TestEngine.start([
    await demoMerchant(merchantId),
    await demoMerchant(otherMerchant),
    { ...(await demoMerchant(yenShop)), currency: 'JPY' },
    { ...(await demoMerchant(dinarShop)), currency: 'KWD' },
  ]);
  const secrets = new IntegrationSecrets(engine.pool, testConfig());
  await secrets.set(merchantId, 'shopify', SHOPIFY_SECRET);
  await secrets.set(merchantId, 'woocommerce', WOO_SECRET);
  await secrets.set(otherMerchant, 'shopify', 'another-shop-secret');
  await secrets.set(yenShop, 'shopify', SHOPIFY_SECRET);
  await secrets.set(dinarShop, 'woocommerce', WOO_SECRET);
  const fixtures = path.join(ROOT, 'test/fixtures/webhooks');
  shopifyOrder = (JSON.parse(await readFile(path.join(fixtures, 'shopify-order.json'), 'utf8')) as { order: Record<string, unknown> }).order;
  wooOrder = JSON.parse(await readFile(path.join(fixtures, 'woocommerce-order.json'), 'utf8')) as Record<string, unknown>;
});

afterAll(async () => {
  await engine.close();
});

const shopify = (body: string, signature: string | null, topic = 'orders/create', target = merchantId) =>
  engine.call('POST', `/v1/webhooks/shopify/${target}`, {
    raw: body,
    headers: { 'x-shopify-topic': topic, 'x-shopify-shop-domain': 'cave.myshopify.com', ...(signature === null ? {} : { 'x-shopify-hmac-sha256': signature }) },
  });
const woo = (body: string, signature: string | null, topic = 'order.created', target = merchantId) =>
  engine.call('POST', `/v1/webhooks/woocommerce/${target}`, {
    raw: body,
    headers: { 'x-wc-webhook-topic': topic, 'x-wc-webhook-resource': 'order', ...(signature === null ? {} : { 'x-wc-webhook-signature': signature }) },
  });

describe('Shopify orders/create', () => {
  it('records a signed order as a purchase of the buyer, enrolled by email, without a consent they did not give', async () => {
    const body = JSON.stringify({ ...shopifyOrder, currency: 'EUR' });
    const res = await shopify(body, sign(SHOPIFY_SECRET, body));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ orderId: '450789469', status: 'recorded', purchaseId: 'shopify-450789469', customerId: expect.stringMatching(/^sh-/) });
    const customerId = res.body.customerId as string;
    const events = (await engine.events(merchantId)).filter((e) => e.streamId.endsWith(`.${customerId}`));
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['CustomerEnrolled', 'PurchaseRecorded', 'PointsEarned']));
    expect(events.some((e) => e.type === 'ConsentGranted')).toBe(false);
    const recorded = events.find((e) => e.type === 'PurchaseRecorded')!.data as { totalCents: number; channel: string; lines: unknown[]; purchasedAt: string };
    expect(recorded).toMatchObject({ totalCents: 59700, channel: 'shopify', purchasedAt: '2008-01-10T16:00:00.000Z' });
    expect(recorded.lines).toHaveLength(3);
    const pos = await engine.key(merchantId, 'pos');
    const customer = await engine.call('GET', `/v1/customers/${customerId}`, { key: pos });
    expect(customer.body).toMatchObject({ profile: { email: 'bob.norman@hostmail.com', firstName: 'Bob', lastName: 'Norman' } });
  });

  it('is idempotent by order id: a redelivery gets the first answer and writes nothing', async () => {
    const body = JSON.stringify({ ...shopifyOrder, currency: 'EUR' });
    const before = await engine.eventCount(merchantId);
    const again = await shopify(body, sign(SHOPIFY_SECRET, body));
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toMatchObject({ status: 'recorded', purchaseId: 'shopify-450789469' });
    expect(await engine.eventCount(merchantId)).toBe(before);
  });

  it('records the marketing consent when the buyer accepted it, and matches a known email to its customer', async () => {
    const first = JSON.stringify({ ...shopifyOrder, id: 1001, currency: 'EUR', email: 'lea@example.fr', customer: null, buyer_accepts_marketing: true });
    const a = await shopify(first, sign(SHOPIFY_SECRET, first));
    expect(a.status).toBe(200);
    const granted = (await engine.events(merchantId)).filter((e) => e.type === 'ConsentGranted' && e.streamId.endsWith(`.${a.body.customerId as string}`));
    expect(granted.map((e) => e.data)).toEqual([expect.objectContaining({ channel: 'email', purpose: 'marketing', source: 'shopify' })]);
    const second = JSON.stringify({ ...shopifyOrder, id: 1002, currency: 'EUR', email: ' LEA@example.fr', customer: null });
    const b = await shopify(second, sign(SHOPIFY_SECRET, second));
    expect(b.body).toMatchObject({ status: 'recorded', customerId: a.body.customerId });
  });

  it('refuses a tampered body, a missing signature and another shop’s signature (401), writing nothing', async () => {
    const body = JSON.stringify({ ...shopifyOrder, id: 2001, currency: 'EUR' });
    const signature = sign(SHOPIFY_SECRET, body);
    const before = await engine.eventCount(merchantId);
    const tampered = await shopify(body.replace('"199.00"', '"1.00"'), signature);
    expect(tampered.status).toBe(401);
    expect(tampered.body).toMatchObject({ error: 'invalid-signature' });
    expect((await shopify(body, null)).status).toBe(401);
    expect((await shopify(body, sign('another-shop-secret', body))).status).toBe(401);
    expect((await shopify(body, signature, 'orders/create', otherMerchant)).status).toBe(401);
    expect(await engine.eventCount(merchantId)).toBe(before);
    const { rows } = await engine.pool.query(`SELECT 1 FROM idempotency_keys WHERE merchant_id = $1 AND idempotency_key LIKE '%2001'`, [merchantId]);
    expect(rows).toHaveLength(0);
  });

  it('answers an unconfigured merchant like a bad signature (401), even with a secret stored', async () => {
    const stranger = freshMerchantId('e2e-hook-x');
    await new IntegrationSecrets(engine.pool, testConfig()).set(stranger, 'shopify', SHOPIFY_SECRET);
    const body = JSON.stringify({ ...shopifyOrder, id: 2501, currency: 'EUR' });
    const res = await shopify(body, sign(SHOPIFY_SECRET, body), 'orders/create', stranger);
    expect(res.status).toBe(401);
    expect(await engine.eventCount(stranger)).toBe(0);
  });

  it('refuses an order in another currency (422), writing nothing', async () => {
    const body = JSON.stringify({ ...shopifyOrder, id: 3001 });
    const before = await engine.eventCount(merchantId);
    const res = await shopify(body, sign(SHOPIFY_SECRET, body));
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: 'unsupported-currency', details: { currency: 'USD' } });
    expect(await engine.eventCount(merchantId)).toBe(before);
  });

  it('rejects a signed payload it cannot read (400, fields named), writing nothing', async () => {
    const body = JSON.stringify({ ...shopifyOrder, id: 3501, currency: 'EUR', line_items: [{ id: 1, quantity: -2, price: 'cher' }] });
    const before = await engine.eventCount(merchantId);
    const res = await shopify(body, sign(SHOPIFY_SECRET, body));
    expect(res.status).toBe(400);
    expect((res.body.fields as { path: string }[]).map((f) => f.path).sort()).toEqual(['line_items[0].quantity']);
    expect(await engine.eventCount(merchantId)).toBe(before);
  });

  it('acknowledges other topics without recording them', async () => {
    const body = JSON.stringify({ ...shopifyOrder, id: 4001, currency: 'EUR' });
    const res = await shopify(body, sign(SHOPIFY_SECRET, body), 'orders/updated');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ignored: 'topic orders/updated' });
  });
});

describe('WooCommerce order.created', () => {
  it('records a signed order for the customer who already has that email', async () => {
    const pos = await engine.key(merchantId, 'pos');
    const enrolled = await engine.call('POST', '/v1/customers', { key: pos, body: { customerId: 'john', profile: { email: 'John.Doe@example.com' } } });
    expect(enrolled.status).toBe(201);
    const body = JSON.stringify({ ...wooOrder, currency: 'EUR' });
    const res = await woo(body, sign(WOO_SECRET, body));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ orderId: '727', status: 'recorded', customerId: 'john', purchaseId: 'woocommerce-727' });
    const recorded = (await engine.events(merchantId)).find((e) => e.type === 'PurchaseRecorded' && e.streamId.endsWith('.john'))!.data as { totalCents: number; lines: { unitPriceCents: number; quantity: number; totalCents: number }[] };
    expect(recorded.totalCents).toBe(1800);
    expect(recorded.lines.map((l) => [l.quantity, l.unitPriceCents, l.totalCents])).toEqual([
      [2, 300, 600],
      [1, 1200, 1200],
    ]);
    const again = await woo(body, sign(WOO_SECRET, body));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('refuses a tampered body and a missing signature (401), writing nothing', async () => {
    const body = JSON.stringify({ ...wooOrder, id: 728, currency: 'EUR' });
    const before = await engine.eventCount(merchantId);
    expect((await woo(body.replace('"12.00"', '"0.01"'), sign(WOO_SECRET, body))).status).toBe(401);
    expect((await woo(body, null)).status).toBe(401);
    expect((await woo(body, sign(SHOPIFY_SECRET, body))).status).toBe(401);
    expect(await engine.eventCount(merchantId)).toBe(before);
  });

  it('refuses a USD order (422) and acknowledges the ping sent when the webhook is saved', async () => {
    const body = JSON.stringify({ ...wooOrder, id: 729 });
    expect((await woo(body, sign(WOO_SECRET, body))).status).toBe(422);
    const ping = await engine.call('POST', `/v1/webhooks/woocommerce/${merchantId}`, { raw: 'webhook_id=12', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(ping.status).toBe(200);
  });
});

describe('integration secrets', () => {
  it('are stored sealed, never in clear', async () => {
    const { rows } = await engine.pool.query<{ sealed_secret: string }>('SELECT sealed_secret FROM integration_secrets WHERE merchant_id = $1', [merchantId]);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.sealed_secret).toMatch(/^pii:v1:/);
      expect(row.sealed_secret).not.toContain(SHOPIFY_SECRET);
      expect(row.sealed_secret).not.toContain(WOO_SECRET);
    }
  });
});

describe('orders of a JPY shop and a KWD shop, read in the minor unit of their currency', () => {
  const recordedPurchase = async (merchant: string, purchaseId: string) =>
    (await engine.events(merchant)).find((e) => e.type === 'PurchaseRecorded' && (e.data as { purchaseId: string }).purchaseId === purchaseId)?.data as
      | { currency: string; totalCents: number; lines: { unitPriceCents: number; discountCents: number; quantity: number }[] }
      | undefined;

  it('records a Shopify order in yen at its price in yen, "1250.00" and "980" alike', async () => {
    const [first, second] = shopifyOrder.line_items as Record<string, unknown>[];
    const body = JSON.stringify({ ...shopifyOrder, id: 6001, currency: 'JPY', line_items: [{ ...first, price: '1250.00' }, { ...second, quantity: 2, price: '980' }] });
    const res = await shopify(body, sign(SHOPIFY_SECRET, body), 'orders/create', yenShop);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'recorded', purchaseId: 'shopify-6001' });
    const purchase = await recordedPurchase(yenShop, 'shopify-6001');
    expect(purchase).toMatchObject({ currency: 'JPY', totalCents: 1250 + 2 * 980 });
    expect(purchase!.lines.map((l) => l.unitPriceCents)).toEqual([1250, 980]);
  });

  it('refuses a yen price with a decimal (400, the field named), writing nothing', async () => {
    const [first] = shopifyOrder.line_items as Record<string, unknown>[];
    const body = JSON.stringify({ ...shopifyOrder, id: 6002, currency: 'JPY', line_items: [{ ...first, price: '1250.5' }] });
    const before = await engine.eventCount(yenShop);
    const res = await shopify(body, sign(SHOPIFY_SECRET, body), 'orders/create', yenShop);
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual([{ path: 'line_items[0].price', message: expect.stringContaining('more decimals than JPY has (0)') }]);
    expect(await engine.eventCount(yenShop)).toBe(before);
  });

  it('records a WooCommerce order in dinars in fils, and refuses a total past the fils', async () => {
    const item = { id: 41, name: 'Dattes Medjool', sku: 'DAT-1', product_id: 9, quantity: 2, subtotal: '7.000', total: '6.500' };
    const order = { ...wooOrder, id: 8801, currency: 'KWD', line_items: [item] };
    const body = JSON.stringify(order);
    const res = await woo(body, sign(WOO_SECRET, body), 'order.created', dinarShop);
    expect(res.status).toBe(200);
    expect(await recordedPurchase(dinarShop, 'woocommerce-8801')).toMatchObject({ currency: 'KWD', totalCents: 6500, lines: [{ quantity: 2, unitPriceCents: 3500, discountCents: 500 }] });

    const past = JSON.stringify({ ...order, id: 8802, line_items: [{ ...item, total: '6.5004' }] });
    const before = await engine.eventCount(dinarShop);
    const refused = await woo(past, sign(WOO_SECRET, past), 'order.created', dinarShop);
    expect(refused.status).toBe(400);
    expect(refused.body.fields).toEqual([{ path: 'line_items[0].total', message: expect.stringContaining('more decimals than KWD has (3)') }]);
    expect(await engine.eventCount(dinarShop)).toBe(before);
  });
});
