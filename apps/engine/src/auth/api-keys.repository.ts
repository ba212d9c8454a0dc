import type pg from 'pg';
import { sql } from '@relance/platform';
import { newApiKey } from './api-key-token.js';
import type { Role } from './permissions.js';

export interface StoredApiKey {
  readonly merchantId: string;
  readonly keyId: string;
  readonly role: Role;
  readonly secretHash: Buffer;
  readonly revoked: boolean;
}

export interface ApiKeyListing {
  readonly keyId: string;
  readonly role: Role;
  readonly name: string | null;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
}

/** API keys in PostgreSQL (migrations/0010_api_keys.sql). Used by the guard and by `relance keys`. */
export class ApiKeysRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Creates a key and returns its token: the only time it is ever visible. */
  async create(merchantId: string, role: Role, name: string | null): Promise<{ keyId: string; token: string }> {
    const key = newApiKey();
    await this.pool.query(sql`
      INSERT INTO api_keys (merchant_id, key_id, secret_hash, role, name)
      VALUES (${merchantId}, ${key.keyId}, ${key.secretHash}, ${role}, ${name})`);
    return { keyId: key.keyId, token: key.token };
  }

  async find(keyId: string): Promise<StoredApiKey | null> {
    const { rows } = await this.pool.query<{ merchant_id: string; role: Role; secret_hash: Buffer; revoked: boolean }>({
      name: 'relance_api_key_find',
      text: 'SELECT merchant_id, role, secret_hash, revoked_at IS NOT NULL AS revoked FROM api_keys WHERE key_id = $1',
      values: [keyId],
    });
    const row = rows[0];
    return row ? { merchantId: row.merchant_id, keyId, role: row.role, secretHash: row.secret_hash, revoked: row.revoked } : null;
  }

  async list(merchantId: string): Promise<ApiKeyListing[]> {
    const { rows } = await this.pool.query<{
      key_id: string;
      role: Role;
      name: string | null;
      created_at: Date;
      revoked_at: Date | null;
      last_used_at: Date | null;
    }>(sql`
      SELECT key_id, role, name, created_at, revoked_at, last_used_at FROM api_keys
       WHERE merchant_id = ${merchantId} ORDER BY created_at, key_id`);
    return rows.map((r) => ({
      keyId: r.key_id,
      role: r.role,
      name: r.name,
      createdAt: r.created_at,
      revokedAt: r.revoked_at,
      lastUsedAt: r.last_used_at,
    }));
  }

  /** True when a key of this merchant was revoked now; false when unknown or already revoked. */
  async revoke(merchantId: string, keyId: string): Promise<boolean> {
    const result = await this.pool.query(sql`
      UPDATE api_keys SET revoked_at = now()
       WHERE merchant_id = ${merchantId} AND key_id = ${keyId} AND revoked_at IS NULL`);
    return result.rowCount === 1;
  }

  async touch(keyId: string): Promise<void> {
    await this.pool.query({ name: 'relance_api_key_touch', text: 'UPDATE api_keys SET last_used_at = now() WHERE key_id = $1', values: [keyId] });
  }
}
