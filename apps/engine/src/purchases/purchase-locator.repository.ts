import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type AppConfig } from '@relance/platform';
import type pg from 'pg';
import { BOOKKEEPING_POOL } from '../engine.tokens.js';
import { MicroBatcher } from '@relance/event-store';

interface Reservation {
  readonly merchantId: string;
  readonly purchaseId: string;
  readonly streamId: string;
  readonly seed: string;
}

export interface ReservedPurchase {
  /** The stream the id belongs to (another one than asked: recorded elsewhere). */
  readonly streamId: string;
  /** True when this call created the reservation: no command ever had this id before. */
  readonly inserted: boolean;
  /** The seed of the command that holds the reservation (null for reservations older than seeds). */
  readonly seed: string | null;
  /** The purchase was found recorded in its stream. */
  readonly recorded: boolean;
  /** Older than an idempotency lease: a command still running would have finished with it. */
  readonly stale: boolean;
}

/**
 * Purchase id → the stream holding it (migrations/0013_purchase_locator.sql, 0045). Refunds find their
 * purchase's stream here, and the reservation keeps one purchase id from being recorded twice, on two
 * streams or on the same one long after. Reservations are batched.
 */
@Injectable()
export class PurchaseLocator {
  private readonly reservations: MicroBatcher<Reservation, ReservedPurchase>;

  constructor(
    @Inject(BOOKKEEPING_POOL) private readonly pool: pg.Pool,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {
    this.reservations = new MicroBatcher((items) => this.reserveAll(items), (r) => `${r.merchantId}\u0000${r.purchaseId}`);
  }

  /**
   * Reserves the purchase id for a stream and a command, or returns the reservation that holds it.
   * The no-op update makes the row come back even when a concurrent request inserted it first.
   */
  reserve(merchantId: string, purchaseId: string, streamId: string, seed: string): Promise<ReservedPurchase> {
    return this.reservations.submit({ merchantId, purchaseId, streamId, seed });
  }

  private async reserveAll(items: readonly Reservation[]): Promise<ReservedPurchase[]> {
    const { rows } = await this.pool.query<{ merchant_id: string; purchase_id: string; stream_id: string; inserted: boolean; seed: string | null; recorded: boolean; stale: boolean }>({
      name: 'relance_purchase_locator_reserve_batch',
      text: `
INSERT INTO purchase_locator AS l (merchant_id, purchase_id, stream_id, seed)
SELECT u.m, u.p, u.s, u.seed FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[]) AS u(m, p, s, seed) ORDER BY u.m, u.p
ON CONFLICT (merchant_id, purchase_id) DO UPDATE SET stream_id = l.stream_id
RETURNING merchant_id, purchase_id, stream_id, (xmax = 0) AS inserted, seed::text AS seed, recorded,
          created_at < now() - make_interval(secs => $5) AS stale`,
      values: [items.map((i) => i.merchantId), items.map((i) => i.purchaseId), items.map((i) => i.streamId), items.map((i) => i.seed), this.config.idempotencyLeaseSeconds],
    });
    const found = new Map(rows.map((r) => [`${r.merchant_id}\u0000${r.purchase_id}`, r]));
    return items.map((i) => {
      const row = found.get(`${i.merchantId}\u0000${i.purchaseId}`)!;
      return { streamId: row.stream_id, inserted: row.inserted, seed: row.seed, recorded: row.recorded, stale: row.stale };
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

  /**
   * Hands a reservation that another command holds to this one, if it still holds it and the id was
   * not found recorded; false when the reservation changed meanwhile.
   */
  async takeOver(merchantId: string, purchaseId: string, from: string | null, to: string): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE purchase_locator SET seed = $4, created_at = now()
        WHERE merchant_id = $1 AND purchase_id = $2 AND seed IS NOT DISTINCT FROM $3::uuid AND NOT recorded`,
      [merchantId, purchaseId, from, to],
    );
    return result.rowCount === 1;
  }

  /** These purchase ids were found in their stream: their next duplicate is refused at once. */
  async markRecorded(merchantId: string, purchaseIds: readonly string[]): Promise<void> {
    if (purchaseIds.length === 0) return;
    await this.pool.query('UPDATE purchase_locator SET recorded = true WHERE merchant_id = $1 AND purchase_id = ANY($2::text[]) AND NOT recorded', [
      merchantId,
      purchaseIds,
    ]);
  }

  /** A merge: the duplicate's purchases are now in the survivor's stream. */
  async moveStream(merchantId: string, from: string, to: string): Promise<void> {
    await this.pool.query('UPDATE purchase_locator SET stream_id = $3 WHERE merchant_id = $1 AND stream_id = $2', [merchantId, from, to]);
  }

  /** Gives up a reservation this command holds, for a purchase it did not record. */
  async release(merchantId: string, purchaseId: string, streamId: string, seed: string): Promise<void> {
    await this.pool.query('DELETE FROM purchase_locator WHERE merchant_id = $1 AND purchase_id = $2 AND stream_id = $3 AND seed = $4::uuid AND NOT recorded', [
      merchantId,
      purchaseId,
      streamId,
      seed,
    ]);
  }
}
