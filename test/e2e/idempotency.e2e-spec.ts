import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { canonicalJson } from '@relance/domain';
import { v7 as uuidv7 } from 'uuid';
import { IdempotencyRepository } from '../../apps/engine/src/write-path/idempotency.repository.js';
import { demoMerchant, freshMerchantId, TestEngine } from './support/engine-harness.js';

const merchantId = freshMerchantId('e2e-idem');
let engine: TestEngine;
let pos: string;

const purchase = (purchaseId?: string) => ({
  ...(purchaseId ? { purchaseId } : {}),
  customerId: 'hugo',
  storeId: 'halles',
  currency: 'EUR',
  purchasedAt: '2026-11-20T10:00:00Z',
  lines: [{ sku: 'A', name: 'Vin', quantity: 3, unitPriceCents: 1500 }],
});

/** The request as the engine stores it with its key (a keyed hash). */
function requestHash(path: string, body: unknown): string {
  return engine.app.get(IdempotencyRepository).fingerprint(`POST ${path}\n${canonicalJson(body)}`);
}

beforeAll(async () => {
  engine = await TestEngine.start([await demoMerchant(merchantId)]);
  pos = await engine.key(merchantId, 'pos');
  expect((await engine.call('POST', '/v1/customers', { key: pos, body: { customerId: 'hugo' } })).status).toBe(201);
});

afterAll(async () => {
  await engine.close();
});

describe('a request still in progress', () => {
  it('answers 409 with Retry-After, and runs nothing', async () => {
    const key = randomUUID();
    const body = purchase('p-busy');
    await engine.pool.query(
      `INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_hash, seed, status, locked_until, expires_at)
       VALUES ($1, $2, $3, $4, 'in_progress', now() + interval '20 seconds', now() + interval '1 day')`,
      [merchantId, key, requestHash('/v1/purchases', body), uuidv7()],
    );
    const before = await engine.eventCount(merchantId);
    const res = await engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey: key, body });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'request-in-progress' });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(15);
    expect(await engine.eventCount(merchantId)).toBe(before);
  });
});

describe('a request whose process died', () => {
  it('is taken over once its lease is over; events it had appended are found, not appended again', async () => {
    const key = randomUUID();
    const body = purchase();
    const first = await engine.call<{ purchaseId: string; pointsEarned: number }>('POST', '/v1/purchases', { key: pos, idempotencyKey: key, body });
    expect(first.status).toBe(201);
    const count = await engine.eventCount(merchantId);
    // As if the process had died after its append, before recording the response.
    await engine.pool.query(
      `UPDATE idempotency_keys SET status = 'in_progress', response_status = NULL, response_body = NULL, locked_until = now() - interval '1 second'
        WHERE merchant_id = $1 AND idempotency_key = $2`,
      [merchantId, key],
    );
    const retry = await engine.call<{ purchaseId: string; pointsEarned: number }>('POST', '/v1/purchases', { key: pos, idempotencyKey: key, body });
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ purchaseId: first.body.purchaseId, pointsEarned: first.body.pointsEarned });
    expect(await engine.eventCount(merchantId)).toBe(count);
    const { rows } = await engine.pool.query('SELECT status, attempt FROM idempotency_keys WHERE merchant_id = $1 AND idempotency_key = $2', [merchantId, key]);
    expect(rows[0]).toEqual({ status: 'completed', attempt: 2 });
    const replay = await engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey: key, body });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).toBe(retry.text);
  });

  it('runs the command when the dead process had appended nothing', async () => {
    const key = randomUUID();
    const body = purchase('p-never-ran');
    await engine.pool.query(
      `INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_hash, seed, status, locked_until, expires_at)
       VALUES ($1, $2, $3, $4, 'in_progress', now() - interval '1 second', now() + interval '1 day')`,
      [merchantId, key, requestHash('/v1/purchases', body), uuidv7()],
    );
    const res = await engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey: key, body });
    expect(res.status).toBe(201);
    const recorded = (await engine.events(merchantId)).filter((e) => e.type === 'PurchaseRecorded' && (e.data as { purchaseId: string }).purchaseId === 'p-never-ran');
    expect(recorded).toHaveLength(1);
  });
});

describe('refusals are part of the first result', () => {
  it('replays a 404 as it was', async () => {
    const key = randomUUID();
    const body = { ...purchase(), customerId: 'nobody-yet' };
    const first = await engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey: key, body });
    expect(first.status).toBe(404);
    const again = await engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey: key, body });
    expect(again.status).toBe(404);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
  });

  it('does not record a request refused as malformed: the key stays free', async () => {
    const key = randomUUID();
    const bad = await engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey: key, body: { ...purchase(), currency: 'euros' } });
    expect(bad.status).toBe(400);
    const good = await engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey: key, body: purchase() });
    expect(good.status).toBe(201);
  });

  it('refuses a malformed Idempotency-Key', async () => {
    const res = await engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey: 'x'.repeat(300), body: purchase() });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ fields: [{ path: 'Idempotency-Key' }] });
  });
});
