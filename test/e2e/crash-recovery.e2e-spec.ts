import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createPool, type Pool } from '@relance/platform';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '@relance/testing/test-env.js';
import { ApiKeysRepository } from '../../apps/engine/src/auth/api-keys.repository.js';
import { benchConfigDir } from '../../bench/support/bench-merchant.js';
import { EngineProcess } from '../../bench/support/engine-process.js';
import { call, freshMerchantId, TEST_MASTER_KEY } from './support/engine-harness.js';

const merchantId = freshMerchantId('e2e-crash');
const PURCHASES = 300;
const CUSTOMERS = 12;
let configDir: string;
let pool: Pool;
let engine: EngineProcess | null = null;

const env = () => ({
  DATABASE_URL: TEST_DATABASE_URL,
  REDIS_URL: TEST_REDIS_URL,
  PII_MASTER_KEY: TEST_MASTER_KEY,
  CONFIG_DIR: configDir,
  IDEMPOTENCY_LEASE_SECONDS: '2',
});

beforeAll(async () => {
  configDir = await benchConfigDir(merchantId);
  pool = createPool(TEST_DATABASE_URL, { max: 2 });
});

afterAll(async () => {
  await engine?.stop('SIGKILL');
  await pool.end();
  await rm(configDir, { recursive: true, force: true });
});

interface Sent {
  readonly idempotencyKey: string;
  readonly body: Record<string, unknown>;
}

/** Sends until a final answer, as a POS would: on a 409 with Retry-After it waits; on a dropped connection it retries. */
async function deliver(baseUrl: () => string, token: string, sent: Sent): Promise<{ status: number; purchaseId: string }> {
  for (let attempt = 0; attempt < 60; attempt++) {
    try {
      const res = await call<{ purchaseId: string; error?: string }>(baseUrl(), 'POST', '/v1/purchases', { key: token, idempotencyKey: sent.idempotencyKey, body: sent.body });
      // Both are "try again later" answers, with Retry-After.
      if (res.status === 409 && (res.body.error === 'request-in-progress' || res.body.error === 'concurrent-update')) {
        await new Promise((resolve) => setTimeout(resolve, Number(res.headers.get('retry-after') ?? 1) * 1000));
        continue;
      }
      return { status: res.status, purchaseId: res.body.purchaseId };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`No final answer for ${sent.idempotencyKey}`);
}

describe('an engine killed (SIGKILL) during a burst of purchases', () => {
  it('stores every purchase exactly once once the client resends everything with the same Idempotency-Keys', async () => {
    engine = await EngineProcess.start(env());
    const token = (await new ApiKeysRepository(pool).create(merchantId, 'pos', 'crash test')).token;
    for (let i = 0; i < CUSTOMERS; i++) {
      const res = await call(engine.baseUrl, 'POST', '/v1/customers', { key: token, body: { customerId: `k${i}` } });
      expect(res.status).toBe(201);
    }
    // No purchase id in the bodies: the engine derives one from the request's seed, so only the
    // idempotency record (and the event ids derived from the same seed) can keep a resend from doubling it.
    const sent: Sent[] = Array.from({ length: PURCHASES }, (_, i) => ({
      idempotencyKey: randomUUID(),
      body: {
        ...(i % 5 === 0 ? {} : { customerId: `k${i % CUSTOMERS}` }),
        storeId: 'halles',
        currency: 'EUR',
        purchasedAt: new Date().toISOString(),
        lines: [{ sku: `SKU-${i}`, name: 'Vin', quantity: 1 + (i % 3), unitPriceCents: 1000 + i }],
      },
    }));

    const firstAnswers = new Map<string, string>();
    let next = 0;
    const burst = Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < sent.length) {
          const item = sent[next++]!;
          const res = await call<{ purchaseId: string }>(engine!.baseUrl, 'POST', '/v1/purchases', { key: token, idempotencyKey: item.idempotencyKey, body: item.body }).catch(() => null);
          if (res?.status === 201) firstAnswers.set(item.idempotencyKey, res.body.purchaseId);
        }
      }),
    );
    while (firstAnswers.size < PURCHASES / 3) await new Promise((resolve) => setTimeout(resolve, 5));
    await engine.kill();
    await burst;
    expect(firstAnswers.size).toBeGreaterThanOrEqual(PURCHASES / 3);
    expect(firstAnswers.size).toBeLessThan(PURCHASES);

    engine = await EngineProcess.start(env());
    const baseUrl = () => engine!.baseUrl;
    const results = await Promise.all(sent.map((item) => deliver(baseUrl, token, item)));
    expect(results.every((r) => r.status === 201)).toBe(true);
    for (const [key, purchaseId] of firstAnswers) {
      expect(results[sent.findIndex((s) => s.idempotencyKey === key)]!.purchaseId).toBe(purchaseId);
    }

    const answered = new Set(results.map((r) => r.purchaseId));
    expect(answered.size).toBe(PURCHASES);
    const { rows } = await pool.query<{ purchase_id: string; n: number }>(
      `SELECT data->>'purchaseId' AS purchase_id, count(*)::int AS n FROM events
        WHERE event_type = 'PurchaseRecorded' AND metadata->>'merchantId' = $1 GROUP BY 1`,
      [merchantId],
    );
    expect(rows).toHaveLength(PURCHASES);
    expect(rows.every((r) => r.n === 1 && answered.has(r.purchase_id))).toBe(true);
    await engine.stop();
  }, 180_000);
});
