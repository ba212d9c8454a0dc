import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { demoMerchant, freshMerchantId, TestEngine } from './support/engine-harness.js';

const merchantId = freshMerchantId('e2e-cust');
let engine: TestEngine;
let pos: string;

beforeAll(async () => {
  engine = await TestEngine.start([await demoMerchant(merchantId)]);
  pos = await engine.key(merchantId, 'pos');
});

afterAll(async () => {
  await engine.close();
});

const elodie = (overrides: Record<string, unknown> = {}) => ({
  type: 'b2c',
  storeId: 'halles',
  profile: { firstName: 'Élodie', lastName: 'Martin', email: '  Elodie.Martin@Example.FR ', phone: '06 12 34 56 78', birthDate: '1985-04-12' },
  consents: [{ channel: 'email', purpose: 'marketing', proof: { formVersion: 'carte-2026', staffId: 'st-3', ip: '192.0.2.10' } }],
  ...overrides,
});

describe('POST /v1/customers', () => {
  it('enrols a customer: profile normalised and returned, consents recorded, first tier given', async () => {
    const res = await engine.call('POST', '/v1/customers', { key: pos, idempotencyKey: randomUUID(), body: elodie({ customerId: 'elodie' }) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      customerId: 'elodie',
      status: 'active',
      type: 'b2c',
      storeId: 'halles',
      profile: { firstName: 'Élodie', email: 'elodie.martin@example.fr', phone: '+33612345678', birthDate: '1985-04-12' },
      points: { balance: 0 },
      tier: { id: 'decouverte' },
      consents: [{ channel: 'email', purpose: 'marketing', granted: true, source: 'api' }],
      segment: null,
    });
    const types = (await engine.events(merchantId)).filter((e) => e.streamId.endsWith('.elodie')).map((e) => e.type);
    expect(types).toEqual(['CustomerEnrolled', 'ConsentGranted', 'TierChanged']);
  });

  it('returns the first response to a retry with the same Idempotency-Key, and appends nothing', async () => {
    const key = randomUUID();
    const body = elodie({ customerId: 'retry-1', profile: { firstName: 'Ana', email: 'ana@example.fr' } });
    const first = await engine.call('POST', '/v1/customers', { key: pos, idempotencyKey: key, body });
    const before = await engine.eventCount(merchantId);
    const again = await engine.call('POST', '/v1/customers', { key: pos, idempotencyKey: key, body });
    expect(again.status).toBe(first.status);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await engine.eventCount(merchantId)).toBe(before);
  });

  it('refuses the same Idempotency-Key with another body (409)', async () => {
    const key = randomUUID();
    await engine.call('POST', '/v1/customers', { key: pos, idempotencyKey: key, body: elodie({ customerId: 'reuse-1', profile: {} }) });
    const res = await engine.call('POST', '/v1/customers', { key: pos, idempotencyKey: key, body: elodie({ customerId: 'reuse-2', profile: {} }) });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'idempotency-key-reused' });
  });

  it('assigns the same customer id on a retry when none is given', async () => {
    const key = randomUUID();
    const body = { profile: { firstName: 'Sans Id' } };
    const a = await engine.call<{ customerId: string }>('POST', '/v1/customers', { key: pos, idempotencyKey: key, body });
    const b = await engine.call<{ customerId: string }>('POST', '/v1/customers', { key: pos, idempotencyKey: key, body });
    expect(a.status).toBe(201);
    expect(a.body.customerId).toMatch(/^c-[a-z2-7]{20}$/);
    expect(b.body.customerId).toBe(a.body.customerId);
  });

  it('refuses a duplicate email or phone with 409 naming the existing customer', async () => {
    const byEmail = await engine.call('POST', '/v1/customers', { key: pos, body: { profile: { email: 'ELODIE.martin@example.fr' } } });
    expect(byEmail.status).toBe(409);
    expect(byEmail.body).toMatchObject({ error: 'duplicate-identity', details: { kind: 'email', customerId: 'elodie' } });
    const byPhone = await engine.call('POST', '/v1/customers', { key: pos, body: { profile: { phone: '+33 6 12 34 56 78' } } });
    expect(byPhone.body).toMatchObject({ error: 'duplicate-identity', details: { kind: 'phone', customerId: 'elodie' } });
  });

  it('enrols a B2B customer with its business category, and requires one', async () => {
    const ok = await engine.call('POST', '/v1/customers', { key: pos, body: { type: 'b2b', businessCategory: 'restaurant', profile: { companyName: 'Bistrot du Coin' } } });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ type: 'b2b', businessCategory: 'restaurant', profile: { companyName: 'Bistrot du Coin' } });
    const missing = await engine.call('POST', '/v1/customers', { key: pos, body: { type: 'b2b', profile: {} } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ fields: [{ path: 'businessCategory', message: 'required for a B2B customer' }] });
  });

  it('rejects bad input with every field named, and appends nothing', async () => {
    const before = await engine.eventCount(merchantId);
    const res = await engine.call('POST', '/v1/customers', {
      key: pos,
      idempotencyKey: randomUUID(),
      body: { type: 'person', storeId: 12, profile: { email: 'not-an-email', phone: '0612', nickname: 'x' }, consents: [{ channel: 'fax', purpose: 'marketing' }] },
    });
    expect(res.status).toBe(400);
    const paths = (res.body.fields as { path: string }[]).map((f) => f.path).sort();
    expect(paths).toEqual(['consents[0].channel', 'profile.email', 'profile.nickname', 'profile.phone', 'storeId', 'type']);
    expect(res.body.error).toBe('invalid-request');
    expect(await engine.eventCount(merchantId)).toBe(before);
  });

  it('rejects an unknown store by name', async () => {
    const res = await engine.call('POST', '/v1/customers', { key: pos, body: { storeId: 'marseille', profile: {} } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ fields: [{ path: 'storeId', message: expect.stringContaining('unknown store "marseille"') }] });
  });
});

describe('GET and PATCH /v1/customers/:customerId', () => {
  it('reads the customer back, profile decrypted', async () => {
    const res = await engine.call('GET', '/v1/customers/elodie', { key: pos });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ customerId: 'elodie', profile: { lastName: 'Martin' }, points: { balance: 0, lots: [] }, rewards: [] });
  });

  it('rejects a malformed customer id in the URL, naming it', async () => {
    const res = await engine.call('GET', `/v1/customers/${encodeURIComponent('bad id!')}`, { key: pos });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ fields: [{ path: 'customerId' }] });
  });

  it('answers 404 for an unknown customer', async () => {
    const res = await engine.call('GET', '/v1/customers/nobody', { key: pos });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'customer-not-found' });
  });

  it('updates the profile, names what changed (not its values), and frees the old email', async () => {
    const key = randomUUID();
    const body = { profile: { email: 'elodie@nouveau.fr', lastName: null } };
    const res = await engine.call('PATCH', '/v1/customers/elodie', { key: pos, idempotencyKey: key, body });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ profile: { email: 'elodie@nouveau.fr', lastName: null, firstName: 'Élodie' } });
    const updated = (await engine.events(merchantId)).filter((e) => e.type === 'CustomerProfileUpdated');
    expect(updated.at(-1)?.data).toMatchObject({ changedFields: ['lastName', 'email'] });
    const retry = await engine.call('PATCH', '/v1/customers/elodie', { key: pos, idempotencyKey: key, body });
    expect(retry.text).toBe(res.text);
    expect((await engine.events(merchantId)).filter((e) => e.type === 'CustomerProfileUpdated')).toHaveLength(updated.length);
    const reuse = await engine.call('POST', '/v1/customers', { key: pos, body: { customerId: 'reuses-old-email', profile: { email: 'elodie.martin@example.fr' } } });
    expect(reuse.status).toBe(201);
  });

  it('rejects an unknown field and a wrong type in an update, appending nothing', async () => {
    const before = await engine.eventCount(merchantId);
    const res = await engine.call('PATCH', '/v1/customers/elodie', { key: pos, body: { locale: 42, colour: 'blue' } });
    expect(res.status).toBe(400);
    expect((res.body.fields as { path: string }[]).map((f) => f.path).sort()).toEqual(['colour', 'locale']);
    expect(await engine.eventCount(merchantId)).toBe(before);
  });

  it('answers 404 when updating an unknown customer', async () => {
    const res = await engine.call('PATCH', '/v1/customers/nobody', { key: pos, body: { locale: 'fr' } });
    expect(res.status).toBe(404);
  });
});
