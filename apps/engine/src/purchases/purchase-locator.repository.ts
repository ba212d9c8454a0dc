import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { BOOKKEEPING_POOL } from '../engine.tokens.js';
import { MicroBatcher } from '../shared/micro-batcher.js';

interface Reservation {
  readonly merchantId: string;
  readonly purchaseId: string;
  readonly streamId: string;
}

/** Purchase id → the stream holding it (migrations/0013_purchase_locator.sql). Reservations are batched. */
@Injectable()
export class PurchaseLocator {
  private readonly reservations: MicroBatcher<Reservation, { streamId: string; inserted: boolean }>;

  constructor(@Inject(BOOKKEEPING_POOL) private readonly pool: pg.Pool) {
    this.reservations = new MicroBatcher((items) => this.reserveAll(items), (r) => `${r.merchantId}\u0000${r.purchaseId}`);
  }

  /**
   * Reserves the purchase id for a stream, or returns the stream that already has it. The no-op
   * update makes the row come back even when a concurrent request inserted it first.
   */
  reserve(merchantId: string, purchaseId: string, streamId: string): Promise<{ streamId: string; inserted: boolean }> {
    return this.reservations.submit({ merchantId, purchaseId, streamId });
  }

  private async reserveAll(items: readonly Reservation[]): Promise<{ streamId: string; inserted: boolean }[]> {
    const { rows } = await this.pool.query<{ merchant_id: string; purchase_id: string; stream_id: string; inserted: boolean }>({
      name: 'relance_purchase_locator_reserve_batch',
      text: `
INSERT INTO purchase_locator AS l (merchant_id, purchase_id, stream_id)
SELECT u.m, u.p, u.s FROM unnest($1::text[], $2::text[], $3::text[]) AS u(m, p, s) ORDER BY u.m, u.p
ON CONFLICT (merchant_id, purchase_id) DO UPDATE SET stream_id = l.stream_id
RETURNING merchant_id, purchase_id, stream_id, (xmax = 0) AS inserted`,
      values: [items.map((i) => i.merchantId), items.map((i) => i.purchaseId), items.map((i) => i.streamId)],
    });
    const found = new Map(rows.map((r) => [`${r.merchant_id}\u0000${r.purchase_id}`, r]));
    return items.map((i) => {
      const row = found.get(`${i.merchantId}\u0000${i.purchaseId}`)!;
      return { streamId: row.stream_id, inserted: row.inserted };
    });
  }

  async find(merchantId: string, purchaseId: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ stream_id: string }>({
      name: 'relance_purchase_locator_find',
      text: 'SELECT stream_id FROM purchase_locator WHERE merchant_id = $1 AND purchase_id = $2',
      values: [merchantId, purchaseId],
    });
    return rows[0]?.stream_id ?? null;
  }

  /** A merge: the duplicate's purchases are now in the survivor's stream. */
  async moveStream(merchantId: string, from: string, to: string): Promise<void> {
    await this.pool.query('UPDATE purchase_locator SET stream_id = $3 WHERE merchant_id = $1 AND stream_id = $2', [merchantId, from, to]);
  }

  async release(merchantId: string, purchaseId: string, streamId: string): Promise<void> {
    await this.pool.query('DELETE FROM purchase_locator WHERE merchant_id = $1 AND purchase_id = $2 AND stream_id = $3', [merchantId, purchaseId, streamId]);
  }
}
