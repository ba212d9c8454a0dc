import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { demoMerchant, freshMerchantId, TestEngine } from './support/engine-harness.js';

// Whatever the engine accepts, every read model must be able to store and apply: text PostgreSQL
// refuses (NUL, unpaired surrogates), amounts beyond the limits and dates outside the business range
// are refused here, with the field's path, and append nothing.

const merchantId = freshMerchantId('e2e-bound');
let engine: TestEngine;
let pos: string;

const NUL = 'Jean\u0000ne';
const HIGH = 'Sauvignon \ud83c';
const LOW = '\udf77 Chablis';

const line = (extra: Record<string, unknown> = {}) => ({ sku: 'SJ-2021', name: 'Saint-Joseph 2021', category: 'rouge', quantity: 1, unitPriceCents: 2450, ...extra });
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
  expect((await engine.call('POST', '/v1/customers', { key: pos, body: { customerId: 'ana', profile: { firstName: 'Ana' } } })).status).toBe(201);
  expect((await engine.call('POST', '/v1/purchases', { key: pos, body: purchase({ purchaseId: 'p-1', lines: [line({ quantity: 3 })] }) })).status).toBe(201);
});

afterAll(async () => {
  await engine.close();
});

/** The request is refused with exactly these field paths, and nothing is appended. */
async function refused(method: string, url: string, body: unknown, paths: string[]): Promise<Record<string, unknown>> {
  const before = await engine.eventCount(merchantId);
  const res = await engine.call(method, url, { key: pos, idempotencyKey: randomUUID(), body });
  expect({ status: res.status, paths: ((res.body.fields ?? []) as { path: string }[]).map((f) => f.path).sort() }).toEqual({ status: 400, paths: [...paths].sort() });
  expect(await engine.eventCount(merchantId)).toBe(before);
  return res.body;
}

describe('text PostgreSQL cannot store', () => {
  it('is refused in every personal field of an enrolment, although it travels sealed', async () => {
    const body = await refused(
      'POST',
      '/v1/customers',
      { customerId: 'c-nul', profile: { firstName: NUL, lastName: HIGH, companyName: LOW, postalAddress: { line1: '1 rue\u0000', line2: HIGH, postalCode: '69002', city: NUL } } },
      ['profile.firstName', 'profile.lastName', 'profile.companyName', 'profile.postalAddress.line1', 'profile.postalAddress.line2', 'profile.postalAddress.city'],
    );
    expect(JSON.stringify(body.fields)).toMatch(/NUL|U\+0000/);
    expect(JSON.stringify(body.fields)).toMatch(/surrogate/);
  });

  it('is refused in the clear fields of an enrolment and of its consents', async () => {
    await refused(
      'POST',
      '/v1/customers',
      { customerId: 'c-ext', externalId: HIGH, consents: [{ channel: 'email', purpose: 'marketing', proof: { formVersion: NUL, staffId: LOW, doubleOptInToken: NUL, providerReference: HIGH } }] },
      ['externalId', 'consents[0].proof.formVersion', 'consents[0].proof.staffId', 'consents[0].proof.doubleOptInToken', 'consents[0].proof.providerReference'],
    );
  });

  it('is refused in a profile update, a consent change, a visit and a refund', async () => {
    await refused('PATCH', '/v1/customers/ana', { profile: { firstName: NUL } }, ['profile.firstName']);
    await refused('POST', '/v1/customers/ana/consents/grant', { channel: 'sms', purpose: 'marketing', proof: { staffId: NUL } }, ['proof.staffId']);
    await refused('POST', '/v1/customers/ana/consents/withdraw', { channel: 'sms', purpose: 'marketing', reason: HIGH }, ['reason']);
    await refused('POST', '/v1/customers/ana/visits', { kind: 'tasting', eventName: NUL }, ['eventName']);
    await refused('POST', '/v1/purchases/p-1/refunds', { storeId: 'halles', reason: LOW }, ['reason']);
  });

  it('is refused in the lines and the reference of a purchase', async () => {
    await refused(
      'POST',
      '/v1/purchases',
      purchase({ externalRef: NUL, lines: [line({ name: NUL, sku: HIGH }), line({ category: LOW })] }),
      ['externalRef', 'lines[0].name', 'lines[0].sku', 'lines[1].category'],
    );
    await refused('POST', '/v1/purchases', purchase({ customerId: null, externalRef: HIGH }), ['externalRef']);
  });

  it('accepts any other Unicode, emoji and control characters included', async () => {
    const res = await engine.call('POST', '/v1/customers', {
      key: pos,
      body: { customerId: 'c-uni', externalId: 'carte\t42 \u{1F377}', profile: { firstName: 'Zoë \u{1F377}\u200d', lastName: 'O\u0001Brien\u007f\u0085' } },
    });
    expect(res.status).toBe(201);
    const sale = await engine.call('POST', '/v1/purchases', { key: pos, body: purchase({ customerId: 'c-uni', lines: [line({ name: 'Crémant \u{1F942}\u0007', sku: '\uffff' })] }) });
    expect(sale.status).toBe(201);
  });
});

describe('amounts beyond the limits', () => {
  it('refuses a line whose total is above 10,000,000.00 € although each field is in range', async () => {
    const body = await refused('POST', '/v1/purchases', purchase({ lines: [line(), line({ quantity: 100_000, unitPriceCents: 1_000_000_000 })] }), ['lines[1]']);
    expect(JSON.stringify(body.fields)).toContain('1000000000');
  });

  it('refuses a purchase whose total is above 10,000,000.00 € although each line is in range', async () => {
    await refused('POST', '/v1/purchases', purchase({ lines: [line({ unitPriceCents: 600_000_000 }), line({ unitPriceCents: 600_000_000 })] }), ['lines']);
    await refused('POST', '/v1/purchases', purchase({ customerId: null, lines: [line({ quantity: 2, unitPriceCents: 999_999_999 })] }), ['lines[0]']);
  });

  it('accepts a purchase at the limit', async () => {
    const res = await engine.call('POST', '/v1/purchases', { key: pos, body: purchase({ lines: [line({ quantity: 4, unitPriceCents: 250_000_000 })] }) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ totalCents: 1_000_000_000 });
  });
});

describe('dates outside the business range', () => {
  it('refuses a purchase dated in year 50, in 1969 or next year, naming the field', async () => {
    await refused('POST', '/v1/purchases', purchase({ purchasedAt: '0050-03-01T10:00:00Z' }), ['purchasedAt']);
    await refused('POST', '/v1/purchases', purchase({ purchasedAt: '1969-12-31T23:59:59Z' }), ['purchasedAt']);
    await refused('POST', '/v1/purchases', purchase({ customerId: null, purchasedAt: new Date(Date.now() + 400 * 86_400_000).toISOString() }), ['purchasedAt']);
  });

  it('refuses a visit, a refund and consents dated out of range', async () => {
    await refused('POST', '/v1/customers/ana/visits', { kind: 'store', visitedAt: '0099-06-01T10:00:00Z' }, ['visitedAt']);
    await refused('POST', '/v1/customers/ana/visits', { kind: 'store', visitedAt: new Date(Date.now() + 3 * 86_400_000).toISOString() }, ['visitedAt']);
    await refused('POST', '/v1/purchases/p-1/refunds', { storeId: 'halles', refundedAt: '0012-01-01T00:00:00Z' }, ['refundedAt']);
    await refused('POST', '/v1/customers/ana/consents/grant', { channel: 'email', purpose: 'marketing', grantedAt: '1900-01-01T00:00:00Z' }, ['grantedAt']);
    await refused('POST', '/v1/customers/ana/consents/withdraw', { channel: 'email', purpose: 'marketing', withdrawnAt: '2999-01-01T00:00:00Z' }, ['withdrawnAt']);
  });

  it('refuses a birth date before 1900 or after today', async () => {
    await refused('POST', '/v1/customers', { customerId: 'c-born', profile: { birthDate: '0085-03-14' } }, ['profile.birthDate']);
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    await refused('PATCH', '/v1/customers/ana', { profile: { birthDate: tomorrow } }, ['profile.birthDate']);
  });

  it('stores a purchase of 1970 as it was sent', async () => {
    const res = await engine.call('POST', '/v1/purchases', { key: pos, body: purchase({ purchaseId: 'p-1970', purchasedAt: '1970-01-01T00:00:00+01:00' }) });
    expect(res.status).toBe(400);
    const ok = await engine.call('POST', '/v1/purchases', { key: pos, body: purchase({ purchaseId: 'p-1970', purchasedAt: '1970-01-02T10:00:00+01:00' }) });
    expect(ok.status).toBe(201);
    const recorded = (await engine.events(merchantId)).find((e) => e.type === 'PurchaseRecorded' && (e.data as { purchaseId: string }).purchaseId === 'p-1970');
    expect((recorded!.data as { purchasedAt: string }).purchasedAt).toBe('1970-01-02T09:00:00.000Z');
  });
});
