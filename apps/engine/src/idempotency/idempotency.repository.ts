import { hkdfSync } from 'node:crypto';
import { openJson, sealJson } from '@relance/platform';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { MicroBatcher } from '../shared/micro-batcher.js';

export type ClaimResult =
  | { readonly kind: 'claimed'; readonly seed: string; readonly attempt: number }
  | { readonly kind: 'replay'; readonly status: number; readonly body: string }
  | { readonly kind: 'in-progress'; readonly retryAfterSeconds: number }
  | { readonly kind: 'mismatch' };

// One statement for a whole batch of claims: a new key inserts; an abandoned claim (lease over, same
// request) is taken over with its seed kept and the attempt counter bumped; anything else returns no
// row. Sorted, so that concurrent batches lock rows in the same order.
const CLAIM = {
  name: 'relance_idempotency_claim_batch',
  text: `
INSERT INTO idempotency_keys AS k (merchant_id, idempotency_key, request_hash, seed, status, locked_until, expires_at)
SELECT u.m, u.key, u.hash, u.seed, 'in_progress', now() + make_interval(secs => $5), now() + make_interval(hours => $6)
  FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[]) AS u(m, key, hash, seed)
 ORDER BY u.m, u.key
ON CONFLICT (merchant_id, idempotency_key) DO UPDATE
   SET attempt = k.attempt + 1, locked_until = EXCLUDED.locked_until
 WHERE k.status = 'in_progress' AND k.locked_until < now() AND k.request_hash = EXCLUDED.request_hash
RETURNING merchant_id, idempotency_key, seed::text AS seed, attempt`,
};

const EXISTING = {
  name: 'relance_idempotency_existing',
  text: `
SELECT status, request_hash, response_status, response_body,
       (locked_until IS NULL OR locked_until <= now()) AS expired,
       GREATEST(1, ceil(extract(epoch FROM locked_until - now())))::int AS retry_after
  FROM idempotency_keys WHERE merchant_id = $1 AND idempotency_key = $2`,
};

const COMPLETE = {
  name: 'relance_idempotency_complete_batch',
  text: `
UPDATE idempotency_keys k
   SET status = 'completed', response_status = u.status, response_body = u.body, completed_at = now(), locked_until = NULL
  FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::text[]) AS u(m, key, attempt, status, body)
 WHERE k.merchant_id = u.m AND k.idempotency_key = u.key AND k.attempt = u.attempt AND k.status = 'in_progress'`,
};

const RELEASE = {
  name: 'relance_idempotency_release',
  text: `
UPDATE idempotency_keys SET locked_until = now()
 WHERE merchant_id = $1 AND idempotency_key = $2 AND attempt = $3 AND status = 'in_progress'`,
};

interface ClaimRequest {
  readonly merchantId: string;
  readonly key: string;
  readonly requestHash: string;
}

interface Completion {
  readonly merchantId: string;
  readonly key: string;
  readonly attempt: number;
  readonly status: number;
  readonly body: string;
}

const recordKey = (r: { merchantId: string; key: string }) => `${r.merchantId}\u0000${r.key}`;

/** Idempotency records (migrations/0011_idempotency_keys.sql); claims and completions are batched. */
export class IdempotencyRepository {
  private readonly claims: MicroBatcher<ClaimRequest, { seed: string; attempt: number } | null>;
  private readonly completions: MicroBatcher<Completion, void>;

  private readonly sealKey: Buffer;

  /**
   * Responses are stored sealed (AES-256-GCM, a key derived from the master key, bound to merchant and
   * Idempotency-Key): a customer's response carries their profile in clear, which must not sit in a
   * table in clear either.
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly leaseSeconds: number,
    private readonly retentionHours: number,
    masterKey: Buffer,
  ) {
    this.sealKey = Buffer.from(hkdfSync('sha256', masterKey, 'relance-idempotent-responses', 'v1', 32));
    this.claims = new MicroBatcher<ClaimRequest, { seed: string; attempt: number } | null>((items) => this.tryClaims(items), recordKey);
    this.completions = new MicroBatcher<Completion, void>((items) => this.completeAll(items), recordKey);
  }

  async claim(merchantId: string, key: string, requestHash: string): Promise<ClaimResult> {
    for (let tries = 0; tries < 3; tries++) {
      const row = await this.claims.submit({ merchantId, key, requestHash });
      if (row) return { kind: 'claimed', seed: row.seed, attempt: row.attempt };
      const existing = await this.pool.query<{
        status: 'in_progress' | 'completed';
        request_hash: string;
        response_status: number | null;
        response_body: string | null;
        expired: boolean;
        retry_after: number | null;
      }>({ ...EXISTING, values: [merchantId, key] });
      const found = existing.rows[0];
      // Purged between the two statements: claim again.
      if (!found) continue;
      if (found.request_hash !== requestHash) return { kind: 'mismatch' };
      if (found.status === 'completed') {
        return { kind: 'replay', status: found.response_status!, body: openJson<string>(this.sealKey, found.response_body ?? '', recordKey({ merchantId, key })) };
      }
      // The lease ran out between the two statements: claim again to take it over.
      if (found.expired) continue;
      return { kind: 'in-progress', retryAfterSeconds: found.retry_after ?? 1 };
    }
    return { kind: 'in-progress', retryAfterSeconds: 1 };
  }

  /** Stores the response. Only the holder of the current attempt may: a taken-over claim is not overwritten. */
  complete(merchantId: string, key: string, attempt: number, status: number, body: string): Promise<void> {
    return this.completions.submit({ merchantId, key, attempt, status, body });
  }

  private async tryClaims(items: readonly ClaimRequest[]): Promise<({ seed: string; attempt: number } | null)[]> {
    const { rows } = await this.pool.query<{ merchant_id: string; idempotency_key: string; seed: string; attempt: number }>({
      ...CLAIM,
      values: [
        items.map((i) => i.merchantId),
        items.map((i) => i.key),
        items.map((i) => i.requestHash),
        items.map(() => uuidv7()),
        this.leaseSeconds,
        this.retentionHours,
      ],
    });
    const claimed = new Map(rows.map((r) => [recordKey({ merchantId: r.merchant_id, key: r.idempotency_key }), r]));
    return items.map((i) => {
      const row = claimed.get(recordKey(i));
      return row ? { seed: row.seed, attempt: row.attempt } : null;
    });
  }

  private async completeAll(items: readonly Completion[]): Promise<void[]> {
    await this.pool.query({
      ...COMPLETE,
      values: [items.map((i) => i.merchantId), items.map((i) => i.key), items.map((i) => i.attempt), items.map((i) => i.status), items.map((i) => sealJson(this.sealKey, i.body, recordKey(i)))],
    });
    return items.map(() => undefined);
  }

  /** Ends the lease at once after a failure, so that a retry takes over (with the same seed) without waiting. */
  async release(merchantId: string, key: string, attempt: number): Promise<void> {
    await this.pool.query({ ...RELEASE, values: [merchantId, key, attempt] });
  }

  /** Deletes expired records, a batch at a time; returns how many went. */
  async purgeExpired(batch = 5000): Promise<number> {
    const result = await this.pool.query(
      `DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
         SELECT ctid FROM idempotency_keys WHERE expires_at < now() LIMIT $1))`,
      [batch],
    );
    return result.rowCount ?? 0;
  }
}
