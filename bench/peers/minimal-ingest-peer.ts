import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { RecordPurchaseBody } from '../../apps/engine/src/purchases/purchase.schemas.js';
import { EngineProcess } from '../support/engine-process.js';

/**
 * The plainest service that does the engine's ingest job, to measure the engine against: one Fastify
 * route that validates a purchase with the engine's own schema and inserts one row per purchase in
 * one statement. No API key, no idempotency, no event stream, no loyalty: what is left is the floor
 * any HTTP-to-PostgreSQL service on Node pays per purchase, so the engine's figure divided by this
 * one says what the rest of the engine costs.
 */
export const PEER_TABLE = 'minimal_peer_purchases';

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${PEER_TABLE} (
  purchase_id text PRIMARY KEY,
  customer_id text,
  store_id text NOT NULL,
  currency text NOT NULL,
  total_cents bigint NOT NULL,
  purchased_at timestamptz NOT NULL,
  lines jsonb NOT NULL
)`;

const INSERT = `INSERT INTO ${PEER_TABLE} (purchase_id, customer_id, store_id, currency, total_cents, purchased_at, lines)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;

export async function buildMinimalIngestPeer(pool: pg.Pool): Promise<FastifyInstance> {
  await pool.query(CREATE_TABLE);
  const app = Fastify({ logger: false });
  app.post('/v1/purchases', async (request, reply) => {
    const parsed = RecordPurchaseBody.safeParse(request.body);
    if (!parsed.success) {
      return reply.code(400).send({ error: 'invalid purchase', issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
    }
    const body = parsed.data;
    const purchaseId = body.purchaseId ?? randomUUID();
    const total = body.lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents - l.discountCents, 0);
    await pool.query(INSERT, [purchaseId, body.customerId ?? null, body.storeId, body.currency, total, body.purchasedAt, JSON.stringify(body.lines)]);
    return reply.code(201).send({ purchaseId });
  });
  return app;
}

/** Run in a child process (startMinimalIngestPeer): DATABASE_URL, DATABASE_POOL_MAX. */
export async function main(): Promise<void> {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_MAX ?? 20) });
  const app = await buildMinimalIngestPeer(pool);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(`Listening on ${url}`);
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(() => pool.end())
      .finally(() => process.exit(0));
  });
}

/** The peer as a child process, started like the engine, so the load generator sees the same thing. */
export function startMinimalIngestPeer(env: { DATABASE_URL: string; DATABASE_POOL_MAX: string }): Promise<EngineProcess> {
  return EngineProcess.startModule('The minimal ingest peer', 'bench/peers/minimal-ingest-peer.ts', env);
}
