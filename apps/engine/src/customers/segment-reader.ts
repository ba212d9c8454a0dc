import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@relance/platform';
import type pg from 'pg';

const RECHECK_MS = 60_000;

/**
 * The customer's RFM segment from the projector's read model (table `customers`, built elsewhere).
 * Until that table exists (or while the customer has no row) the segment is null; a missing table is
 * looked for again once a minute rather than on every request.
 */
@Injectable()
export class SegmentReader {
  private missingUntil = 0;

  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  async segmentOf(merchantId: string, customerId: string): Promise<string | null> {
    if (Date.now() < this.missingUntil) return null;
    try {
      // Unnamed on purpose: a named statement would be prepared before the table exists and stay broken.
      const { rows } = await this.pool.query<{ segment: string | null }>(
        'SELECT segment::text AS segment FROM customers WHERE merchant_id = $1 AND customer_id = $2',
        [merchantId, customerId],
      );
      return rows[0]?.segment ?? null;
    } catch (error) {
      const code = (error as { code?: string }).code;
      // 42P01: no such table; 42703: no such column (the projector's migrations have not run here).
      if (code === '42P01' || code === '42703') {
        this.missingUntil = Date.now() + RECHECK_MS;
        return null;
      }
      throw error;
    }
  }
}
