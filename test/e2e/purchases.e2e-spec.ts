import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { demoMerchant, freshMerchantId, TestEngine } from './support/engine-harness.js';

const merchantId = freshMerchantId('e2e-purch');
let engine: TestEngine;
let pos: string;

const line = (extra: Record<string, unknown> = {}) => ({ sku: 'SJ-2021', name: 'Saint-Joseph 2021', category: 'rouge', quantity: 2, unitPriceCents: 2450, ...extra });
const purchase = (extra: Record<string, unknown> = {}) => ({
  customerId: 'ana',
  storeId: 'halles',
  currency: 'EUR',
  purchasedAt: new Date().toISOString(),
  lines: [line()],
  ...extra,
});

beforeAll(async () => {
  engine = await TestEngine.start([await demoMerchant(merchantId)]);
  pos = await engine.key(merchantId, 'pos');
  const enrolled = await engine.call('POST', '/v1/customers', { key: pos, body: { customerId: 'ana', profile: { firstName: 'Ana' } } });
  expect(enrolled.status).toBe(201);
});

afterAll(async () => {
  await engine.close();
});

const streamOf = async (suffix: string) => (await engine.events(merchantId)).filter((e) => e.streamId.endsWith(suffix));

describe('POST /v1/purchases for a customer', () => {
  it('records the purchase and, in the same append, the points it earns', async () => {
    const res = await engine.call('POST', '/v1/purchases', {
      key: pos,
      idempotencyKey: randomUUID(),
      body: purchase({ purchaseId: 'p-ana-1', lines: [line(), line({ sku: 'CH-BRUT', name: 'Champagne', category: 'champagne', quantity: 1, unitPriceCents: 3900 }), line({ sku: 'PROMO', promo: true, quantity: 1, unitPriceCents: 1000 })] }),
    });
    expect(res.status).toBe(201);
    // 49 € × 1 + 39 € × 2 (champagne) = 127 points; the promo line earns nothing.
    expect(res.body).toMatchObject({ purchaseId: 'p-ana-1', customerId: 'ana', totalCents: 4900 + 3900 + 1000, pointsEarned: 127, balance: 127, tier: 'decouverte' });
    const events = await streamOf('.ana');
    const appended = events.filter((e) => e.metadata.causationId === events.find((x) => x.type === 'PurchaseRecorded')!.metadata.causationId);
    expect(appended.map((e) => e.type)).toEqual(['PurchaseRecorded', 'PointsEarned']);
    expect(appended[0]!.metadata).toMatchObject({ merchantId, actor: expect.stringMatching(/^key:[0-9a-f]{16}$/), occurredAt: expect.any(String) });
    expect(appended[0]!.metadata.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });

  it('carries X-Correlation-Id onto the events', async () => {
    await engine.call('POST', '/v1/purchases', { key: pos, headers: { 'x-correlation-id': 'caisse-42:ticket-7' }, body: purchase({ purchaseId: 'p-ana-corr' }) });
    const recorded = (await streamOf('.ana')).find((e) => e.type === 'PurchaseRecorded' && (e.data as { purchaseId: string }).purchaseId === 'p-ana-corr');
    expect(recorded?.metadata.correlationId).toBe('caisse-42:ticket-7');
  });

  it('returns the first result to a retry with the same Idempotency-Key and records nothing more', async () => {
    const key = randomUUID();
    const body = purchase();
    const first = await engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey: key, body });
    const count = await engine.eventCount(merchantId);
    const retry = await engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey: key, body });
    expect(retry.status).toBe(201);
    expect(retry.text).toBe(first.text);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await engine.eventCount(merchantId)).toBe(count);
    const other = await engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey: key, body: { ...body, storeId: 'croix-rousse' } });
    expect(other.status).toBe(409);
  });

  it('refuses the same purchase id twice, on the same or on another stream', async () => {
    const again = await engine.call('POST', '/v1/purchases', { key: pos, body: purchase({ purchaseId: 'p-ana-1' }) });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'purchase-already-recorded' });
    const anonymous = await engine.call('POST', '/v1/purchases', { key: pos, body: purchase({ purchaseId: 'p-ana-1', customerId: null }) });
    expect(anonymous.status).toBe(409);
  });
});

describe('POST /v1/purchases, anonymous ("clients divers")', () => {
  it('records the sale on its own stream, without points', async () => {
    const res = await engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey: randomUUID(), body: purchase({ customerId: undefined, purchaseId: 'anon-1' }) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ purchaseId: 'anon-1', customerId: null, pointsEarned: 0, balance: null });
    const sale = await streamOf(`sale-${merchantId}.anon-1`);
    expect(sale.map((e) => e.type)).toEqual(['PurchaseRecorded']);
  });
});

describe('POST /v1/purchases with bad input', () => {
  const rejected = async (body: unknown, expectedPaths: string[], status = 400) => {
    const before = await engine.eventCount(merchantId);
    const res = await engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey: randomUUID(), body });
    expect(res.status).toBe(status);
    expect((res.body.fields as { path: string }[]).map((f) => f.path).sort()).toEqual(expectedPaths.sort());
    expect(typeof res.body.message).toBe('string');
    expect(await engine.eventCount(merchantId)).toBe(before);
    return res;
  };

  it('names a negative quantity, a wrong type and an unknown field', async () => {
    await rejected(purchase({ lines: [line({ quantity: -1 }), line({ unitPriceCents: '24.50', colour: 'red' })] }), ['lines[0].quantity', 'lines[1].unitPriceCents', 'lines[1].colour']);
  });

  it("refuses a currency other than the merchant's (EUR), and what is not a currency", async () => {
    const res = await rejected(purchase({ currency: 'USD' }), ['currency']);
    expect(res.body.fields).toEqual([{ path: 'currency', message: "USD is not the merchant's currency (EUR): amounts in another currency are refused" }]);
    const unknown = await rejected(purchase({ currency: 'EURO' }), ['currency']);
    expect(unknown.body.fields).toEqual([{ path: 'currency', message: 'not an ISO 4217 currency code (EUR, GBP, JPY…)' }]);
  });

  it('refuses a discount larger than the line and a total that does not add up', async () => {
    await rejected(purchase({ lines: [line({ discountCents: 999999 })], totalCents: 1 }), ['lines[0].discountCents', 'totalCents']);
  });

  it('refuses a purchase without lines, without a store, and with a date that is not one', async () => {
    await rejected({ customerId: 'ana', currency: 'EUR', lines: [], purchasedAt: 'yesterday' }, ['lines', 'storeId', 'purchasedAt']);
  });

  it('answers 404 for an unknown customer, and keeps the purchase id free', async () => {
    await rejected(purchase({ customerId: 'ghost', purchaseId: 'p-ghost' }), [], 404);
    const res = await engine.call('POST', '/v1/purchases', { key: pos, body: purchase({ customerId: null, purchaseId: 'p-ghost' }) });
    expect(res.status).toBe(201);
  });

  it('answers 413 for an oversized body, and 400 for broken JSON, appending nothing', async () => {
    const before = await engine.eventCount(merchantId);
    const huge = JSON.stringify(purchase({ lines: Array.from({ length: 1000 }, () => line({ name: 'x'.repeat(200) })) }));
    expect(huge.length).toBeGreaterThan(262_144);
    const big = await engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey: randomUUID(), raw: huge });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ error: 'body-too-large', fields: [{ path: '(body)' }] });
    const broken = await engine.call('POST', '/v1/purchases', { key: pos, raw: '{"customerId": "ana",' });
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ fields: [{ path: '(body)' }] });
    expect(await engine.eventCount(merchantId)).toBe(before);
  });
});

describe('POST /v1/purchases/:purchaseId/refunds', () => {
  beforeAll(async () => {
    const res = await engine.call('POST', '/v1/purchases', {
      key: pos,
      body: purchase({ purchaseId: 'p-refund', lines: [line({ quantity: 4, unitPriceCents: 2500 }), line({ sku: 'B', quantity: 1, unitPriceCents: 1000 })] }),
    });
    expect(res.body).toMatchObject({ pointsEarned: 110 });
  });

  it('refunds part of a purchase by its id and takes back the points it earned', async () => {
    const key = randomUUID();
    const body = { refundId: 'r-1', storeId: 'halles', lines: [{ lineNo: 1, quantity: 2 }], reason: 'bouchonné' };
    const res = await engine.call('POST', '/v1/purchases/p-refund/refunds', { key: pos, idempotencyKey: key, body });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ purchaseId: 'p-refund', refundId: 'r-1', customerId: 'ana', amountCents: 5000, pointsTakenBack: 50 });
    const count = await engine.eventCount(merchantId);
    const retry = await engine.call('POST', '/v1/purchases/p-refund/refunds', { key: pos, idempotencyKey: key, body });
    expect(retry.text).toBe(res.text);
    expect(await engine.eventCount(merchantId)).toBe(count);
  });

  it('refunds the rest when no lines are named, then refuses more (422)', async () => {
    const rest = await engine.call('POST', '/v1/purchases/p-refund/refunds', { key: pos, body: { storeId: 'halles' } });
    expect(rest.status).toBe(201);
    expect(rest.body).toMatchObject({ amountCents: 6000, pointsTakenBack: 60 });
    const more = await engine.call('POST', '/v1/purchases/p-refund/refunds', { key: pos, body: { storeId: 'halles' } });
    expect(more.status).toBe(422);
    expect(more.body).toMatchObject({ error: 'refund-exceeds-purchase' });
  });

  it('refunds an anonymous sale', async () => {
    const res = await engine.call('POST', '/v1/purchases/anon-1/refunds', { key: pos, body: { storeId: 'halles', lines: [{ lineNo: 1, quantity: 1 }] } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ customerId: null, amountCents: 2450 });
  });

  it('answers 404 for an unknown purchase and 400 for bad input, appending nothing', async () => {
    const before = await engine.eventCount(merchantId);
    const unknown = await engine.call('POST', '/v1/purchases/nope/refunds', { key: pos, body: { storeId: 'halles' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: 'purchase-not-found' });
    const bad = await engine.call('POST', '/v1/purchases/p-refund/refunds', { key: pos, body: { storeId: 'halles', lines: [{ lineNo: 1, quantity: 0 }], extra: 1 } });
    expect(bad.status).toBe(400);
    expect((bad.body.fields as { path: string }[]).map((f) => f.path).sort()).toEqual(['extra', 'lines[0].quantity']);
    expect(await engine.eventCount(merchantId)).toBe(before);
  });
});

describe('GET /metrics', () => {
  it('counts requests by route pattern and status, never by concrete URL', async () => {
    const res = await engine.call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/relance_http_request_duration_seconds_count\{[^}]*route="\/v1\/purchases",status="201"[^}]*\} [1-9]/);
    expect(res.text).toContain('route="/v1/purchases/:purchaseId/refunds"');
    expect(res.text).not.toContain('p-refund');
  });
});
