import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { buildMinimalIngestPeer, PEER_TABLE } from '../../../bench/peers/minimal-ingest-peer.js';
import { TEST_DATABASE_URL } from '../../support/test-env.js';

describe('the minimal ingest peer of the ingest benchmark', () => {
  let pool: pg.Pool;
  let app: FastifyInstance;
  let baseUrl: string;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
    await pool.query(`DROP TABLE IF EXISTS ${PEER_TABLE}`);
    app = await buildMinimalIngestPeer(pool);
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await app.close();
    await pool.query(`DROP TABLE IF EXISTS ${PEER_TABLE}`);
    await pool.end();
  });

  const post = (body: unknown) =>
    fetch(`${baseUrl}/v1/purchases`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const rows = async () => (await pool.query<{ purchase_id: string; total_cents: string }>(`SELECT purchase_id, total_cents FROM ${PEER_TABLE} ORDER BY purchase_id`)).rows;
  const purchase = (purchaseId: string) => ({
    purchaseId,
    customerId: 'c-1',
    storeId: 'halles',
    currency: 'EUR',
    lines: [{ sku: 'SJ-2021', name: 'Saint-Joseph 2021', quantity: 2, unitPriceCents: 2450, discountCents: 100 }],
    purchasedAt: '2026-03-14T10:00:00Z',
  });

  it('answers 201 to a valid purchase and 400 to an invalid one, storing one row per accepted purchase', async () => {
    expect((await post(purchase('p-1'))).status).toBe(201);

    const invalid = await post({ ...purchase('p-2'), lines: [{ sku: 'SJ-2021', name: 'Saint-Joseph 2021', quantity: 0, unitPriceCents: 2450 }] });
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(await invalid.json())).toContain('lines.0.quantity');

    expect((await post(purchase('p-3'))).status).toBe(201);
    expect(await rows()).toEqual([
      { purchase_id: 'p-1', total_cents: '4800' },
      { purchase_id: 'p-3', total_cents: '4800' },
    ]);
  });
});
