import type pg from 'pg';
import type { DeliveryLane } from '@relance/platform';
import { MicroBatcher } from '@relance/event-store';

export interface PendingMessage {
  readonly merchantId: string;
  readonly messageId: string;
  readonly lane: DeliveryLane;
  readonly dueAt: string;
}

/**
 * delivery_pending (migrations/0070): what the relay handed to the queue and is still owed an
 * outcome. The relay adds rows before it enqueues, the worker removes them once the outcome is
 * appended, the reconciler re-creates the jobs of rows that lost theirs.
 */
export class DeliveryPending {
  /** Settled messages leave in one statement per batch: a commit per message costs more than the row. */
  private readonly settled: MicroBatcher<{ merchantId: string; messageId: string }, void>;

  constructor(private readonly pool: pg.Pool) {
    this.settled = new MicroBatcher<{ merchantId: string; messageId: string }, void>(
      async (items) => {
        await this.pool.query(
          'DELETE FROM delivery_pending p USING unnest($1::text[], $2::text[]) AS d(m, id) WHERE p.merchant_id = d.m AND p.message_id = d.id',
          [items.map((i) => i.merchantId), items.map((i) => i.messageId)],
        );
        return items.map(() => undefined);
      },
      (i) => `${i.merchantId}.${i.messageId}`,
      { maxBatch: 500, maxConcurrent: 2 },
    );
  }

  async add(messages: readonly PendingMessage[], client: pg.Pool | pg.PoolClient = this.pool): Promise<void> {
    if (messages.length === 0) return;
    await client.query(
      `INSERT INTO delivery_pending (merchant_id, message_id, lane, due_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
       ON CONFLICT (merchant_id, message_id) DO NOTHING`,
      [messages.map((m) => m.merchantId), messages.map((m) => m.messageId), messages.map((m) => m.lane), messages.map((m) => m.dueAt)],
    );
  }

  done(merchantId: string, messageId: string): Promise<void> {
    return this.settled.submit({ merchantId, messageId });
  }

  /** Rows relayed more than `graceMs` ago (by the database's clock), after the cursor (keyset pagination). */
  async page(graceMs: number, after: { merchantId: string; messageId: string } | null, limit: number): Promise<PendingMessage[]> {
    const { rows } = await this.pool.query<{ merchant_id: string; message_id: string; lane: DeliveryLane; due_at: Date }>(
      `SELECT merchant_id, message_id, lane, due_at FROM delivery_pending
        WHERE relayed_at < now() - $1 * interval '1 millisecond' AND (merchant_id, message_id) > ($2, $3)
        ORDER BY merchant_id, message_id LIMIT $4`,
      [graceMs, after?.merchantId ?? '', after?.messageId ?? '', limit],
    );
    return rows.map((r) => ({ merchantId: r.merchant_id, messageId: r.message_id, lane: r.lane, dueAt: r.due_at.toISOString() }));
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM delivery_pending');
    return Number(rows[0]!.n);
  }
}
