import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { PiiUnavailableError, masterKeyId, openJson, sealJson, unwrapKey, wrapKey } from './pii-cipher.js';

/**
 * The per-customer data keys, wrapped by the master key in PostgreSQL. Unwrapped keys are cached in
 * memory (bounded); a destroyed key is gone for good, and so is everything sealed with it.
 */
export class CustomerKeyStore {
  private readonly cache = new Map<string, Buffer>();
  private readonly masterId: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly masterKey: Buffer,
    private readonly cacheSize = 50_000,
  ) {
    this.masterId = masterKeyId(masterKey);
  }

  /** The customer's key, created on first use. Concurrent first uses agree on one key. */
  async keyFor(merchantId: string, customerId: string): Promise<Buffer> {
    const cached = this.cached(merchantId, customerId);
    if (cached) return cached;
    const owner = ownerOf(merchantId, customerId);
    const fresh = randomBytes(32);
    await this.pool.query(
      `INSERT INTO customer_keys (merchant_id, customer_id, wrapped_key, master_key_id)
       VALUES ($1, $2, $3, $4) ON CONFLICT (merchant_id, customer_id) DO NOTHING`,
      [merchantId, customerId, wrapKey(this.masterKey, fresh, owner), this.masterId],
    );
    const key = await this.load(merchantId, customerId);
    if (!key) throw new PiiUnavailableError(`The key of customer ${customerId} was destroyed`);
    return key;
  }

  /** The customer's key, or null when it never existed or was destroyed. */
  async existingKey(merchantId: string, customerId: string): Promise<Buffer | null> {
    return this.cached(merchantId, customerId) ?? (await this.load(merchantId, customerId));
  }

  async seal(merchantId: string, customerId: string, value: unknown): Promise<string> {
    return sealJson(await this.keyFor(merchantId, customerId), value, ownerOf(merchantId, customerId));
  }

  /** Opens sealed data, or returns null when the customer's key is gone (erased). */
  async open<T>(merchantId: string, customerId: string, sealed: string): Promise<T | null> {
    const key = await this.existingKey(merchantId, customerId);
    return key ? openJson<T>(key, sealed, ownerOf(merchantId, customerId)) : null;
  }

  /**
   * Opens many sealed values at once, loading the keys not yet cached in one query (a projector opens
   * thousands of profiles per batch). Each result is null when that customer's key is gone.
   */
  async openMany<T>(items: readonly { merchantId: string; customerId: string; sealed: string }[]): Promise<(T | null)[]> {
    const missing = new Map<string, { merchantId: string; customerId: string }>();
    for (const item of items) {
      const owner = ownerOf(item.merchantId, item.customerId);
      if (!this.cache.has(owner)) missing.set(owner, item);
    }
    const loaded = new Map<string, Buffer>();
    if (missing.size > 0) {
      const owners = [...missing.values()];
      const { rows } = await this.pool.query<{ merchant_id: string; customer_id: string; wrapped_key: Buffer | null; master_key_id: string }>(
        `SELECT k.merchant_id, k.customer_id, k.wrapped_key, k.master_key_id
           FROM customer_keys k JOIN unnest($1::text[], $2::text[]) AS o(m, c) ON k.merchant_id = o.m AND k.customer_id = o.c`,
        [owners.map((o) => o.merchantId), owners.map((o) => o.customerId)],
      );
      for (const row of rows) {
        if (!row.wrapped_key) continue;
        const key = this.unwrap(row.merchant_id, row.customer_id, row.wrapped_key, row.master_key_id);
        loaded.set(ownerOf(row.merchant_id, row.customer_id), key);
      }
    }
    return items.map((item) => {
      const owner = ownerOf(item.merchantId, item.customerId);
      const key = this.cache.get(owner) ?? loaded.get(owner);
      return key ? openJson<T>(key, item.sealed, owner) : null;
    });
  }

  /** Crypto-shredding: after this, nothing sealed for the customer can be read again. */
  async destroy(merchantId: string, customerId: string): Promise<void> {
    await this.pool.query(
      `UPDATE customer_keys SET wrapped_key = NULL, destroyed_at = now()
        WHERE merchant_id = $1 AND customer_id = $2 AND wrapped_key IS NOT NULL`,
      [merchantId, customerId],
    );
    this.cache.delete(ownerOf(merchantId, customerId));
  }

  private cached(merchantId: string, customerId: string): Buffer | undefined {
    return this.cache.get(ownerOf(merchantId, customerId));
  }

  private async load(merchantId: string, customerId: string): Promise<Buffer | null> {
    const { rows } = await this.pool.query<{ wrapped_key: Buffer | null; master_key_id: string }>(
      'SELECT wrapped_key, master_key_id FROM customer_keys WHERE merchant_id = $1 AND customer_id = $2',
      [merchantId, customerId],
    );
    const row = rows[0];
    if (!row?.wrapped_key) return null;
    return this.unwrap(merchantId, customerId, row.wrapped_key, row.master_key_id);
  }

  private unwrap(merchantId: string, customerId: string, wrapped: Buffer, masterKeyIdOfRow: string): Buffer {
    if (masterKeyIdOfRow !== this.masterId) {
      throw new PiiUnavailableError(`The key of customer ${customerId} was wrapped by another master key (${masterKeyIdOfRow})`);
    }
    const owner = ownerOf(merchantId, customerId);
    const key = unwrapKey(this.masterKey, wrapped, owner);
    if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(owner, key);
    return key;
  }
}

function ownerOf(merchantId: string, customerId: string): string {
  return `${merchantId}/${customerId}`;
}
