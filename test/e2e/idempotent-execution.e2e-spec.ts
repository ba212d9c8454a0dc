import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHmac, randomUUID } from 'node:crypto';
import { IntegrationSecrets } from '../../apps/engine/src/integrations/integration-secrets.repository.js';
import { IdempotentExecutor } from '../../apps/engine/src/write-path/idempotent-execution.js';
import { demoMerchant, freshMerchantId, testConfig, TestEngine, type ApiResponse } from './support/engine-harness.js';

// The two doors a write comes in by, an API route with an Idempotency-Key and an e-shop webhook
// (idempotent by its order id), share one executor. Each door gets the same ordeal here: the first
// delivery appends its events, then PostgreSQL goes away before the answer is stored; the sender
// delivers again, and everything is recorded once.

const merchantId = freshMerchantId('e2e-exec');
const SHOPIFY_SECRET = 'shpss_exec_5d2a';
const trigger = `cut_first_completion_${merchantId.replace(/[^a-z0-9]/g, '_')}`;
let engine: TestEngine;
let pos: string;

beforeAll(async () => {
  engine = await TestEngine.start([await demoMerchant(merchantId)]);
  pos = await engine.key(merchantId, 'pos');
  await new IntegrationSecrets(engine.pool, testConfig()).set(merchantId, 'shopify', SHOPIFY_SECRET);
  expect((await engine.call('POST', '/v1/customers', { key: pos, body: { customerId: 'ines' } })).status).toBe(201);
  // The first attempt of every key of this merchant (but the `retry-` ones) loses its connection when
  // it stores its answer (SQLSTATE 57P01, as when the server shuts down): its events are appended, its
  // answer is not.
  await engine.pool.query(`
    CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.merchant_id = '${merchantId}' AND NEW.idempotency_key NOT LIKE 'retry-%' AND NEW.status = 'completed' AND NEW.attempt = 1 THEN
        RAISE EXCEPTION 'terminating connection due to administrator command' USING ERRCODE = '57P01';
      END IF;
      RETURN NEW;
    END $$`);
  await engine.pool.query(`CREATE TRIGGER ${trigger} BEFORE UPDATE ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION ${trigger}()`);
});

afterAll(async () => {
  await engine.pool.query(`DROP TRIGGER IF EXISTS ${trigger} ON idempotency_keys`);
  await engine.pool.query(`DROP FUNCTION IF EXISTS ${trigger}()`);
  await engine.close();
});

interface Door {
  readonly name: string;
  /** The idempotency record's key for this delivery. */
  readonly recordKey: string;
  readonly purchaseId: string;
  /** What the first delivery would have answered, had it not been cut short. */
  readonly answer: Record<string, unknown>;
  readonly deliver: () => Promise<ApiResponse>;
}

function apiDoor(): Door {
  const idempotencyKey = randomUUID();
  const purchaseId = `p-${idempotencyKey.slice(0, 8)}`;
  const body = {
    purchaseId,
    customerId: 'ines',
    storeId: 'halles',
    currency: 'EUR',
    purchasedAt: '2026-11-21T10:00:00Z',
    lines: [{ sku: 'CHB-22', name: 'Chablis', quantity: 2, unitPriceCents: 1850 }],
  };
  return {
    name: 'POST /v1/purchases with an Idempotency-Key',
    recordKey: idempotencyKey,
    purchaseId,
    answer: { purchaseId, customerId: 'ines', totalCents: 3700 },
    deliver: () => engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey, body }),
  };
}

function webhookDoor(): Door {
  // The merchant is new to this run: a fixed order id cannot meet an earlier one.
  const orderId = 880_001;
  const raw = JSON.stringify({
    id: orderId,
    currency: 'EUR',
    created_at: '2026-11-21T11:00:00+01:00',
    email: `buyer-${orderId}@example.fr`,
    buyer_accepts_marketing: false,
    customer: { id: orderId, first_name: 'Jeanne', last_name: 'Roux' },
    line_items: [{ id: 1, sku: 'SAN-21', title: 'Sancerre', quantity: 3, price: '21.00', total_discount: '0.00' }],
  });
  const signature = createHmac('sha256', SHOPIFY_SECRET).update(raw, 'utf8').digest('base64');
  return {
    name: 'Shopify orders/create webhook',
    recordKey: `webhook:shopify:order:${orderId}`,
    purchaseId: `shopify-${orderId}`,
    answer: { orderId: String(orderId), status: 'recorded', purchaseId: `shopify-${orderId}` },
    deliver: () =>
      engine.call('POST', `/v1/webhooks/shopify/${merchantId}`, { raw, headers: { 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': signature } }),
  };
}

const recordedTimes = async (purchaseId: string) =>
  (await engine.events(merchantId)).filter((e) => e.type === 'PurchaseRecorded' && (e.data as { purchaseId: string }).purchaseId === purchaseId).length;

describe.each([['the API', apiDoor], ['a webhook', webhookDoor]])('a write through %s cut short after its append', (_, door) => {
  it('answers 503, then records once when delivered again, and replays that answer after', async () => {
    const { recordKey, purchaseId, answer, deliver } = door();
    const executor = engine.app.get(IdempotentExecutor);
    const runs = jest.spyOn(executor, 'execute');
    try {
      const cut = await deliver();
      expect(cut.status).toBe(503);
      expect(cut.body).toMatchObject({ error: 'database-unavailable' });
      expect(cut.headers.get('retry-after')).toBe('5');
      const appended = await engine.eventCount(merchantId);
      expect(await recordedTimes(purchaseId)).toBe(1);
      // Released at once: the next delivery does not wait for the lease.
      const held = await engine.pool.query('SELECT status, attempt, locked_until <= now() AS free FROM idempotency_keys WHERE merchant_id = $1 AND idempotency_key = $2', [merchantId, recordKey]);
      expect(held.rows).toEqual([{ status: 'in_progress', attempt: 1, free: true }]);

      const again = await deliver();
      expect(again.status).toBeLessThan(300);
      expect(again.headers.get('idempotent-replayed')).toBeNull();
      expect(again.body).toMatchObject(answer);
      // The second attempt ran with the first one's seed: it found the events, it did not append them again.
      expect(await engine.eventCount(merchantId)).toBe(appended);
      expect(await recordedTimes(purchaseId)).toBe(1);
      const done = await engine.pool.query('SELECT status, attempt FROM idempotency_keys WHERE merchant_id = $1 AND idempotency_key = $2', [merchantId, recordKey]);
      expect(done.rows).toEqual([{ status: 'completed', attempt: 2 }]);

      const third = await deliver();
      expect(third.headers.get('idempotent-replayed')).toBe('true');
      expect(third.text).toBe(again.text);
      expect(await engine.eventCount(merchantId)).toBe(appended);
      // Every delivery, whichever the door, went through the one executor under the same record key.
      expect(runs.mock.calls.map(([incoming]) => incoming.key)).toEqual([recordKey, recordKey, recordKey]);
    } finally {
      runs.mockRestore();
    }
  });
});

describe('an answer that asks the caller to retry', () => {
  it('is not replayed to the retry: a purchase held by a dead request is recorded once the same key is sent after the hold went stale', async () => {
    // What a process leaves when it dies between reserving a purchase id and appending.
    await engine.pool.query('INSERT INTO purchase_locator (merchant_id, purchase_id, stream_id, seed) VALUES ($1, $2, $3, $4)', [
      merchantId,
      'p-held',
      `customer-${merchantId}.ines`,
      '01960000-0000-7000-8000-0000000000aa',
    ]);
    const idempotencyKey = `retry-${randomUUID()}`;
    const body = { purchaseId: 'p-held', customerId: 'ines', storeId: 'halles', currency: 'EUR', purchasedAt: '2026-11-22T10:00:00Z', lines: [{ sku: 'VIN', name: 'Vin', quantity: 1, unitPriceCents: 900 }] };
    const send = () => engine.call('POST', '/v1/purchases', { key: pos, idempotencyKey, body });
    const early = await send();
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ error: 'purchase-in-progress' });
    expect(early.headers.get('retry-after')).toBe('1');
    // The test engine's lease is 2 s: past it, the dead request's reservation is taken over.
    let late = early;
    for (let i = 0; i < 50 && late.status === 409; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      late = await send();
      expect(late.headers.get('idempotent-replayed')).toBeNull();
    }
    expect(late.status).toBe(201);
    expect(await recordedTimes('p-held')).toBe(1);
    const replay = await send();
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).toBe(late.text);
  });
});
