import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { IntegrationSecrets } from '../../apps/engine/src/integrations/integration-secrets.repository.js';
import { demoMerchant, freshMerchantId, ROOT, testConfig, TestEngine } from './support/engine-harness.js';

// Signed webhooks cross the same boundary as the API: the signature header must be exactly the
// platform's, and what a signed order carries must be storable, within the limits and dated sanely,
// or the order is refused (400 naming the platform's field) with nothing written.

const merchantId = freshMerchantId('e2e-hookb');
const SHOPIFY_SECRET = 'shpss_boundary_1';
const WOO_SECRET = 'woo-boundary-2';
let engine: TestEngine;
let shopifyFixture: Record<string, unknown>;
let wooFixture: Record<string, unknown>;
let nextId = 90_000;

const sign = (secret: string, body: string) => createHmac('sha256', secret).update(body, 'utf8').digest('base64');

beforeAll(async () => {
  engine = await TestEngine.start([await demoMerchant(merchantId)]);
  const secrets = new IntegrationSecrets(engine.pool, testConfig());
  await secrets.set(merchantId, 'shopify', SHOPIFY_SECRET);
  await secrets.set(merchantId, 'woocommerce', WOO_SECRET);
  const fixtures = path.join(ROOT, 'test/fixtures/webhooks');
  shopifyFixture = (JSON.parse(await readFile(path.join(fixtures, 'shopify-order.json'), 'utf8')) as { order: Record<string, unknown> }).order;
  wooFixture = JSON.parse(await readFile(path.join(fixtures, 'woocommerce-order.json'), 'utf8')) as Record<string, unknown>;
});

afterAll(async () => {
  await engine.close();
});

/** A raw HTTP POST, so that a header can be sent twice (fetch folds them). */
function post(url: string, body: string, headers: [string, string][]): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const target = new URL(`${engine.baseUrl}${url}`);
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: [['host', target.host], ['content-type', 'application/json'], ['content-length', String(Buffer.byteLength(body))], ...headers].flat() }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
        } catch {
          reject(new Error(`${res.statusCode}: ${text}`));
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const shopifyOrder = (extra: Record<string, unknown> = {}) => ({ ...shopifyFixture, id: nextId++, currency: 'EUR', ...extra });
const wooOrder = (extra: Record<string, unknown> = {}) => ({ ...wooFixture, id: nextId++, currency: 'EUR', ...extra });
const shopify = (order: unknown, signature?: (body: string) => string) => {
  const body = JSON.stringify(order);
  return post(`/v1/webhooks/shopify/${merchantId}`, body, [['x-shopify-topic', 'orders/create'], ['x-shopify-hmac-sha256', (signature ?? ((b) => sign(SHOPIFY_SECRET, b)))(body)]]);
};
const woo = (order: unknown) => {
  const body = JSON.stringify(order);
  return post(`/v1/webhooks/woocommerce/${merchantId}`, body, [['x-wc-webhook-topic', 'order.created'], ['x-wc-webhook-signature', sign(WOO_SECRET, body)]]);
};

/** Refused with exactly these paths, and nothing appended. */
async function refused(send: Promise<{ status: number; body: Record<string, unknown> }>, paths: string[]): Promise<void> {
  const before = await engine.eventCount(merchantId);
  const res = await send;
  expect({ status: res.status, paths: ((res.body.fields ?? []) as { path: string }[]).map((f) => f.path).sort() }).toEqual({ status: 400, paths: [...paths].sort() });
  expect(await engine.eventCount(merchantId)).toBe(before);
}

describe('the signature header', () => {
  it('is accepted exactly as the platform sends it', async () => {
    expect((await shopify(shopifyOrder())).status).toBe(200);
  });

  // Spaces around a header value are not part of it (HTTP strips them before anyone reads it); spaces
  // inside it, and anything after it, are.
  it('is refused with trailing garbage, spaces, or the signature twice (401)', async () => {
    const before = await engine.eventCount(merchantId);
    const forms: [string, (body: string) => string][] = [
      ['trailing garbage', (b) => `${sign(SHOPIFY_SECRET, b)}garbage`],
      ['trailing characters outside base64', (b) => `${sign(SHOPIFY_SECRET, b)}!!`],
      ['a space inside', (b) => `${sign(SHOPIFY_SECRET, b).slice(0, 20)} ${sign(SHOPIFY_SECRET, b).slice(20)}`],
      ['a trailing space and more', (b) => `${sign(SHOPIFY_SECRET, b)} x`],
      ['a tab and more', (b) => `${sign(SHOPIFY_SECRET, b)}\tx`],
      ['twice, comma-separated', (b) => `${sign(SHOPIFY_SECRET, b)},${sign(SHOPIFY_SECRET, b)}`],
      ['twice, space-separated', (b) => `${sign(SHOPIFY_SECRET, b)} ${sign(SHOPIFY_SECRET, b)}`],
      ['without its padding', (b) => sign(SHOPIFY_SECRET, b).replace(/=+$/, '')],
      ['in base64url', (b) => createHmac('sha256', SHOPIFY_SECRET).update(b, 'utf8').digest('base64url')],
      ['in hex', (b) => createHmac('sha256', SHOPIFY_SECRET).update(b, 'utf8').digest('hex')],
    ];
    for (const [form, signature] of forms) {
      const res = await shopify(shopifyOrder(), signature);
      expect({ form, status: res.status }).toEqual({ form, status: 401 });
    }
    expect(await engine.eventCount(merchantId)).toBe(before);
  });

  it('is refused when the header itself is sent twice (401)', async () => {
    const body = JSON.stringify(shopifyOrder());
    const signature = sign(SHOPIFY_SECRET, body);
    const res = await post(`/v1/webhooks/shopify/${merchantId}`, body, [['x-shopify-topic', 'orders/create'], ['x-shopify-hmac-sha256', signature], ['x-shopify-hmac-sha256', signature]]);
    expect(res.status).toBe(401);
    const wooBody = JSON.stringify(wooOrder());
    const wooSignature = sign(WOO_SECRET, wooBody);
    const wooRes = await post(`/v1/webhooks/woocommerce/${merchantId}`, wooBody, [['x-wc-webhook-signature', wooSignature], ['x-wc-webhook-signature', wooSignature]]);
    expect(wooRes.status).toBe(401);
  });
});

describe('a signed order', () => {
  const item = (extra: Record<string, unknown> = {}) => ({ id: nextId++, sku: 'CH-1', name: 'Champagne', quantity: 1, price: '30.00', ...extra });

  it('is refused when a text it carries cannot be stored, naming the Shopify field', async () => {
    await refused(
      shopify(shopifyOrder({ name: '#10\u000001', line_items: [item({ name: 'Brut\u0000' }), item({ sku: '\ud83c' })], customer: { id: 5, email: 'nul@example.fr', first_name: 'A\udc00', last_name: 'Nul' } })),
      ['name', 'line_items[0].name', 'line_items[1].sku', 'customer.first_name'],
    );
  });

  it('is refused when a text it carries cannot be stored, naming the WooCommerce field', async () => {
    const billing = { ...(wooFixture.billing as Record<string, unknown>), last_name: 'Doe\u0000' };
    const lines = (wooFixture.line_items as Record<string, unknown>[]).map((l, i) => (i === 1 ? { ...l, name: '\udfff' } : l));
    await refused(woo(wooOrder({ billing, line_items: lines })), ['billing.last_name', 'line_items[1].name']);
  });

  it('keeps a long name whole to the character: a cut never splits an emoji', async () => {
    const sku = `${'A'.repeat(63)}\u{1F377}`;
    const res = await shopify(shopifyOrder({ line_items: [item({ sku, name: `${'B'.repeat(199)}\u{1F942}` })] }));
    expect(res.status).toBe(200);
    const recorded = (await engine.events(merchantId)).find((e) => e.type === 'PurchaseRecorded' && (e.data as { purchaseId: string }).purchaseId === res.body.purchaseId)!;
    const [line] = (recorded.data as { lines: { sku: string; name: string }[] }).lines;
    expect(line).toMatchObject({ sku: 'A'.repeat(63), name: 'B'.repeat(199) });
  });

  it('is refused when its amounts are beyond the limits, naming the platform field', async () => {
    await refused(shopify(shopifyOrder({ line_items: [item({ price: '10000000.01' })] })), ['line_items[0].price']);
    await refused(shopify(shopifyOrder({ line_items: [item(), item({ quantity: 3, price: '5000000.00' })] })), ['line_items[1]']);
    await refused(shopify(shopifyOrder({ line_items: [item({ price: '6000000.00' }), item({ quantity: 0 }), item({ price: '6000000.00' })] })), ['line_items']);
    await refused(shopify(shopifyOrder({ line_items: [item({ price: '-5.00' })] })), ['line_items[0].price']);
    await refused(shopify(shopifyOrder({ line_items: [item({ quantity: 100_001 })] })), ['line_items[0].quantity']);
  });

  it('is refused when it is dated outside the business range, naming the platform field', async () => {
    await refused(shopify(shopifyOrder({ created_at: '0050-01-10T11:00:00-05:00' })), ['created_at']);
    await refused(shopify(shopifyOrder({ created_at: new Date(Date.now() + 5 * 86_400_000).toISOString() })), ['created_at']);
    await refused(woo(wooOrder({ date_created_gmt: '1969-07-20T20:17:00' })), ['date_created_gmt']);
  });
});
