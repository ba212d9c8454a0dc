import { Inject, Injectable } from '@nestjs/common';
import { sql } from '@relance/platform';
import type pg from 'pg';
import { BOOKKEEPING_POOL } from '../engine.tokens.js';

export type IdentityKind = 'email' | 'phone';

export interface Identity {
  readonly kind: IdentityKind;
  readonly hash: string;
}

export interface Reservation extends Identity {
  /** True when this call created it (and must release it if the command fails). */
  readonly inserted: boolean;
  readonly owner: string;
  /** Older than `staleAfterSeconds`: a reservation a dead process may have left behind. */
  readonly stale: boolean;
}

/** Identity reservations (migrations/0012_customer_identities.sql): blind-index hash → customer. */
@Injectable()
export class IdentityReservations {
  constructor(@Inject(BOOKKEEPING_POOL) private readonly pool: pg.Pool) {}

  /** Reserves each identity for the customer, or reports who holds it. Already the customer's: not inserted. */
  async reserve(merchantId: string, customerId: string, identities: readonly Identity[], staleAfterSeconds: number): Promise<Reservation[]> {
    if (identities.length === 0) return [];
    const kinds = identities.map((i) => i.kind);
    const hashes = identities.map((i) => i.hash);
    // ON CONFLICT DO UPDATE (a no-op update) returns the row either way, with its owner, even when a
    // concurrent insert won the race; xmax = 0 tells a fresh insert.
    const { rows } = await this.pool.query<{ kind: IdentityKind; identity_hash: string; customer_id: string; inserted: boolean; stale: boolean }>({
      name: 'relance_identity_reserve',
      text: `
INSERT INTO customer_identities AS c (merchant_id, kind, identity_hash, customer_id)
SELECT $1, w.kind, w.identity_hash, $4 FROM unnest($2::text[], $3::text[]) AS w(kind, identity_hash)
ON CONFLICT (merchant_id, kind, identity_hash) DO UPDATE SET customer_id = c.customer_id
RETURNING kind, identity_hash, customer_id, (xmax = 0) AS inserted,
          created_at < now() - make_interval(secs => $5) AS stale`,
      values: [merchantId, kinds, hashes, customerId, staleAfterSeconds],
    });
    return rows.map((r) => ({ kind: r.kind, hash: r.identity_hash, owner: r.customer_id, inserted: r.inserted, stale: r.stale }));
  }

  /** Moves one reservation from a customer that never came to be; false when someone else moved it first. */
  async takeOver(merchantId: string, identity: Identity, from: string, to: string): Promise<boolean> {
    const result = await this.pool.query(sql`
      UPDATE customer_identities SET customer_id = ${to}, created_at = now()
       WHERE merchant_id = ${merchantId} AND kind = ${identity.kind} AND identity_hash = ${identity.hash} AND customer_id = ${from}`);
    return result.rowCount === 1;
  }

  async release(merchantId: string, customerId: string, identities: readonly Identity[]): Promise<void> {
    for (const identity of identities) {
      await this.pool.query(sql`
        DELETE FROM customer_identities
         WHERE merchant_id = ${merchantId} AND kind = ${identity.kind} AND identity_hash = ${identity.hash} AND customer_id = ${customerId}`);
    }
  }

  /** A merge: the duplicate's identities now point at the survivor. */
  async moveAll(merchantId: string, from: string, to: string): Promise<void> {
    await this.pool.query(sql`UPDATE customer_identities SET customer_id = ${to} WHERE merchant_id = ${merchantId} AND customer_id = ${from}`);
  }

  async owner(merchantId: string, identity: Identity): Promise<string | null> {
    const { rows } = await this.pool.query<{ customer_id: string }>(sql`
      SELECT customer_id FROM customer_identities
       WHERE merchant_id = ${merchantId} AND kind = ${identity.kind} AND identity_hash = ${identity.hash}`);
    return rows[0]?.customer_id ?? null;
  }
}
