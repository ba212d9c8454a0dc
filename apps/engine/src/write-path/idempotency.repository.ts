import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { openJson, sealJson, type CustomerKeyStore } from '@relance/platform';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { MicroBatcher } from '@relance/event-store';

export type ClaimResult =
  | { readonly kind: 'claimed'; readonly seed: string; readonly attempt: number }
  | { readonly kind: 'replay'; readonly status: number; readonly body: string }
  | { readonly kind: 'in-progress'; readonly retryAfterSeconds: number }
  | { readonly kind: 'mismatch' }
  /** The stored response carried this customer's personal data, and their key is destroyed since. */
  | { readonly kind: 'erased'; readonly customerId: string };

// One statement, one commit, for a whole batch: first the completions (responses stored, by the holder
// of the current attempt only), then the claims. A new key inserts; an abandoned claim (lease over,
// same request) is taken over with its seed kept and the attempt counter bumped; anything else returns
// no row. Claims are sorted, so that concurrent batches lock rows in the same order. A key is never
// both completed and claimed in one batch (the batcher keeps one item per key).
const CLAIM_AND_COMPLETE = {
  name: 'relance_idempotency_claim_complete_batch',
  text: `
WITH completed AS (
  UPDATE idempotency_keys k
     SET status = 'completed', response_status = c.status, response_body = c.body, response_owner = c.owner, completed_at = now(), locked_until = NULL
    FROM unnest($7::text[], $8::text[], $9::int[], $10::int[], $11::text[], $12::text[]) AS c(m, key, attempt, status, body, owner)
   WHERE k.merchant_id = c.m AND k.idempotency_key = c.key AND k.attempt = c.attempt AND k.status = 'in_progress'
)
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
SELECT status, request_hash, response_status, response_body, response_owner,
       (locked_until IS NULL OR locked_until <= now()) AS expired,
       GREATEST(1, ceil(extract(epoch FROM locked_until - now())))::int AS retry_after
  FROM idempotency_keys WHERE merchant_id = $1 AND idempotency_key = $2`,
};

const RELEASE = {
  name: 'relance_idempotency_release',
  text: `
UPDATE idempotency_keys SET locked_until = now()
 WHERE merchant_id = $1 AND idempotency_key = $2 AND attempt = $3 AND status = 'in_progress'`,
};

interface ClaimRequest {
  readonly kind: 'claim';
  readonly merchantId: string;
  readonly key: string;
  readonly requestHash: string;
}

interface Completion {
  readonly kind: 'completion';
  readonly merchantId: string;
  readonly key: string;
  readonly attempt: number;
  readonly status: number;
  /** Sealed already. */
  readonly body: string;
  readonly owner: string | null;
}

/** What a response sealed with a customer's key holds: the key binds it to its record. */
interface OwnedResponse {
  readonly idempotencyKey: string;
  readonly body: string;
}

const REHASH = {
  name: 'relance_idempotency_rehash',
  text: 'UPDATE idempotency_keys SET request_hash = $3 WHERE merchant_id = $1 AND idempotency_key = $2 AND request_hash = $4',
};

type Claimed = { readonly seed: string; readonly attempt: number } | null;

const recordKey = (r: { merchantId: string; key: string }) => `${r.merchantId}\u0000${r.key}`;

/**
 * Idempotency records (migrations/0011_idempotency_keys.sql). Claims and completions from concurrent
 * requests travel in one batch: one round trip and one commit for both, where each would otherwise
 * cost its own on every request.
 */
export class IdempotencyRepository {
  private readonly batches: MicroBatcher<ClaimRequest | Completion, Claimed>;

  private readonly sealKey: Buffer;
  private readonly hashKey: Buffer;

  /**
   * Responses are stored sealed (AES-256-GCM). One that carries a customer's personal data (their
   * profile) is sealed with that customer's own key, so that destroying the key erases this copy too;
   * the others with a key derived from the master key, bound to merchant and Idempotency-Key. The
   * request is kept as a keyed hash (HMAC, a key derived from the master key): a plain hash of a body
   * would let anyone holding a dump confirm a guessed email or name.
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly leaseSeconds: number,
    private readonly retentionHours: number,
    masterKey: Buffer,
    private readonly keys: CustomerKeyStore,
  ) {
    this.sealKey = Buffer.from(hkdfSync('sha256', masterKey, 'relance-idempotent-responses', 'v1', 32));
    this.hashKey = Buffer.from(hkdfSync('sha256', masterKey, 'relance-idempotent-requests', 'v1', 32));
    this.batches = new MicroBatcher<ClaimRequest | Completion, Claimed>((items) => this.send(items), recordKey);
  }

  /** The stored form of a request (`METHOD /path` and canonical body, or a webhook's own key). */
  fingerprint(request: string): string {
    return `h1:${createHmac('sha256', this.hashKey).update(request).digest('hex')}`;
  }

  /**
   * `request` is what identifies the request (see fingerprint). A record written before requests were
   * keyed holds the SHA-256 of it (API) or the text itself (webhooks): those still match, and an
   * abandoned claim of that kind is converted so that it can be taken over.
   */
  async claim(merchantId: string, key: string, request: string): Promise<ClaimResult> {
    const requestHash = this.fingerprint(request);
    for (let tries = 0; tries < 3; tries++) {
      const row = await this.batches.submit({ kind: 'claim', merchantId, key, requestHash });
      if (row) return { kind: 'claimed', seed: row.seed, attempt: row.attempt };
      const existing = await this.pool.query<{
        status: 'in_progress' | 'completed';
        request_hash: string;
        response_status: number | null;
        response_body: string | null;
        response_owner: string | null;
        expired: boolean;
        retry_after: number | null;
      }>({ ...EXISTING, values: [merchantId, key] });
      const found = existing.rows[0];
      // Purged between the two statements: claim again.
      if (!found) continue;
      const legacy = found.request_hash === request || found.request_hash === createHash('sha256').update(request).digest('hex');
      if (found.request_hash !== requestHash && !legacy) return { kind: 'mismatch' };
      if (found.status === 'completed') return this.replay(merchantId, key, found.response_status!, found.response_body ?? '', found.response_owner);
      if (legacy && found.expired) {
        await this.pool.query({ ...REHASH, values: [merchantId, key, requestHash, found.request_hash] });
        continue;
      }
      // The lease ran out between the two statements: claim again to take it over.
      if (found.expired) continue;
      return { kind: 'in-progress', retryAfterSeconds: found.retry_after ?? 1 };
    }
    return { kind: 'in-progress', retryAfterSeconds: 1 };
  }

  /**
   * Stores the response. Only the holder of the current attempt may: a taken-over claim is not
   * overwritten. `owner`: the customer whose personal data the response carries, whose key seals it.
   */
  async complete(merchantId: string, key: string, attempt: number, status: number, body: string, owner: string | null = null): Promise<void> {
    const sealed = owner
      ? await this.keys.seal(merchantId, owner, { idempotencyKey: key, body } satisfies OwnedResponse)
      : sealJson(this.sealKey, body, recordKey({ merchantId, key }));
    await this.batches.submit({ kind: 'completion', merchantId, key, attempt, status, body: sealed, owner });
  }

  private async replay(merchantId: string, key: string, status: number, sealed: string, owner: string | null): Promise<ClaimResult> {
    if (owner === null) return { kind: 'replay', status, body: openJson<string>(this.sealKey, sealed, recordKey({ merchantId, key })) };
    const opened = await this.keys.open<OwnedResponse>(merchantId, owner, sealed);
    if (opened === null) return { kind: 'erased', customerId: owner };
    // Another record's response, sealed with the same customer's key, copied here.
    if (opened.idempotencyKey !== key) throw new Error(`The stored response of Idempotency-Key ${key} belongs to another record`);
    return { kind: 'replay', status, body: opened.body };
  }

  private async send(items: readonly (ClaimRequest | Completion)[]): Promise<Claimed[]> {
    const claims = items.filter((i): i is ClaimRequest => i.kind === 'claim');
    const completions = items.filter((i): i is Completion => i.kind === 'completion');
    const { rows } = await this.pool.query<{ merchant_id: string; idempotency_key: string; seed: string; attempt: number }>({
      ...CLAIM_AND_COMPLETE,
      values: [
        claims.map((i) => i.merchantId),
        claims.map((i) => i.key),
        claims.map((i) => i.requestHash),
        claims.map(() => uuidv7()),
        this.leaseSeconds,
        this.retentionHours,
        completions.map((i) => i.merchantId),
        completions.map((i) => i.key),
        completions.map((i) => i.attempt),
        completions.map((i) => i.status),
        completions.map((i) => i.body),
        completions.map((i) => i.owner),
      ],
    });
    const claimed = new Map(rows.map((r) => [recordKey({ merchantId: r.merchant_id, key: r.idempotency_key }), r]));
    return items.map((i) => {
      if (i.kind === 'completion') return null;
      const row = claimed.get(recordKey(i));
      return row ? { seed: row.seed, attempt: row.attempt } : null;
    });
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
