import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@relance/platform';
import type pg from 'pg';
import type { Platform } from './integration-secrets.repository.js';

/** Platform line item id → purchase line number, per recorded order (migrations/0057_shop_order_lines.sql). */
@Injectable()
export class ShopOrderLines {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  /** The order's line item ids in purchase line order; a redelivery keeps the first row. */
  async remember(merchantId: string, platform: Platform, orderId: string, lineItemIds: readonly string[]): Promise<void> {
    await this.pool.query(
      `INSERT INTO shop_order_lines (merchant_id, platform, order_id, line_item_ids) VALUES ($1, $2, $3, $4::text[])
       ON CONFLICT (merchant_id, platform, order_id) DO NOTHING`,
      [merchantId, platform, orderId, lineItemIds],
    );
  }

  /** The line item ids of a recorded order, or null for an order recorded before they were kept. */
  async of(merchantId: string, platform: Platform, orderId: string): Promise<readonly string[] | null> {
    const { rows } = await this.pool.query<{ line_item_ids: string[] }>(
      'SELECT line_item_ids FROM shop_order_lines WHERE merchant_id = $1 AND platform = $2 AND order_id = $3',
      [merchantId, platform, orderId],
    );
    return rows[0]?.line_item_ids ?? null;
  }
}
