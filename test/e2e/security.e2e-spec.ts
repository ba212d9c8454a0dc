import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { ApiKeysRepository } from '../../apps/engine/src/auth/api-keys.repository.js';
import { demoMerchant, freshMerchantId, TestEngine } from './support/engine-harness.js';

const merchantA = freshMerchantId('e2e-sec-a');
const merchantB = freshMerchantId('e2e-sec-b');
let engine: TestEngine;
let posA: string;
let posB: string;

const PERSON = { firstName: 'Gaspard', lastName: 'Tremblay-Quintal', email: 'gaspard.tremblay@example.fr', phone: '06 55 44 33 22' };

beforeAll(async () => {
  // Revocations must show at once here: no key cache.
  engine = await TestEngine.start([await demoMerchant(merchantA), await demoMerchant(merchantB)], { env: { API_KEY_CACHE_SECONDS: '0' } });
  posA = await engine.key(merchantA, 'pos');
  posB = await engine.key(merchantB, 'pos');
  const res = await engine.call('POST', '/v1/customers', {
    key: posA,
    body: { customerId: 'gaspard', profile: { ...PERSON, postalAddress: { line1: '12 quai Saint-Antoine', postalCode: '69002', city: 'Lyon' } }, consents: [{ channel: 'email', purpose: 'marketing', proof: { ip: '203.0.113.77' } }] },
  });
  expect(res.status).toBe(201);
});

afterAll(async () => {
  await engine.close();
});

describe('authentication', () => {
  it('refuses a request without a key, with a malformed key and with a wrong secret (401)', async () => {
    const none = await engine.call('GET', '/v1/customers/gaspard');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await engine.call('GET', '/v1/customers/gaspard', { key: 'not-a-key' })).status).toBe(401);
    const forged = posA.slice(0, -4) + (posA.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await engine.call('GET', '/v1/customers/gaspard', { key: forged })).status).toBe(401);
  });

  it('refuses a revoked key', async () => {
    const token = await engine.key(merchantA, 'pos');
    expect((await engine.call('GET', '/v1/customers/gaspard', { key: token })).status).toBe(200);
    const keyId = token.split('_')[1]!;
    expect(await new ApiKeysRepository(engine.pool).revoke(merchantA, keyId)).toBe(true);
    const res = await engine.call('GET', '/v1/customers/gaspard', { key: token });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'unauthenticated' });
  });

  it('stores only a hash of the key', async () => {
    const { rows } = await engine.pool.query<{ secret_hash: Buffer }>('SELECT secret_hash FROM api_keys WHERE key_id = $1', [posA.split('_')[1]]);
    expect(rows[0]!.secret_hash).toHaveLength(32);
    const secret = posA.split('_').slice(2).join('_');
    expect(rows[0]!.secret_hash.toString('base64url')).not.toBe(secret);
  });

  it('checks the role against each route (403), and appends nothing', async () => {
    const analyst = await engine.key(merchantA, 'analyst');
    const operator = await engine.key(merchantA, 'operator');
    const admin = await engine.key(merchantA, 'admin');
    const before = await engine.eventCount(merchantA);
    const purchase = { customerId: 'gaspard', storeId: 'halles', currency: 'EUR', purchasedAt: new Date().toISOString(), lines: [{ sku: 'A', name: 'Vin', quantity: 1, unitPriceCents: 1000 }] };
    const denied = await engine.call('POST', '/v1/purchases', { key: analyst, body: purchase });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error: 'forbidden', details: { role: 'analyst', permission: 'purchases:write' } });
    expect((await engine.call('GET', '/v1/customers/gaspard', { key: operator })).status).toBe(403);
    expect((await engine.call('POST', '/v1/customers/gaspard/merge', { key: posA, body: { duplicateId: 'x' } })).status).toBe(403);
    expect(await engine.eventCount(merchantA)).toBe(before);
    expect((await engine.call('GET', '/v1/customers/gaspard', { key: admin })).status).toBe(200);
  });

  it('audits reads of personal data by support', async () => {
    const support = await engine.key(merchantA, 'support');
    expect((await engine.call('GET', '/v1/customers/gaspard', { key: support })).status).toBe(200);
    const { rows } = await engine.pool.query('SELECT key_id, role FROM personal_data_reads WHERE merchant_id = $1 AND customer_id = $2', [merchantA, 'gaspard']);
    expect(rows).toContainEqual({ key_id: support.split('_')[1], role: 'support' });
  });
});

describe('isolation between merchants', () => {
  it('never lets a key read or change another merchant’s customer', async () => {
    const before = await engine.eventCount(merchantA);
    expect((await engine.call('GET', '/v1/customers/gaspard', { key: posB })).status).toBe(404);
    expect((await engine.call('PATCH', '/v1/customers/gaspard', { key: posB, body: { locale: 'en' } })).status).toBe(404);
    expect((await engine.call('POST', '/v1/customers/gaspard/visits', { key: posB, body: { kind: 'store' } })).status).toBe(404);
    const purchase = { customerId: 'gaspard', storeId: 'halles', currency: 'EUR', purchasedAt: new Date().toISOString(), lines: [{ sku: 'A', name: 'Vin', quantity: 1, unitPriceCents: 1000 }] };
    expect((await engine.call('POST', '/v1/purchases', { key: posB, body: purchase })).status).toBe(404);
    expect(await engine.eventCount(merchantA)).toBe(before);
  });

  it('keeps ids, identities and Idempotency-Keys per merchant', async () => {
    const key = randomUUID();
    const body = { customerId: 'gaspard', profile: { email: PERSON.email } };
    const inB = await engine.call('POST', '/v1/customers', { key: posB, idempotencyKey: key, body });
    expect(inB.status).toBe(201);
    const inA = await engine.call('POST', '/v1/customers', { key: posA, idempotencyKey: key, body });
    expect(inA.status).toBe(409);
    expect(inA.headers.get('idempotent-replayed')).toBeNull();
    const eventsB = await engine.events(merchantB);
    expect(eventsB.every((e) => e.streamId.includes(merchantB) && e.metadata.merchantId === merchantB)).toBe(true);
    const refundFromB = await engine.call('POST', '/v1/purchases/whatever/refunds', { key: posB, body: { storeId: 'halles' } });
    expect(refundFromB.status).toBe(404);
  });
});

describe('personal data in events', () => {
  it('never appears in clear in the raw event data of a customer', async () => {
    const { rows } = await engine.pool.query<{ raw: string }>(
      `SELECT data::text || metadata::text AS raw FROM events WHERE stream_id = $1`,
      [`customer-${merchantA}.gaspard`],
    );
    expect(rows.length).toBeGreaterThan(0);
    const raw = rows.map((r) => r.raw).join('\n').toLowerCase();
    for (const clear of ['gaspard.tremblay@example.fr', 'tremblay', 'quintal', '+33655443322', '0655443322', '55 44 33 22', 'saint-antoine', '203.0.113.77']) {
      expect(raw).not.toContain(clear);
    }
    expect(raw).toContain('pii:v1:');
  });

  it('never sits in clear in a stored idempotent response either, which still replays in clear', async () => {
    const key = randomUUID();
    const body = { customerId: 'lena', profile: { firstName: 'Léna', lastName: 'Vasseur', email: 'lena.vasseur@example.fr' } };
    const first = await engine.call('POST', '/v1/customers', { key: posA, idempotencyKey: key, body });
    expect(first.body).toMatchObject({ profile: { email: 'lena.vasseur@example.fr' } });
    const { rows } = await engine.pool.query<{ response_body: string }>('SELECT response_body FROM idempotency_keys WHERE merchant_id = $1 AND idempotency_key = $2', [merchantA, key]);
    expect(rows[0]!.response_body).toMatch(/^pii:v1:/);
    expect(rows[0]!.response_body.toLowerCase()).not.toMatch(/vasseur|lena\.vasseur|example\.fr/);
    const replay = await engine.call('POST', '/v1/customers', { key: posA, idempotencyKey: key, body });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).toBe(first.text);
  });

  it('keeps only keyed hashes in the identity reservations', async () => {
    const { rows } = await engine.pool.query<{ identity_hash: string }>('SELECT identity_hash FROM customer_identities WHERE merchant_id = $1 AND customer_id = $2', [merchantA, 'gaspard']);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.identity_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
