import { randomBytes } from 'node:crypto';
import { type ActiveProgram } from '@relance/domain';
import type { EventToAppend, EventStore } from '@relance/event-store';
import { masterKeyId, sealJson, wrapKey, type Pool } from '@relance/platform';
import { v7 as uuidv7 } from 'uuid';
import { LoyaltyHistory, type StreamEvents } from './loyalty-history.js';

export interface SeedReport {
  readonly events: number;
  readonly customers: number;
  readonly seconds: number;
}

/**
 * Writes about `target` events of one merchant's history through the event store's batched append
 * (one call per stream, up to 500 events each), from `writers` concurrent writers. Customer keys are
 * created in bulk the way the key store would (wrapped by the master key), so profiles open.
 */
export async function seedHistory(pool: Pool, store: EventStore, masterKey: Buffer, program: ActiveProgram, target: number, writers = 6): Promise<SeedReport> {
  const started = performance.now();
  const merchantId = 'bench-cave';
  const history = new LoyaltyHistory(merchantId, program);
  let events = 0;
  let customers = 0;
  const queue: StreamEvents[] = [];
  const keyRows: { customer: string; wrapped: Buffer }[] = [];
  const flushKeys = async () => {
    if (keyRows.length === 0) return;
    const rows = keyRows.splice(0);
    await pool.query(
      `INSERT INTO customer_keys (merchant_id, customer_id, wrapped_key, master_key_id)
       SELECT $1, c, w, $4 FROM unnest($2::text[], $3::bytea[]) AS k(c, w)`,
      [merchantId, rows.map((r) => r.customer), rows.map((r) => r.wrapped), masterKeyId(masterKey)],
    );
  };
  // Customers first (about 90% of the log), then the campaigns, anonymous sales fill the rest.
  while (events < target * 0.88) {
    const n = customers++;
    const owner = `${merchantId}/c${n}`;
    const dataKey = randomBytes(32);
    keyRows.push({ customer: `c${n}`, wrapped: wrapKey(masterKey, dataKey, owner) });
    const life = history.customer(n, sealJson(dataKey, { firstName: 'Prénom', lastName: `Nom ${n}`, email: `c${n}@example.fr` }, owner));
    queue.push(life);
    events += life.events.length;
  }
  await flushKeys();
  // Each campaign targets 2,000 distinct customers (fewer in a small run), each customer at most once.
  const perCampaign = Math.min(2000, customers);
  for (let c = 0; events < target * 0.95; c++) {
    const slice = Array.from({ length: perCampaign }, (_, i) => (c * perCampaign + i) % customers);
    for (const s of history.campaign(`camp${c}`, slice)) {
      queue.push(s);
      events += s.events.length;
    }
  }
  for (let n = 0; events < target; n++) {
    queue.push(history.anonymousSale(n));
    events++;
  }

  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < queue.length) {
        const item = queue[next++]!;
        for (let i = 0; i < item.events.length; i += 500) {
          await store.append(item.streamId, item.events.slice(i, i + 500).map((e) => withMetadata(merchantId, e, item.at)), 'any');
        }
      }
    }),
  );
  return { events, customers, seconds: (performance.now() - started) / 1000 };
}

function withMetadata(merchantId: string, event: { type: string; data: unknown }, at: string): EventToAppend {
  const eventId = uuidv7();
  return { type: event.type, data: event.data, metadata: { eventId, merchantId, correlationId: eventId, causationId: eventId, actor: 'system:bench', occurredAt: at, recordedAt: at } };
}
